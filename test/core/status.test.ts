import { describe, expect, it } from "vitest";
import type { Archive, Attempt, BackupJob, ClusterFacts, Guest, StorageView } from "../../src/core/model.js";
import {
  type AssessPolicy,
  assessCluster,
  formatWall,
  type GuestReport,
  isProblem,
} from "../../src/core/status.js";

type Facts = Extract<ClusterFacts, { reachable: true }>;

/** Wednesday 2026-02-11 10:00 UTC. */
const NOW = Date.parse("2026-02-11T10:00:00Z");
const at = (iso: string) => Date.parse(iso);

const ADMIN = { "/": { "Datastore.Allocate": 1, "VM.Audit": 1, "Sys.Audit": 1, "VM.Backup": 1 } };

const guest = (vmid: number, over: Partial<Guest> = {}): Guest => ({
  vmid,
  name: `guest-${vmid}`,
  type: "qemu",
  node: "pve",
  powerState: "running",
  template: false,
  ...over,
});
const job = (id: string, vmids: number[], over: Partial<BackupJob> = {}): BackupJob => ({
  id,
  enabled: true,
  schedule: "03:00",
  storage: "nas",
  selection: { kind: "vmids", vmids },
  ...over,
});
const archive = (vmid: number, iso: string, over: Partial<Archive> = {}): Archive => ({
  vmid,
  volid: `nas:backup/vzdump-qemu-${vmid}-${iso}.vma.zst`,
  storage: "nas",
  type: "qemu",
  timeMs: at(iso),
  sizeBytes: 1000,
  format: "vma.zst",
  protected: false,
  ...over,
});
const attempt = (vmid: number, iso: string, over: Partial<Attempt> = {}): Attempt => ({
  vmid,
  upid: `UPID:pve:1:2:3:vzdump:${vmid}:root@pam:`,
  node: "pve",
  startMs: at(iso),
  endMs: at(iso) + 60_000,
  outcome: "ok",
  ...over,
});
const nas = (over: Partial<StorageView> = {}): StorageView => ({
  storage: "nas",
  node: "pve",
  type: "nfs",
  shared: true,
  enabled: true,
  active: true,
  totalBytes: 100,
  usedBytes: 10,
  availBytes: 90,
  ...over,
});
const local = (node = "pve", over: Partial<StorageView> = {}): StorageView => ({
  ...nas({ storage: "local", node, type: "dir", shared: false }),
  ...over,
});

const facts = (over: Partial<Facts> = {}): Facts => ({
  cluster: "home",
  reachable: true,
  nodes: [{ name: "pve", online: true }],
  guests: [guest(100)],
  jobs: [job("p0", [100])],
  storages: [nas(), local()],
  listed: ["nas", "local@pve"],
  archives: [],
  attempts: [],
  permissions: ADMIN,
  problems: [],
  jobRows: [],
  ...over,
});

const policy = (over: Partial<AssessPolicy> = {}): AssessPolicy => ({
  timeZone: "UTC",
  defaultGraceMin: 60,
  tierOf: (vmid) => (vmid === 100 ? { tier: "P0", graceMin: 60 } : undefined),
  ...over,
});

const one = (f: Facts, now = NOW, p = policy()): GuestReport => {
  const g = assessCluster(f, p, now).guests[0];
  if (!g) throw new Error("no guest in report");
  return g;
};

describe("assessCluster: one verdict per guest", () => {
  it.each<[string, Partial<Facts>, string, RegExp]>([
    [
      "ok: backed up at today's run",
      { archives: [archive(100, "2026-02-11T03:00:05Z")] },
      "ok",
      /backed up 2026-02-11 03:00 to nas/,
    ],
    [
      "late: the newest archive is older than today's 03:00 run",
      { archives: [archive(100, "2026-02-10T03:00:05Z")] },
      "late",
      /newest backup is from 2026-02-10 03:00; the run due 2026-02-11 03:00 left none/,
    ],
    ["never: in a job, no archive anywhere", {}, "never", /in job p0 but no backup on any backup storage$/],
    [
      "never, naming a job whose storage does not exist",
      { jobs: [job("old", [100], { storage: "synology-nas-storage" })] },
      "never",
      /job old targets storage 'synology-nas-storage', which does not exist/,
    ],
    ["not_in_job: no job at all", { jobs: [] }, "not_in_job", /no backup job selects this guest/],
    [
      "not_in_job: only a disabled job selects it",
      { jobs: [job("old", [100], { enabled: false })] },
      "not_in_job",
      /only in disabled job old/,
    ],
    [
      "not_in_job: a migrated guest dropped out of a node-pinned job",
      { guests: [guest(100, { node: "pve2" })], jobs: [job("p0", [100], { node: "pve" })] },
      "not_in_job",
      /job p0 runs only on node pve, but the guest is on pve2/,
    ],
    [
      "running: a task is backing it up",
      { attempts: [attempt(100, "2026-02-11T09:59:00Z", { outcome: "running", endMs: undefined })] },
      "running",
      /backup running on pve since 2026-02-11 09:59/,
    ],
    [
      "running: queued behind other guests in the same task",
      { attempts: [attempt(100, "2026-02-11T09:59:00Z", { outcome: "waiting", endMs: undefined })] },
      "running",
      /queued in backup task on pve/,
    ],
    [
      "running: PVE holds the backup lock",
      { guests: [guest(100, { lock: "backup" })] },
      "running",
      /backup lock on 100/,
    ],
    [
      "failed: the newest attempt failed after the newest archive",
      {
        archives: [archive(100, "2026-02-10T03:00:05Z")],
        attempts: [attempt(100, "2026-02-11T03:00:00Z", { outcome: "failed", error: "mount error" })],
      },
      "failed",
      /backup on 2026-02-11 03:00 failed: mount error/,
    ],
    [
      "failed without an error line",
      { attempts: [attempt(100, "2026-02-11T03:00:00Z", { outcome: "failed" })] },
      "failed",
      /no error line in the task log/,
    ],
    [
      "ok: an old failure is followed by a newer archive",
      {
        archives: [archive(100, "2026-02-11T05:00:00Z")],
        attempts: [attempt(100, "2026-02-11T03:00:00Z", { outcome: "failed", error: "x" })],
      },
      "ok",
      /backed up/,
    ],
    [
      "failed: wins over not_in_job (a manual run of an unscheduled guest failed)",
      { jobs: [], attempts: [attempt(100, "2026-02-11T03:00:00Z", { outcome: "failed", error: "boom" })] },
      "failed",
      /boom/,
    ],
    [
      "unknown: the NAS storage is inactive, so absence proves nothing",
      { storages: [nas({ active: false }), local()], listed: ["local@pve"] },
      "unknown",
      /no backup visible, and storage 'nas' is not active/,
    ],
    [
      "unknown: the permission trap (PVE answers an empty list)",
      { permissions: { "/": { "VM.Audit": 1, "Sys.Audit": 1, "Datastore.Audit": 1 } } },
      "unknown",
      /the token may not see backups on 'nas' \(PVE then lists none\): grant Datastore.Allocate on \/storage\/nas/,
    ],
    [
      "unknown: a late verdict could be hidden by the trap too",
      {
        archives: [archive(100, "2026-02-01T03:00:00Z", { storage: "local", volid: "local:backup/x" })],
        permissions: { "/": { "VM.Audit": 1 }, "/storage/local": { "Datastore.Allocate": 1 } },
      },
      "unknown",
      /newest visible backup is late, and the token may not see backups on 'nas'/,
    ],
    [
      "unknown: a listing failed although the storage is active",
      { listed: ["local@pve"] },
      "unknown",
      /storage 'nas' could not be listed/,
    ],
    [
      "unknown: the local target storage sits on an offline node",
      {
        nodes: [
          { name: "pve", online: true },
          { name: "pve2", online: false },
        ],
        guests: [guest(100, { node: "pve2", name: "" })],
        jobs: [job("p0", [100], { storage: "local" })],
      },
      "unknown",
      /node pve2 is offline, so its storage 'local' cannot be read/,
    ],
    [
      "ok: a guest on an offline node is judged by its archives on shared storage",
      {
        nodes: [
          { name: "pve", online: true },
          { name: "pve2", online: false },
        ],
        guests: [guest(100, { node: "pve2", name: "", powerState: "unknown" })],
        archives: [archive(100, "2026-02-11T03:00:05Z")],
      },
      "ok",
      /backed up/,
    ],
    [
      "late on an offline node says so",
      {
        nodes: [{ name: "pve2", online: false }],
        guests: [guest(100, { node: "pve2" })],
        archives: [archive(100, "2026-02-09T03:00:05Z")],
      },
      "late",
      /\(node pve2 is offline\)$/,
    ],
    [
      "unknown: a schedule the product cannot evaluate",
      {
        jobs: [job("odd", [100], { schedule: "every full moon" })],
        archives: [archive(100, "2026-02-11T03:00:05Z")],
      },
      "unknown",
      /cannot evaluate the schedule of job odd \('every full moon'\)/,
    ],
    [
      "unknown: a job without a schedule",
      {
        jobs: [job("legacy", [100], { schedule: undefined })],
        archives: [archive(100, "2026-02-11T03:00:05Z")],
      },
      "unknown",
      /legacy \(''\)/,
    ],
    [
      "unknown: jobs could not be read",
      { jobs: [], jobsError: "cannot read backup jobs: 403" },
      "unknown",
      /cannot read backup jobs: 403/,
    ],
    [
      "an archive of another guest type with the same vmid is not this guest's",
      { archives: [archive(100, "2026-02-11T03:00:05Z", { type: "lxc" })] },
      "never",
      /no backup/,
    ],
    [
      "a job without a storage writes to 'local'",
      {
        jobs: [job("p0", [100], { storage: undefined })],
        storages: [local("pve", { active: false })],
        listed: [],
      },
      "unknown",
      /storage 'local' is not active/,
    ],
  ])("%s", (_name, over, status, reason) => {
    const g = one(facts(over));
    expect(g.status).toBe(status);
    expect(g.reason).toMatch(reason);
  });

  it("reports a weekly guest as ok six days after its backup", () => {
    // Sunday 2026-02-08 04:00 run; now Saturday 2026-02-14 10:00.
    const f = facts({
      jobs: [job("p2", [100], { schedule: "sun 04:00" })],
      archives: [archive(100, "2026-02-08T04:00:07Z")],
    });
    const g = one(f, at("2026-02-14T10:00:00Z"));
    expect(g.status).toBe("ok");
    expect(g.expectedByMs).toBe(at("2026-02-15T05:00:00Z"));
  });

  it("reports a weekly guest late once the next Sunday's run plus grace has passed", () => {
    const f = facts({
      jobs: [job("p2", [100], { schedule: "sun 04:00" })],
      archives: [archive(100, "2026-02-08T04:00:07Z")],
    });
    expect(one(f, at("2026-02-15T04:59:00Z")).status).toBe("ok");
    const late = one(f, at("2026-02-15T05:00:00Z"));
    expect(late.status).toBe("late");
    expect(late.expectedByMs).toBe(at("2026-02-15T05:00:00Z"));
  });

  it("gives a daily guest its grace after the scheduled run", () => {
    const f = facts({ archives: [archive(100, "2026-02-10T03:00:05Z")] });
    expect(one(f, at("2026-02-11T03:59:59Z")).status).toBe("ok");
    expect(one(f, at("2026-02-11T04:00:00Z")).status).toBe("late");
    const lenient = policy({ tierOf: () => ({ tier: "P0", graceMin: 120 }) });
    expect(one(f, at("2026-02-11T04:30:00Z"), lenient).status).toBe("ok");
  });

  it("uses the default grace for a guest in no tier", () => {
    const f = facts({
      guests: [guest(101)],
      jobs: [job("p1", [101])],
      archives: [archive(101, "2026-02-10T03:00:05Z")],
    });
    const g = one(f, at("2026-02-11T03:30:00Z"), policy({ defaultGraceMin: 15 }));
    expect(g.status).toBe("late");
    expect(g.tier).toBeNull();
  });

  it("takes the most demanding of several covering jobs", () => {
    const f = facts({
      jobs: [job("weekly", [100], { schedule: "sun 04:00" }), job("daily", [100], { schedule: "03:00" })],
      archives: [archive(100, "2026-02-09T03:00:05Z")],
    });
    const g = one(f);
    expect(g.status).toBe("late");
    expect(g.jobs).toEqual(["weekly", "daily"]);
  });

  it("judges a one-off schedule with no run yet as fresh, and one long past with no next run", () => {
    const future = facts({
      jobs: [job("once", [100], { schedule: "2030-01-01" })],
      archives: [archive(100, "2026-02-01T00:00:00Z")],
    });
    const f = one(future);
    expect(f.status).toBe("ok");
    expect(f.expectedByMs).toBe(at("2030-01-01T01:00:00Z"));
    const past = facts({
      jobs: [job("once", [100], { schedule: "2025-01-01" })],
      archives: [archive(100, "2026-02-01T00:00:00Z")],
    });
    expect(one(past)).toMatchObject({ status: "ok", expectedByMs: null });
    const never = facts({ jobs: [job("once", [100], { schedule: "2025-01-01" })] });
    expect(one(never)).toMatchObject({ status: "never", expectedByMs: null });
  });

  it("fills the report with last backup, last attempt, tier and expected time", () => {
    const g = one(
      facts({
        archives: [
          archive(100, "2026-02-10T03:00:05Z"),
          archive(100, "2026-02-11T03:00:05Z", { sizeBytes: 42, notes: "homeassistant" }),
          archive(100, "2026-02-09T03:00:05Z"),
        ],
        attempts: [attempt(100, "2026-02-10T03:00:00Z"), attempt(100, "2026-02-11T03:00:00Z")],
      }),
    );
    expect(g).toMatchObject({
      cluster: "home",
      vmid: 100,
      name: "guest-100",
      tier: "P0",
      status: "ok",
      lastBackup: {
        timeMs: at("2026-02-11T03:00:05Z"),
        storage: "nas",
        sizeBytes: 42,
        notes: "homeassistant",
      },
      lastAttempt: { startMs: at("2026-02-11T03:00:00Z"), outcome: "ok" },
      expectedByMs: at("2026-02-12T04:00:00Z"),
      jobs: ["p0"],
    });
  });

  it("names a guest without a reported name from the last report, else by type and vmid", () => {
    const f = facts({
      guests: [guest(100, { name: "" }), guest(103, { name: "", type: "lxc" }), guest(104, { name: "" })],
    });
    const prev = [{ vmid: 104, name: "remembered" } as GuestReport];
    const names = assessCluster(f, policy(), NOW, prev).guests.map((g) => g.name);
    expect(names).toEqual(["VM 100", "CT 103", "remembered"]);
  });

  it("lists templates only when a job backs them up", () => {
    const f = facts({
      guests: [guest(100), guest(900, { template: true }), guest(901, { template: true })],
      jobs: [job("p0", [100, 901])],
    });
    expect(assessCluster(f, policy(), NOW).guests.map((g) => g.vmid)).toEqual([100, 901]);
  });

  it("ignores archives of deleted guests: no report, no problem", () => {
    const f = facts({
      archives: [archive(100, "2026-02-11T03:00:05Z"), archive(104, "2026-01-01T03:00:00Z")],
      jobs: [job("p0", [100, 104])],
    });
    const r = assessCluster(f, policy(), NOW);
    expect(r.guests.map((g) => [g.vmid, g.status])).toEqual([[100, "ok"]]);
    expect(r.problems).toEqual([]);
  });

  it("sorts guests by vmid", () => {
    const f = facts({ guests: [guest(105), guest(100), guest(102)] });
    expect(assessCluster(f, policy(), NOW).guests.map((g) => g.vmid)).toEqual([100, 102, 105]);
  });

  it("turns every guest unknown when the cluster is unreachable, keeping what was known", () => {
    const prev = assessCluster(
      facts({ archives: [archive(100, "2026-02-11T03:00:05Z")] }),
      policy(),
      NOW,
    ).guests;
    const r = assessCluster({ cluster: "home", reachable: false, error: "ECONNREFUSED" }, policy(), NOW, [
      ...prev,
      { ...(prev[0] as GuestReport), cluster: "other" },
    ]);
    expect(r.reachable).toBe(false);
    expect(r.problems).toEqual(["cluster unreachable: ECONNREFUSED"]);
    expect(r.guests).toHaveLength(1);
    expect(r.guests[0]).toMatchObject({
      status: "unknown",
      reason: "cluster unreachable: ECONNREFUSED",
      lastBackup: prev[0]?.lastBackup,
    });
    expect(assessCluster({ cluster: "home", reachable: false, error: "x" }, policy(), NOW).guests).toEqual(
      [],
    );
  });

  it("says when the token cannot see any guest, instead of reporting an empty lab as fine", () => {
    const r = assessCluster(facts({ guests: [], permissions: { "/": { "Sys.Audit": 1 } } }), policy(), NOW);
    expect(r.problems).toEqual([
      "the token sees no guests: grant it VM.Audit on /vms (e.g. the PVEAuditor role on /)",
    ]);
    expect(assessCluster(facts({ guests: [] }), policy(), NOW).problems).toEqual([]);
  });

  it("carries the reader's problems and the jobs error into the report", () => {
    const r = assessCluster(
      facts({
        problems: ["cannot read backup tasks of node pve: 500"],
        jobsError: "cannot read backup jobs",
      }),
      policy(),
      NOW,
    );
    expect(r.problems).toEqual(["cannot read backup tasks of node pve: 500", "cannot read backup jobs"]);
  });
});

describe("formatWall", () => {
  it.each([
    ["UTC", "2026-02-11 10:00"],
    ["Europe/Berlin", "2026-02-11 11:00"],
    ["UTC", "2026-02-11 10:00"],
  ])("formats in %s", (tz, text) => {
    expect(formatWall(NOW, tz)).toBe(text);
  });
});

describe("isProblem", () => {
  it.each<[GuestReport["status"], boolean]>([
    ["failed", true],
    ["late", true],
    ["never", true],
    ["not_in_job", true],
    ["ok", false],
    ["running", false],
    ["unknown", false],
  ])("%s → %s", (status, expected) => {
    expect(isProblem(status)).toBe(expected);
  });
});
