import { describe, expect, it } from "vitest";
import { type GuestSpans, layoutNight, nightOf, nightsOf } from "../../lovelace/panel/timeline.js";
import type { AttemptRow, GuestRow, Tier } from "../../lovelace/panel/types.js";
import { guestSpansOfLog, taskLogEnded } from "../../src/pve/panel-reads.js";

const guest = (vmid: number, tier: string | null, name = `g${vmid}`): GuestRow => ({
  cluster: "home",
  vmid,
  name,
  type: "qemu",
  node: "pve",
  tier,
  status: "ok",
  lastBackup: null,
  lastAttempt: null,
  expectedBy: null,
  reason: "",
  jobs: [],
});
const attempt = (
  vmid: number,
  start: string,
  end: string | null,
  outcome: AttemptRow["outcome"] = "ok",
): AttemptRow => ({
  cluster: "home",
  vmid,
  upid: `UPID:pve:00000001:00000001:${vmid}:vzdump::root@pam:`,
  node: "pve",
  start,
  end,
  outcome,
  error: null,
  sizeBytes: null,
});
const tiers: Tier[] = [
  { name: "P0", schedule: "03:00", keepLast: 3, guests: [102] },
  { name: "P1", schedule: "03:15", keepLast: 3, guests: [101] },
];

describe("nights of the backup window", () => {
  it.each([
    ["2026-02-10T23:50:00Z", "2026-02-11"],
    ["2026-02-11T00:10:00Z", "2026-02-11"],
    ["2026-02-11T11:59:00Z", "2026-02-11"],
    ["2026-02-11T12:00:00Z", "2026-02-12"],
  ])("puts a run at %s in the night to %s (UTC)", (at, night) => {
    expect(nightOf(Date.parse(at), "UTC")).toBe(night);
  });

  it("reads the night in the nodes' zone: 23:30 UTC is already the next morning in Berlin", () => {
    expect(nightOf(Date.parse("2026-02-10T11:30:00Z"), "UTC")).toBe("2026-02-10");
    expect(nightOf(Date.parse("2026-02-10T11:30:00Z"), "Europe/Berlin")).toBe("2026-02-11");
  });

  it("lists nights newest first, once each", () => {
    const a = [
      attempt(101, "2026-02-09T03:15:00Z", "2026-02-09T03:20:00Z"),
      attempt(102, "2026-02-10T03:00:00Z", "2026-02-10T03:05:00Z"),
      attempt(101, "2026-02-10T03:15:00Z", "2026-02-10T03:20:00Z"),
    ];
    expect(nightsOf(a, "UTC")).toEqual(["2026-02-10", "2026-02-09"]);
  });
});

describe("a night's layout", () => {
  const guests = [guest(101, "P1"), guest(102, "P0"), guest(103, null), guest(104, null), guest(105, "Px")];
  const attempts = [
    attempt(101, "2026-02-10T03:15:00Z", "2026-02-10T03:45:00Z", "failed"),
    attempt(102, "2026-02-10T03:00:00Z", "2026-02-10T03:05:00Z"),
    attempt(104, "2026-02-10T02:30:00Z", "2026-02-10T02:31:00Z"),
    attempt(102, "2026-02-09T03:00:00Z", "2026-02-09T03:05:00Z"),
  ];
  const l = layoutNight({
    night: "2026-02-10",
    attempts,
    guests,
    tiers,
    timeZone: "UTC",
    nowMs: Date.parse("2026-02-10T10:00:00Z"),
  });

  it("orders rows by the options' tiers, then other tiers, then guests without one that ran", () => {
    expect(l.groups.map((g) => [g.tier, g.rows.map((r) => r.vmid)])).toEqual([
      ["P0", [102]],
      ["P1", [101]],
      ["Px", [105]],
      [null, [104]],
    ]);
  });

  it("spans whole hours around the night's runs and places each bar on them", () => {
    expect(new Date(l.axisStartMs).toISOString()).toBe("2026-02-10T02:00:00.000Z");
    expect(new Date(l.axisEndMs).toISOString()).toBe("2026-02-10T04:00:00.000Z");
    expect(l.ticks.map((t) => t.label)).toEqual(["02:00", "03:00", "04:00"]);
    const p0 = l.groups[0]?.rows[0]?.bars[0];
    const p1 = l.groups[1]?.rows[0]?.bars[0];
    expect(p0?.leftPct).toBe(50);
    expect(p1?.leftPct).toBe(62.5);
    expect(p1?.widthPct).toBe(25);
    expect(p1?.label).toBe("03:15–03:45 failed");
    expect(l.groups[2]?.rows[0]?.bars).toEqual([]);
  });

  it("draws a running task up to now", () => {
    const r = layoutNight({
      night: "2026-02-11",
      attempts: [attempt(102, "2026-02-11T03:00:00Z", null, "running")],
      guests,
      tiers,
      timeZone: "UTC",
      nowMs: Date.parse("2026-02-11T03:30:00Z"),
    });
    const bar = r.groups[0]?.rows[0]?.bars[0];
    expect(bar?.running).toBe(true);
    expect(bar?.widthPct).toBe(50);
    expect(bar?.label).toBe("03:00–now running");
  });
});

describe("guests inside one task", () => {
  // A P0 task backing up two guests one after the other, in Berlin (UTC+1 in February).
  const log = [
    "INFO: starting new backup job: vzdump 100 102 --storage nas --mode snapshot",
    "INFO: Starting Backup of VM 100 (qemu)",
    "INFO: Backup started at 2026-02-11 04:00:02",
    "INFO:  50% (1.0 GiB of 2.0 GiB) in 10s, read: 100 MiB/s, write: 90 MiB/s",
    "INFO: Finished Backup of VM 100 (00:12:00)",
    "INFO: Backup finished at 2026-02-11 04:12:02",
    "INFO: Starting Backup of VM 102 (lxc)",
    "INFO: Backup started at 2026-02-11 04:12:03",
    "ERROR: Backup of VM 102 failed - storage full",
    "INFO: Failed at 2026-02-11 04:20:00",
    "INFO: Starting Backup of VM 103 (qemu)",
    "INFO: Backup started at 2026-02-11 04:20:01",
    "ERROR: Backup of VM 103 failed - guest vanished",
    "INFO: Starting Backup of VM 104 (qemu)",
    "INFO: Backup started at 2026-02-11 04:25:00",
    "TASK ERROR: job errors",
  ];

  it("reads each guest's start and end from the log, in the nodes' zone", () => {
    expect(taskLogEnded(log)).toBe(true);
    expect(taskLogEnded(log.slice(0, -1))).toBe(false);
    const taskEnd = Date.parse("2026-02-11T03:30:00Z");
    const spans = guestSpansOfLog(log, "Europe/Berlin", taskEnd).map((g) => ({
      vmid: g.vmid,
      start: new Date(g.startMs).toISOString(),
      end: g.endMs === null ? null : new Date(g.endMs).toISOString(),
    }));
    expect(spans).toEqual([
      { vmid: 100, start: "2026-02-11T03:00:02.000Z", end: "2026-02-11T03:12:02.000Z" },
      { vmid: 102, start: "2026-02-11T03:12:03.000Z", end: "2026-02-11T03:20:00.000Z" },
      // No end line: up to the next guest's start, the last one up to the task's end.
      { vmid: 103, start: "2026-02-11T03:20:01.000Z", end: "2026-02-11T03:25:00.000Z" },
      { vmid: 104, start: "2026-02-11T03:25:00.000Z", end: "2026-02-11T03:30:00.000Z" },
    ]);
    // While the task runs, its last guest has no end yet.
    expect(guestSpansOfLog(log.slice(0, -1), "Europe/Berlin", null).at(-1)?.endMs).toBeNull();
    expect(guestSpansOfLog(log, "Nowhere/Else", taskEnd)).toEqual([]);
  });

  it("draws each guest's own part of a task, not the whole task", () => {
    const upid = "UPID:pve:00000001:00000001:1:vzdump::root@pam:";
    const both = [
      { ...attempt(102, "2026-02-10T03:00:00Z", "2026-02-10T03:40:00Z"), upid },
      { ...attempt(101, "2026-02-10T03:00:00Z", "2026-02-10T03:40:00Z"), upid },
    ];
    const spans = new Map<string, GuestSpans>([
      [
        upid,
        {
          ended: true,
          forNow: "",
          guests: new Map([
            [102, { start: "2026-02-10T03:00:00Z", end: "2026-02-10T03:10:00Z" }],
            [101, { start: "2026-02-10T03:10:00Z", end: "2026-02-10T03:40:00Z" }],
          ]),
        },
      ],
    ]);
    const input = {
      night: "2026-02-10",
      attempts: both,
      guests: [guest(101, "P1"), guest(102, "P0")],
      tiers,
      timeZone: "UTC",
      nowMs: Date.parse("2026-02-10T10:00:00Z"),
    };
    const whole = layoutNight(input).groups.map((g) => g.rows[0]?.bars[0]?.label);
    expect(whole).toEqual(["03:00–03:40 ok", "03:00–03:40 ok"]);
    const own = layoutNight({ ...input, spans }).groups.map((g) => [g.tier, g.rows[0]?.bars[0]?.label]);
    expect(own).toEqual([
      ["P0", "03:00–03:10 ok"],
      ["P1", "03:10–03:40 ok"],
    ]);
    // While the task runs and its log has reached only the first guest, the second one waits.
    const running = both.map((a) => ({ ...a, end: null, outcome: "running" as const }));
    const first = new Map<string, GuestSpans>([
      [
        upid,
        {
          ended: false,
          forNow: "",
          guests: new Map([[102, { start: "2026-02-10T03:00:00Z", end: null }]]),
        },
      ],
    ]);
    const now = layoutNight({
      ...input,
      attempts: running,
      spans: first,
      nowMs: Date.parse("2026-02-10T03:05:00Z"),
    }).groups.map((g) => [g.tier, g.rows[0]?.bars.map((b) => b.label)]);
    expect(now).toEqual([
      ["P0", ["03:00–now running"]],
      ["P1", []],
    ]);
  });
});
