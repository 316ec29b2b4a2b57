import { describe, expect, it } from "vitest";
import {
  type AlertGuest,
  type AlertOptions,
  type AlertState,
  actionId,
  ago,
  archiveNote,
  DIGEST_TAG,
  EMPTY_ALERT_STATE,
  guestAlertInfo,
  type HaBackupAlert,
  inQuietHours,
  parseActionId,
  planAlerts,
  snoozeGuests,
  statusChanges,
  unknownArchived,
  withArchiveNotes,
} from "../../src/core/alerts.js";
import type { ClusterReport } from "../../src/core/status.js";

const at = (iso: string) => Date.parse(iso);
const NOW = at("2026-02-11T10:00:00Z");
const MIN = 60_000;
const HOUR = 60 * MIN;

const guest = (vmid: number, over: Partial<AlertGuest> = {}): AlertGuest => ({
  cluster: "home",
  vmid,
  name: `guest-${vmid}`,
  tier: "P1",
  status: "ok",
  reason: "backed up on schedule",
  lastBackupMs: NOW - 2 * 24 * HOUR,
  ...over,
});
const late = (vmid: number, over: Partial<AlertGuest> = {}) =>
  guest(vmid, { status: "late", reason: "the 03:00 run did not back it up", ...over });

const OPTS: AlertOptions = {
  statuses: ["failed", "late", "never", "not_in_job", "unknown", "verify_failed", "ha_backup"],
  graceMin: 60,
  immediateTiers: [],
  archived: new Set(),
  timeZone: "UTC",
};

function plan(
  guests: AlertGuest[],
  previous: AlertState = EMPTY_ALERT_STATE,
  over: Partial<AlertOptions> = {},
  nowMs = NOW,
  haBackup?: HaBackupAlert | null,
) {
  return planAlerts({ previous, guests, options: { ...OPTS, ...over }, nowMs, haBackup });
}
const sentTags = (p: ReturnType<typeof plan>) =>
  p.deliveries.flatMap((d) => (d.kind === "send" ? [d.note.tag] : []));
const clearedTags = (p: ReturnType<typeof plan>) =>
  p.deliveries.flatMap((d) => (d.kind === "clear" ? [d.tag] : []));

describe("planAlerts", () => {
  it("sends one notification for a guest that went late, in words for a lock screen", () => {
    const p = plan([guest(100), late(101, { name: "Vaultwarden" })]);
    expect(p.deliveries).toEqual([
      {
        kind: "send",
        note: {
          tag: "pve_backup_home_101",
          group: "pve_backup_home",
          title: "Vaultwarden (101): backup late",
          message: "Vaultwarden: last backup 2 days ago — the 03:00 run did not back it up",
          guest: { cluster: "home", vmid: 101 },
          key: "home/101",
        },
      },
    ]);
    expect(p.state.guests["home/101"]).toEqual({
      sinceMs: NOW,
      sent: "late: the 03:00 run did not back it up",
    });
    expect(p.state.guests["home/100"]).toBeUndefined();
  });

  it("does not send the same problem twice", () => {
    const first = plan([late(101)]);
    const again = plan([late(101)], first.state, {}, NOW + HOUR);
    expect(again.deliveries).toEqual([]);
    expect(again.state.guests["home/101"]?.sinceMs).toBe(NOW);
  });

  it("replaces the notification (same tag) when the same guest has a new problem", () => {
    const first = plan([late(101)]);
    const second = plan(
      [late(101, { status: "failed", reason: "storage 'nas' is not online" })],
      first.state,
    );
    expect(sentTags(second)).toEqual(["pve_backup_home_101"]);
    expect(second.deliveries[0]).toMatchObject({ note: { title: "guest-101 (101): backup failed" } });
  });

  it("clears the notification when the guest recovers, and forgets it", () => {
    const first = plan([late(101)]);
    const ok = plan([guest(101)], first.state);
    expect(ok.deliveries).toEqual([{ kind: "clear", tag: "pve_backup_home_101" }]);
    expect(ok.state.guests).toEqual({});
    // A recovered guest that was never notified has nothing to clear.
    expect(plan([guest(101)], { guests: { "home/101": { sinceMs: NOW } } }).deliveries).toEqual([]);
  });

  it("keeps what is out while a backup of the guest runs", () => {
    const first = plan([late(101)]);
    const running = plan([guest(101, { status: "running" }), guest(102, { status: "running" })], first.state);
    expect(running.deliveries).toEqual([]);
    expect(running.state.guests).toEqual(first.state.guests);
  });

  it("clears the notification of a guest that is gone from PVE", () => {
    const first = plan([late(101), late(102)]);
    const gone = plan([late(101)], first.state);
    expect(clearedTags(gone)).toEqual(["pve_backup_home_102"]);
    expect(plan([], { guests: { "home/105": { sinceMs: NOW } } }).deliveries).toEqual([]);
  });

  it.each([
    ["failed", true],
    ["never", true],
    ["not_in_job", true],
    ["ok", false],
  ])("alerts on %s when that status is chosen: %s", (status, alerts) => {
    expect(sentTags(plan([guest(101, { status })])).length > 0).toBe(alerts);
    expect(sentTags(plan([guest(101, { status })], EMPTY_ALERT_STATE, { statuses: ["late"] }))).toEqual([]);
  });

  it("alerts on unknown only once it has lasted the grace", () => {
    const unknown = guest(101, {
      status: "unknown",
      reason: "storage nas is not active",
      lastBackupMs: null,
    });
    const first = plan([unknown]);
    expect(first.deliveries).toEqual([]);
    const before = plan([unknown], first.state, {}, NOW + 59 * MIN);
    expect(before.deliveries).toEqual([]);
    const after = plan([unknown], before.state, {}, NOW + 60 * MIN);
    expect(after.deliveries).toMatchObject([
      { kind: "send", note: { message: "guest-101: no backup yet — storage nas is not active" } },
    ]);
  });

  it("never alerts for an archived guest, and clears what was out", () => {
    const archived = new Set(["home/103"]);
    expect(plan([guest(103, { status: "not_in_job" })], EMPTY_ALERT_STATE, { archived }).deliveries).toEqual(
      [],
    );
    const first = plan([late(103)]);
    expect(plan([late(103)], first.state, { archived }).deliveries).toEqual([
      { kind: "clear", tag: "pve_backup_home_103" },
    ]);
  });

  describe("quiet hours", () => {
    const quietHours = { startMin: 22 * 60, endMin: 7 * 60 };
    const night = at("2026-02-11T23:30:00Z");

    it("holds alerts during quiet hours and sends them when they end", () => {
      const held = plan([late(101)], EMPTY_ALERT_STATE, { quietHours }, night);
      expect(held.deliveries).toEqual([]);
      expect(held.held).toEqual(["home/101"]);
      const still = plan([late(101)], held.state, { quietHours }, at("2026-02-12T06:59:00Z"));
      expect(still.deliveries).toEqual([]);
      const morning = plan([late(101)], still.state, { quietHours }, at("2026-02-12T07:00:00Z"));
      expect(sentTags(morning)).toEqual(["pve_backup_home_101"]);
    });

    it("still clears during quiet hours (a recovery wakes nobody up twice)", () => {
      const first = plan([late(101)]);
      expect(plan([guest(101)], first.state, { quietHours }, night).deliveries).toEqual([
        { kind: "clear", tag: "pve_backup_home_101" },
      ]);
    });

    it.each([
      [23 * 60, { startMin: 22 * 60, endMin: 7 * 60 }, true],
      [3 * 60, { startMin: 22 * 60, endMin: 7 * 60 }, true],
      [7 * 60, { startMin: 22 * 60, endMin: 7 * 60 }, false],
      [12 * 60, { startMin: 22 * 60, endMin: 7 * 60 }, false],
      [13 * 60, { startMin: 12 * 60, endMin: 14 * 60 }, true],
      [14 * 60, { startMin: 12 * 60, endMin: 14 * 60 }, false],
      [11 * 60, { startMin: 12 * 60, endMin: 14 * 60 }, false],
      [12 * 60, { startMin: 12 * 60, endMin: 12 * 60 }, false],
      [12 * 60, undefined, false],
    ])("minute %i in %j is quiet: %s", (minute, quiet, want) => {
      expect(inQuietHours(minute, quiet)).toBe(want);
    });

    it("reads the quiet hours in the options' zone", () => {
      // 23:30 UTC is 00:30 in Berlin (winter).
      const berlin = plan(
        [late(101)],
        EMPTY_ALERT_STATE,
        { quietHours: { startMin: 0, endMin: 60 }, timeZone: "Europe/Berlin" },
        night,
      );
      expect(berlin.deliveries).toEqual([]);
    });
  });

  describe("digest and immediate tiers", () => {
    const digestMin = 8 * 60;

    it("pushes only the immediate tiers at once; the digest lists every problem in one message", () => {
      const guests = [
        late(100, { tier: "P0" }),
        late(101, { tier: "P1" }),
        guest(103, { tier: null, status: "never", reason: "no backup on record", lastBackupMs: null }),
        guest(105, { status: "ok" }),
      ];
      const p = plan(guests, EMPTY_ALERT_STATE, { immediateTiers: ["P0"], digestMin });
      const digest = p.deliveries.find((d) => d.kind === "send" && d.note.tag === DIGEST_TAG);
      expect(sentTags(p)).toEqual(["pve_backup_home_100", DIGEST_TAG]);
      expect(digest).toEqual({
        kind: "send",
        note: {
          tag: DIGEST_TAG,
          group: "pve_backup",
          title: "PVE Backup: 3 problems need attention",
          message: [
            "• guest-100: last backup 2 days ago — the 03:00 run did not back it up",
            "• guest-101: last backup 2 days ago — the 03:00 run did not back it up",
            "• guest-103: no backup yet — no backup on record",
          ].join("\n"),
        },
      });
      expect(p.state.digestDay).toBe("2026-02-11");
    });

    it("sends the digest once a day, at or after its time", () => {
      const early = plan(
        [late(101)],
        EMPTY_ALERT_STATE,
        { immediateTiers: ["P0"], digestMin },
        at("2026-02-11T07:59:00Z"),
      );
      expect(early.deliveries).toEqual([]);
      const due = plan(
        [late(101)],
        early.state,
        { immediateTiers: ["P0"], digestMin },
        at("2026-02-11T08:00:00Z"),
      );
      expect(due.deliveries).toMatchObject([{ note: { title: "PVE Backup: 1 problem needs attention" } }]);
      const again = plan(
        [late(101)],
        due.state,
        { immediateTiers: ["P0"], digestMin },
        at("2026-02-11T20:00:00Z"),
      );
      expect(again.deliveries).toEqual([]);
      const tomorrow = plan(
        [late(101)],
        again.state,
        { immediateTiers: ["P0"], digestMin },
        at("2026-02-12T08:01:00Z"),
      );
      expect(sentTags(tomorrow)).toEqual([DIGEST_TAG]);
    });

    it("sends no digest when all is well, yet counts the day", () => {
      const p = plan([guest(100)], EMPTY_ALERT_STATE, { digestMin });
      expect(p.deliveries).toEqual([]);
      expect(p.state.digestDay).toBe("2026-02-11");
    });

    it("holds the digest during quiet hours", () => {
      const quietHours = { startMin: 6 * 60, endMin: 9 * 60 };
      const p = plan(
        [late(101)],
        EMPTY_ALERT_STATE,
        { digestMin, quietHours, immediateTiers: ["P0"] },
        at("2026-02-11T08:30:00Z"),
      );
      expect(p.deliveries).toEqual([]);
      expect(p.state.digestDay).toBeUndefined();
    });

    it("leaves snoozed guests out of the digest", () => {
      const snoozed = snoozeGuests(EMPTY_ALERT_STATE, ["home/101"], NOW + HOUR).state;
      const p = plan([late(101), late(102)], snoozed, { digestMin, immediateTiers: ["P0"] });
      expect(p.deliveries).toMatchObject([{ note: { message: expect.not.stringContaining("guest-101") } }]);
    });
  });

  describe("snooze", () => {
    it("silences a guest until the snooze ends, then alerts again", () => {
      const first = plan([late(101)]);
      const snoozed = snoozeGuests(first.state, ["home/101"], NOW + 24 * HOUR);
      expect(snoozed.deliveries).toEqual([{ kind: "clear", tag: "pve_backup_home_101" }]);
      const during = plan([late(101, { status: "failed" })], snoozed.state, {}, NOW + 23 * HOUR);
      expect(during.deliveries).toEqual([]);
      expect(during.state.guests["home/101"]?.snoozedUntilMs).toBe(NOW + 24 * HOUR);
      const after = plan([late(101, { status: "failed" })], during.state, {}, NOW + 24 * HOUR);
      expect(sentTags(after)).toEqual(["pve_backup_home_101"]);
      expect(after.state.guests["home/101"]?.snoozedUntilMs).toBeUndefined();
    });

    it("clears, during the snooze, a notification that is still out (a clear that failed)", () => {
      const first = plan([late(101)]);
      // The snooze's clear failed: the service put `sent` back so that it is retried.
      const snoozed = snoozeGuests(first.state, ["home/101"], NOW + 24 * HOUR).state;
      const stillOut = { guests: { "home/101": { ...snoozed.guests["home/101"], sent: "late: x" } } };
      const during = plan([late(101)], stillOut, {}, NOW + HOUR);
      expect(during.deliveries).toEqual([{ kind: "clear", tag: "pve_backup_home_101" }]);
      expect(during.state.guests["home/101"]).toEqual({ sinceMs: NOW, snoozedUntilMs: NOW + 24 * HOUR });
      expect(plan([late(101)], during.state, {}, NOW + 2 * HOUR).deliveries).toEqual([]);
    });

    it("keeps a snooze while the guest is fine, and drops an ended one", () => {
      const snoozed = snoozeGuests(EMPTY_ALERT_STATE, ["home/101"], NOW + HOUR);
      expect(snoozed.deliveries).toEqual([]);
      expect(plan([guest(101)], snoozed.state).state.guests).toEqual({
        "home/101": { snoozedUntilMs: NOW + HOUR },
      });
      expect(plan([guest(101)], snoozed.state, {}, NOW + HOUR).state.guests).toEqual({});
    });

    it("reports the snooze and the archive, with its reason, for the status JSON", () => {
      const s = snoozeGuests(EMPTY_ALERT_STATE, ["home/101", "home/103"], NOW + HOUR).state;
      const archive = {
        archived: new Set(["home/103", "home/104"]),
        archivedReasons: { "home/103": "retired, data moved to the NAS", "home/101": "not archived" },
      };
      expect(guestAlertInfo(s, "home/101", archive, NOW)).toEqual({
        snoozedUntil: "2026-02-11T11:00:00.000Z",
        archived: false,
        archivedReason: null,
      });
      expect(guestAlertInfo(s, "home/101", archive, NOW + HOUR)).toEqual({
        snoozedUntil: null,
        archived: false,
        archivedReason: null,
      });
      // Snoozing an archived guest is harmless: both are told.
      expect(guestAlertInfo(s, "home/103", archive, NOW)).toEqual({
        snoozedUntil: "2026-02-11T11:00:00.000Z",
        archived: true,
        archivedReason: "retired, data moved to the NAS",
      });
      expect(guestAlertInfo(s, "home/104", { archived: archive.archived }, NOW)).toEqual({
        snoozedUntil: null,
        archived: true,
        archivedReason: null,
      });
    });
  });
});

describe("failed checks of the newest archive", () => {
  const broken = (vmid: number, over: Partial<AlertGuest> = {}) =>
    guest(vmid, {
      name: "Vaultwarden",
      failedCheck: { kind: "verify", message: "zstd stream truncated" },
      ...over,
    });

  it("alert like a failed backup, in words for a lock screen, on the guest's tag", () => {
    const p = plan([broken(101)]);
    expect(p.deliveries).toEqual([
      {
        kind: "send",
        note: {
          tag: "pve_backup_home_101",
          group: "pve_backup_home",
          title: "Vaultwarden (101): archive check failed",
          message: "Vaultwarden: the newest archive failed its check — zstd stream truncated",
          guest: { cluster: "home", vmid: 101 },
          key: "home/101",
        },
      },
    ]);
    const restore = plan([broken(101, { failedCheck: { kind: "test_restore", message: "did not boot" } })]);
    expect(restore.deliveries).toMatchObject([
      {
        note: {
          title: "Vaultwarden (101): test restore failed",
          message: "Vaultwarden: the newest archive failed its test restore — did not boot",
        },
      },
    ]);
  });

  it("and a backup problem of the same guest replace each other; recovery clears", () => {
    const first = plan([broken(101)]);
    const late = plan([broken(101, { status: "late", reason: "the 03:00 run left none" })], first.state);
    expect(late.deliveries).toMatchObject([
      { kind: "send", note: { tag: "pve_backup_home_101", title: "Vaultwarden (101): backup late" } },
    ]);
    const back = plan([broken(101)], late.state);
    expect(back.deliveries).toMatchObject([
      {
        kind: "send",
        note: { tag: "pve_backup_home_101", title: "Vaultwarden (101): archive check failed" },
      },
    ]);
    expect(plan([broken(101)], back.state).deliveries).toEqual([]);
    expect(plan([guest(101)], back.state).deliveries).toEqual([
      { kind: "clear", tag: "pve_backup_home_101" },
    ]);
  });

  it("wait for the end of the quiet hours, respect a snooze, the archive and the chosen statuses", () => {
    const quietHours = { startMin: 22 * 60, endMin: 7 * 60 };
    const night = at("2026-02-11T23:30:00Z");
    const held = plan([broken(101)], EMPTY_ALERT_STATE, { quietHours }, night);
    expect(held.deliveries).toEqual([]);
    expect(held.held).toEqual(["home/101"]);
    expect(sentTags(plan([broken(101)], held.state, { quietHours }, at("2026-02-12T07:00:00Z")))).toEqual([
      "pve_backup_home_101",
    ]);
    const snoozed = snoozeGuests(EMPTY_ALERT_STATE, ["home/101"], NOW + HOUR).state;
    expect(plan([broken(101)], snoozed).deliveries).toEqual([]);
    expect(plan([broken(101)], EMPTY_ALERT_STATE, { archived: new Set(["home/101"]) }).deliveries).toEqual(
      [],
    );
    expect(plan([broken(101)], EMPTY_ALERT_STATE, { statuses: ["failed", "late"] }).deliveries).toEqual([]);
  });

  it("are listed in the digest", () => {
    const p = plan([broken(101), late(102)], EMPTY_ALERT_STATE, {
      digestMin: 9 * 60,
      immediateTiers: ["P0"],
    });
    expect(p.deliveries).toMatchObject([
      {
        note: {
          tag: DIGEST_TAG,
          title: "PVE Backup: 2 problems need attention",
          message:
            "• Vaultwarden: the newest archive failed its check — zstd stream truncated\n• guest-102: last backup 2 days ago — the 03:00 run did not back it up",
        },
      },
    ]);
  });
});

describe("Home Assistant's own backup", () => {
  const failing: HaBackupAlert = { cluster: "home", problems: ["Home Assistant has no backup on nas yet"] };
  const fine: HaBackupAlert = { cluster: "home", problems: [] };

  it("alerts once with its own tag, and clears when it passes again", () => {
    const first = plan([late(101)], EMPTY_ALERT_STATE, {}, NOW, failing);
    expect(first.deliveries).toContainEqual({
      kind: "send",
      note: {
        tag: "pve_backup_home_ha_backup",
        group: "pve_backup_home",
        title: "Home Assistant backup needs attention",
        message: "Home Assistant backup: Home Assistant has no backup on nas yet",
        key: "home/ha_backup",
      },
    });
    expect(sentTags(first)).toEqual(["pve_backup_home_101", "pve_backup_home_ha_backup"]);
    const again = plan([late(101)], first.state, {}, NOW + HOUR, failing);
    expect(again.deliveries).toEqual([]);
    const passed = plan([late(101)], again.state, {}, NOW + 2 * HOUR, fine);
    expect(passed.deliveries).toEqual([{ kind: "clear", tag: "pve_backup_home_ha_backup" }]);
    expect(passed.state.guests["home/ha_backup"]).toBeUndefined();
  });

  it("keeps what is out while not checked, and clears it once no longer watched", () => {
    const first = plan([], EMPTY_ALERT_STATE, {}, NOW, failing);
    const unchecked = plan([], first.state, {}, NOW + HOUR, undefined);
    expect(unchecked.deliveries).toEqual([]);
    expect(unchecked.state).toEqual(first.state);
    expect(plan([], unchecked.state, {}, NOW + HOUR, null).deliveries).toEqual([
      { kind: "clear", tag: "pve_backup_home_ha_backup" },
    ]);
  });

  it("waits for the end of quiet hours, is in the digest, and is silent when not chosen", () => {
    const quietHours = { startMin: 22 * 60, endMin: 7 * 60 };
    const held = plan([], EMPTY_ALERT_STATE, { quietHours }, at("2026-02-11T23:00:00Z"), failing);
    expect(held).toMatchObject({ deliveries: [], held: ["home/ha_backup"] });
    const digest = plan([], EMPTY_ALERT_STATE, { digestMin: 9 * 60 }, NOW, failing);
    expect(digest.deliveries).toContainEqual(
      expect.objectContaining({
        note: expect.objectContaining({
          tag: DIGEST_TAG,
          message: "• Home Assistant backup: Home Assistant has no backup on nas yet",
        }),
      }),
    );
    expect(plan([], EMPTY_ALERT_STATE, { statuses: ["failed"] }, NOW, failing).deliveries).toEqual([]);
  });
});

describe("statusChanges", () => {
  const row = (vmid: number, status: string) => ({
    cluster: "home",
    vmid,
    name: `guest-${vmid}`,
    tier: "P0",
    status,
    reason: `${status} reason`,
  });

  it("tells the guests whose status changed, not the first look nor a guest missing from a report", () => {
    const first = statusChanges(new Map(), [row(100, "ok"), row(101, "late")]);
    expect(first.changes).toEqual([]);
    const second = statusChanges(first.statuses, [row(100, "late"), row(102, "never")]);
    expect(second.changes).toEqual([{ ...row(100, "late"), previousStatus: "ok" }]);
    expect(second.statuses).toEqual(
      new Map([
        ["home/100", "late"],
        ["home/101", "late"],
        ["home/102", "never"],
      ]),
    );
    expect(statusChanges(second.statuses, [row(101, "late")]).changes).toEqual([]);
  });
});

describe("archived guests", () => {
  const archive = {
    archived: new Set(["home/103", "home/104", "home/150", "lab/200"]),
    archivedReasons: { "home/103": "retired, data moved to the NAS" },
  };
  const cluster = (name: string, reachable: boolean, guests: AlertGuest[]) =>
    ({ cluster: name, reachable, problems: [], guests }) as unknown as ClusterReport;

  it("add their reason to the status table's reason, and leave the others alone", () => {
    const notInJob = (vmid: number) =>
      guest(vmid, { status: "not_in_job", reason: "no backup job selects this guest" });
    const [home] = withArchiveNotes(
      [cluster("home", true, [notInJob(103), notInJob(104), guest(101)])],
      archive,
    );
    expect(home?.guests.map((g) => [g.status, g.reason])).toEqual([
      ["not_in_job", "no backup job selects this guest; archived: retired, data moved to the NAS"],
      ["not_in_job", "no backup job selects this guest; archived"],
      ["ok", "backed up on schedule"],
    ]);
    expect(archiveNote("home/101", archive)).toBeUndefined();
  });

  it("that PVE does not have are named, unless their cluster cannot be read", () => {
    const reports = [cluster("home", true, [guest(103), guest(104)]), cluster("lab", false, [])];
    expect(unknownArchived(archive.archived, reports)).toEqual(["home/150"]);
    expect(unknownArchived(new Set(["gone/100"]), reports)).toEqual([]);
  });

  it("never alert, even when their reason changes or they are snoozed", () => {
    const snoozed = snoozeGuests(EMPTY_ALERT_STATE, ["home/103"], NOW + HOUR).state;
    const p = plan([guest(103, { status: "not_in_job", reason: "x" })], snoozed, archive, NOW + 2 * HOUR);
    expect(p.deliveries).toEqual([]);
  });
});

describe("notification actions", () => {
  it.each([
    [{ kind: "backup_now", cluster: "home", vmid: 101 } as const, "PVE_BACKUP_NOW:home:101"],
    [{ kind: "snooze", cluster: "lab-2", vmid: 100200 } as const, "PVE_BACKUP_SNOOZE:lab-2:100200"],
  ])("carries the guest in the action id: %j", (action, id) => {
    expect(actionId(action)).toBe(id);
    expect(parseActionId(id)).toEqual(action);
  });

  it.each([
    undefined,
    42,
    "URI",
    "PVE_BACKUP_NOW:home",
    "PVE_BACKUP_NOW:home:12",
    "OTHER:home:101",
    "PVE_BACKUP_NOW:Ho me:101",
  ])("ignores %j (not one of ours)", (id) => {
    expect(parseActionId(id)).toBeUndefined();
  });
});

describe("ago", () => {
  it.each([
    [-5_000, "0 minutes ago"],
    [MIN, "1 minute ago"],
    [59 * MIN, "59 minutes ago"],
    [HOUR, "1 hour ago"],
    [47 * HOUR, "47 hours ago"],
    [50 * HOUR, "2 days ago"],
  ])("%i ms is %s", (ms, words) => {
    expect(ago(ms)).toBe(words);
  });
});
