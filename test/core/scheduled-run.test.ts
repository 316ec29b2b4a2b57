import { describe, expect, it } from "vitest";
import type { BackupJob, Guest } from "../../src/core/model.js";
import { isUnattributedFailure, scheduledRunGuests, type UnnamedRun } from "../../src/core/scheduled-run.js";

const NAS_DOWN = "could not activate storage 'nas': storage 'nas' is not online";
const at = (iso: string) => Date.parse(iso);

const job = (id: string, over: Partial<BackupJob> = {}): BackupJob => ({
  id,
  enabled: true,
  schedule: "03:00",
  storage: "nas",
  selection: { kind: "vmids", vmids: [100, 102] },
  ...over,
});
const guest = (vmid: number, node = "pve", pool?: string): Pick<Guest, "vmid" | "node" | "pool"> => ({
  vmid,
  node,
  pool,
});
const GUESTS = [guest(100), guest(101), guest(102), guest(103, "pve2"), guest(104, "pve", "web")];

const run = (over: Partial<UnnamedRun> = {}, summary: Partial<UnnamedRun["summary"]> = {}): UnnamedRun => ({
  node: "pve",
  startMs: at("2026-02-12T03:00:05Z"),
  ...over,
  summary: { jobOutcome: "failed", guests: [], requestedVmids: [], jobError: NAS_DOWN, ...summary },
});

describe("scheduledRunGuests", () => {
  const cases: [string, UnnamedRun, BackupJob[], number[], string?][] = [
    ["the job due at the task's start", run(), [job("p0")], [100, 102]],
    ["started late within the minute", run({ startMs: at("2026-02-12T03:00:59Z") }), [job("p0")], [100, 102]],
    ["started exactly a minute after", run({ startMs: at("2026-02-12T03:01:00Z") }), [job("p0")], [100, 102]],
    ["a minute later: not this job", run({ startMs: at("2026-02-12T03:01:01Z") }), [job("p0")], []],
    ["before the occurrence", run({ startMs: at("2026-02-12T02:59:59Z") }), [job("p0")], []],
    ["a Run now at noon", run({ startMs: at("2026-02-12T12:00:03Z") }), [job("p0")], []],
    ["pinned to this node", run(), [job("p0", { node: "pve" })], [100, 102]],
    ["pinned to another node", run(), [job("p0", { node: "pve2" })], []],
    ["disabled", run(), [job("p0", { enabled: false })], []],
    ["storage not the one in the error", run(), [job("p0", { storage: "local" })], []],
    [
      "no storage: PVE's default local",
      run({}, { jobError: "storage 'local' is not online" }),
      [job("p0", { storage: undefined })],
      [100, 102],
    ],
    [
      "an error naming no storage",
      run({}, { jobError: "got timeout" }),
      [job("p0", { storage: "pbs" })],
      [100, 102],
    ],
    ["no error text", run({}, { jobError: undefined }), [job("p0")], [100, 102]],
    [
      "over all: the guests on the task's node",
      run(),
      [job("all", { selection: { kind: "all", exclude: [101] } })],
      [100, 102, 104],
    ],
    ["over a pool", run(), [job("web", { selection: { kind: "pool", pool: "web" } })], [104]],
    [
      "a guest of the job on another node",
      run(),
      [job("p0", { selection: { kind: "vmids", vmids: [100, 103] } })],
      [100],
    ],
    [
      "two jobs due at once: both",
      run(),
      [job("a"), job("b", { selection: { kind: "vmids", vmids: [101, 100] } })],
      [100, 101, 102],
    ],
    [
      "a job due at another time",
      run(),
      [job("p0"), job("p1", { schedule: "03:15", selection: { kind: "vmids", vmids: [101] } })],
      [100, 102],
    ],
    [
      "in the nodes' time zone",
      run({ startMs: at("2026-02-12T02:00:10Z") }),
      [job("p0")],
      [100, 102],
      "Europe/Berlin",
    ],
    [
      "a schedule in UTC, whatever the zone",
      run(),
      [job("p0", { schedule: "03:00 UTC" })],
      [100, 102],
      "Europe/Berlin",
    ],
    ["an unreadable schedule", run(), [job("p0", { schedule: "whenever" })], []],
    ["no schedule", run(), [job("p0", { schedule: undefined })], []],
    ["an unknown time zone", run(), [job("p0")], [], "Mars/Olympus"],
    ["a task that did not fail", run({}, { jobOutcome: "ok" }), [job("p0")], []],
    ["a failure the log attributes", run({}, { requestedVmids: [100] }), [job("p0")], []],
    [
      "a failure with a guest of its own",
      run({}, { guests: [{ vmid: 100, outcome: "failed", warnings: 0 }] }),
      [job("p0")],
      [],
    ],
  ];
  it.each(cases)("%s", (_name, r, jobs, expected, tz = "UTC") => {
    expect(scheduledRunGuests(r, jobs, GUESTS, tz)).toEqual(expected);
  });
});

describe("isUnattributedFailure", () => {
  it("is a failed task whose log names no guest", () => {
    expect(isUnattributedFailure(run().summary)).toBe(true);
    expect(isUnattributedFailure(run({}, { jobOutcome: "warnings" }).summary)).toBe(false);
  });
});
