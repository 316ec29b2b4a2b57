import { describe, expect, it } from "vitest";
import type { Archive, Attempt, BackupJob, ClusterFacts } from "../../src/core/model.js";
import {
  dueTestRestores,
  dueVerifications,
  type ScheduleInput,
  type TestRestoreScheduleInput,
} from "../../src/core/verify-schedule.js";

const at = (iso: string) => Date.parse(iso);
const NOW = at("2026-02-11T12:00:00Z");
const RUN_END = at("2026-02-11T03:05:00Z");

const attempt = (vmid: number, over: Partial<Attempt> = {}): Attempt => ({
  vmid,
  upid: "UPID:night",
  node: "pve",
  startMs: at("2026-02-11T03:00:00Z"),
  endMs: RUN_END,
  outcome: "ok",
  ...over,
});
const archive = (vmid: number): Archive => ({
  vmid,
  volid: `nas:backup/vzdump-qemu-${vmid}.vma.zst`,
  storage: "nas",
  type: "qemu",
  timeMs: RUN_END,
  sizeBytes: 1,
  format: "vma.zst",
  protected: false,
});
const job = (nextRunMs?: number, enabled = true): BackupJob => ({
  id: "j",
  enabled,
  selection: { kind: "all", exclude: [] },
  nextRunMs,
});
const facts = (over: Partial<Extract<ClusterFacts, { reachable: true }>> = {}): ClusterFacts => ({
  cluster: "home",
  reachable: true,
  nodes: [],
  guests: [],
  jobs: [job(at("2026-02-12T03:00:00Z"))],
  jobRows: [],
  storages: [],
  listed: [],
  archives: [archive(100), archive(102), archive(103)],
  attempts: [attempt(100), attempt(102)],
  permissions: {},
  problems: [],
  ...over,
});
const verified = (iso: string, depth: "api" | "full" = "api") => ({ time: iso, depth });
const P0 = { tier: "P0", afterRun: true, full: false };
const P2 = { tier: "P2", afterRun: false, everyDays: 7, full: false };
const base: ScheduleInput = {
  entries: [P0],
  tiers: [
    { name: "P0", guests: [100, 102] },
    { name: "P2", guests: [103, 104] },
  ],
  facts: facts(),
  lastVerified: {},
  nowMs: NOW,
  triedMs: {},
  retryMs: 1_800_000,
};
const due = (over: Partial<ScheduleInput>) =>
  dueVerifications({ ...base, ...over }).map((d) => `${d.tier} ${d.reason}${d.full ? " full" : ""}`);

describe("dueVerifications", () => {
  it.each<[string, Partial<ScheduleInput>, string[]]>([
    ["after the tier's run ended OK and its guests were not verified since", {}, ["P0 after_run"]],
    [
      "not when every guest was verified after the run",
      {
        lastVerified: {
          home_100: verified("2026-02-11T03:06:00Z"),
          home_102: verified("2026-02-11T03:06:00Z"),
        },
      },
      [],
    ],
    [
      "when one guest was verified only before the run",
      {
        lastVerified: {
          home_100: verified("2026-02-11T03:06:00Z"),
          home_102: verified("2026-02-10T03:06:00Z"),
        },
      },
      ["P0 after_run"],
    ],
    [
      "for a full entry, when the check after the run was only the cheap one",
      {
        entries: [{ ...P0, full: true }],
        lastVerified: {
          home_100: verified("2026-02-11T03:06:00Z"),
          home_102: verified("2026-02-11T03:06:00Z"),
        },
      },
      ["P0 after_run full"],
    ],
    [
      "not while the tier's run goes on",
      { facts: facts({ attempts: [attempt(100), attempt(102, { outcome: "running", endMs: undefined })] }) },
      [],
    ],
    [
      "not after a run that failed",
      { facts: facts({ attempts: [attempt(100), attempt(102, { outcome: "failed" })] }) },
      [],
    ],
    [
      "after a run with warnings, ending at its start when no end is known",
      { facts: facts({ attempts: [attempt(100, { outcome: "warnings", endMs: undefined })] }) },
      ["P0 after_run"],
    ],
    [
      "judging by the newest task only",
      {
        facts: facts({
          attempts: [
            attempt(100, { upid: "UPID:old", startMs: at("2026-02-10T03:00:00Z"), outcome: "failed" }),
            attempt(100),
          ],
        }),
      },
      ["P0 after_run"],
    ],
    ["not without any run of the tier", { facts: facts({ attempts: [] }) }, []],
    ["not for a guest without an archive", { facts: facts({ archives: [archive(103)] }) }, []],
    [
      "not on a cluster that cannot be read",
      { facts: { cluster: "home", reachable: false, error: "down" } },
      [],
    ],
    ["not before a first refresh", { facts: undefined }, []],
    ["not for a tier that no longer exists", { entries: [{ ...P0, tier: "P9" }] }, []],
    ["not when tried within the retry time", { triedMs: { 0: NOW - 60_000 } }, []],
    ["again once the retry time has passed", { triedMs: { 0: NOW - 1_800_000 } }, ["P0 after_run"]],
    [
      "a full entry not while any backup runs",
      {
        entries: [{ ...P0, full: true }],
        facts: facts({ attempts: [attempt(100), attempt(105, { upid: "UPID:other", outcome: "waiting" })] }),
      },
      [],
    ],
    ["periodically when a guest was never verified", { entries: [P2] }, ["P2 periodic"]],
    [
      "periodically when the oldest check is N days old",
      { entries: [P2], lastVerified: { home_103: verified("2026-02-04T12:00:00Z") } },
      ["P2 periodic"],
    ],
    [
      "not periodically while the checks are younger than N days",
      { entries: [P2], lastVerified: { home_103: verified("2026-02-04T12:00:01Z") } },
      [],
    ],
    [
      "periodically full when only cheap checks were made",
      { entries: [{ ...P2, full: true }], lastVerified: { home_103: verified("2026-02-10T12:00:00Z") } },
      ["P2 periodic full"],
    ],
    [
      "not periodically full when the full check is recent",
      {
        entries: [{ ...P2, full: true }],
        lastVerified: { home_103: verified("2026-02-10T12:00:00Z", "full") },
      },
      [],
    ],
    [
      "not periodically within the hour before a job's next run",
      { entries: [P2], nowMs: at("2026-02-12T02:00:01Z") },
      [],
    ],
    [
      "periodically just over an hour before it",
      { entries: [P2], nowMs: at("2026-02-12T02:00:00Z") },
      ["P2 periodic"],
    ],
    [
      "a disabled job or one without a next run is no window",
      { entries: [P2], facts: facts({ jobs: [job(NOW + 60_000, false), job(undefined)] }) },
      ["P2 periodic"],
    ],
    [
      "not periodically while a vzdump task runs",
      { entries: [P2], facts: facts({ attempts: [attempt(100, { outcome: "running", endMs: undefined })] }) },
      [],
    ],
    [
      "never a test restore entry",
      { entries: [{ tier: "P0", afterRun: false, everyDays: 1, full: false, testRestore: {} }] },
      [],
    ],
    [
      "the after-run rule first, the periodic one when it has nothing to do",
      {
        entries: [{ ...P0, everyDays: 1 }],
        lastVerified: {
          home_100: verified("2026-02-11T03:06:00Z"),
          home_102: verified("2026-02-09T03:06:00Z"),
        },
        facts: facts({ attempts: [attempt(100)] }),
      },
      ["P0 periodic"],
    ],
  ])("%s", (_name, over, expected) => {
    expect(due(over)).toEqual(expected);
  });
});

const TR = { tier: "P0", afterRun: false, everyDays: 30, full: false, testRestore: {} };
const restored = (iso: string, result: "ok" | "failed" = "ok") => ({ time: iso, result });
const trBase: TestRestoreScheduleInput = {
  entries: [TR],
  tiers: base.tiers,
  facts: facts({ attempts: [] }),
  lastTestRestore: {},
  nowMs: NOW,
  triedMs: {},
  retryMs: 6 * 3_600_000,
};
const dueTr = (over: Partial<TestRestoreScheduleInput>) =>
  dueTestRestores({ ...trBase, ...over }).map((d) => `${d.entry} ${d.tier} ${d.vmid}`);

describe("dueTestRestores", () => {
  it.each<[string, Partial<TestRestoreScheduleInput>, string[]]>([
    ["the tier's lowest guest first when none was ever restored", {}, ["0 P0 100"]],
    [
      "the guest whose last test restore is oldest",
      {
        lastTestRestore: {
          home_100: restored("2026-01-01T00:00:00Z"),
          home_102: restored("2025-12-01T00:00:00Z"),
        },
      },
      ["0 P0 102"],
    ],
    [
      "a guest never restored before one that was",
      { lastTestRestore: { home_100: restored("2025-12-01T00:00:00Z") } },
      ["0 P0 102"],
    ],
    [
      "not within N days of the tier's newest ok restore",
      {
        lastTestRestore: {
          home_100: restored("2026-02-01T00:00:00Z"),
          home_102: restored("2025-01-01T00:00:00Z"),
        },
      },
      [],
    ],
    [
      "a failed restore does not count as done: due again after the retry time",
      { lastTestRestore: { home_100: restored("2026-02-11T05:00:00Z", "failed") } },
      ["0 P0 102"],
    ],
    [
      "but not within the retry time of the tier's newest result",
      { lastTestRestore: { home_100: restored("2026-02-11T09:00:00Z", "failed") } },
      [],
    ],
    ["not within the retry time of the entry's last try", { triedMs: { 0: NOW - 60_000 } }, []],
    ["again once the retry time has passed", { triedMs: { 0: NOW - 6 * 3_600_000 } }, ["0 P0 100"]],
    [
      "the entry's own guest, however recently the others were restored",
      {
        entries: [{ ...TR, testRestore: { guest: 102 } }],
        lastTestRestore: { home_100: restored("2020-01-01T00:00:00Z", "failed") },
      },
      ["0 P0 102"],
    ],
    [
      "nothing when the entry's guest has no archive",
      { entries: [{ ...TR, testRestore: { guest: 104 } }] },
      [],
    ],
    [
      "nothing for a tier without archives",
      { entries: [{ ...TR, tier: "P2" }], tiers: [{ name: "P2", guests: [104] }] },
      [],
    ],
    ["nothing for an unknown tier", { entries: [{ ...TR, tier: "P9" }] }, []],
    ["never a verification entry", { entries: [P2] }, []],
    [
      "nothing when the cluster cannot be read",
      { facts: { cluster: "home", reachable: false, error: "down" } },
      [],
    ],
    ["nothing before the first read", { facts: undefined }, []],
    [
      "never while a vzdump task runs on the cluster",
      { facts: facts({ attempts: [attempt(103, { outcome: "running", endMs: undefined })] }) },
      [],
    ],
    [
      "never while a vzdump task waits",
      { facts: facts({ attempts: [attempt(103, { outcome: "waiting", endMs: undefined })] }) },
      [],
    ],
    [
      "never within the hour before a job's next run",
      { facts: facts({ attempts: [], jobs: [job(NOW + 3_599_999)] }) },
      [],
    ],
    [
      "at the hour before a job's next run, or for a disabled job",
      { facts: facts({ attempts: [], jobs: [job(NOW + 3_600_000), job(NOW + 60_000, false), job()] }) },
      ["0 P0 100"],
    ],
    [
      "each entry on its own",
      {
        entries: [TR, { ...TR, tier: "P2" }],
        lastTestRestore: { home_100: restored("2026-02-10T00:00:00Z") },
      },
      ["1 P2 103"],
    ],
  ])("%s", (_name, over, expected) => {
    expect(dueTr(over)).toEqual(expected);
  });
});
