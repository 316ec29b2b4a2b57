import { describe, expect, it } from "vitest";
import {
  type ArchiveName,
  type ArchiveNameSpec,
  formatArchiveName,
  parseArchiveName,
  parseBackupVolid,
} from "../../src/core/archive-name.js";

const wall = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0) => ({
  year,
  month,
  day,
  hour,
  minute,
  second,
});

describe("parseArchiveName", () => {
  it.each<[string, ArchiveName]>([
    [
      "vzdump-qemu-100-2025_01_05-02_00_03.vma.zst",
      { vmid: 100, type: "qemu", ...wall(2025, 1, 5, 2, 0, 3), format: "vma.zst" },
    ],
    // Test vector of pve-storage list_volumes_test.pm.
    [
      "vzdump-qemu-16110-2020_03_30-21_11_40.vma.gz",
      { vmid: 16110, type: "qemu", ...wall(2020, 3, 30, 21, 11, 40), format: "vma.gz" },
    ],
    [
      "vzdump-qemu-122-2025_04_18-09_27_17.vma",
      { vmid: 122, type: "qemu", ...wall(2025, 4, 18, 9, 27, 17), format: "vma" },
    ],
    [
      "vzdump-qemu-101-2025_01_05-02_00_03.vma.lzo",
      { vmid: 101, type: "qemu", ...wall(2025, 1, 5, 2, 0, 3), format: "vma.lzo" },
    ],
    [
      "vzdump-qemu-101-2025_01_05-02_00_03.vma.bz2",
      { vmid: 101, type: "qemu", ...wall(2025, 1, 5, 2, 0, 3), format: "vma.bz2" },
    ],
    [
      "vzdump-lxc-200-2023_04_07-17_11_08.tar.zst",
      { vmid: 200, type: "lxc", ...wall(2023, 4, 7, 17, 11, 8), format: "tar.zst" },
    ],
    [
      "vzdump-lxc-200-2023_04_07-17_11_08.tar",
      { vmid: 200, type: "lxc", ...wall(2023, 4, 7, 17, 11, 8), format: "tar" },
    ],
    [
      "vzdump-lxc-200-2023_04_07-17_11_08.tar.gz",
      { vmid: 200, type: "lxc", ...wall(2023, 4, 7, 17, 11, 8), format: "tar.gz" },
    ],
    [
      "vzdump-openvz-300-2012_06_01-00_00_00.tgz",
      { vmid: 300, type: "openvz", ...wall(2012, 6, 1), format: "tgz" },
    ],
    // vmid bounds of the standard-name rule: 3 to 9 digits.
    [
      "vzdump-qemu-999999999-2025_01_05-02_00_03.vma",
      { vmid: 999999999, type: "qemu", ...wall(2025, 1, 5, 2, 0, 3), format: "vma" },
    ],
    // Leap days and the last second of a year.
    [
      "vzdump-lxc-100-2024_02_29-12_00_00.tar",
      { vmid: 100, type: "lxc", ...wall(2024, 2, 29, 12), format: "tar" },
    ],
    [
      "vzdump-lxc-100-2000_02_29-12_00_00.tar",
      { vmid: 100, type: "lxc", ...wall(2000, 2, 29, 12), format: "tar" },
    ],
    [
      "vzdump-lxc-100-2025_12_31-23_59_59.tar",
      { vmid: 100, type: "lxc", ...wall(2025, 12, 31, 23, 59, 59), format: "tar" },
    ],
    [
      "vzdump-lxc-100-2025_01_31-00_00_00.tar",
      { vmid: 100, type: "lxc", ...wall(2025, 1, 31), format: "tar" },
    ],
  ])("parses %s", (fileName, expected) => {
    expect(parseArchiveName(fileName)).toEqual(expected);
  });

  it.each([
    ["empty", ""],
    ["vmid with 2 digits", "vzdump-qemu-99-2025_01_05-02_00_03.vma"],
    ["vmid with 10 digits", "vzdump-qemu-1000000000-2025_01_05-02_00_03.vma"],
    ["vmid with leading zero", "vzdump-qemu-0100-2025_01_05-02_00_03.vma"],
    ["unknown guest type", "vzdump-docker-100-2025_01_05-02_00_03.tar"],
    ["upper-case type", "vzdump-QEMU-100-2025_01_05-02_00_03.vma"],
    ["month 13", "vzdump-qemu-100-2025_13_05-02_00_03.vma"],
    ["month 00", "vzdump-qemu-100-2025_00_05-02_00_03.vma"],
    ["day 00", "vzdump-qemu-100-2025_01_00-02_00_03.vma"],
    ["January 32", "vzdump-qemu-100-2025_01_32-02_00_03.vma"],
    ["February 30", "vzdump-qemu-100-2024_02_30-02_00_03.vma"],
    ["February 29 of a common year", "vzdump-qemu-100-2023_02_29-02_00_03.vma"],
    ["February 29 of 1900", "vzdump-qemu-100-1900_02_29-02_00_03.vma"],
    ["April 31", "vzdump-qemu-100-2025_04_31-02_00_03.vma"],
    ["hour 24", "vzdump-qemu-100-2025_01_05-24_00_00.vma"],
    ["minute 60", "vzdump-qemu-100-2025_01_05-02_60_00.vma"],
    ["second 60", "vzdump-qemu-100-2025_01_05-02_00_60.vma"],
    ["log companion", "vzdump-qemu-100-2025_01_05-02_00_03.log"],
    ["notes companion", "vzdump-qemu-100-2025_01_05-02_00_03.vma.zst.notes"],
    ["protection marker", "vzdump-qemu-100-2025_01_05-02_00_03.vma.zst.protected"],
    ["temporary .dat (vma)", "vzdump-qemu-100-2025_01_05-02_00_03.vma.dat"],
    ["temporary .dat (tar)", "vzdump-lxc-200-2023_04_07-17_11_08.tar.dat"],
    ["temporary directory", "vzdump-lxc-200-2023_04_07-17_11_08.tmp"],
    ["unknown compressor", "vzdump-qemu-100-2025_01_05-02_00_03.vma.xz"],
    ["no extension", "vzdump-qemu-100-2025_01_05-02_00_03"],
    ["with a directory", "/mnt/pve/nas/dump/vzdump-qemu-100-2025_01_05-02_00_03.vma.zst"],
    ["short time stamp", "vzdump-qemu-100-2025_1_5-2_0_3.vma"],
  ])("rejects %s", (_label, fileName) => {
    expect(parseArchiveName(fileName)).toBeUndefined();
  });
});

describe("formatArchiveName", () => {
  it.each<[ArchiveNameSpec, string]>([
    [
      { vmid: 100, type: "qemu", wall: wall(2025, 1, 5, 2, 0, 3), compress: "zst" },
      "vzdump-qemu-100-2025_01_05-02_00_03.vma.zst",
    ],
    [
      { vmid: 101, type: "qemu", wall: wall(2025, 12, 31, 23, 59, 59), compress: "lzo" },
      "vzdump-qemu-101-2025_12_31-23_59_59.vma.lzo",
    ],
    [
      { vmid: 200, type: "lxc", wall: wall(2023, 4, 7, 17, 11, 8), compress: "gz" },
      "vzdump-lxc-200-2023_04_07-17_11_08.tar.gz",
    ],
    [
      { vmid: 122, type: "qemu", wall: wall(2025, 4, 18, 9, 27, 17), compress: "none" },
      "vzdump-qemu-122-2025_04_18-09_27_17.vma",
    ],
    [
      { vmid: 999999999, type: "lxc", wall: wall(999, 1, 1), compress: "none" },
      "vzdump-lxc-999999999-0999_01_01-00_00_00.tar",
    ],
  ])("formats %j", (spec, expected) => {
    expect(formatArchiveName(spec)).toBe(expected);
  });

  it.each<ArchiveNameSpec["compress"]>(["zst", "lzo", "gz", "none"])(
    "round-trips compress=%s",
    (compress) => {
      for (const type of ["qemu", "lxc"] as const) {
        const spec: ArchiveNameSpec = { vmid: 4242, type, wall: wall(2024, 2, 29, 1, 2, 3), compress };
        const parsed = parseArchiveName(formatArchiveName(spec));
        expect(parsed).toMatchObject({ vmid: 4242, type, ...spec.wall });
      }
    },
  );
});

describe("parseBackupVolid", () => {
  it("parses a file volume", () => {
    expect(parseBackupVolid("nas:backup/vzdump-qemu-100-2025_01_05-02_00_03.vma.zst")).toEqual({
      storage: "nas",
      kind: "file",
      fileName: "vzdump-qemu-100-2025_01_05-02_00_03.vma.zst",
      name: { vmid: 100, type: "qemu", ...wall(2025, 1, 5, 2, 0, 3), format: "vma.zst" },
    });
  });

  it.each([
    [
      "pbs:backup/vm/100/2025-01-05T02:00:03Z",
      { storage: "pbs", type: "qemu", vmid: 100, timeMs: 1736042403000 },
    ],
    [
      "pbs-offsite:backup/ct/200/2024-02-29T23:59:59Z",
      { storage: "pbs-offsite", type: "lxc", vmid: 200, timeMs: Date.UTC(2024, 1, 29, 23, 59, 59) },
    ],
    [
      "pbs:backup/vm/103/2026-03-11T08:51:30Z",
      { storage: "pbs", type: "qemu", vmid: 103, timeMs: Date.UTC(2026, 2, 11, 8, 51, 30) },
    ],
    // Years below 100 are not shifted into the 1900s.
    [
      "b.k_p:backup/vm/100/0050-01-01T00:00:00Z",
      { storage: "b.k_p", type: "qemu", vmid: 100, timeMs: Date.parse("0050-01-01T00:00:00Z") },
    ],
  ])("parses PBS volume %s", (volid, expected) => {
    expect(parseBackupVolid(volid)).toEqual({ kind: "pbs", ...expected });
  });

  it.each([
    ["empty", ""],
    ["disk image", "local-lvm:vm-100-disk-0"],
    ["ISO image", "local:iso/debian-12.iso"],
    ["no storage", "backup/vzdump-qemu-100-2025_01_05-02_00_03.vma.zst"],
    ["storage starting with a digit", "1nas:backup/vzdump-qemu-100-2025_01_05-02_00_03.vma.zst"],
    ["log companion", "nas:backup/vzdump-qemu-100-2025_01_05-02_00_03.log"],
    ["non-standard name", "nas:backup/vzdump-qemu-100-manual.vma.zst"],
    ["file in a subdirectory", "nas:backup/old/vzdump-qemu-100-2025_01_05-02_00_03.vma.zst"],
    ["PBS host backup", "pbs:backup/host/pve1/2025-01-05T02:00:03Z"],
    ["PBS without zone", "pbs:backup/vm/100/2025-01-05T02:00:03"],
    ["PBS with fraction", "pbs:backup/vm/100/2025-01-05T02:00:03.5Z"],
    ["PBS month 13", "pbs:backup/vm/100/2025-13-05T02:00:03Z"],
    ["PBS February 30", "pbs:backup/ct/100/2025-02-30T02:00:03Z"],
    ["PBS vmid 99", "pbs:backup/vm/99/2025-01-05T02:00:03Z"],
  ])("rejects %s", (_label, volid) => {
    expect(parseBackupVolid(volid)).toBeUndefined();
  });
});
