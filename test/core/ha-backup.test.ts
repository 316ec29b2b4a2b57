import { describe, expect, it } from "vitest";
import {
  checkRetention,
  chooseBackupMinute,
  expectedMembers,
  formatMinute,
  type HaBackupRef,
  haBackupsProblem,
  judgeVerification,
  nextChecksums,
  pveBusyWindows,
  UNCHECKED_HA_BACKUPS,
  type VerifyFacts,
} from "../../src/core/ha-backup.js";

const backup: HaBackupRef = {
  backupId: "abc12345",
  name: "Nightly",
  dateMs: 0,
  sizeBytes: 10_240,
  protected: false,
  homeassistantIncluded: true,
  addons: [],
  folders: [],
};

const whole: VerifyFacts = {
  backup,
  file: { name: "abc12345.tar", sizeBytes: 10_240 },
  readBytes: 10_240,
  tar: { members: ["backup.json", "homeassistant.tar.gz"] },
  innerErrors: [],
  backupJsonId: "abc12345",
  sha256: "f".repeat(64),
  retention: { kind: "ok", copies: 3 },
};

describe("expectedMembers", () => {
  it("lists backup.json, Home Assistant, add-ons and folders as the Supervisor names them", () => {
    expect(expectedMembers({ ...backup, addons: ["core_ssh"], folders: ["share", "addons/local"] })).toEqual([
      "backup.json",
      "homeassistant.tar.gz",
      "core_ssh.tar.gz",
      "share.tar.gz",
      "addons_local.tar.gz",
    ]);
  });
  it("expects no Home Assistant archive in a backup without it", () => {
    expect(expectedMembers({ ...backup, homeassistantIncluded: false })).toEqual(["backup.json"]);
  });
});

describe("checkRetention", () => {
  it.each([
    [3, 3, { kind: "ok", copies: 3 }],
    [4, 3, { kind: "too_many", copies: 4, retentionCopies: 3 }],
    [2, 3, { kind: "fewer", copies: 2, retentionCopies: 3 }],
    [9, null, { kind: "unlimited", copies: 9 }],
  ])("judges %i copies against retention %s", (copies, retention, expected) => {
    expect(checkRetention(copies, retention)).toEqual(expected);
  });
});

describe("judgeVerification", () => {
  it("passes a whole backup and records its checksum", () => {
    expect(judgeVerification(whole)).toEqual({ kind: "ok", sha256: "f".repeat(64), notes: [] });
  });
  it("fails when the backup is not on the share", () => {
    const v = judgeVerification({ ...whole, file: undefined });
    expect(v).toEqual({
      kind: "failed",
      problems: ["backup abc12345 (Nightly) is not on the share"],
      notes: [],
    });
  });
  it("lists every problem of a damaged file", () => {
    const v = judgeVerification({
      ...whole,
      file: { name: "abc12345.tar", sizeBytes: 5_000 },
      readBytes: 4_000,
      tar: {
        members: ["backup.json"],
        error: "the archive ends inside a member after 4000 bytes (truncated)",
      },
      innerErrors: [{ member: "homeassistant.tar.gz", message: "incorrect data check" }],
      backupJsonId: "other000",
      previous: { sha256: "0".repeat(64), sizeBytes: 5_000, fileName: "abc12345.tar", verifiedAtMs: 0 },
      retention: { kind: "too_many", copies: 5, retentionCopies: 3 },
      share: { files: 6, knownToHa: 5 },
    });
    expect(v.kind).toBe("failed");
    expect(v.kind === "failed" && v.problems).toEqual([
      "abc12345.tar is 5000 bytes, Home Assistant reports 10240",
      "abc12345.tar: read 4000 of 5000 bytes (the file changed while being read)",
      "abc12345.tar: the archive ends inside a member after 4000 bytes (truncated)",
      "abc12345.tar lacks homeassistant.tar.gz",
      "abc12345.tar: homeassistant.tar.gz is damaged: incorrect data check",
      "abc12345.tar holds backup other000, not abc12345",
      `abc12345.tar changed since it was verified on 1970-01-01T00:00:00.000Z (sha256 ${"0".repeat(64)} → ${"f".repeat(64)})`,
      "5 backups on the share, retention keeps 3: old copies are not being removed",
      "6 backup files on the share, Home Assistant lists 5 there: some are strays HA does not manage",
    ]);
  });
  it("names a file that grew or shrank since its checksum was recorded", () => {
    const v = judgeVerification({
      ...whole,
      previous: {
        sha256: "f".repeat(64),
        sizeBytes: 9_000,
        fileName: "abc12345.tar",
        verifiedAtMs: 86_400_000,
      },
    });
    expect(v.kind === "failed" && v.problems).toEqual([
      "abc12345.tar changed since it was verified on 1970-01-02T00:00:00.000Z: 10240 bytes, then 9000",
    ]);
  });
  it("names a file replaced while it was being read", () => {
    const v = judgeVerification({ ...whole, changedWhileRead: true });
    expect(v.kind === "failed" && v.problems).toEqual([
      "abc12345.tar was replaced or written to while being read: verify it again",
    ]);
  });
  it("fails when a file HA lists is gone from the share", () => {
    const v = judgeVerification({ ...whole, share: { files: 1, knownToHa: 2 } });
    expect(v.kind === "failed" && v.problems).toEqual([
      "1 backup files on the share, Home Assistant lists 2 there: some have gone missing",
    ]);
  });
  it("notes fewer copies than retained and an encrypted backup without failing", () => {
    const v = judgeVerification({
      ...whole,
      backup: { ...backup, protected: true },
      backupJsonId: undefined,
      previous: { sha256: "f".repeat(64), sizeBytes: 10_240, fileName: "abc12345.tar", verifiedAtMs: 0 },
      retention: { kind: "fewer", copies: 1, retentionCopies: 3 },
      share: { files: 2, knownToHa: 2 },
    });
    expect(v).toEqual({
      kind: "ok",
      sha256: "f".repeat(64),
      notes: [
        "1 of 3 retained copies on the share so far",
        "the backup is encrypted: inner archives were not decompressed",
      ],
    });
  });
});

describe("chooseBackupMinute", () => {
  const pve = [{ startMin: 60, endMin: 300 }]; // 01:00–05:00
  it("keeps the preferred time when it is clear of the PVE window", () => {
    expect(chooseBackupMinute(pve, 360, 60)).toBe(360);
  });
  it("moves a backup that would overlap the PVE window to after it", () => {
    expect(chooseBackupMinute(pve, 285, 60)).toBe(300);
  });
  it("sees a window that runs over midnight", () => {
    expect(chooseBackupMinute([{ startMin: 1380, endMin: 1500 }], 0, 30)).toBe(60);
  });
  it("finds no time in a day that is all busy", () => {
    expect(chooseBackupMinute([{ startMin: 0, endMin: 1440 }], 0, 30)).toBeUndefined();
  });
});

describe("formatMinute", () => {
  it.each([
    [0, "00:00"],
    [285, "04:45"],
    [1439, "23:59"],
  ])("formats %i as %s", (min, text) => {
    expect(formatMinute(min)).toBe(text);
  });
});

describe("pveBusyWindows", () => {
  it("turns each start of each tier into a window of the given length", () => {
    expect(
      pveBusyWindows(
        [
          { hours: [1], minutes: [0, 30] },
          { hours: [23], minutes: [0] },
        ],
        120,
      ),
    ).toEqual([
      { startMin: 60, endMin: 180 },
      { startMin: 90, endMin: 210 },
      { startMin: 1380, endMin: 1500 },
    ]);
  });
  it("makes the whole day busy for an hourly schedule", () => {
    expect(pveBusyWindows([{ hours: [...Array(24).keys()], minutes: [0, 30, 45] }], 30)).toEqual([
      { startMin: 0, endMin: 1440 },
    ]);
  });
});

describe("nextChecksums", () => {
  const rec = (sha: string, at = 0) => ({
    sha256: sha.repeat(64),
    sizeBytes: 100,
    fileName: "a.tar",
    verifiedAtMs: at,
  });
  it("records a backup's first passing verification", () => {
    expect(nextChecksums({}, { backupId: "a", ok: true, record: rec("1") }, ["a"])).toEqual({ a: rec("1") });
  });
  it("never records over an earlier checksum, so a changed file stays a problem", () => {
    expect(nextChecksums({ a: rec("1") }, { backupId: "a", ok: true, record: rec("2", 5) }, ["a"])).toEqual({
      a: rec("1"),
    });
  });
  it("records nothing from a failed verification", () => {
    expect(nextChecksums({}, { backupId: "a", ok: false, record: rec("1") }, ["a"])).toEqual({});
  });
  it("forgets backups Home Assistant no longer lists, and records none it does not list", () => {
    expect(
      nextChecksums({ a: rec("1"), b: rec("2") }, { backupId: "c", ok: true, record: rec("3") }, ["b"]),
    ).toEqual({ b: rec("2") });
  });
  it("forgets nothing when Home Assistant lists no backup there (its agent failing)", () => {
    expect(nextChecksums({ a: rec("1") }, undefined, [])).toEqual({ a: rec("1") });
  });
  it("keeps the record when nothing was verified", () => {
    expect(nextChecksums({ a: rec("1") }, undefined, ["a"])).toEqual({ a: rec("1") });
  });
});

describe("haBackupsProblem", () => {
  it("is unknown before the first check, then whether anything is wrong", () => {
    expect(haBackupsProblem(UNCHECKED_HA_BACKUPS)).toBeNull();
    expect(haBackupsProblem({ ...UNCHECKED_HA_BACKUPS, checkedAt: "2026-01-01T00:00:00.000Z" })).toBe(false);
    expect(
      haBackupsProblem({ ...UNCHECKED_HA_BACKUPS, checkedAt: "2026-01-01T00:00:00.000Z", problems: ["x"] }),
    ).toBe(true);
  });
});
