import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { AlertsConfig } from "../config/schema.js";
import {
  type AlertAction,
  type AlertDelivery,
  type AlertMessage,
  type AlertOptions,
  type AlertState,
  alertKey,
  EMPTY_ALERT_STATE,
  type FailedCheck,
  type GuestAlertState,
  guestAlertInfo,
  type HaBackupAlert,
  planAlerts,
  snoozeGuests,
  tagOfKey,
  unknownArchived,
} from "../core/alerts.js";
import type { HaBackupsJson } from "../core/ha-backup.js";
import type { ClusterReport } from "../core/status.js";
import { InputError } from "../errors.js";
import type { Logger } from "../log.js";
import type { GuestJson, StatusJson } from "../report.js";
import { writeJsonFile } from "../state-file.js";

/** The file, beside the options file (`/data` in the add-on), that keeps snoozes and what was sent. */
export const ALERTS_STATE_FILE = "pve-backup-alerts.json";

/** Where notifications go (the Home Assistant adapter, src/ha/alerts.ts). */
export interface AlertChannel {
  /** Send (or replace, by tag) one notification to every target. */
  send(note: AlertMessage): Promise<void>;
  /** Take the notification with this tag down everywhere. */
  clear(tag: string): Promise<void>;
}

export interface AlertServiceDeps {
  readonly options: AlertOptions;
  readonly channel: AlertChannel;
  /** "Back up now" through the backup service (its per-guest guard refuses a second tap). */
  readonly backupNow: (cluster: string, vmid: number) => Promise<unknown>;
  readonly log: Logger;
  readonly nowMs: () => number;
  /** The options file: the state is kept beside it. None (the demo): in memory only. */
  readonly optionsPath?: string;
  /** How long the Snooze button silences a guest. */
  readonly snoozeMs?: number;
  /**
   * The status JSON of the refresh (each guest's last verification and test restore), read as
   * the reports arrive; none: verification problems are not looked at.
   */
  readonly status?: () => StatusJson | undefined;
  /** Home Assistant's own backups as last checked, and the cluster whose device carries them. */
  readonly haBackups?: { readonly cluster: string; readonly status: () => HaBackupsJson | null };
}

export const SNOOZE_MS = 24 * 3_600_000;

/**
 * The alerts: after every refresh, the core decides what to send, replace, clear or hold; the
 * channel delivers it. The state (what was sent, snoozes, the digest day) is written atomically
 * beside the options, so a restart neither repeats an alert nor forgets a snooze. A send that
 * fails is not counted as sent: the next refresh tries again. One step at a time: a tapped
 * action and a refresh never interleave.
 */
export function createAlertService(deps: AlertServiceDeps) {
  const { log, options } = deps;
  const statePath =
    deps.optionsPath === undefined ? undefined : join(dirname(deps.optionsPath), ALERTS_STATE_FILE);
  let state: AlertState = loadState(statePath, log) ?? EMPTY_ALERT_STATE;
  let saved = JSON.stringify(state);
  let saveFailed = false;
  let chain: Promise<unknown> = Promise.resolve();
  const warned = new Set<string>();
  const warnedArchived = new Set<string>();

  /** Run one step after the previous one. */
  function serial<T>(step: () => Promise<T>): Promise<T> {
    const run = chain.then(step, step);
    chain = run.catch(() => undefined);
    return run;
  }

  async function deliver(deliveries: readonly AlertDelivery[], before: AlertState): Promise<void> {
    for (const d of deliveries) {
      try {
        if (d.kind === "send") await deps.channel.send(d.note);
        else await deps.channel.clear(d.tag);
      } catch (err) {
        const line = `alerts: could not ${d.kind === "send" ? `send ${d.note.tag}` : `clear ${d.tag}`}: ${describe(err)}`;
        // Retried on every refresh: the same failure is told once, then only at debug level.
        if (warned.has(line)) log.debug(line);
        else {
          warned.add(line);
          log.warn(`${line} (trying again with each refresh)`);
        }
        state = d.kind === "send" ? unsend(state, before, d.note) : unclear(state, before, d.tag);
        if (warned.size > 1_000) warned.clear();
      }
    }
  }

  function save(): void {
    const text = JSON.stringify(state);
    if (statePath === undefined || text === saved) return;
    try {
      writeJsonFile(statePath, { version: 1, ...state });
      saved = text;
      saveFailed = false;
    } catch (err) {
      if (!saveFailed)
        log.warn(`cannot write ${statePath} (${describe(err)}): snoozes are forgotten on a restart`);
      saveFailed = true;
    }
  }

  function guestsOf(reports: readonly ClusterReport[]) {
    const json = deps.status?.();
    const checks = new Map(json?.guests.map((g) => [alertKey(g.cluster, g.vmid), g]));
    return reports.flatMap((r) =>
      r.guests.map((g) => {
        const lastBackupMs = g.lastBackup?.timeMs ?? null;
        const failedCheck = failedCheckOf(checks.get(alertKey(g.cluster, g.vmid)), lastBackupMs);
        return {
          cluster: g.cluster,
          vmid: g.vmid,
          name: g.name,
          tier: g.tier,
          status: g.status,
          reason: g.reason,
          lastBackupMs,
          ...(failedCheck ? { failedCheck } : {}),
        };
      }),
    );
  }

  /** Home Assistant's backup for the core: null when not watched, undefined while not checked yet. */
  function haBackupOf(): HaBackupAlert | null | undefined {
    if (!deps.haBackups) return null;
    const h = deps.haBackups.status();
    if (h === null) return null;
    return h.checkedAt === null ? undefined : { cluster: deps.haBackups.cluster, problems: h.problems };
  }

  return {
    /** A refresh's reports: decide and deliver. Resolves once delivered. */
    onReports(reports: readonly ClusterReport[]): Promise<void> {
      return serial(async () => {
        const before = state;
        const plan = planAlerts({
          previous: state,
          guests: guestsOf(reports),
          options,
          nowMs: deps.nowMs(),
          haBackup: haBackupOf(),
        });
        state = plan.state;
        if (plan.held.length > 0) log.debug(`alerts: quiet hours, holding ${plan.held.join(", ")}`);
        for (const key of unknownArchived(options.archived, reports))
          if (!warnedArchived.has(key)) {
            warnedArchived.add(key);
            log.warn(`alerts: archived guest ${key} is not in PVE: check alerts.archived for a typo`);
          }
        await deliver(plan.deliveries, before);
        save();
      });
    },
    /** Silence guests (`cluster/vmid`) for `ms`. */
    snooze(keys: readonly string[], ms: number): Promise<{ snoozed_until: string }> {
      return serial(async () => {
        const untilMs = deps.nowMs() + ms;
        const before = state;
        const r = snoozeGuests(state, keys, untilMs);
        state = r.state;
        save();
        log.info(`alerts: ${keys.join(", ")} snoozed until ${new Date(untilMs).toISOString()}`);
        await deliver(r.deliveries, before);
        return { snoozed_until: new Date(untilMs).toISOString() };
      });
    },
    /** A tapped notification button. */
    async onAction(action: AlertAction): Promise<void> {
      const key = alertKey(action.cluster, action.vmid);
      if (action.kind === "snooze") {
        await this.snooze([key], deps.snoozeMs ?? SNOOZE_MS);
        return;
      }
      log.info(`alerts: "Back up now" tapped for ${key}`);
      try {
        await deps.backupNow(action.cluster, action.vmid);
      } catch (err) {
        // A second tap while the first backup runs is refused by the backup service's guard.
        if (err instanceof InputError) log.info(`alerts: back up ${key}: ${err.message}`);
        else log.warn(`alerts: back up ${key}: ${describe(err)}`);
      }
    },
    /** The per-guest `alert` of the status JSON. */
    info(cluster: string, vmid: number) {
      return guestAlertInfo(state, alertKey(cluster, vmid), options, deps.nowMs());
    },
    /** Resolves once every step asked for so far is done. */
    idle: () => chain.then(() => undefined),
  };
}

export type AlertService = ReturnType<typeof createAlertService>;

/** The status JSON with each guest's `alert` (snoozed until, archived, why) when alerts are on. */
export function withAlertInfo(
  status: StatusJson | undefined,
  alerts: Pick<AlertService, "info"> | undefined,
) {
  if (!status || !alerts) return status;
  return { ...status, guests: status.guests.map((g) => ({ ...g, alert: alerts.info(g.cluster, g.vmid) })) };
}

/** The core's alert options from the parsed `alerts` options. */
export function alertOptionsOf(a: AlertsConfig, timeZone: string): AlertOptions {
  return {
    statuses: a.statuses,
    graceMin: a.graceMin,
    quietHours: a.quietHours,
    digestMin: a.digestMin,
    immediateTiers: a.immediateTiers,
    archived: new Set(a.archived),
    archivedReasons: a.archivedReasons,
    timeZone,
  };
}

/**
 * The per-guest `alert` as the service last kept it (snoozes from its state file, read only), for
 * `pve-backup status --json`; undefined when alerts are off.
 */
export function savedAlertInfo(
  a: AlertsConfig | undefined,
  timeZone: string,
  optionsPath: string | undefined,
  nowMs: number,
  log: Logger,
): Pick<AlertService, "info"> | undefined {
  if (!a) return undefined;
  const options = alertOptionsOf(a, timeZone);
  const state =
    loadState(optionsPath === undefined ? undefined : join(dirname(optionsPath), ALERTS_STATE_FILE), log) ??
    EMPTY_ALERT_STATE;
  return { info: (cluster, vmid) => guestAlertInfo(state, alertKey(cluster, vmid), options, nowMs) };
}

/**
 * A failed verification or test restore of the guest's newest archive: the later of the two, if it
 * failed and was made after the newest backup (a check older than that was of an older archive).
 */
export function failedCheckOf(
  g: Pick<GuestJson, "lastVerified" | "lastTestRestore"> | undefined,
  lastBackupMs: number | null,
): FailedCheck | undefined {
  const checks = [
    { kind: "verify" as const, check: g?.lastVerified },
    { kind: "test_restore" as const, check: g?.lastTestRestore },
  ].flatMap(({ kind, check }) => (check ? [{ kind, ...check, timeMs: Date.parse(check.time) }] : []));
  const latest = checks.sort((a, b) => b.timeMs - a.timeMs)[0];
  if (latest?.result !== "failed" || (lastBackupMs !== null && lastBackupMs > latest.timeMs))
    return undefined;
  return { kind: latest.kind, message: latest.message };
}

/** A send that failed: the guest (or the digest) goes back to what it was before, so it is retried. */
function unsend(state: AlertState, before: AlertState, note: AlertMessage): AlertState {
  if (note.key === undefined) {
    const { digestDay: _drop, ...rest } = state;
    return before.digestDay === undefined ? rest : { ...rest, digestDay: before.digestDay };
  }
  const key = note.key;
  const current = state.guests[key] as GuestAlertState;
  const { sent: _sent, ...rest } = current;
  const sent = before.guests[key]?.sent;
  return { ...state, guests: { ...state.guests, [key]: sent === undefined ? rest : { ...rest, sent } } };
}

/** A clear that failed: the guest keeps its `sent`, so the next refresh clears again. */
function unclear(state: AlertState, before: AlertState, tag: string): AlertState {
  for (const [key, was] of Object.entries(before.guests)) {
    if (was.sent === undefined || tagOfKey(key) !== tag) continue;
    return { ...state, guests: { ...state.guests, [key]: { ...state.guests[key], sent: was.sent } } };
  }
  return state;
}

function loadState(path: string | undefined, log: Logger): AlertState | undefined {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    // No file yet: the first start.
    return undefined;
  }
  try {
    const raw = JSON.parse(text) as { version?: unknown; guests?: unknown; digestDay?: unknown };
    if (raw.version === 1 && isGuests(raw.guests))
      return {
        guests: raw.guests,
        ...(typeof raw.digestDay === "string" ? { digestDay: raw.digestDay } : {}),
      };
  } catch {
    // Reported below like any other unreadable content.
  }
  log.warn(`${path} is not what this version writes: alerts start afresh (snoozes are forgotten)`);
  return undefined;
}

function isGuests(raw: unknown): raw is Record<string, GuestAlertState> {
  if (typeof raw !== "object" || raw === null) return false;
  return Object.values(raw).every((g) => {
    if (typeof g !== "object" || g === null) return false;
    const { sinceMs, sent, snoozedUntilMs } = g as Record<string, unknown>;
    const num = (v: unknown) => v === undefined || (typeof v === "number" && Number.isFinite(v));
    return num(sinceMs) && num(snoozedUntilMs) && (sent === undefined || typeof sent === "string");
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
