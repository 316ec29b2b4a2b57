import { type ClusterReport, formatWall } from "./status.js";

/**
 * Alerts that act: which phone / persistent notifications to send, replace or clear after a
 * refresh, what to hold for quiet hours, and the daily digest. Pure: the previous alert state,
 * the new guest verdicts, the options and the clock come in; the next state and the deliveries
 * go out. The service (service/alerts.ts) keeps the state on disk and does the deliveries.
 *
 * One notification per guest, tagged `pve_backup_<cluster>_<vmid>`: a newer problem of the same
 * guest replaces the older message (same tag), recovery clears it. A guest alerts once per
 * problem (status + reason); snooze and archive silence a guest without changing its status.
 * A backup problem and a failed check of the guest's newest archive (`verify_failed`) share the
 * guest's tag, the backup problem first. Home Assistant's own backup (`ha_backup`) has one
 * notification of its own, tagged `pve_backup_<cluster>_ha_backup`.
 */

/**
 * The statuses that can alert (running and ok never do): the guest statuses, a failed check of a
 * guest's newest archive (`verify_failed`), and Home Assistant's own backup (`ha_backup`).
 */
export const ALERT_STATUSES = [
  "failed",
  "late",
  "never",
  "not_in_job",
  "unknown",
  "verify_failed",
  "ha_backup",
] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** The newest archive's verification or test restore that failed. */
export interface FailedCheck {
  readonly kind: "verify" | "test_restore";
  readonly message: string;
}

/** A guest's verdict as the alerts see it (from the status report). */
export interface AlertGuest {
  readonly cluster: string;
  readonly vmid: number;
  readonly name: string;
  readonly tier: string | null;
  readonly status: string;
  readonly reason: string;
  readonly lastBackupMs: number | null;
  /** The newest archive failed its verification or test restore (absent: it did not). */
  readonly failedCheck?: FailedCheck;
}

/** Home Assistant's own backup once it was checked: its problems (none: all is well). */
export interface HaBackupAlert {
  /** The cluster whose device carries it (the first one). */
  readonly cluster: string;
  readonly problems: readonly string[];
}

export interface AlertOptions {
  /** Statuses that alert. */
  readonly statuses: readonly AlertStatus[];
  /** An `unknown` status alerts only once it has lasted this long (PVE may be briefly away). */
  readonly graceMin: number;
  /** Minutes after local midnight; start > end spans midnight (22:00–07:00). */
  readonly quietHours?: { readonly startMin: number; readonly endMin: number };
  /** Minutes after local midnight of the daily digest; none: no digest. */
  readonly digestMin?: number;
  /** Tiers pushed at once; the other guests wait for the digest. Empty: every guest at once. */
  readonly immediateTiers: readonly string[];
  /** Guests (`cluster/vmid`) deliberately not backed up: they never alert. */
  readonly archived: ReadonlySet<string>;
  /** Why, for the archived guests whose entry says so (`cluster/vmid` → reason). */
  readonly archivedReasons?: Readonly<Record<string, string>>;
  /** Zone of the quiet hours and the digest time. */
  readonly timeZone: string;
}

/** What is kept per guest between refreshes (and restarts). */
export interface GuestAlertState {
  /** When the current problem was first seen (ms); absent while the guest is fine. */
  readonly sinceMs?: number;
  /** The problem (status + reason) whose notification is out; absent: nothing is out. */
  readonly sent?: string;
  /** Silenced until then (ms). */
  readonly snoozedUntilMs?: number;
}

export interface AlertState {
  /** By `cluster/vmid`. */
  readonly guests: Readonly<Record<string, GuestAlertState>>;
  /** Local day (`YYYY-MM-DD`) of the last digest, so it goes out once a day. */
  readonly digestDay?: string;
}

export const EMPTY_ALERT_STATE: AlertState = { guests: {} };

/** One message to every target: the phone gets it with its actions, tagged to replace older ones. */
export interface AlertMessage {
  readonly tag: string;
  readonly group: string;
  readonly title: string;
  readonly message: string;
  /** The guest it is about (its buttons act on it); absent for the digest and Home Assistant's backup. */
  readonly guest?: { readonly cluster: string; readonly vmid: number };
  /** The alert state's key (`cluster/vmid`, `cluster/ha_backup`); absent for the digest. */
  readonly key?: string;
}

export type AlertDelivery =
  | { readonly kind: "send"; readonly note: AlertMessage }
  | { readonly kind: "clear"; readonly tag: string };

export interface AlertPlan {
  readonly state: AlertState;
  readonly deliveries: readonly AlertDelivery[];
  /** Guests whose alert waits for the end of the quiet hours. */
  readonly held: readonly string[];
}

export const DIGEST_TAG = "pve_backup_digest";

export const alertKey = (cluster: string, vmid: number): string => `${cluster}/${vmid}`;
export const alertTag = (cluster: string, vmid: number): string => `pve_backup_${cluster}_${vmid}`;
/** The state key of Home Assistant's backup alert. */
export const haBackupKey = (cluster: string): string => `${cluster}/ha_backup`;
/** The tag of the notification about a state key (`home/105` → `pve_backup_home_105`). */
export const tagOfKey = (key: string): string => `pve_backup_${key.replace("/", "_")}`;

/** Local wall clock: the day and the minute after midnight. */
function localTime(nowMs: number, timeZone: string): { day: string; minute: number } {
  const wall = formatWall(nowMs, timeZone);
  return { day: wall.slice(0, 10), minute: Number(wall.slice(11, 13)) * 60 + Number(wall.slice(14, 16)) };
}

/** True when `minute` lies in the quiet hours (start inclusive, end exclusive). */
export function inQuietHours(minute: number, quiet: AlertOptions["quietHours"]): boolean {
  if (!quiet || quiet.startMin === quiet.endMin) return false;
  return quiet.startMin < quiet.endMin
    ? minute >= quiet.startMin && minute < quiet.endMin
    : minute >= quiet.startMin || minute < quiet.endMin;
}

/** One thing that can alert: a guest, or Home Assistant's backup. */
interface Subject {
  readonly key: string;
  readonly status: string;
  /** Alerts now (its status is chosen, it is not archived); otherwise what was out is cleared. */
  readonly alerting: boolean;
  /** The problem, for "sent once": status and reason. */
  readonly problem: string;
  readonly immediate: boolean;
  readonly note: (nowMs: number) => AlertMessage;
  /** Its line in the digest. */
  readonly line: (nowMs: number) => string;
}

function guestSubject(g: AlertGuest, opts: AlertOptions): Subject {
  const key = alertKey(g.cluster, g.vmid);
  const chosen = (s: string) => (opts.statuses as readonly string[]).includes(s);
  // The backup problem first; a failed check of the newest archive when the backups are fine.
  const check = chosen(g.status) || !chosen("verify_failed") ? undefined : g.failedCheck;
  const status = check ? "verify_failed" : g.status;
  const reason = check ? checkReason(check) : g.reason;
  const line = (nowMs: number) => (check ? `${g.name}: ${reason}` : problemLine(g, nowMs));
  return {
    key,
    status,
    alerting: chosen(status) && !opts.archived.has(key),
    problem: `${status}: ${reason}`,
    immediate: opts.immediateTiers.length === 0 || (g.tier !== null && opts.immediateTiers.includes(g.tier)),
    note: (nowMs) => ({
      tag: alertTag(g.cluster, g.vmid),
      group: `pve_backup_${g.cluster}`,
      title: `${g.name} (${g.vmid}): ${check ? CHECK_WORDS[check.kind] : STATUS_WORDS[g.status]}`,
      message: line(nowMs),
      guest: { cluster: g.cluster, vmid: g.vmid },
      key,
    }),
    line,
  };
}

function haBackupSubject(h: HaBackupAlert, opts: AlertOptions): Subject {
  const key = haBackupKey(h.cluster);
  const line = `Home Assistant backup: ${h.problems.join("; ")}`;
  return {
    key,
    status: "ha_backup",
    alerting: h.problems.length > 0 && (opts.statuses as readonly string[]).includes("ha_backup"),
    problem: `ha_backup: ${h.problems.join("; ")}`,
    // Not a guest, so in no tier: told at once.
    immediate: true,
    note: () => ({
      tag: tagOfKey(key),
      group: `pve_backup_${h.cluster}`,
      title: "Home Assistant backup needs attention",
      message: line,
      key,
    }),
    line: () => line,
  };
}

/**
 * Decide the deliveries after a refresh. A guest alerts when its status is among `statuses`, it
 * is not archived, not snoozed, an `unknown` has lasted `graceMin`, and this problem was not sent
 * yet; guests outside `immediateTiers` only appear in the digest. During quiet hours nothing is
 * sent: what would have gone out is held and goes out at their end. A guest that recovers (or is
 * archived) has its notification cleared. `haBackup`: Home Assistant's backup as last checked;
 * undefined while not checked (what is out stays out), null when not watched (cleared).
 */
export function planAlerts(input: {
  readonly previous: AlertState;
  readonly guests: readonly AlertGuest[];
  readonly options: AlertOptions;
  readonly nowMs: number;
  readonly haBackup?: HaBackupAlert | null;
}): AlertPlan {
  const { previous, guests, options: opts, nowMs, haBackup } = input;
  const local = localTime(nowMs, opts.timeZone);
  const quiet = inQuietHours(local.minute, opts.quietHours);
  const next: Record<string, GuestAlertState> = {};
  const deliveries: AlertDelivery[] = [];
  const held: string[] = [];
  const problems: Subject[] = [];
  const seen = new Set<string>();
  const subjects: Subject[] = guests.flatMap((g) => {
    const key = alertKey(g.cluster, g.vmid);
    seen.add(key);
    // A backup is running: neither recovered nor a new problem yet; what is out stays out.
    if (g.status !== "running") return [guestSubject(g, opts)];
    const before = previous.guests[key];
    if (before) next[key] = before;
    return [];
  });
  if (haBackup) subjects.push(haBackupSubject(haBackup, opts));
  else if (haBackup === undefined)
    for (const [key, before] of Object.entries(previous.guests))
      if (key.endsWith("/ha_backup")) {
        seen.add(key);
        next[key] = before;
      }

  for (const subject of subjects) {
    const { key } = subject;
    seen.add(key);
    const before = previous.guests[key] ?? {};
    const snoozed = before.snoozedUntilMs !== undefined && before.snoozedUntilMs > nowMs;
    const snooze = snoozed ? { snoozedUntilMs: before.snoozedUntilMs } : {};
    if (!subject.alerting) {
      if (before.sent !== undefined) deliveries.push({ kind: "clear", tag: tagOfKey(key) });
      if (snoozed) next[key] = snooze;
      continue;
    }
    const sinceMs = before.sinceMs ?? nowMs;
    const due = subject.status !== "unknown" || nowMs - sinceMs >= opts.graceMin * 60_000;
    if (!snoozed && due) problems.push(subject);
    let sent = before.sent;
    // Snoozed with a notification still out (the snooze's clear failed): clear it now; a clear
    // that fails again keeps `sent` (the service puts it back), so every refresh tries again.
    if (snoozed && sent !== undefined) {
      deliveries.push({ kind: "clear", tag: tagOfKey(key) });
      sent = undefined;
    }
    if (!snoozed && due && subject.immediate && sent !== subject.problem) {
      if (quiet) held.push(key);
      else {
        deliveries.push({ kind: "send", note: subject.note(nowMs) });
        sent = subject.problem;
      }
    }
    next[key] = { sinceMs, ...(sent === undefined ? {} : { sent }), ...snooze };
  }
  // A guest gone from the report (removed from PVE): its notification goes too.
  for (const [key, before] of Object.entries(previous.guests))
    if (!seen.has(key) && before.sent !== undefined) deliveries.push({ kind: "clear", tag: tagOfKey(key) });

  let digestDay = previous.digestDay;
  if (opts.digestMin !== undefined && !quiet && local.minute >= opts.digestMin && digestDay !== local.day) {
    digestDay = local.day;
    if (problems.length > 0) deliveries.push({ kind: "send", note: digestMessage(problems, nowMs) });
  }
  return {
    state: { guests: next, ...(digestDay === undefined ? {} : { digestDay }) },
    deliveries,
    held,
  };
}

function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf("/");
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

/**
 * Silence guests until `untilMs` (a later snooze replaces an earlier one). Their notification is
 * cleared, and a problem that lasts past the snooze alerts again.
 */
export function snoozeGuests(
  state: AlertState,
  keys: readonly string[],
  untilMs: number,
): { state: AlertState; deliveries: AlertDelivery[] } {
  const guests = { ...state.guests };
  const deliveries: AlertDelivery[] = [];
  for (const key of keys) {
    const { sent: _sent, ...rest } = guests[key] ?? {};
    if (_sent !== undefined) deliveries.push({ kind: "clear", tag: tagOfKey(key) });
    guests[key] = { ...rest, snoozedUntilMs: untilMs };
  }
  return { state: { ...state, guests }, deliveries };
}

/** The per-guest `alert` of the status JSON. */
export interface GuestAlertInfo {
  readonly snoozedUntil: string | null;
  readonly archived: boolean;
  /** Why the guest is archived; null when it is not, or its entry does not say. */
  readonly archivedReason: string | null;
}

/** The per-guest `alert` of the status JSON: `{ snoozedUntil, archived, archivedReason }`. */
export function guestAlertInfo(
  state: AlertState,
  key: string,
  archive: Pick<AlertOptions, "archived" | "archivedReasons">,
  nowMs: number,
): GuestAlertInfo {
  const until = state.guests[key]?.snoozedUntilMs;
  const archived = archive.archived.has(key);
  return {
    snoozedUntil: until !== undefined && until > nowMs ? new Date(until).toISOString() : null,
    archived,
    archivedReason: (archived && archive.archivedReasons?.[key]) || null,
  };
}

/**
 * "archived: retired, data moved to the NAS" (or just "archived"): what the status table adds to
 * an archived guest's reason; undefined for a guest that is not archived.
 */
export function archiveNote(
  key: string,
  archive: Pick<AlertOptions, "archived" | "archivedReasons">,
): string | undefined {
  if (!archive.archived.has(key)) return undefined;
  const why = archive.archivedReasons?.[key];
  return why ? `archived: ${why}` : "archived";
}

/** The reports with each archived guest's reason followed by its archive note (for the status table). */
export function withArchiveNotes(
  reports: readonly ClusterReport[],
  archive: Pick<AlertOptions, "archived" | "archivedReasons">,
): ClusterReport[] {
  return reports.map((r) => ({
    ...r,
    guests: r.guests.map((g) => {
      const note = archiveNote(alertKey(g.cluster, g.vmid), archive);
      return note === undefined ? g : { ...g, reason: `${g.reason}; ${note}` };
    }),
  }));
}

/**
 * Archived guests that no reachable cluster has (a typo, or a guest since removed): they would
 * silently archive nothing. Keys of unreachable clusters are left out: their guests are unknown.
 */
export function unknownArchived(archived: ReadonlySet<string>, clusters: readonly ClusterReport[]): string[] {
  return [...archived].filter((key) => {
    const [cluster, vmid] = splitKey(key);
    const c = clusters.find((r) => r.cluster === cluster);
    return c?.reachable === true && !c.guests.some((g) => g.vmid === vmid);
  });
}

/** A guest whose status changed between two refreshes (the `pve_backup_status_changed` event). */
export interface StatusChange {
  readonly cluster: string;
  readonly vmid: number;
  readonly name: string;
  readonly tier: string | null;
  readonly status: string;
  readonly previousStatus: string;
  readonly reason: string;
}

/**
 * The guests whose status differs from the previous refresh's, and the statuses to compare the
 * next refresh with. A guest seen for the first time (the first refresh after a start, a new
 * guest) is no change; a guest missing from a report (its cluster unreadable) keeps its last.
 */
export function statusChanges(
  previous: ReadonlyMap<string, string>,
  guests: readonly Omit<StatusChange, "previousStatus">[],
): { changes: StatusChange[]; statuses: Map<string, string> } {
  const statuses = new Map(previous);
  const changes: StatusChange[] = [];
  for (const g of guests) {
    const key = alertKey(g.cluster, g.vmid);
    const before = previous.get(key);
    statuses.set(key, g.status);
    if (before !== undefined && before !== g.status) changes.push({ ...g, previousStatus: before });
  }
  return { changes, statuses };
}

/** A notification action id: which button and which guest (ids are shared across notifications). */
export type AlertAction =
  | { readonly kind: "backup_now"; readonly cluster: string; readonly vmid: number }
  | { readonly kind: "snooze"; readonly cluster: string; readonly vmid: number };

const ACTION_PREFIX = { backup_now: "PVE_BACKUP_NOW", snooze: "PVE_BACKUP_SNOOZE" } as const;

export function actionId(a: AlertAction): string {
  return `${ACTION_PREFIX[a.kind]}:${a.cluster}:${a.vmid}`;
}

/** The action a tapped button carries, or undefined for any other action (not ours). */
export function parseActionId(id: unknown): AlertAction | undefined {
  if (typeof id !== "string") return undefined;
  const m = /^(PVE_BACKUP_NOW|PVE_BACKUP_SNOOZE):([a-z0-9][a-z0-9_-]*):(\d{3,9})$/i.exec(id);
  if (!m) return undefined;
  return {
    kind: m[1] === ACTION_PREFIX.backup_now ? "backup_now" : "snooze",
    cluster: m[2] as string,
    vmid: Number(m[3]),
  };
}

const STATUS_WORDS: Record<string, string> = {
  failed: "backup failed",
  late: "backup late",
  never: "never backed up",
  not_in_job: "not in a backup job",
  unknown: "backup state unknown",
};

/** "2 days ago", "5 hours ago", "12 minutes ago": how old a backup is, for a lock screen. */
export function ago(ms: number): string {
  const min = Math.max(0, Math.floor(ms / 60_000));
  if (min < 60) return `${min} minute${min === 1 ? "" : "s"} ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} hour${h === 1 ? "" : "s"} ago`;
  return `${Math.floor(h / 24)} days ago`;
}

const CHECK_WORDS: Record<FailedCheck["kind"], string> = {
  verify: "archive check failed",
  test_restore: "test restore failed",
};

/** "the newest archive failed its check — zstd stream truncated". */
function checkReason(c: FailedCheck): string {
  return `the newest archive failed its ${c.kind === "verify" ? "check" : "test restore"} — ${c.message}`;
}

/** "Vaultwarden: last backup 2 days ago — the 03:00 run failed: storage 'nas' not online". */
function problemLine(g: AlertGuest, nowMs: number): string {
  const last = g.lastBackupMs === null ? "no backup yet" : `last backup ${ago(nowMs - g.lastBackupMs)}`;
  return `${g.name}: ${last} — ${g.reason}`;
}

function digestMessage(problems: readonly Subject[], nowMs: number): AlertMessage {
  const n = problems.length;
  return {
    tag: DIGEST_TAG,
    group: "pve_backup",
    title: `PVE Backup: ${n} problem${n === 1 ? " needs" : "s need"} attention`,
    message: problems.map((p) => `• ${p.line(nowMs)}`).join("\n"),
  };
}
