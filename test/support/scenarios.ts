import { readFileSync } from "node:fs";
import { join } from "node:path";
import { desiredJobs, type TierPolicy } from "../../src/core/policy.js";
import type { Scenario } from "../../src/sim/scenario.js";

/** The tiers of `demoOptions` (src/demo.ts). */
const DEMO_TIERS: TierPolicy[] = [
  { name: "P0", schedule: "03:00", keepLast: 3, guests: [100, 102] },
  { name: "P1", schedule: "03:15", keepLast: 3, guests: [101, 105] },
  { name: "P2", schedule: "sun 04:00", keepLast: 3, guests: [103] },
];

/** Lab states for tests, built from the seed lab so they stay close to the real one. */

const root = join(import.meta.dirname, "../..");
export const seed = (): Scenario =>
  JSON.parse(readFileSync(join(root, "src/sim/scenarios/seed.json"), "utf8"));

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

export interface TieredOptions {
  /** The lab's clock. Default: Wednesday 2026-02-11 10:00 UTC. */
  now?: string;
}

export const TIER_JOBS = [
  { id: "pve-backup-p0", schedule: "03:00", vmid: "100,102", time: "03:00", weekly: false },
  { id: "pve-backup-p1", schedule: "03:15", vmid: "101,105", time: "03:15", weekly: false },
  { id: "pve-backup-p2", schedule: "sun 04:00", vmid: "103", time: "04:00", weekly: true },
] as const;

/**
 * The seed lab after the tiered policy has run for weeks: P0 100,102 daily 03:00, P1 101,105
 * daily 03:15, P2 103 weekly on Sunday 04:00, all to the NAS, keep-last=3; every scheduled run
 * up to `now` left its task and archives.
 */
export function tieredLab(opts: TieredOptions = {}): Scenario {
  const s = seed();
  const now = Date.parse(opts.now ?? "2026-02-11T10:00:00Z");
  s.now = iso(now);
  // Exactly the jobs `pve-backup apply` makes for the demo options' tiers: no drift.
  s.jobs = [
    ...(s.jobs ?? []),
    ...desiredJobs(DEMO_TIERS, "nas-backups").map((j) => ({ id: j.id, type: "vzdump", ...j.fields })),
  ];
  s.archives = [];
  s.tasks = [];
  for (const j of TIER_JOBS) {
    const vmids = j.vmid.split(",").map(Number);
    for (const runMs of recentRuns(now, j.time, j.weekly, 3)) {
      s.tasks.push({
        node: "pve",
        start: iso(runMs),
        end: iso(runMs + 5 * 60_000),
        jobId: j.id,
        storage: "nas-backups",
        guests: vmids.map((vmid) => ({ vmid })),
      });
      vmids.forEach((vmid, i) => {
        const g = s.guests.find((x) => x.vmid === vmid);
        s.archives?.push({
          storage: "nas-backups",
          vmid,
          type: g?.type ?? "qemu",
          time: iso(runMs + (i * 60 + 2) * 1000),
          sizeBytes: g?.backupBytes ?? 1e9,
          notes: g?.name,
        });
      });
    }
  }
  return s;
}

/** The last `count` runs at `HH:MM` UTC (daily, or Sundays) at or before `nowMs`. */
function recentRuns(nowMs: number, hhmm: string, weekly: boolean, count: number): number[] {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  const runs: number[] = [];
  const day = new Date(nowMs);
  let t = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), h, m);
  while (runs.length < count) {
    if (t <= nowMs && (!weekly || new Date(t).getUTCDay() === 0)) runs.push(t);
    t -= DAY;
  }
  return runs;
}

/** Drop the archives and the task slot of one guest from the run at `runIso` (it did not happen). */
export function dropRun(s: Scenario, vmid: number, runIso: string): Scenario {
  const run = Date.parse(runIso);
  s.archives = (s.archives ?? []).filter(
    (a) => !(a.vmid === vmid && Math.abs(Date.parse(a.time) - run) < 3_600_000),
  );
  s.tasks = (s.tasks ?? []).map((t) =>
    Date.parse(t.start) === run ? { ...t, guests: t.guests.filter((g) => g.vmid !== vmid) } : t,
  );
  return s;
}
