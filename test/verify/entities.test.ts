import { describe, expect, it } from "vitest";
import type { GuestReport } from "../../src/core/status.js";
import { declare, states } from "../../src/entities/catalogue.js";

const guest = (vmid: number): GuestReport => ({
  cluster: "home",
  vmid,
  name: `g${vmid}`,
  type: "qemu",
  node: "pve",
  tier: "P0",
  status: "ok",
  lastBackup: { timeMs: 0, volid: "nas:backup/x", storage: "nas", sizeBytes: 1, notes: null },
  lastAttempt: null,
  expectedByMs: null,
  reason: "fine",
  jobs: [],
});
const input = (lastVerified?: Parameters<typeof states>[0]["lastVerified"]) => ({
  reports: [{ cluster: "home", reachable: true, problems: [], guests: [guest(100), guest(101)] }],
  clusters: [{ cluster: "home", baseUrl: "https://pve:8006", storageFreeBytes: 1, nextRunMs: null }],
  tiers: ["P0"],
  lastVerified,
});
const attrs = (i: ReturnType<typeof input>, key: string) => states(i).find((s) => s.key === key)?.attributes;

describe("last verification on the last-backup sensor", () => {
  it("adds last_verified, its result, depth and message per guest; null for a guest never verified", () => {
    const i = input({
      home_100: {
        time: "2026-12-06T03:10:00.000Z",
        result: "failed",
        depth: "full",
        message: "zstd: the frame is truncated at 1.2 GB",
      },
    });
    expect(attrs(i, "home_100_last_backup")).toMatchObject({
      last_verified: "2026-12-06T03:10:00.000Z",
      last_verified_result: "failed",
      last_verified_depth: "full",
      last_verified_message: "zstd: the frame is truncated at 1.2 GB",
    });
    expect(attrs(i, "home_101_last_backup")).toMatchObject({
      last_verified: null,
      last_verified_result: null,
      last_verified_message: null,
    });
  });
  it("leaves the attributes out where verification is not wired", () => {
    expect(attrs(input(), "home_100_last_backup")).not.toHaveProperty("last_verified");
  });
});

describe("the verify button", () => {
  it("is declared per guest, translated as verify, when verification is available", () => {
    const decl = declare({ ...input(), verifyButtons: true });
    expect(decl.entities.filter((e) => e.translation_key === "verify")).toEqual([
      expect.objectContaining({ key: "home_100_verify", device: "home_100", platform: "button" }),
      expect.objectContaining({ key: "home_101_verify", device: "home_101", platform: "button" }),
    ]);
    expect(states({ ...input(), verifyButtons: true }).find((s) => s.key === "home_100_verify")).toEqual({
      key: "home_100_verify",
      state: null,
      attributes: {},
    });
  });
  it("is not declared without a backup storage", () => {
    expect(declare(input()).entities.some((e) => e.key.endsWith("_verify"))).toBe(false);
    expect(states(input()).some((s) => s.key.endsWith("_verify"))).toBe(false);
  });
});

describe("the cluster's verification problem sensor", () => {
  const problem = {
    cluster: "home",
    vmid: 101,
    check: "test_restore" as const,
    time: "2026-12-06T03:10:00.000Z",
    message: "the agent did not answer",
    volid: "nas:backup/x",
  };
  it("is declared as a problem when verification is wired, on with the guests and messages", () => {
    const decl = declare({ ...input(), verificationProblems: [problem] });
    expect(decl.entities.find((e) => e.key === "home_verification_problem")).toMatchObject({
      device: "home",
      platform: "binary_sensor",
      device_class: "problem",
      translation_key: "verification_problem",
    });
    expect(
      states({ ...input(), verificationProblems: [problem, { ...problem, cluster: "other" }] }).find(
        (s) => s.key === "home_verification_problem",
      ),
    ).toEqual({
      key: "home_verification_problem",
      state: true,
      attributes: {
        guests: [
          { vmid: 101, name: "g101", check: "test_restore", time: problem.time, message: problem.message },
        ],
      },
    });
  });
  it("is off without failures, names an unknown guest null, and is absent when not wired", () => {
    expect(
      states({ ...input(), verificationProblems: [] }).find((s) => s.key === "home_verification_problem")
        ?.state,
    ).toBe(false);
    expect(
      states({ ...input(), verificationProblems: [{ ...problem, vmid: 999 }] }).find(
        (s) => s.key === "home_verification_problem",
      )?.attributes,
    ).toMatchObject({ guests: [{ vmid: 999, name: null }] });
    expect(declare(input()).entities.some((e) => e.key === "home_verification_problem")).toBe(false);
  });
});
