import { describe, expect, it } from "vitest";
import { findingRepairs } from "../../src/core/repairs.js";
import { clusterOfKey, verificationProblems } from "../../src/core/verify-problems.js";

const v = (result: "ok" | "failed", message = "m") => ({
  time: "2026-12-06T03:10:00.000Z",
  depth: "api" as const,
  result,
  durationMs: 1,
  message,
  volid: "nas:backup/x",
});

describe("verificationProblems", () => {
  it("lists failed verifications and test restores per configured cluster, in vmid order", () => {
    const ledger = {
      lastVerified: {
        home_102: v("failed", "wrong vma header chechsum"),
        home_100: v("ok"),
        home_101: v("failed", "gone"),
        lab_2_100: v("failed", "bad"),
        other_100: v("failed"),
        home_x: v("failed"),
      },
      lastTestRestore: { home_102: v("failed", "no agent"), home_100: v("ok") },
    };
    const out = verificationProblems(
      ledger,
      ["home", "lab", "lab_2"],
      (c, vmid) => !(c === "home" && vmid === 101),
    );
    expect(out.map((p) => [p.cluster, p.vmid, p.check, p.message])).toEqual([
      ["lab_2", 100, "verification", "bad"],
      ["home", 102, "verification", "wrong vma header chechsum"],
      ["home", 102, "test_restore", "no agent"],
    ]);
    expect(
      verificationProblems({ lastVerified: {}, lastTestRestore: { home_1: v("failed") } }, ["home"]),
    ).toHaveLength(1);
  });

  it.each([
    ["home_100", ["home"], "home"],
    ["lab_2_100", ["lab", "lab_2"], "lab_2"],
    ["lab_2_100", ["lab"], undefined],
    ["home_", ["home"], undefined],
  ])("finds the cluster of %s", (key, clusters, expected) => {
    expect(clusterOfKey(key, clusters)).toBe(expected);
  });
});

describe("findingRepairs", () => {
  it("raises a Repair for an unrestorable guest and a crash-consistent one, nothing for the rest", () => {
    const out = findingRepairs(
      "Home-Lab",
      [
        { vmid: 102, kind: "no_good_archive", message: "102 (immich): none …" },
        { vmid: 102, kind: "verification_failed", message: "102: failed" },
        { vmid: 104, kind: "crash_consistent", message: "104 is backed up in snapshot mode…" },
        { vmid: 105, kind: "fewer_copies", message: "…" },
      ],
      new Map([[102, "immich"]]),
      "https://pve:8006",
    );
    expect(out).toEqual([
      {
        id: "verification_failed_home_lab_102",
        kind: "verification_failed",
        placeholders: { cluster: "Home-Lab", vmid: "102", name: "immich", message: "102 (immich): none …" },
        learnMoreUrl: "https://pve:8006",
      },
      {
        id: "crash_consistent_home_lab_104",
        kind: "crash_consistent",
        placeholders: {
          cluster: "Home-Lab",
          vmid: "104",
          name: "104",
          message: "104 is backed up in snapshot mode…",
        },
        learnMoreUrl: "https://pve:8006",
      },
    ]);
  });
});
