import { type Config, parseOptions } from "../src/config/schema.js";
import type { Scenario } from "../src/sim/scenario.js";

/**
 * A large lab for benchmarks: `guests` guests spread over 3 nodes, one daily job that selects
 * them all (to the shared NFS storage), `archivesPerGuest` archives each, and the job's last two
 * runs (one vzdump task per node per run) in the task history.
 */
export function benchLab(guests: number, archivesPerGuest: number, latencyMs: number): Scenario {
  const nodes = ["pve1", "pve2", "pve3"];
  const now = Date.parse("2026-02-11T10:00:00Z");
  const day = 86_400_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const list = Array.from({ length: guests }, (_, i) => ({
    vmid: 1000 + i,
    name: `guest-${1000 + i}`,
    type: (i % 3 === 0 ? "lxc" : "qemu") as "lxc" | "qemu",
    node: nodes[i % nodes.length] as string,
    backupSeconds: 1,
  }));
  const archives: NonNullable<Scenario["archives"]> = [];
  for (const g of list) {
    for (let k = 0; k < archivesPerGuest; k++) {
      archives.push({
        storage: "nas",
        vmid: g.vmid,
        type: g.type,
        time: iso(now - 7 * 3_600_000 - k * day + (g.vmid % 60) * 1000),
        sizeBytes: 1_000_000_000 + g.vmid,
        notes: g.name,
      });
    }
  }
  const tasks: NonNullable<Scenario["tasks"]> = [];
  for (const runMs of [now - 7 * 3_600_000, now - 7 * 3_600_000 - day]) {
    for (const node of nodes) {
      tasks.push({
        node,
        start: iso(runMs),
        end: iso(runMs + 3_600_000),
        jobId: "pve-backup-all",
        storage: "nas",
        guests: list.filter((g) => g.node === node).map((g) => ({ vmid: g.vmid })),
      });
    }
  }
  return {
    name: `bench-${guests}`,
    now: iso(now),
    nodes: nodes.map((name) => ({ name })),
    storages: [
      { id: "local", type: "dir", content: ["iso", "vztmpl", "backup"], shared: false },
      {
        id: "nas",
        type: "nfs",
        content: ["backup"],
        shared: true,
        server: "127.0.0.1",
        export: "/volume1/pve",
      },
    ],
    guests: list,
    jobs: [
      {
        id: "pve-backup-all",
        type: "vzdump",
        schedule: "03:00",
        enabled: 1,
        storage: "nas",
        vmid: list.map((g) => g.vmid).join(","),
        mode: "snapshot",
        compress: "zstd",
        "prune-backups": "keep-last=30",
      },
    ],
    archives,
    tasks,
    tokens: [
      {
        id: "root@pam!bench",
        secret: "11111111-2222-4333-8444-555555555555",
        acl: [{ path: "/", roles: ["Administrator"] }],
      },
    ],
    latencyMs,
  };
}

/** The options of a service watching the bench lab, as one cluster named `name`. */
export function benchConfig(
  name: string,
  lab: { url: string; fingerprint: string; token: { id: string; secret: string } },
): Config {
  const { url, fingerprint, token } = lab;
  return parseOptions(
    {
      clusters: [{ name, url, token_id: token.id, token_secret: token.secret, fingerprint }],
      timezone: "UTC",
    },
    { defaultTimeZone: "UTC" },
  );
}
