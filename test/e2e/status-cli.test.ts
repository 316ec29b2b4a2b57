import { afterEach, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { runCli, statusOf } from "../support/cli.js";
import { dropRun, seed, tieredLab } from "../support/scenarios.js";

/**
 * `pve-backup status` is a public interface for cron jobs: the built binary against the
 * simulated PVE 9.1 lab, one lab state per case.
 */

const READ_ONLY = { id: "monitor@pve!readonly", secret: "0a9e3b7c-1d2f-4e5a-8b6c-7d8e9f0a1b2c" };
let lab: SimLab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});
const start = async (scenario: Scenario) => {
  lab = await startSimLab({ scenario, clock: "manual" });
  return lab;
};
const statuses = (byVmid: Record<string, { status: string }>) =>
  Object.fromEntries(Object.entries(byVmid).map(([k, v]) => [k, v.status]));

describe("pve-backup status against the simulated lab", () => {
  it("reports every guest of the seed lab as not_in_job: all three jobs are disabled", async () => {
    const r = await statusOf(await start(seed()));
    expect(statuses(r.byVmid)).toEqual({
      100: "not_in_job",
      101: "not_in_job",
      102: "not_in_job",
      103: "not_in_job",
      105: "not_in_job",
    });
    expect(r.byVmid[100]?.reason).toBe("only in disabled job backup-7c1e4a52-9b0d");
    expect(r.byVmid[103]?.reason).toBe("only in disabled job backup-e05b7731-c2f4");
    expect(r.byVmid[100]).toMatchObject({
      cluster: "home",
      name: "homeassistant",
      type: "qemu",
      node: "pve",
      tier: "P0",
      lastBackup: null,
      lastAttempt: null,
      expectedBy: null,
    });
    expect(r.code).toBe(1);
  });

  it("reports a healthy tiered lab as ok with exit 0, with last backup details", async () => {
    const r = await statusOf(await start(tieredLab()));
    expect(statuses(r.byVmid)).toEqual({ 100: "ok", 101: "ok", 102: "ok", 103: "ok", 105: "ok" });
    expect(r.code).toBe(0);
    expect(r.byVmid[100]).toMatchObject({
      tier: "P0",
      lastBackup: {
        time: "2026-02-11T03:00:02.000Z",
        volid: "nas-backups:backup/vzdump-qemu-100-2026_02_11-03_00_02.vma.zst",
        storage: "nas-backups",
        size: 3400000000,
      },
      lastAttempt: { time: "2026-02-11T03:00:00.000Z", outcome: "ok" },
      expectedBy: "2026-02-12T04:00:00.000Z",
    });
    expect(r.byVmid[103]).toMatchObject({
      lastBackup: { time: "2026-02-08T04:00:02.000Z" },
      expectedBy: "2026-02-15T05:00:00.000Z",
    });
  });

  it("reports a daily guest whose run left no archive as late", async () => {
    const r = await statusOf(await start(dropRun(tieredLab(), 102, "2026-02-11T03:00:00Z")));
    expect(r.byVmid[102]).toMatchObject({
      status: "late",
      expectedBy: "2026-02-11T04:00:00.000Z",
      lastBackup: { time: "2026-02-10T03:01:02.000Z" },
    });
    expect(r.byVmid[102]?.reason).toMatch(
      /newest backup is from 2026-02-10 03:01; the run due 2026-02-11 03:00 left none/,
    );
    expect(r.byVmid[100]?.status).toBe("ok");
    expect(r.code).toBe(1);
  });

  it("reports a weekly guest as ok six days after its backup", async () => {
    const r = await statusOf(await start(tieredLab({ now: "2026-02-14T10:00:00Z" })));
    expect(r.byVmid[103]).toMatchObject({ status: "ok", lastBackup: { time: "2026-02-08T04:00:02.000Z" } });
    expect(r.code).toBe(0);
  });

  it("reports the one guest that failed inside a multi-guest task whose other guest succeeded", async () => {
    const s = dropRun(tieredLab(), 102, "2026-02-11T03:00:00Z");
    const task = s.tasks?.find((t) => t.start === "2026-02-11T03:00:00Z");
    task?.guests.push({
      vmid: 102,
      error:
        "unable to create temporary directory '/mnt/pve/nas-backups/dump/vzdump-qemu-102.tmp' - Permission denied",
    });
    const r = await statusOf(await start(s));
    expect(r.byVmid[102]).toMatchObject({
      status: "failed",
      lastAttempt: { outcome: "failed", time: "2026-02-11T03:00:00.000Z" },
    });
    expect(r.byVmid[102]?.reason).toMatch(
      /failed: unable to create temporary directory .* Permission denied/,
    );
    expect(r.byVmid[100]).toMatchObject({ status: "ok", lastAttempt: { outcome: "ok" } });
    expect(r.code).toBe(1);
  });

  it("reports a guest being backed up right now as running", async () => {
    const s = tieredLab();
    s.tasks?.push({
      node: "pve",
      start: "2026-02-11T09:59:00Z",
      storage: "nas-backups",
      user: "root@pam",
      guests: [{ vmid: 101 }],
    });
    const r = await statusOf(await start(s));
    expect(r.byVmid[101]).toMatchObject({
      status: "running",
      lastAttempt: { outcome: "running", end: null },
    });
    expect(r.byVmid[100]?.status).toBe("ok");
  });

  it("says unknown, never 'never', when the token may not see backups (PVE lists none)", async () => {
    const r = await statusOf(await start(tieredLab()), {}, READ_ONLY);
    expect(statuses(r.byVmid)).toEqual({
      100: "unknown",
      101: "unknown",
      102: "unknown",
      103: "unknown",
      105: "unknown",
    });
    expect(r.byVmid[100]?.reason).toMatch(
      /the token may not see backups on 'nas-backups'.*Datastore.Allocate on \/storage\/nas-backups/,
    );
    expect(r.code).toBe(2);
  });

  it("says unknown when the NAS storage is inactive", async () => {
    const s = tieredLab();
    for (const st of s.storages) if (st.id === "nas-backups") st.active = false;
    const r = await statusOf(await start(s));
    expect(r.byVmid[102]?.status).toBe("unknown");
    expect(r.byVmid[102]?.reason).toMatch(/storage 'nas-backups' is not active/);
    expect(r.code).toBe(2);
  });

  it("judges the guests of an offline node by their archives on the shared NFS storage", async () => {
    const s = tieredLab();
    s.nodes.push({ name: "pve2", online: false });
    for (const g of s.guests) if (g.vmid === 102) g.node = "pve2";
    const r = await statusOf(await start(s));
    expect(r.byVmid[102]).toMatchObject({
      status: "ok",
      node: "pve2",
      lastBackup: { storage: "nas-backups" },
    });
    expect(r.byVmid[100]?.status).toBe("ok");
  });

  it("follows a migrated guest: identity is cluster + vmid, its archives still count", async () => {
    const s = tieredLab();
    s.nodes.push({ name: "pve2", online: true });
    for (const g of s.guests) if (g.vmid === 105) g.node = "pve2";
    const r = await statusOf(await start(s));
    expect(r.byVmid[105]).toMatchObject({
      status: "ok",
      node: "pve2",
      lastBackup: { time: "2026-02-11T03:16:02.000Z" },
    });
  });

  it("reports a migrated guest that left its node-pinned job as not_in_job", async () => {
    const s = tieredLab();
    s.nodes.push({ name: "pve2", online: true });
    for (const g of s.guests) if (g.vmid === 105) g.node = "pve2";
    for (const j of s.jobs ?? []) if (j.id === "pve-backup-p1") j.node = "pve";
    const r = await statusOf(await start(s));
    expect(r.byVmid[105]).toMatchObject({
      status: "not_in_job",
      reason: "job pve-backup-p1 runs only on node pve, but the guest is on pve2",
    });
  });

  it("raises no false problem for a deleted guest whose archives remain", async () => {
    const s = tieredLab();
    s.guests = s.guests.filter((g) => g.vmid !== 101);
    const r = await statusOf(await start(s));
    expect(r.byVmid[101]).toBeUndefined();
    expect(Object.keys(r.byVmid)).toEqual(["100", "102", "103", "105"]);
    expect(r.code).toBe(0);
  });

  it("reports a guest that only a disabled job selects as not_in_job", async () => {
    const s = tieredLab();
    for (const j of s.jobs ?? []) if (j.id === "pve-backup-p2") j.enabled = 0;
    const r = await statusOf(await start(s));
    expect(r.byVmid[103]).toMatchObject({
      status: "not_in_job",
      reason: "only in disabled job backup-e05b7731-c2f4, pve-backup-p2, pve-backup-manual",
    });
    expect(r.code).toBe(1);
  });

  it("exits 2 with the reason when the cluster cannot be reached", async () => {
    const l = await start(seed());
    const url = l.url;
    await l.stop();
    lab = undefined;
    const r = await statusOf({
      url,
      fingerprint: l.fingerprint,
      nowMs: () => Date.parse("2026-02-11T10:00:00Z"),
    } as SimLab);
    expect(r.code).toBe(2);
    expect(r.json.guests).toEqual([]);
    expect(r.json.clusters[0]?.problems[0]).toMatch(/^cluster unreachable: .*ECONNREFUSED/);
  });

  it("refuses a wrong certificate fingerprint instead of trusting it", async () => {
    const l = await start(seed());
    const r = await statusOf({ url: l.url, fingerprint: `${"AA:".repeat(31)}AA`, nowMs: l.nowMs } as SimLab);
    expect(r.code).toBe(2);
    expect(r.json.clusters[0]?.problems[0]).toMatch(/certificate fingerprint mismatch/);
  });

  it("prints a readable table by default", async () => {
    const l = await start(tieredLab());
    const { optionsFileFor } = await import("../support/cli.js");
    const r = await runCli(["status", "--options", optionsFileFor(l)], {
      PVE_BACKUP_NOW: "2026-02-11T10:00:00Z",
    });
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^VMID\s+NAME\s+TYPE\s+NODE\s+TIER\s+STATUS\s+LAST BACKUP \(UTC\)\s+SIZE\s+REASON$/,
    );
    expect(lines[1]).toMatch(
      /^100\s+homeassistant\s+qemu\s+pve\s+P0\s+ok\s+2026-02-11 03:00\s+3\.2 GiB\s+backed up/,
    );
    expect(lines).toHaveLength(6);
  });
});

describe("pve-backup command line", () => {
  it.each<[string, string[], Record<string, string>, number, RegExp]>([
    ["no command", [], {}, 64, /usage: pve-backup <command>/],
    ["an unknown command", ["frobnicate"], {}, 64, /unknown command 'frobnicate'/],
    ["an unknown flag", ["status", "--jsn"], {}, 64, /Unknown option '--jsn'/],
    [
      "a missing options file",
      ["status", "--options", "/nonexistent.json"],
      {},
      78,
      /\/nonexistent.json: no such options file/,
    ],
    [
      "a bad clock",
      ["status", "--demo"],
      { PVE_BACKUP_NOW: "yesterday" },
      64,
      /PVE_BACKUP_NOW must be an ISO-8601 time, got 'yesterday'/,
    ],
  ])("rejects %s with a clear message", async (_n, args, env, code, message) => {
    const r = await runCli(args, env);
    expect(r.code).toBe(code);
    expect(r.stdout + r.stderr).toMatch(message);
  });

  it("reports bad options one path: message line each, without the secret", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const file = join(mkdtempSync(join(tmpdir(), "pvb-")), "o.json");
    writeFileSync(
      file,
      JSON.stringify({
        clusters: [
          { name: "home", url: "pve:8006", token_id: "root@pam!x", token_secret: "not-a-uuid-SECRET" },
        ],
        tiers: [{ name: "P0", schedule: "03:00", keep_last: 0, guests: [100] }],
      }),
    );
    const r = await runCli(["status", "--options", file]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(
      "clusters.0.url: must be the base URL of the PVE API, like https://192.168.1.10:8006",
    );
    expect(r.stderr).toContain(
      "clusters.0.token_secret: must be the token secret PVE showed at creation (a UUID)",
    );
    expect(r.stderr).toContain("tiers.0.keep_last: must be at least 1");
    expect(r.stderr).not.toContain("not-a-uuid-SECRET");
  });

  it("runs the tiered demo lab with every guest ok", async () => {
    const r = await runCli(["status", "--json", "--demo", "tiered"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).guests.map((g: { status: string }) => g.status)).toEqual([
      "ok",
      "ok",
      "ok",
      "ok",
      "ok",
    ]);
  });

  it("runs against the built-in simulated lab with --demo", async () => {
    const r = await runCli(["status", "--json", "--demo"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).guests).toHaveLength(5);
  });
});
