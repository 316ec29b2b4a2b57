import { describe, expect, it } from "vitest";
import { formatArchiveName } from "../../src/core/archive-name.js";
import { formatHumanSize } from "../../src/core/size.js";
import { formatUpid, parseUpid } from "../../src/core/upid.js";
import { instantOfWallTime, utcOffsetMs, wallTimeOf } from "../../src/sim/local-time.js";
import { vzdumpArchiveName } from "../../src/sim/state.js";
import { decodeUpid, encodeUpid } from "../../src/sim/upid.js";
import { formatArchiveSize } from "../../src/sim/vzdump-log.js";

const GIB = 1024 ** 3;

describe("the sim's UPIDs (pve-common UPID.pm)", () => {
  const example = "UPID:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:";
  const parts = {
    node: "pve1",
    pid: 662316,
    pstart: 32761045,
    starttime: 1736042402,
    type: "vzdump",
    id: "",
    user: "root@pam",
  };

  it("writes and reads the reference example", () => {
    expect(encodeUpid(parts)).toBe(example);
    expect(decodeUpid(example)).toEqual(parts);
  });

  it("keeps a token user whole and lets pstart grow a ninth digit", () => {
    const upid = encodeUpid({ ...parts, pstart: 0x1_0000_0000, id: "100", user: "ha@pve!backup" });
    expect(upid).toBe("UPID:pve1:000A1B2C:100000000:6779E7A2:vzdump:100:ha@pve!backup:");
    expect(decodeUpid(upid)).toMatchObject({ pstart: 0x1_0000_0000, id: "100", user: "ha@pve!backup" });
  });

  it.each([
    "UPID:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam",
    "UPID:-pve:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:",
    "UPID:pve1:A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:",
    "UPID:pve1:000A1B2C:01F3E4D5:6779E7A2::100:root@pam:",
  ])("refuses %s", (text) => {
    expect(decodeUpid(text)).toBeUndefined();
  });

  it("agrees with the product's UPID code in both directions", () => {
    for (const user of ["root@pam", "ha@pve!backup"]) {
      const sim = encodeUpid({ ...parts, user });
      const [name, tokenId] = user.split("!") as [string, string | undefined];
      const product = formatUpid({
        node: "pve1",
        pid: parts.pid,
        pstart: parts.pstart,
        startMs: parts.starttime * 1000,
        type: "vzdump",
        id: "",
        user: name,
        tokenId,
      });
      expect(sim).toBe(product);
      expect(parseUpid(sim)).toMatchObject({
        pid: parts.pid,
        pstart: parts.pstart,
        startMs: parts.starttime * 1000,
      });
    }
  });
});

describe("the sim's archive names (pve-manager VZDump.pm)", () => {
  const wall = { year: 2025, month: 1, day: 5, hour: 2, minute: 0, second: 3 };

  it.each([
    ["qemu", 100, "zst", "vzdump-qemu-100-2025_01_05-02_00_03.vma.zst"],
    ["lxc", 200, "lzo", "vzdump-lxc-200-2025_01_05-02_00_03.tar.lzo"],
    ["qemu", 123456789, "gz", "vzdump-qemu-123456789-2025_01_05-02_00_03.vma.gz"],
    ["lxc", 101, "none", "vzdump-lxc-101-2025_01_05-02_00_03.tar"],
  ] as const)("names a %s backup of %i with %s", (type, vmid, compress, expected) => {
    expect(vzdumpArchiveName(type, vmid, wall, compress)).toBe(expected);
    expect(formatArchiveName({ type, vmid, wall, compress })).toBe(expected);
  });
});

describe("the sim's archive sizes (pve-manager VZDump.pm format_size)", () => {
  it.each([
    [0, "0KB"],
    [1023, "0KB"],
    [1024 * 1024 - 1, "1023KB"],
    [1024 * 1024, "1MB"],
    [341 * 1024 * 1024 + 5, "341MB"],
    [GIB - 1, "1023MB"],
    [GIB, "1.00GB"],
    [4.12 * GIB, "4.12GB"],
    // An exact tie goes to the even hundredth, as glibc's printf rounds.
    [1.125 * GIB, "1.12GB"],
    [1.375 * GIB, "1.38GB"],
    [1024 * GIB - 1, "1024.00GB"],
    [1024 * GIB, "1.00TB"],
    [2.5 * 1024 * GIB, "2.50TB"],
  ])("prints %i bytes as %s", (bytes, expected) => {
    expect(formatArchiveSize(bytes)).toBe(expected);
  });

  it("agrees with the product's size formatting", () => {
    let bytes = 1;
    for (let i = 0; i < 2000; i++) {
      bytes = (bytes * 1.0123 + i * 7919) % (3 * 1024 * GIB);
      const whole = Math.floor(bytes);
      expect(formatArchiveSize(whole), `${whole} bytes`).toBe(formatHumanSize(whole));
    }
    for (let eighths = 8; eighths < 64; eighths++) {
      const tie = (eighths * GIB) / 8;
      expect(formatArchiveSize(tie)).toBe(formatHumanSize(tie));
    }
  });
});

describe("the sim's local time", () => {
  it.each([
    ["UTC", "2026-06-01T00:00:00Z", 0],
    ["Europe/Berlin", "2026-01-01T00:00:00Z", 3600_000],
    ["Europe/Berlin", "2026-07-01T00:00:00Z", 7200_000],
    ["Asia/Kolkata", "2026-07-01T00:00:00Z", 19_800_000],
    ["America/St_Johns", "2026-01-01T00:00:00Z", -12_600_000],
    // Berlin kept local mean time, +00:53:28, until 1893.
    ["Europe/Berlin", "1890-01-01T00:00:00Z", 3_208_000],
  ])("reads the offset of %s at %s", (zone, at, offsetMs) => {
    expect(utcOffsetMs(Date.parse(at), zone)).toBe(offsetMs);
  });

  it("gives the wall clock and the ISO weekday", () => {
    expect(wallTimeOf(Date.parse("2026-10-25T00:30:00.999Z"), "Europe/Berlin")).toEqual({
      year: 2026,
      month: 10,
      day: 25,
      hour: 2,
      minute: 30,
      second: 0,
      isoWeekday: 7,
    });
  });

  it.each([
    // ordinary, skipped (spring forward) and repeated (fall back: the earlier instant)
    [{ year: 2026, month: 6, day: 1, hour: 12, minute: 0, second: 0 }, "2026-06-01T10:00:00.000Z"],
    [{ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, undefined],
    [{ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 }, "2026-10-25T00:30:00.000Z"],
    // year 99 is not 1999; local mean time then
    [{ year: 99, month: 1, day: 1, hour: 0, minute: 0, second: 0 }, "0098-12-31T23:06:32.000Z"],
  ])("finds the instant of %j in Europe/Berlin", (wall, expected) => {
    const at = instantOfWallTime(wall, "Europe/Berlin");
    expect(at === undefined ? undefined : new Date(at).toISOString()).toBe(expected);
  });

  it("refuses an unknown zone", () => {
    expect(() => utcOffsetMs(0, "Mars/Olympus_Mons")).toThrow(RangeError);
  });
});
