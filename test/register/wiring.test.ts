import { describe, expect, it } from "vitest";
import { calendarEventsFor, haBackupSchedule } from "../../src/commands/calendar.js";
import { extrasFromStatus, registerJobs, retentionText } from "../../src/commands/export.js";
import { parseOptions } from "../../src/config/schema.js";
import { declare, states } from "../../src/entities/catalogue.js";

describe("extrasFromStatus", () => {
  it("takes copies and checks from status --json where present; a missing key stays unknown", () => {
    const extras = extrasFromStatus([
      { cluster: "home", vmid: 100 },
      {
        cluster: "home",
        vmid: 101,
        copies: { pve: 3, nas: 3, offNas: "no", offNasTime: null },
        lastVerified: null,
      },
      {
        cluster: "home",
        vmid: 102,
        lastTestRestore: { time: "2026-02-11T06:00:00.000Z", result: "ok" },
      },
    ]);
    expect([...extras.keys()]).toEqual(["home/101", "home/102"]);
    expect(extras.get("home/101")).toEqual({
      copies: { pve: 3, nas: 3, offNas: "no", offNasTime: null },
      lastVerified: null,
    });
    expect(extras.get("home/102")).toEqual({
      lastTestRestore: { time: "2026-02-11T06:00:00.000Z", result: "ok" },
    });
  });
});

describe("retentionText", () => {
  it.each([
    ["keep-last=3", "keep-last=3"],
    ["", undefined],
    [{ "keep-last": 3, "keep-daily": 7 }, "keep-daily=7,keep-last=3"],
    [undefined, undefined],
    [3, undefined],
  ])("reads PVE's prune-backups %j as %j", (value, text) => {
    expect(retentionText(value)).toBe(text);
  });

  it("gives every job of a cluster its retention from the raw rows", () => {
    const jobs = registerJobs([
      {
        cluster: "home",
        reachable: true,
        nodes: [],
        guests: [],
        jobs: [
          {
            id: "a",
            enabled: true,
            schedule: "03:00",
            storage: "nas",
            selection: { kind: "vmids", vmids: [] },
          },
          { id: "b", enabled: false, selection: { kind: "vmids", vmids: [] } },
        ],
        jobRows: [{ id: "a", "prune-backups": { "keep-last": 3 } }],
        storages: [],
        listed: [],
        archives: [],
        attempts: [],
        permissions: {},
        problems: [],
      },
    ]);
    expect(jobs).toEqual([
      {
        cluster: "home",
        id: "a",
        enabled: true,
        schedule: "03:00",
        storage: "nas",
        retention: "keep-last=3",
      },
      {
        cluster: "home",
        id: "b",
        enabled: false,
        schedule: undefined,
        storage: undefined,
        retention: undefined,
      },
    ]);
  });
});

describe("the calendar entity in the catalogue", () => {
  const cluster = { cluster: "home", baseUrl: "https://pve:8006", storageFreeBytes: null, nextRunMs: null };
  const event = {
    uid: "u@pve-backup",
    summary: "Backup pve-backup-p0",
    start: "2026-02-12T03:00:00.000Z",
    end: "2026-02-12T03:30:00.000Z",
    description: null,
  };

  it("declares one calendar per cluster, its events as the attribute the integration reads", () => {
    const input = { reports: [], clusters: [{ ...cluster, calendar: [event] }], tiers: [] };
    expect(declare(input).entities.find((e) => e.platform === "calendar")).toMatchObject({
      key: "home_backup_calendar",
      device: "home",
      name: "Backup calendar",
    });
    expect(states(input).find((s) => s.key === "home_backup_calendar")).toEqual({
      key: "home_backup_calendar",
      state: null,
      attributes: { events: [event] },
    });
  });

  it("declares none when the events are not given", () => {
    const input = { reports: [], clusters: [cluster], tiers: [] };
    expect(declare(input).entities.some((e) => e.platform === "calendar")).toBe(false);
    expect(states(input).some((s) => s.key === "home_backup_calendar")).toBe(false);
  });
});

describe("haBackupSchedule", () => {
  const config = (schedule: string | undefined, tiers: { schedule: string }[] = [{ schedule: "03:00" }]) =>
    parseOptions(
      {
        clusters: [
          {
            name: "home",
            url: "https://10.0.0.5:8006",
            token_id: "a@pve!bb",
            token_secret: "5d1c6a0e-8f3b-4c2a-9e71-2b8d4f6a9c10",
          },
        ],
        tiers: tiers.map((t, i) => ({ name: `T${i}`, schedule: t.schedule, keep_last: 1, guests: [] })),
        ...(schedule === undefined
          ? {}
          : { ha_backups: { host: "nas", username: "ha", share_path: "/volume1/b", schedule } }),
      },
      { defaultTimeZone: "UTC" },
    );

  it.each([
    [undefined, undefined],
    ["never", undefined],
    ["daily", "05:00"],
    ["mon,thu", "mon,thu 05:00"],
  ])("turns ha_backups.schedule %j into %j, clear of a 03:00 PVE window", (schedule, event) => {
    expect(haBackupSchedule(config(schedule))).toBe(event);
  });

  it("has no time when the PVE window fills the day", () => {
    expect(haBackupSchedule(config("daily", [{ schedule: "hourly" }]))).toBeUndefined();
  });
});

describe("calendarEventsFor", () => {
  it("has no events for a cluster that could not be read", () => {
    const c = parseOptions(
      {
        clusters: [
          {
            name: "home",
            url: "https://h:8006",
            token_id: "a@pve!bb",
            token_secret: "5d1c6a0e-8f3b-4c2a-9e71-2b8d4f6a9c10",
          },
        ],
      },
      { defaultTimeZone: "UTC" },
    );
    expect(calendarEventsFor(c, [], undefined, 0)).toBeUndefined();
    expect(calendarEventsFor(c, [], { cluster: "home", reachable: false, error: "down" }, 0)).toBeUndefined();
  });
});
