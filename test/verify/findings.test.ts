import { describe, expect, it } from "vitest";
import { type ConsistencyFacts, consistencyFindings } from "../../src/core/verify-findings.js";

const vm: ConsistencyFacts = {
  vmid: 100,
  name: "immich",
  type: "qemu",
  running: true,
  backupMode: "snapshot",
  agentEnabled: true,
  archives: [{ protected: false }, { protected: false }, { protected: false }],
  promisedCopies: 3,
};

const FAILED = {
  result: "failed" as const,
  message: "wrong VMA header checksum",
  time: "2026-12-06T03:00:00Z",
};
const a = (volid: string, p: boolean) => ({ protected: p, volid });

describe("consistencyFindings", () => {
  it("finds nothing in a well-kept guest", () => {
    expect(consistencyFindings([vm])).toEqual([]);
  });
  it.each<[string, Partial<ConsistencyFacts>, string, RegExp]>([
    [
      "a snapshot backup without the agent",
      { agentEnabled: false },
      "crash_consistent",
      /^100 \(immich\) is backed up in snapshot mode with its QEMU guest agent off/,
    ],
    [
      "a stopped guest in no job never backed up",
      { running: false, backupMode: undefined, archives: [] },
      "never_backed_up",
      /stopped and has never been backed up: add it to a tier/,
    ],
    [
      "a stopped guest in a job never backed up",
      { running: false, archives: [], name: "" },
      "never_backed_up",
      /^100 is stopped .*its next run will be its first copy/,
    ],
    [
      "fewer copies than promised",
      { archives: [{ protected: false }, { protected: true }] },
      "fewer_copies",
      /has 1 of the 3 copies its tier promises \(plus 1 protected, which do not count\)/,
    ],
    [
      "fewer copies, none protected",
      { archives: [{ protected: false }] },
      "fewer_copies",
      /has 1 of the 3 copies its tier promises$/,
    ],
    [
      "a failed verification while an older archive passed",
      {
        lastVerified: FAILED,
        archives: [a("old", false), a("mid", false), a("new", false)],
        verdicts: { old: "ok", new: "failed" },
      },
      "verification_failed",
      /failed verification at 2026-12-06T03:00:00Z: wrong VMA header checksum/,
    ],
  ])("reports %s", (_n, over, kind, message) => {
    expect(consistencyFindings([{ ...vm, ...over }])).toEqual([
      { vmid: 100, kind, message: expect.stringMatching(message) },
    ]);
  });
  it.each<[string, Partial<ConsistencyFacts>]>([
    ["no verdicts kept", { lastVerified: FAILED }],
    ["archives without volids", { lastVerified: FAILED, verdicts: { x: "ok" } }],
    [
      "only failed verdicts",
      {
        lastVerified: FAILED,
        archives: [a("x", false), a("y", false), a("z", false)],
        verdicts: { y: "failed", z: "failed" },
      },
    ],
    [
      "a passed archive that is gone",
      {
        lastVerified: FAILED,
        archives: [a("x", false), a("y", false), a("z", false)],
        verdicts: { gone: "ok", z: "failed" },
      },
    ],
  ])("reports no archive known to restore with %s", (_n, over) => {
    expect(consistencyFindings([{ ...vm, ...over }]).map((f) => f.kind)).toEqual([
      "verification_failed",
      "no_good_archive",
    ]);
    expect(consistencyFindings([{ ...vm, ...over }])[1]?.message).toMatch(
      /^100 \(immich\): none of its 3 archive\(s\) is known to restore: the newest failed verification \(wrong VMA header checksum\)/,
    );
  });
  it("does not call a guest without archives unrestorable", () => {
    expect(
      consistencyFindings([{ ...vm, lastVerified: FAILED, archives: [], promisedCopies: undefined }]).map(
        (f) => f.kind,
      ),
    ).toEqual(["verification_failed"]);
  });
  it.each<[string, Partial<ConsistencyFacts>]>([
    ["an unknown agent", { agentEnabled: undefined }],
    ["a stopped VM without agent (nothing to freeze)", { running: false, agentEnabled: false }],
    ["a container (no guest agent)", { type: "lxc", agentEnabled: false }],
    ["a stop-mode backup without agent", { backupMode: "stop", agentEnabled: false }],
    ["a guest in no tier", { promisedCopies: undefined, archives: [{ protected: false }] }],
    ["a passed verification", { lastVerified: { result: "ok", message: "", time: "" } }],
  ])("does not report %s", (_n, over) => {
    expect(consistencyFindings([{ ...vm, ...over }])).toEqual([]);
  });
});
