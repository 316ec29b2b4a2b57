import { describe, expect, it } from "vitest";
import { type FinishedMarks, findFinished, isTold, resultKey } from "../../src/core/finished.js";
import type { Archive, Attempt, ClusterFacts } from "../../src/core/model.js";
import { formatUpid } from "../../src/core/upid.js";

type Facts = Extract<ClusterFacts, { reachable: true }>;

const at = (iso: string) => Date.parse(iso);
const RUN = "2026-02-11T03:00:00Z";
const upidAt = (iso: string, id = "") =>
  formatUpid({ node: "pve", pid: 1, pstart: 2, startMs: at(iso), type: "vzdump", id, user: "root@pam" });
const JOB = upidAt(RUN);

const attempt = (vmid: number, over: Partial<Attempt> = {}): Attempt => ({
  vmid,
  upid: JOB,
  node: "pve",
  startMs: at(RUN),
  endMs: at("2026-02-11T03:05:00Z"),
  outcome: "ok",
  ...over,
});
const archive = (vmid: number, iso: string, sizeBytes: number): Archive => ({
  vmid,
  volid: `nas:backup/vzdump-qemu-${vmid}-${iso}.vma.zst`,
  storage: "nas",
  type: "qemu",
  timeMs: at(iso),
  sizeBytes,
  format: "vma.zst",
  protected: false,
});
const facts = (attempts: Attempt[], archives: Archive[] = []): Facts => ({
  cluster: "home",
  reachable: true,
  nodes: [{ name: "pve", online: true }],
  guests: [100, 101, 102].map((vmid) => ({
    vmid,
    name: vmid === 102 ? "" : `guest-${vmid}`,
    type: "qemu" as const,
    node: "pve",
    powerState: "running",
    template: false,
  })),
  jobs: [],
  jobRows: [],
  storages: [],
  listed: [],
  archives,
  attempts,
  permissions: {},
  problems: [],
});
const BEFORE: FinishedMarks = { 100: at("2026-02-10T03:00:00Z"), 101: at("2026-02-10T03:00:00Z") };
const none = new Set<string>();

describe("findFinished", () => {
  it("tells nothing on a cluster's first look and marks every guest's newest final attempt", () => {
    const out = findFinished({
      facts: facts([
        attempt(100),
        attempt(101, { outcome: "failed", error: "boom" }),
        attempt(100, { upid: upidAt("2026-02-10T03:00:00Z"), startMs: at("2026-02-10T03:00:00Z") }),
        attempt(102, { outcome: "running", endMs: undefined }),
      ]),
      marks: undefined,
      seen: none,
    });
    expect(out.results).toEqual([]);
    // A running attempt sets no mark: its result is told when it ends.
    expect(out.marks).toEqual({ 100: at(RUN), 101: at(RUN) });
  });

  it.each<[string, Attempt, Archive[], object]>([
    [
      "an ok attempt from its log",
      attempt(100, { sizeBytes: 5, durationSec: 7 }),
      [],
      { status: "ok", sizeBytes: 5, durationSec: 7, error: null, name: "guest-100" },
    ],
    [
      "an ok attempt of an OK task, sized by the archive made during it",
      attempt(100),
      [archive(100, "2026-02-11T03:01:00Z", 42)],
      { status: "ok", sizeBytes: 42, durationSec: null },
    ],
    [
      "an ok attempt whose newest archive is older than the attempt (no size)",
      attempt(100),
      [archive(100, "2026-02-10T03:01:00Z", 42)],
      { status: "ok", sizeBytes: null },
    ],
    [
      "an ok attempt whose newest archive is from after its end (no size)",
      attempt(100),
      [archive(100, "2026-02-11T04:00:00Z", 42)],
      { status: "ok", sizeBytes: null },
    ],
    [
      "a guest done while its task still runs, sized by an archive made since",
      attempt(100, { endMs: undefined }),
      [archive(100, "2026-02-11T03:04:00Z", 9)],
      { status: "ok", sizeBytes: 9, durationSec: null },
    ],
    [
      "a single-guest task: the task's duration",
      attempt(100, { upid: upidAt(RUN, "100") }),
      [],
      { durationSec: 300 },
    ],
    [
      "a warnings attempt",
      attempt(101, { outcome: "warnings", sizeBytes: 3 }),
      [],
      { status: "warnings", sizeBytes: 3, name: "guest-101" },
    ],
    [
      "a failed attempt: its error, no size even with an archive from the run",
      attempt(101, { outcome: "failed", error: "storage offline" }),
      [archive(101, "2026-02-11T03:01:00Z", 42)],
      { status: "failed", sizeBytes: null, error: "storage offline" },
    ],
    [
      "a guest without a name (node offline): its vmid",
      attempt(102, { outcome: "failed" }),
      [],
      { name: "102", error: null },
    ],
  ])("tells %s", (_, a, archives, expected) => {
    const out = findFinished({ facts: facts([a], archives), marks: BEFORE, seen: none });
    expect(out.results).toEqual([
      expect.objectContaining({ cluster: "home", vmid: a.vmid, upid: a.upid, ...expected }),
    ]);
    expect(out.marks[a.vmid]).toBe(a.startMs);
  });

  it("tells nothing that is running or waiting, nor what the marks cover", () => {
    const out = findFinished({
      facts: facts([
        attempt(100, { outcome: "running", endMs: undefined }),
        attempt(101, { outcome: "waiting", endMs: undefined }),
        attempt(102, { upid: upidAt("2026-02-09T03:00:00Z"), startMs: at("2026-02-09T03:00:00Z") }),
      ]),
      marks: { ...BEFORE, 102: at("2026-02-09T03:00:00Z") },
      seen: none,
    });
    expect(out.results).toEqual([]);
    expect(out.marks).toEqual({ ...BEFORE, 102: at("2026-02-09T03:00:00Z") });
  });

  it("tells a guest never told before, and results that ended while nobody looked, oldest first", () => {
    const yesterday = "2026-02-10T12:00:00Z";
    const out = findFinished({
      facts: facts([
        attempt(100),
        attempt(100, {
          upid: upidAt(yesterday, "100"),
          startMs: at(yesterday),
          endMs: at(yesterday) + 60_000,
        }),
        attempt(102, { outcome: "failed", error: "x" }),
      ]),
      marks: BEFORE,
      seen: none,
    });
    expect(out.results.map((r) => [r.vmid, r.upid])).toEqual([
      [100, upidAt(yesterday, "100")],
      [100, JOB],
      [102, JOB],
    ]);
    expect(out.marks).toEqual({ ...BEFORE, 100: at(RUN), 102: at(RUN) });
  });

  it("tells a result another path told once only: seen until a look shows it final, then marked", () => {
    const key = resultKey({ cluster: "home", upid: JOB, vmid: 100 });
    const other = resultKey({ cluster: "home", upid: upidAt("2026-02-11T12:00:00Z", "101"), vmid: 101 });
    const seen = new Set([key, other]);
    const out = findFinished({ facts: facts([attempt(100), attempt(101)]), marks: BEFORE, seen });
    expect(out.results.map((r) => r.vmid)).toEqual([101]);
    // 100 is final here: its mark covers it from now on. The other is not in these facts yet.
    expect([...out.seen]).toEqual([other]);
    expect(out.marks[100]).toBe(at(RUN));
    const again = findFinished({
      facts: facts([attempt(100), attempt(101)]),
      marks: out.marks,
      seen: out.seen,
    });
    expect(again.results).toEqual([]);
  });

  it("keeps the newer mark when an older attempt appears late (its log was unreadable before)", () => {
    const old = "2026-02-10T20:00:00Z";
    const out = findFinished({
      facts: facts([attempt(100, { upid: upidAt(old), startMs: at(old) })]),
      marks: { 100: at("2026-02-10T03:00:00Z") },
      seen: none,
    });
    expect(out.results.map((r) => r.upid)).toEqual([upidAt(old)]);
    const newer = findFinished({
      facts: facts([attempt(100), attempt(100, { upid: upidAt(old), startMs: at(old) })]),
      marks: { 100: at("2026-02-10T03:00:00Z") },
      seen: none,
    });
    expect(newer.marks[100]).toBe(at(RUN));
  });
});

describe("isTold", () => {
  const result = { cluster: "home", upid: upidAt(RUN, "100"), vmid: 100 };
  it.each<[string, FinishedMarks | undefined, ReadonlySet<string>, boolean]>([
    ["a result nobody told, before any look", undefined, none, false],
    ["a result the follower told", undefined, new Set([resultKey(result)]), true],
    ["a result a look told (the mark covers its task's start)", { 100: at(RUN) }, none, true],
    ["a result newer than the guest's mark", { 100: at(RUN) - 1 }, none, false],
    ["a result of a guest without a mark", { 101: at(RUN) }, none, false],
  ])("%s: %s", (_, marks, seen, told) => {
    expect(isTold(result, marks, seen)).toBe(told);
  });

  it("does not take a result with an unreadable UPID as told by a mark", () => {
    expect(isTold({ ...result, upid: "nonsense" }, { 100: at(RUN) }, none)).toBe(false);
  });
});
