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
      "a failed verification",
      {
        lastVerified: {
          result: "failed",
          message: "wrong VMA header checksum",
          time: "2026-12-06T03:00:00Z",
        },
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
