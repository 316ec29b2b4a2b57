import { describe, expect, it } from "vitest";
import type { Guest, StorageView } from "../../src/core/model.js";
import {
  desiredJobs,
  diffFields,
  FALLBACK_JOB_ID,
  jobFieldsFromRead,
  type PlanInput,
  planErrors,
  planIsEmpty,
  planJobs,
  type TierPolicy,
  tierDurations,
  tierJobId,
} from "../../src/core/policy.js";

const TIERS: TierPolicy[] = [
  { name: "P0", schedule: "03:00", keepLast: 3, guests: [102, 100] },
  { name: "P1", schedule: "03:15", keepLast: 3, guests: [101, 105] },
  { name: "P2", schedule: "sun 04:00", keepLast: 3, guests: [103] },
];
const g = (vmid: number, over: Partial<Guest> = {}): Guest => ({
  vmid,
  name: `g${vmid}`,
  type: "qemu",
  node: "pve",
  powerState: "running",
  template: false,
  ...over,
});
const GUESTS = [100, 101, 102, 103, 105].map((v) => g(v));
const NAS: StorageView = {
  storage: "nas",
  node: "pve",
  type: "nfs",
  shared: true,
  enabled: true,
  active: true,
  totalBytes: 1,
  usedBytes: 0,
  availBytes: 1,
};
const LOCAL: StorageView = { ...NAS, storage: "local", type: "dir", shared: false };
const SEED_JOBS = [
  {
    id: "backup-7c1e4a52-9b0d",
    type: "vzdump",
    schedule: "03:00",
    enabled: 0,
    storage: "synology-nas-storage",
    vmid: "100,102",
    "prune-backups": { "keep-last": "3" },
    "next-run": 1,
  },
  {
    id: "backup-2f93d6b8-41aa",
    type: "vzdump",
    schedule: "03:15",
    enabled: 0,
    storage: "local",
    vmid: "101,105",
  },
];

const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  tiers: TIERS,
  storage: "nas",
  jobs: SEED_JOBS,
  guests: GUESTS,
  storages: [NAS, LOCAL],
  scheduleErrors: new Map(),
  tierDurationsMs: new Map(),
  timeZone: "UTC",
  nowMs: Date.parse("2026-02-11T10:00:00Z"),
  ...over,
});

/** What PVE answers after the desired jobs were created: property strings as objects. */
const asRead = (fields: Record<string, string | number>, id: string) => {
  const { "prune-backups": prune, ...rest } = fields;
  return {
    id,
    type: "vzdump",
    ...rest,
    "prune-backups": Object.fromEntries(
      String(prune)
        .split(",")
        .map((kv) => kv.split("=")),
    ),
    "next-run": 123,
  };
};

describe("desiredJobs", () => {
  it("compiles each tier into an owned job with the tier's schedule, guests and retention", () => {
    const [p0, , p2, fallback] = desiredJobs(TIERS, "nas");
    expect(p0).toEqual({
      id: "pve-backup-p0",
      fields: {
        comment: "managed by pve-backup: tier P0",
        schedule: "03:00",
        enabled: 1,
        vmid: "100,102",
        storage: "nas",
        mode: "snapshot",
        compress: "zstd",
        "prune-backups": "keep-last=3",
        "notes-template": "{{guestname}}",
        "notification-mode": "notification-system",
        "repeat-missed": 1,
      },
    });
    expect(p2?.fields.schedule).toBe("sun 04:00");
    expect(fallback).toMatchObject({
      id: FALLBACK_JOB_ID,
      fields: { enabled: 0, vmid: "100,101,102,103,105" },
    });
  });

  it("has no fallback without tiers", () => {
    expect(desiredJobs([], "nas")).toEqual([]);
  });

  it.each([
    ["P0", "pve-backup-p0"],
    ["Critical VMs!", "pve-backup-critical-vms"],
    ["***", "pve-backup-tier"],
  ])("names tier %s's job %s", (name, id) => {
    expect(tierJobId(name)).toBe(id);
  });
});

describe("jobFieldsFromRead", () => {
  it("folds objects back into property strings, booleans into 0/1, and defaults enabled to 1", () => {
    expect(
      jobFieldsFromRead({
        id: "x",
        type: "vzdump",
        "next-run": 5,
        "prune-backups": { "keep-last": "3", "keep-daily": 7 },
        fleecing: { enabled: 0 },
        protected: true,
        quiet: false,
        storage: "nas",
        comment: null,
      }),
    ).toEqual({
      "prune-backups": "keep-daily=7,keep-last=3",
      fleecing: "enabled=0",
      protected: 1,
      quiet: 0,
      storage: "nas",
      enabled: 1,
    });
    expect(jobFieldsFromRead({ id: "x", enabled: "0" }).enabled).toBe(0);
  });
});

describe("diffFields", () => {
  it.each<[string, Record<string, string | number>, Record<string, string | number>, number]>([
    ["same", { vmid: "100,101", mode: "snapshot" }, { vmid: "100,101", mode: "snapshot" }, 0],
    ["vmid order does not matter", { vmid: "101,100" }, { vmid: "100,101" }, 0],
    [
      "retention order does not matter",
      { "prune-backups": "keep-last=3,keep-daily=7" },
      { "prune-backups": "keep-daily=7,keep-last=3" },
      0,
    ],
    ["a changed schedule", { schedule: "03:00" }, { schedule: "04:00" }, 1],
    ["a missing field", {}, { compress: "zstd" }, 1],
    ["numbers and strings compare by text", { "repeat-missed": "1" }, { "repeat-missed": 1 }, 0],
    ["a key the policy does not want", { mailto: "root", enabled: 1 }, {}, 1],
  ])("%s", (_n, have, want, n) => {
    expect(diffFields(have, want)).toHaveLength(n);
  });
});

describe("planJobs", () => {
  it("proposes the tier jobs for the seed lab and names the old jobs", () => {
    const plan = planJobs(input());
    expect(plan.create.map((j) => j.id)).toEqual([
      "pve-backup-p0",
      "pve-backup-p1",
      "pve-backup-p2",
      FALLBACK_JOB_ID,
    ]);
    expect(plan.update).toEqual([]);
    expect(plan.findings.map((f) => [f.code, f.jobId])).toEqual([
      ["foreign_job_disabled", "backup-7c1e4a52-9b0d"],
      ["foreign_job_missing_storage", "backup-7c1e4a52-9b0d"],
      ["foreign_job_disabled", "backup-2f93d6b8-41aa"],
    ]);
    expect(plan.findings[1]?.message).toBe(
      "job backup-7c1e4a52-9b0d targets storage 'synology-nas-storage', which does not exist: fix or delete it in PVE",
    );
    expect(planIsEmpty(plan)).toBe(false);
  });

  it("names the findings that stop apply", () => {
    expect(planErrors(planJobs(input()))).toEqual([]);
    expect(planErrors(planJobs(input({ storage: "nas2" }))).map((f) => f.code)).toEqual(["storage_missing"]);
  });

  it("is empty once the desired jobs exist as PVE returns them", () => {
    const jobs = [
      ...SEED_JOBS,
      ...desiredJobs(TIERS, "nas").map((d) => asRead(d.fields as Record<string, string | number>, d.id)),
    ];
    const plan = planJobs(input({ jobs }));
    expect(planIsEmpty(plan)).toBe(true);
  });

  it("shows a hand-edited owned job as drift, field by field, and a disabled one as enable", () => {
    const jobs = desiredJobs(TIERS, "nas").map((d) =>
      asRead(d.fields as Record<string, string | number>, d.id),
    );
    const p0 = jobs[0] as Record<string, unknown>;
    p0.schedule = "05:30";
    p0["prune-backups"] = { "keep-last": "7" };
    p0.enabled = 0;
    const p2 = jobs[2] as Record<string, unknown>;
    p2.vmid = "103,104";
    p2.mailto = "root@example.com";
    const fallback = jobs[3] as Record<string, unknown>;
    fallback.enabled = 1;
    const plan = planJobs(input({ jobs, guests: [...GUESTS, g(104)] }));
    expect(plan.update.map(({ id, changes }) => ({ id, changes }))).toEqual([
      {
        id: "pve-backup-p0",
        changes: [
          { field: "schedule", from: "05:30", to: "03:00" },
          { field: "prune-backups", from: "keep-last=7", to: "keep-last=3" },
        ],
      },
      {
        id: "pve-backup-p2",
        changes: [
          { field: "vmid", from: "103,104", to: "103" },
          { field: "mailto", from: "root@example.com", to: null },
        ],
      },
    ]);
    expect(plan.update[0]?.desired).toEqual(desiredJobs(TIERS, "nas")[0]?.fields);
    expect(plan.update[0]?.desired).toEqual(desiredJobs(TIERS, "nas")[0]?.fields);
    expect(plan.enable).toEqual(["pve-backup-p0"]);
    expect(plan.disable).toEqual([FALLBACK_JOB_ID]);
    expect(plan.findings.map((f) => f.code)).toEqual(["uncovered_guest"]);
  });

  it("disables, never deletes, an owned job whose tier is gone", () => {
    const jobs = [
      { id: "pve-backup-old", enabled: 1, schedule: "01:00", vmid: "100", storage: "nas" },
      { id: "pve-backup-older", enabled: 0, schedule: "01:00", vmid: "100", storage: "nas" },
    ];
    const plan = planJobs(input({ jobs }));
    expect(plan.disable).toEqual(["pve-backup-old"]);
    expect(plan.findings.find((f) => f.code === "owned_job_orphaned")?.message).toBe(
      "job pve-backup-old belongs to no tier any more: it will be disabled, not deleted",
    );
  });

  it.each<[string, Partial<PlanInput>, string, string]>([
    [
      "an unknown guest",
      { guests: GUESTS.filter((x) => x.vmid !== 105) },
      "unknown_guest",
      "tier P1: guest 105 does not exist in the cluster",
    ],
    [
      "a schedule PVE rejects",
      { scheduleErrors: new Map([["P2", "value does not match"]]) },
      "invalid_schedule",
      "tier P2: schedule 'sun 04:00' is not a valid PVE calendar event (value does not match)",
    ],
    [
      "a schedule that does not parse",
      { tiers: [{ ...(TIERS[0] as TierPolicy), schedule: "at dawn" }] },
      "invalid_schedule",
      "tier P0: schedule 'at dawn' is not a valid PVE calendar event",
    ],
    [
      "a missing target storage",
      { storage: "nas2" },
      "storage_missing",
      "storage 'nas2' does not exist or holds no backups (content must include 'backup'): create it first (pve-backup storage create)",
    ],
    [
      "an inactive target storage",
      { storages: [{ ...NAS, active: false }, LOCAL] },
      "storage_inactive",
      "storage 'nas' is not active on pve: backups there will fail until it mounts",
    ],
    [
      "a foreign job to an inactive storage",
      {
        jobs: [{ id: "j", enabled: 1, storage: "nas", vmid: "999" }],
        storages: [{ ...NAS, active: false }, LOCAL],
      },
      "foreign_job_inactive_storage",
      "job j targets storage 'nas', which is not active",
    ],
    [
      "a foreign job that mails",
      { jobs: [{ id: "j", enabled: 1, vmid: "999", mailto: "root@example.com" }] },
      "foreign_job_mailto",
      "job j mails its results (mailto), bypassing the notification system: its results are not pushed to pve-backup",
    ],
    [
      "a guest also in a foreign job",
      { jobs: [{ id: "j", enabled: 1, storage: "local", all: 1, exclude: "101,102,103,105" }] },
      "double_coverage",
      "guest 100 (g100) is in a tier and also in job j: it is backed up twice",
    ],
    [
      "a guest in nothing",
      { guests: [...GUESTS, g(106)] },
      "uncovered_guest",
      "guest 106 (g106) is in no tier and no enabled job: it is not backed up",
    ],
    [
      "tiers that overlap",
      { tierDurationsMs: new Map([["P0", 40 * 60_000]]) },
      "tier_overlap",
      "tier P1 starts 15 min after tier P0, whose runs usually take 40 min: it will wait for the node's backup lock",
    ],
  ])("finds %s", (_n, over, code, message) => {
    const f = planJobs(input(over)).findings.find((x) => x.code === code);
    expect(f?.message).toBe(message);
  });

  it("counts foreign pool and node-pinned jobs only for the guests they really back up", () => {
    const guests = [g(100, { pool: "prod" }), g(106, { node: "pve2" }), g(107, { template: true })];
    const jobs = [
      { id: "pool", enabled: 1, storage: "local", pool: "prod" },
      { id: "pinned", enabled: 1, storage: "local", all: 1, node: "pve" },
      { id: "selects-nothing", enabled: 1, storage: "local" },
    ];
    const findings = planJobs(input({ tiers: [], jobs, guests })).findings;
    expect(findings.map((f) => [f.code, f.vmid])).toEqual([["uncovered_guest", 106]]);
  });

  it("does not warn about overlap when the gap is long enough or unknown", () => {
    expect(
      planJobs(input({ tierDurationsMs: new Map([["P0", 10 * 60_000]]) })).findings.some(
        (f) => f.code === "tier_overlap",
      ),
    ).toBe(false);
    const bad = [{ ...(TIERS[0] as TierPolicy), schedule: "nonsense" }, TIERS[1] as TierPolicy];
    expect(
      planJobs(input({ tiers: bad, tierDurationsMs: new Map([["nonsense", 1]]) })).findings.some(
        (f) => f.code === "tier_overlap",
      ),
    ).toBe(false);
    const once = [
      { ...(TIERS[0] as TierPolicy), schedule: "2020-01-01" },
      { ...(TIERS[1] as TierPolicy), schedule: "2020-01-02" },
    ];
    expect(
      planJobs(input({ tiers: once, tierDurationsMs: new Map([["P0", 1e12]]) })).findings.some(
        (f) => f.code === "tier_overlap",
      ),
    ).toBe(false);
  });
});

describe("tierDurations", () => {
  const at = (iso: string) => Date.parse(iso);
  it("takes the median run time of tasks that started at a tier's scheduled time", () => {
    const tasks = [
      { startMs: at("2026-02-09T03:00:01Z"), endMs: at("2026-02-09T03:20:01Z") },
      { startMs: at("2026-02-10T03:00:01Z"), endMs: at("2026-02-10T03:40:01Z") },
      { startMs: at("2026-02-11T03:00:01Z"), endMs: at("2026-02-11T03:30:01Z") },
      { startMs: at("2026-02-11T03:15:30Z"), endMs: at("2026-02-11T03:16:30Z") },
      { startMs: at("2026-02-11T09:00:00Z"), endMs: at("2026-02-11T09:01:00Z") },
      { startMs: at("2026-02-11T03:00:05Z") },
    ];
    const bad = { name: "bad", schedule: "whenever", keepLast: 1, guests: [] };
    const never = { name: "P9", schedule: "2020-01-01", keepLast: 1, guests: [] };
    expect(tierDurations([...TIERS, bad, never], tasks, "UTC")).toEqual(
      new Map([
        ["P0", 30 * 60_000],
        ["P1", 60_000],
      ]),
    );
  });
});
