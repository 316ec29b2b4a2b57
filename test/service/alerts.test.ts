import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ALERT_STATUSES, type AlertMessage, type AlertOptions } from "../../src/core/alerts.js";
import { type HaBackupsJson, UNCHECKED_HA_BACKUPS } from "../../src/core/ha-backup.js";
import type { ClusterReport, GuestReport } from "../../src/core/status.js";
import { InputError, UpstreamError } from "../../src/errors.js";
import { type Logger, silentLogger } from "../../src/log.js";
import type { LastVerifiedJson, StatusJson } from "../../src/report.js";
import {
  ALERTS_STATE_FILE,
  type AlertChannel,
  createAlertService,
  failedCheckOf,
  savedAlertInfo,
  withAlertInfo,
} from "../../src/service/alerts.js";

/** The alert service with a fake channel (records, can be made to fail) and a state file in a temp dir. */

const NOW = Date.parse("2026-02-11T10:00:00Z");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

class FakeChannel implements AlertChannel {
  sent: AlertMessage[] = [];
  cleared: string[] = [];
  down = false;
  async send(note: AlertMessage) {
    if (this.down) throw new UpstreamError("Home Assistant is not connected", { retryable: true });
    this.sent.push(note);
  }
  async clear(tag: string) {
    if (this.down) throw new UpstreamError("Home Assistant is not connected", { retryable: true });
    this.cleared.push(tag);
  }
}

const OPTIONS: AlertOptions = {
  statuses: [...ALERT_STATUSES],
  graceMin: 60,
  immediateTiers: [],
  archived: new Set(),
  timeZone: "UTC",
};

function report(status: string, vmid = 101): ClusterReport[] {
  const g = {
    cluster: "home",
    vmid,
    name: "immich",
    type: "qemu",
    node: "pve",
    tier: "P1",
    status,
    lastBackup: null,
    lastAttempt: null,
    expectedByMs: null,
    reason: status === "ok" ? "backed up" : "the 03:15 run did not back it up",
    jobs: [],
  } as unknown as GuestReport;
  return [{ cluster: "home", reachable: true, problems: [], guests: [g] }];
}

function service(
  opts: {
    options?: Partial<AlertOptions>;
    status?: () => StatusJson | undefined;
    haBackups?: { cluster: string; status: () => HaBackupsJson | null };
    dir?: string;
    channel?: FakeChannel;
    log?: Logger;
    backupNow?: (c: string, v: number) => Promise<unknown>;
  } = {},
) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "pve-backup-alerts-"));
  dirs.push(dir);
  const channel = opts.channel ?? new FakeChannel();
  let now = NOW;
  const alerts = createAlertService({
    options: { ...OPTIONS, ...opts.options },
    channel,
    backupNow: opts.backupNow ?? (async () => undefined),
    log: opts.log ?? silentLogger,
    nowMs: () => now,
    optionsPath: join(dir, "options.json"),
    status: opts.status,
    haBackups: opts.haBackups,
  });
  return { alerts, channel, dir, tick: (ms: number) => (now += ms) };
}

describe("the alert service", () => {
  it("sends once, and again after a restart only what is new", async () => {
    const first = service();
    await first.alerts.onReports(report("late"));
    await first.alerts.onReports(report("late"));
    expect(first.channel.sent.map((n) => n.tag)).toEqual(["pve_backup_home_101"]);
    const second = service({ dir: first.dir });
    await second.alerts.onReports(report("late"));
    expect(second.channel.sent).toEqual([]);
    await second.alerts.onReports(report("ok"));
    expect(second.channel.cleared).toEqual(["pve_backup_home_101"]);
  });

  it("does not count a send that failed: the next refresh sends it", async () => {
    const s = service();
    s.channel.down = true;
    await s.alerts.onReports(report("late"));
    expect(s.channel.sent).toEqual([]);
    s.channel.down = false;
    await s.alerts.onReports(report("late"));
    expect(s.channel.sent.map((n) => n.tag)).toEqual(["pve_backup_home_101"]);
  });

  it("keeps a snooze across a restart, and reports it", async () => {
    const first = service();
    await first.alerts.onReports(report("late"));
    await first.alerts.onAction({ kind: "snooze", cluster: "home", vmid: 101 });
    expect(first.channel.cleared).toEqual(["pve_backup_home_101"]);
    const state = JSON.parse(readFileSync(join(first.dir, ALERTS_STATE_FILE), "utf8"));
    expect(state.version).toBe(1);
    const second = service({ dir: first.dir });
    await second.alerts.onReports(report("failed"));
    expect(second.channel.sent).toEqual([]);
    expect(second.alerts.info("home", 101)).toEqual({
      snoozedUntil: "2026-02-12T10:00:00.000Z",
      archived: false,
      archivedReason: null,
    });
    second.tick(24 * 3_600_000);
    await second.alerts.onReports(report("failed"));
    expect(second.channel.sent.map((n) => n.tag)).toEqual(["pve_backup_home_101"]);
  });

  it("starts afresh, with a warning, on a state file it cannot read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pve-backup-alerts-"));
    writeFileSync(join(dir, ALERTS_STATE_FILE), '{"version": 1, "guests": {"home/101": {"sent": 3}}}');
    const warnings: string[] = [];
    const s = service({ dir, log: { ...silentLogger, warn: (m) => warnings.push(m) } });
    await s.alerts.onReports(report("late"));
    expect(s.channel.sent).toHaveLength(1);
    expect(warnings.join("\n")).toMatch(/is not what this version writes/);
    writeFileSync(join(dir, ALERTS_STATE_FILE), "{not json");
    const t = service({ dir, log: { ...silentLogger, warn: (m) => warnings.push(m) } });
    await t.alerts.onReports(report("late"));
    expect(t.channel.sent).toHaveLength(1);
  });

  it("backs up through the given path on Back up now, and takes a refused second tap calmly", async () => {
    const calls: string[] = [];
    let busy = false;
    const infos: string[] = [];
    const s = service({
      log: { ...silentLogger, info: (m) => infos.push(m) },
      backupNow: async (c, v) => {
        calls.push(`${c}/${v}`);
        if (busy) throw new InputError(`guest ${v} is already being backed up: nothing started`);
        busy = true;
      },
    });
    await Promise.all([
      s.alerts.onAction({ kind: "backup_now", cluster: "home", vmid: 101 }),
      s.alerts.onAction({ kind: "backup_now", cluster: "home", vmid: 101 }),
    ]);
    expect(calls).toEqual(["home/101", "home/101"]);
    expect(infos.join("\n")).toMatch(/already being backed up/);
  });
});

describe("the alert service when Home Assistant fails a clear", () => {
  it("clears again with the next refresh, and warns once for a failure that repeats", async () => {
    const warnings: string[] = [];
    const s = service({ log: { ...silentLogger, warn: (m) => warnings.push(m) } });
    await s.alerts.onReports(report("late"));
    s.channel.down = true;
    await s.alerts.onReports(report("ok"));
    await s.alerts.onReports(report("ok"));
    expect(s.channel.cleared).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not clear pve_backup_home_101: Home Assistant is not connected/);
    s.channel.down = false;
    await s.alerts.onReports(report("ok"));
    await s.alerts.onReports(report("ok"));
    expect(s.channel.cleared).toEqual(["pve_backup_home_101"]);
  });
});

describe("the alert service when Home Assistant fails the clear of a snooze", () => {
  it("clears with the next refresh during the snooze, and sends nothing until it ends", async () => {
    const s = service();
    await s.alerts.onReports(report("late"));
    s.channel.down = true;
    await s.alerts.onAction({ kind: "snooze", cluster: "home", vmid: 101 });
    expect(s.channel.cleared).toEqual([]);
    s.channel.down = false;
    s.tick(3_600_000);
    await s.alerts.onReports(report("late"));
    await s.alerts.onReports(report("late"));
    expect(s.channel.cleared).toEqual(["pve_backup_home_101"]);
    expect(s.channel.sent.map((n) => n.tag)).toEqual(["pve_backup_home_101"]);
    s.tick(24 * 3_600_000);
    await s.alerts.onReports(report("late"));
    expect(s.channel.sent.map((n) => n.tag)).toEqual(["pve_backup_home_101", "pve_backup_home_101"]);
  });
});

describe("the status JSON with alerts", () => {
  it("adds each guest's snooze and archive, and nothing without alerts or a status", async () => {
    const s = service();
    await s.alerts.snooze(["home/101"], 3_600_000);
    const status = { guests: [{ cluster: "home", vmid: 101 }], clusters: [] } as never;
    expect(withAlertInfo(status, s.alerts)?.guests[0]?.alert).toEqual({
      snoozedUntil: "2026-02-11T11:00:00.000Z",
      archived: false,
      archivedReason: null,
    });
    expect(withAlertInfo(status, undefined)).toBe(status);
    expect(withAlertInfo(undefined, s.alerts)).toBeUndefined();
  });
});

describe("archived guests in the alert service", () => {
  const archive = {
    archived: new Set(["home/101", "home/150"]),
    archivedReasons: { "home/101": "retired, data moved to the NAS" },
  };

  it("never alert, tell their reason, and a typo in the list is warned about once", async () => {
    const warnings: string[] = [];
    const s = service({ options: archive, log: { ...silentLogger, warn: (m) => warnings.push(m) } });
    await s.alerts.onReports(report("not_in_job"));
    await s.alerts.onReports(report("not_in_job"));
    expect(s.channel.sent).toEqual([]);
    expect(s.alerts.info("home", 101)).toEqual({
      snoozedUntil: null,
      archived: true,
      archivedReason: "retired, data moved to the NAS",
    });
    expect(warnings).toEqual([
      "alerts: archived guest home/150 is not in PVE: check alerts.archived for a typo",
    ]);
  });

  it("are read with the snoozes the service saved, for pve-backup status", async () => {
    const s = service({ options: archive });
    await s.alerts.snooze(["home/102"], 3_600_000);
    const config = {
      targets: ["persistent_notification"],
      statuses: OPTIONS.statuses,
      graceMin: 60,
      immediateTiers: [],
      archived: ["home/101", "home/150"],
      archivedReasons: archive.archivedReasons,
      dashboardPath: "/lovelace",
    };
    const info = savedAlertInfo(config, "UTC", join(s.dir, "options.json"), NOW, silentLogger);
    expect(info?.info("home", 102)).toEqual({
      snoozedUntil: "2026-02-11T11:00:00.000Z",
      archived: false,
      archivedReason: null,
    });
    expect(info?.info("home", 101)).toMatchObject({ archivedReason: "retired, data moved to the NAS" });
    expect(savedAlertInfo(config, "UTC", undefined, NOW, silentLogger)?.info("home", 102)).toMatchObject({
      snoozedUntil: null,
    });
    expect(savedAlertInfo(undefined, "UTC", undefined, NOW, silentLogger)).toBeUndefined();
  });
});

describe("verification and Home Assistant backup problems in the alert service", () => {
  const at = (ms: number) => new Date(ms).toISOString();
  const check = (
    timeMs: number,
    result: "ok" | "failed",
    message = "zstd stream truncated",
  ): LastVerifiedJson => ({
    time: at(timeMs),
    depth: "full",
    result,
    durationMs: 1000,
    message,
  });

  it.each([
    ["no check", {}, null, undefined],
    ["a passed check", { lastVerified: check(NOW, "ok") }, null, undefined],
    [
      "a failed check",
      { lastVerified: check(NOW, "failed") },
      NOW - 1,
      { kind: "verify", message: "zstd stream truncated" },
    ],
    ["a failed check of an older archive", { lastVerified: check(NOW, "failed") }, NOW + 1, undefined],
    [
      "a failed test restore after a passed check",
      {
        lastVerified: check(NOW - 10, "ok"),
        lastTestRestore: { ...check(NOW, "failed", "did not boot"), depth: undefined },
      },
      null,
      { kind: "test_restore", message: "did not boot" },
    ],
    [
      "a passed check after a failed test restore",
      { lastVerified: check(NOW, "ok"), lastTestRestore: check(NOW - 10, "failed") },
      null,
      undefined,
    ],
  ])("finds the failed check of the newest archive: %s", (_, g, lastBackupMs, expected) => {
    expect(failedCheckOf(g as never, lastBackupMs)).toEqual(expected);
  });

  it("alerts on a failed verification from the status, and clears once a check passes", async () => {
    let verified = check(NOW, "failed");
    const status = () =>
      ({
        guests: [{ cluster: "home", vmid: 101, lastVerified: verified, lastTestRestore: null }],
        clusters: [],
      }) as never;
    const s = service({ status });
    await s.alerts.onReports(report("ok"));
    expect(s.channel.sent.map((n) => [n.tag, n.message])).toEqual([
      ["pve_backup_home_101", "immich: the newest archive failed its check — zstd stream truncated"],
    ]);
    verified = check(NOW + 1000, "ok");
    await s.alerts.onReports(report("ok"));
    expect(s.channel.cleared).toEqual(["pve_backup_home_101"]);
  });

  it("alerts once on Home Assistant's backup, retries a failed send, and clears when it passes", async () => {
    let ha: HaBackupsJson = { ...UNCHECKED_HA_BACKUPS, checkedAt: at(NOW), problems: ["the share is full"] };
    const s = service({ haBackups: { cluster: "home", status: () => ha } });
    s.channel.down = true;
    await s.alerts.onReports(report("ok"));
    s.channel.down = false;
    await s.alerts.onReports(report("ok"));
    await s.alerts.onReports(report("ok"));
    expect(s.channel.sent.map((n) => [n.tag, n.message])).toEqual([
      ["pve_backup_home_ha_backup", "Home Assistant backup: the share is full"],
    ]);
    ha = { ...ha, problems: [] };
    await s.alerts.onReports(report("ok"));
    expect(s.channel.cleared).toEqual(["pve_backup_home_ha_backup"]);
    // Not configured (null) and not checked yet: nothing is sent.
    const t = service({ haBackups: { cluster: "home", status: () => null } });
    await t.alerts.onReports(report("ok"));
    const u = service({ haBackups: { cluster: "home", status: () => UNCHECKED_HA_BACKUPS } });
    await u.alerts.onReports(report("ok"));
    expect([...t.channel.sent, ...u.channel.sent]).toEqual([]);
  });
});
