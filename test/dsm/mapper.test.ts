import { describe, expect, it } from "vitest";
import { parseDsmTime, toHyperBackupTask } from "../../src/dsm/mapper.js";
import { TaskRow, TaskStatus } from "../../src/dsm/wire.js";

describe("parseDsmTime", () => {
  it.each<[string | null | undefined, string, string | null]>([
    ["2026/02/11 01:00", "Europe/Berlin", "2026-02-11T00:00:00.000Z"],
    ["2026/07/11 01:00:30", "Europe/Berlin", "2026-07-10T23:00:30.000Z"],
    ["2026/02/11 01:00", "UTC", "2026-02-11T01:00:00.000Z"],
    // Spring forward: 02:30 does not exist in Berlin that night.
    ["2026/03/29 02:30", "Europe/Berlin", null],
    // Fall back: 02:30 happens twice; the first is taken.
    ["2026/10/25 02:30", "Europe/Berlin", "2026-10-25T00:30:00.000Z"],
    ["N/A", "Europe/Berlin", null],
    ["", "Europe/Berlin", null],
    [null, "Europe/Berlin", null],
    [undefined, "Europe/Berlin", null],
    ["2026-02-11 01:00", "Europe/Berlin", null],
    ["2026/02/11 01:00", "Mars/Olympus", null],
    // Dates DSM never writes are no time, not one rolled over into another.
    ["2026/02/30 10:00", "Europe/Berlin", null],
    ["2026/13/45 99:99", "Europe/Berlin", null],
    ["2026/02/11 24:00", "Europe/Berlin", null],
    ["2026/02/11 01:00:60", "Europe/Berlin", null],
    ["0000/00/00 00:00", "Europe/Berlin", null],
    ["2028/02/29 12:00", "UTC", "2028-02-29T12:00:00.000Z"],
  ])("%s in %s → %s", (text, zone, iso) => {
    const ms = parseDsmTime(text, zone);
    expect(ms === null ? null : new Date(ms).toISOString()).toBe(iso);
  });
});

describe("toHyperBackupTask", () => {
  it("joins a list row (with its source) and its status, keeping raw tokens", () => {
    const row = TaskRow.parse({
      task_id: "7",
      name: "Backups to C2",
      state: "backupable",
      status: "none",
      type: "cloud_image:synocloud",
      last_bkp_result: "done",
      last_bkp_time: "2026/02/10 23:00",
      next_bkp_time: "",
      source: {
        file_list: [
          { folderPath: "/backups", fullPath: "/volume1/backups", missing: false },
          { folderPath: "/gone" },
        ],
        folder_list: [{ fullPath: "/volume1/docker", missing: true }],
        backup_filter: { exclude_list: ["/volume1/backups/tmp", 3] },
      },
    });
    const status = TaskStatus.parse({
      state: "backupable",
      status: "none",
      last_bkp_result: "done",
      last_bkp_error: "",
      last_bkp_time: "2026/02/11 01:00",
      last_bkp_end_time: "2026/02/11 01:20",
      last_bkp_success_time: "2026/02/11 01:00",
      next_bkp_time: "2026/02/12 01:00",
    });
    expect(toHyperBackupTask(row, status, "Europe/Berlin")).toEqual({
      id: 7,
      name: "Backups to C2",
      state: "backupable",
      status: "none",
      lastResult: "done",
      lastError: "",
      lastRunMs: Date.parse("2026-02-11T00:00:00Z"),
      lastEndMs: Date.parse("2026-02-11T00:20:00Z"),
      lastSuccessMs: Date.parse("2026-02-11T00:00:00Z"),
      nextRunMs: Date.parse("2026-02-12T00:00:00Z"),
      destination: "cloud_image:synocloud",
      destinationKind: "cloud",
      folders: [
        { path: "/volume1/backups", missing: false },
        { path: "/volume1/docker", missing: true },
      ],
      excludes: ["/volume1/backups/tmp"],
    });
    expect(toHyperBackupTask(TaskRow.parse({ task_id: 1, name: "bare" }), undefined, "UTC")).toMatchObject({
      state: "",
      status: "",
      lastResult: "",
      folders: [],
      excludes: [],
      destinationKind: "unknown",
      nextRunMs: null,
    });
  });
});
