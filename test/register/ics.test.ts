import { describe, expect, it } from "vitest";
import {
  type CalendarInput,
  escapeText,
  foldLine,
  type IcsEvent,
  offsetMinAt,
  planCalendarEvents,
  renderIcs,
  SCHEDULED_RUN_MS,
  zoneTransitions,
} from "../../src/core/ics.js";
import { parseIcs } from "./ics-parse.js";

const BERLIN = "Europe/Berlin";
const at = (iso: string) => Date.parse(iso);
const utf8 = (s: string) => new TextEncoder().encode(s).length;

describe("escapeText and foldLine", () => {
  it.each([
    ["plain", "plain"],
    ["a,b;c", "a\\,b\\;c"],
    ["back\\slash", "back\\\\slash"],
    ["one\ntwo\r\nthree\rfour", "one\\ntwo\\nthree\\nfour"],
  ])("escapes %j as %j", (text, out) => {
    expect(escapeText(text)).toBe(out);
  });

  it.each([
    ["ascii", `DESCRIPTION:${"x".repeat(200)}`],
    ["two-byte", `SUMMARY:${"é".repeat(100)}`],
    ["four-byte", `SUMMARY:${"💾".repeat(40)}`],
    ["short", "UID:a"],
  ])("folds %s lines at 75 octets without splitting a character", (_, line) => {
    const folded = foldLine(line);
    const parts = folded.split("\r\n");
    for (const p of parts) expect(utf8(p)).toBeLessThanOrEqual(75);
    for (const p of parts.slice(1)) expect(p.startsWith(" ")).toBe(true);
    expect(parts.map((p, i) => (i === 0 ? p : p.slice(1))).join("")).toBe(line);
    expect(folded.includes("\uFFFD")).toBe(false);
  });
});

describe("time zone offsets", () => {
  it("finds both DST changes of 2026 in Berlin, to the second", () => {
    expect(zoneTransitions(BERLIN, at("2026-01-01T00:00:00Z"), at("2026-12-31T00:00:00Z"))).toEqual([
      { atMs: at("2026-03-29T01:00:00Z"), fromMin: 60, toMin: 120 },
      { atMs: at("2026-10-25T01:00:00Z"), fromMin: 120, toMin: 60 },
    ]);
    // A span that does not start on the hour still finds the change to the second.
    expect(zoneTransitions(BERLIN, at("2026-03-29T00:20:07Z"), at("2026-03-29T03:00:00Z"))).toEqual([
      { atMs: at("2026-03-29T01:00:00Z"), fromMin: 60, toMin: 120 },
    ]);
    expect(zoneTransitions("UTC", at("2026-01-01T00:00:00Z"), at("2026-12-31T00:00:00Z"))).toEqual([]);
  });

  it("takes an unknown zone, and New York's negative offset", () => {
    expect(offsetMinAt(0, "Nowhere/Else")).toBe(0);
    expect(offsetMinAt(at("2026-01-15T12:00:00Z"), "America/New_York")).toBe(-300);
    expect(offsetMinAt(at("2026-01-15T12:00:00Z"), "Asia/Kolkata")).toBe(330);
  });
});

const input = (over: Partial<CalendarInput> = {}): CalendarInput => ({
  jobs: [
    {
      cluster: "home",
      id: "pve-backup-p0",
      enabled: true,
      schedule: "03:00",
      storage: "nas-backups",
      guests: [100, 102],
    },
    { cluster: "home", id: "off", enabled: false, schedule: "03:00", guests: [101] },
    { cluster: "home", id: "legacy", enabled: true, guests: [] },
    { cluster: "home", id: "broken", enabled: true, schedule: "not a schedule", guests: [] },
  ],
  attempts: [],
  timeZone: BERLIN,
  nowMs: at("2026-03-27T12:00:00Z"),
  fromMs: at("2026-03-24T12:00:00Z"),
  toMs: at("2026-03-31T12:00:00Z"),
  ...over,
});

describe("planCalendarEvents", () => {
  it("puts a daily 03:00 job at 03:00 Berlin time on each day, across the change to summer time", () => {
    const events = planCalendarEvents(input());
    expect(events.map((e) => new Date(e.startMs).toISOString())).toEqual([
      "2026-03-28T02:00:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T01:00:00.000Z",
      "2026-03-31T01:00:00.000Z",
    ]);
    expect(events[0]).toEqual({
      uid: "pve-job-home-pve-backup-p0-20260328T020000Z@pve-backup",
      startMs: at("2026-03-28T02:00:00Z"),
      endMs: at("2026-03-28T02:00:00Z") + SCHEDULED_RUN_MS,
      summary: "Backup pve-backup-p0",
      description:
        "Scheduled PVE backup job pve-backup-p0 on cluster home (03:00) to nas-backups; guests 100, 102.",
      status: "TENTATIVE",
      categories: ["scheduled", "pve"],
    });
  });

  it("shows past runs one per task, with the worst outcome of its guests and their errors", () => {
    const upid = "UPID:pve:0000D301:07B98A00:69894DB0:vzdump::root@pam:";
    const events = planCalendarEvents(
      input({
        jobs: [{ cluster: "home", id: "j", enabled: true, schedule: "03:00", guests: [] }],
        toMs: at("2026-03-27T12:00:00Z"),
        attempts: [
          {
            cluster: "home",
            upid,
            vmid: 102,
            startMs: at("2026-03-26T02:01:00Z"),
            endMs: at("2026-03-26T02:04:00Z"),
            outcome: "failed",
            error: "no space; left",
          },
          {
            cluster: "home",
            upid,
            vmid: 100,
            startMs: at("2026-03-26T02:00:00Z"),
            endMs: at("2026-03-26T02:01:00Z"),
            outcome: "ok",
          },
          {
            cluster: "home",
            upid: "UPID:b",
            vmid: 101,
            startMs: at("2026-03-27T11:59:00Z"),
            outcome: "running",
          },
          {
            cluster: "home",
            upid: "UPID:c",
            vmid: 103,
            startMs: at("2026-03-25T02:00:00Z"),
            endMs: at("2026-03-25T02:00:10Z"),
            outcome: "warnings",
          },
          {
            cluster: "home",
            upid: "UPID:d",
            vmid: 105,
            startMs: at("2026-03-27T11:00:00Z"),
            outcome: "waiting",
          },
          // Outside the span: before it, and after now.
          { cluster: "home", upid: "UPID:e", vmid: 105, startMs: at("2026-03-20T02:00:00Z"), outcome: "ok" },
          { cluster: "home", upid: "UPID:f", vmid: 105, startMs: at("2026-03-28T02:00:00Z"), outcome: "ok" },
        ],
      }),
    );
    expect(
      events.map((e) => [
        e.summary,
        e.status,
        new Date(e.startMs).toISOString(),
        new Date(e.endMs).toISOString(),
      ]),
    ).toEqual([
      ["Backup warnings: 103", "CONFIRMED", "2026-03-25T02:00:00.000Z", "2026-03-25T02:01:00.000Z"],
      ["Backup failed: 100, 102", "CONFIRMED", "2026-03-26T02:00:00.000Z", "2026-03-26T02:04:00.000Z"],
      ["Backup waiting: 105", "TENTATIVE", "2026-03-27T11:00:00.000Z", "2026-03-27T12:00:00.000Z"],
      ["Backup running: 101", "CONFIRMED", "2026-03-27T11:59:00.000Z", "2026-03-27T12:00:00.000Z"],
    ]);
    expect(events[1]?.uid).toBe(`pve-task-home-${upid.replace("@", "_")}@pve-backup`);
    expect(events[1]?.description).toBe(
      `PVE backup task on cluster home, ${upid}\n100: ok\n102: failed (no space; left)`,
    );
    expect(events[1]?.categories).toEqual(["run", "failed"]);
  });

  it("adds Home Assistant's automatic backups and Hyper Backup's next runs inside the span", () => {
    const events = planCalendarEvents(
      input({
        jobs: [],
        haBackup: { schedule: "mon,thu 05:45", nextAutomaticMs: at("2026-03-28T05:00:00Z") },
        hyperBackup: [
          { task: "NAS to B2", taskId: 7, nextRunMs: at("2026-03-28T00:00:00Z") },
          { task: "too late", taskId: 8, nextRunMs: at("2026-04-30T00:00:00Z") },
          { task: "past", taskId: 9, nextRunMs: at("2026-03-01T00:00:00Z") },
        ],
      }),
    );
    expect(events.map((e) => [e.uid, e.summary, new Date(e.startMs).toISOString()])).toEqual([
      ["hyper-backup-7-20260328T000000Z@pve-backup", "Hyper Backup: NAS to B2", "2026-03-28T00:00:00.000Z"],
      ["ha-backup-20260328@pve-backup", "Home Assistant automatic backup", "2026-03-28T05:00:00.000Z"],
      ["ha-backup-20260330@pve-backup", "Home Assistant automatic backup", "2026-03-30T03:45:00.000Z"],
    ]);
    expect(events[1]?.description).toBe(
      "Home Assistant's next automatic backup, as Home Assistant plans it.",
    );
    expect(events[2]?.description).toBe(
      "Home Assistant's automatic backup to the NAS, planned mon,thu 05:45.",
    );
  });

  it("lets Home Assistant's own next run stand in for the planned one of its local day, under the same UID", () => {
    const planned = planCalendarEvents(input({ jobs: [], haBackup: { schedule: "05:45" } }));
    // 06:31 Berlin on Monday: HA's jitter moved it; the Monday event keeps its UID.
    const jittered = planCalendarEvents(
      input({ jobs: [], haBackup: { schedule: "05:45", nextAutomaticMs: at("2026-03-30T04:31:00Z") } }),
    );
    const byUid = (list: IcsEvent[]) =>
      Object.fromEntries(list.map((e) => [e.uid, new Date(e.startMs).toISOString()]));
    expect(Object.keys(byUid(jittered))).toEqual(Object.keys(byUid(planned)));
    expect(byUid(jittered)["ha-backup-20260330@pve-backup"]).toBe("2026-03-30T04:31:00.000Z");
    expect(byUid(planned)["ha-backup-20260330@pve-backup"]).toBe("2026-03-30T03:45:00.000Z");
  });

  it.each([
    ["Europe/Berlin", "ha-backup-20260328@pve-backup"],
    // A zone the runtime does not know: the UTC date.
    ["Nowhere/Else", "ha-backup-20260327@pve-backup"],
  ])("shows Home Assistant's next run without a plan of its own (zone %s)", (timeZone, uid) => {
    const events = planCalendarEvents(
      input({ jobs: [], timeZone, haBackup: { nextAutomaticMs: at("2026-03-27T23:30:00Z") } }),
    );
    expect(events.map((e) => e.uid)).toEqual([uid]);
  });

  it.each([
    ["before the span", at("2026-03-01T00:00:00Z")],
    ["after it", at("2026-05-01T00:00:00Z")],
    ["on a scheduled run", at("2026-03-30T03:45:00Z")],
  ])("does not add Home Assistant's next backup %s", (_, next) => {
    const events = planCalendarEvents(
      input({ jobs: [], haBackup: { schedule: "mon 05:45", nextAutomaticMs: next } }),
    );
    expect(events.map((e) => new Date(e.startMs).toISOString())).toEqual(["2026-03-30T03:45:00.000Z"]);
  });

  it.each([
    ["b", "a"],
    ["a", "b"],
  ])(
    "orders events at the same instant by UID (jobs %s, %s), and stops an hourly schedule at the span's end",
    (x, y) => {
      const events = planCalendarEvents(
        input({
          jobs: [
            { cluster: "home", id: x, enabled: true, schedule: "hourly", guests: [] },
            { cluster: "home", id: y, enabled: true, schedule: "hourly", guests: [] },
          ],
          nowMs: at("2026-03-27T12:00:00Z"),
          toMs: at("2026-03-27T14:00:00Z"),
        }),
      );
      // 12:00 (now), 13:00 and 14:00 (the end) are in.
      expect(events.map((e) => e.uid.split("-")[3])).toEqual(["a", "b", "a", "b", "a", "b"]);
      expect(events[0]?.description).toContain("guests none.");
    },
  );
});

describe("renderIcs", () => {
  const opts = (over = {}) => ({
    timeZone: BERLIN,
    calendarName: "PVE Backup",
    dtstampMs: at("2026-03-27T12:00:00Z"),
    fromMs: at("2026-03-24T12:00:00Z"),
    toMs: at("2026-03-31T12:00:00Z"),
    ...over,
  });

  it("parses back with ical.js: the same events, at 03:00 Berlin time on both sides of the DST change", () => {
    const events = planCalendarEvents(input());
    const text = renderIcs(events, opts());
    expect(text.split("\r\n").every((l) => utf8(l) <= 75)).toBe(true);
    expect(text).toContain("DTSTART;TZID=Europe/Berlin:20260329T030000");
    const parsed = parseIcs(text);
    expect(parsed.cal.getFirstPropertyValue("x-wr-timezone")).toBe(BERLIN);
    expect(parsed.events.map((e) => [e.start, e.startZone, e.startWall])).toEqual([
      ["2026-03-28T02:00:00.000Z", BERLIN, "2026-03-28T03:00:00"],
      ["2026-03-29T01:00:00.000Z", BERLIN, "2026-03-29T03:00:00"],
      ["2026-03-30T01:00:00.000Z", BERLIN, "2026-03-30T03:00:00"],
      ["2026-03-31T01:00:00.000Z", BERLIN, "2026-03-31T03:00:00"],
    ]);
    expect(parsed.events.map((e) => e.uid)).toEqual(events.map((e) => e.uid));
    expect(parsed.events[0]).toMatchObject({
      summary: "Backup pve-backup-p0",
      description: events[0]?.description,
      status: "TENTATIVE",
      categories: ["scheduled", "pve"],
    });
  });

  it("writes both passes of the hour repeated in October in UTC, the hours around it in Berlin time", () => {
    const ev = (uid: string, iso: string): IcsEvent => ({
      uid,
      startMs: at(iso),
      endMs: at(iso) + 600_000,
      summary: uid,
    });
    const events = [
      ev("before", "2026-10-24T23:30:00Z"),
      ev("first", "2026-10-25T00:30:00Z"),
      ev("second", "2026-10-25T01:30:00Z"),
      ev("after", "2026-10-25T02:30:00Z"),
    ];
    const text = renderIcs(
      events,
      opts({ fromMs: at("2026-10-20T00:00:00Z"), toMs: at("2026-10-30T00:00:00Z") }),
    );
    expect(text).toContain("DTSTART;TZID=Europe/Berlin:20261025T013000");
    expect(text).toContain("DTSTART:20261025T003000Z");
    expect(text).toContain("DTSTART:20261025T013000Z");
    expect(text).toContain("DTSTART;TZID=Europe/Berlin:20261025T033000");
    expect(text).toContain("BEGIN:DAYLIGHT\r\nDTSTART:20261019T");
    expect(parseIcs(text).events.map((e) => [e.uid, e.start, e.end])).toEqual([
      ["before", "2026-10-24T23:30:00.000Z", "2026-10-24T23:40:00.000Z"],
      ["first", "2026-10-25T00:30:00.000Z", "2026-10-25T00:40:00.000Z"],
      ["second", "2026-10-25T01:30:00.000Z", "2026-10-25T01:40:00.000Z"],
      ["after", "2026-10-25T02:30:00.000Z", "2026-10-25T02:40:00.000Z"],
    ]);
  });

  it("writes UTC times and no VTIMEZONE for a zone without offsets, and keeps odd text intact", () => {
    const description = `naïve, "quoted"; back\\slash\nnext line ${"long ".repeat(30)}💾`;
    const text = renderIcs(
      [
        {
          uid: "x@pve-backup",
          startMs: at("2026-02-11T03:00:00Z"),
          endMs: at("2026-02-11T03:30:00Z"),
          summary: "a;b",
          description,
        },
      ],
      opts({ timeZone: "UTC" }),
    );
    expect(text).not.toContain("VTIMEZONE");
    expect(text).toContain("DTSTART:20260211T030000Z");
    const [e] = parseIcs(text).events;
    expect(e).toMatchObject({ summary: "a;b", description, start: "2026-02-11T03:00:00.000Z" });
    expect(text.endsWith("END:VCALENDAR\r\n")).toBe(true);
  });

  it("is a valid empty calendar when there is nothing to show, with the zone still described", () => {
    const text = renderIcs([], opts({ timeZone: "Asia/Kolkata" }));
    expect(text).toContain("BEGIN:VTIMEZONE\r\nTZID:Asia/Kolkata\r\nBEGIN:STANDARD");
    expect(text).toContain("TZOFFSETTO:+0530");
    expect(parseIcs(text).events).toEqual([]);
    expect(
      renderIcs(
        [],
        opts({
          timeZone: "America/New_York",
          fromMs: at("2026-01-10T00:00:00Z"),
          toMs: at("2026-01-20T00:00:00Z"),
        }),
      ),
    ).toContain("TZOFFSETTO:-0500");
  });
});

describe("renderIcs in half-hour zones, with hostile task names", () => {
  it.each([
    // Kolkata: +05:30 all year; Adelaide: +10:30 in summer, back to +09:30 at 03:00 on 2026-04-05.
    [
      "Asia/Kolkata",
      "2026-04-04T21:30:00Z",
      "2026-04-05T03:00:00",
      "2026-04-05T21:30:00Z",
      "2026-04-06T03:00:00",
    ],
    [
      "Australia/Adelaide",
      "2026-04-03T16:30:00Z",
      "2026-04-04T03:00:00",
      "2026-04-05T17:30:00Z",
      "2026-04-06T03:00:00",
    ],
  ])(
    "%s: a Hyper Backup run at 03:00 wall time parses back at 03:00, to the instant",
    (zone, a, aWall, b, bWall) => {
      const name = "NAS → Cloud, daily; \\\\share\\ ü€😀".repeat(3);
      const events: IcsEvent[] = [a, b].map((iso, i) => ({
        uid: `hb-${i}@pve-backup`,
        startMs: at(iso),
        endMs: at(iso) + SCHEDULED_RUN_MS,
        summary: `Hyper Backup: ${name}`,
      }));
      const text = renderIcs(events, {
        timeZone: zone,
        calendarName: "PVE Backup",
        dtstampMs: at("2026-04-01T00:00:00Z"),
        fromMs: at("2026-04-01T00:00:00Z"),
        toMs: at("2026-04-08T00:00:00Z"),
      });
      expect(text.split("\r\n").every((l) => utf8(l) <= 75)).toBe(true);
      const parsed = parseIcs(text);
      expect(parsed.events.map((e) => [e.start, e.startZone, e.startWall, e.summary])).toEqual([
        [new Date(at(a)).toISOString(), zone, aWall, `Hyper Backup: ${name}`],
        [new Date(at(b)).toISOString(), zone, bWall, `Hyper Backup: ${name}`],
      ]);
    },
  );
});
