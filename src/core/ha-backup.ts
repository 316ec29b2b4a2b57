/**
 * Home Assistant's own backups on the NAS share: what a backup file must contain, whether the
 * copies on the share match the retention, whether a verification passed, and when HA's automatic
 * backup may run without overlapping the PVE backup window. Pure: facts in, verdicts out.
 */

/** A backup as Home Assistant reports it (`backup/info`), for the agent on the NAS. */
export interface HaBackupRef {
  readonly backupId: string;
  readonly name: string;
  readonly dateMs: number;
  /** The size HA reports for this agent's copy. */
  readonly sizeBytes: number;
  readonly protected: boolean;
  readonly homeassistantIncluded: boolean;
  readonly addons: readonly string[];
  readonly folders: readonly string[];
}

/**
 * The tar members a backup of this content holds: `backup.json`, `homeassistant.tar.gz` when HA
 * is included, `<slug>.tar.gz` per add-on, `<folder>.tar.gz` per folder (`addons/local` becomes
 * `addons_local`), as the Supervisor and Core write them (reference home-assistant.md §2.4).
 */
export function expectedMembers(b: HaBackupRef): string[] {
  return [
    "backup.json",
    ...(b.homeassistantIncluded ? ["homeassistant.tar.gz"] : []),
    ...b.addons.map((slug) => `${slug}.tar.gz`),
    ...b.folders.map((f) => `${f.replace(/\//g, "_")}.tar.gz`),
  ];
}

export type RetentionCheck =
  | { kind: "ok"; copies: number }
  | { kind: "too_many"; copies: number; retentionCopies: number }
  | { kind: "fewer"; copies: number; retentionCopies: number }
  | { kind: "unlimited"; copies: number };

/**
 * Copies on the share against HA's retention in copies. Fewer than N is not a failure (a young
 * installation has not made N yet); more than N means HA's clean-up is not reaching the share.
 */
export function checkRetention(copies: number, retentionCopies: number | null): RetentionCheck {
  if (retentionCopies === null) return { kind: "unlimited", copies };
  if (copies > retentionCopies) return { kind: "too_many", copies, retentionCopies };
  if (copies < retentionCopies) return { kind: "fewer", copies, retentionCopies };
  return { kind: "ok", copies };
}

/** What reading the backup file on the NAS found. */
export interface VerifyFacts {
  readonly backup: HaBackupRef;
  /** The file on the share; undefined when none was found for this backup. */
  readonly file?: { readonly name: string; readonly sizeBytes: number };
  /** Bytes actually read (may fall short of the file's size if it shrank while being read). */
  readonly readBytes: number;
  readonly tar: { readonly members: readonly string[]; readonly error?: string };
  /** Inner `.tar.gz` members whose gzip stream did not check out (CRC, truncation). */
  readonly innerErrors: readonly { readonly member: string; readonly message: string }[];
  /** The `slug` in the file's `backup.json`; undefined when it could not be read. */
  readonly backupJsonId?: string;
  readonly sha256: string;
  /** What an earlier verification of the same backup recorded. */
  readonly previous?: ChecksumRecord;
  /** The file's size or modification time differed after the read from before it. */
  readonly changedWhileRead?: boolean;
  readonly retention: RetentionCheck;
  /** `.tar` files on the share, and how many backups Home Assistant lists for this agent. */
  readonly share?: { readonly files: number; readonly knownToHa: number };
}

export type Verdict =
  | { readonly kind: "ok"; readonly sha256: string; readonly notes: readonly string[] }
  | { readonly kind: "failed"; readonly problems: readonly string[]; readonly notes: readonly string[] };

/** Every problem found, in the order a reader would check them; ok only when there is none. */
export function judgeVerification(f: VerifyFacts): Verdict {
  const notes: string[] = [];
  if (f.file === undefined)
    return {
      kind: "failed",
      problems: [`backup ${f.backup.backupId} (${f.backup.name}) is not on the share`],
      notes,
    };
  const problems: string[] = [];
  const name = f.file.name;
  if (f.file.sizeBytes !== f.backup.sizeBytes)
    problems.push(`${name} is ${f.file.sizeBytes} bytes, Home Assistant reports ${f.backup.sizeBytes}`);
  if (f.readBytes !== f.file.sizeBytes)
    problems.push(
      `${name}: read ${f.readBytes} of ${f.file.sizeBytes} bytes (the file changed while being read)`,
    );
  else if (f.changedWhileRead)
    problems.push(`${name} was replaced or written to while being read: verify it again`);
  if (f.tar.error !== undefined) problems.push(`${name}: ${f.tar.error}`);
  const missing = expectedMembers(f.backup).filter((m) => !f.tar.members.includes(m));
  if (missing.length > 0) problems.push(`${name} lacks ${missing.join(", ")}`);
  for (const e of f.innerErrors) problems.push(`${name}: ${e.member} is damaged: ${e.message}`);
  if (f.backupJsonId !== undefined && f.backupJsonId !== f.backup.backupId)
    problems.push(`${name} holds backup ${f.backupJsonId}, not ${f.backup.backupId}`);
  const was = f.previous;
  if (was !== undefined && was.sizeBytes !== f.file.sizeBytes)
    problems.push(
      `${name} changed since it was verified on ${new Date(was.verifiedAtMs).toISOString()}: ${f.file.sizeBytes} bytes, then ${was.sizeBytes}`,
    );
  else if (was !== undefined && was.sha256 !== f.sha256)
    problems.push(
      `${name} changed since it was verified on ${new Date(was.verifiedAtMs).toISOString()} (sha256 ${was.sha256} → ${f.sha256})`,
    );
  if (f.retention.kind === "too_many")
    problems.push(
      `${f.retention.copies} backups on the share, retention keeps ${f.retention.retentionCopies}: old copies are not being removed`,
    );
  if (f.share && f.share.files !== f.share.knownToHa)
    problems.push(
      `${f.share.files} backup files on the share, Home Assistant lists ${f.share.knownToHa} there: ${f.share.files > f.share.knownToHa ? "some are strays HA does not manage" : "some have gone missing"}`,
    );
  if (f.retention.kind === "fewer")
    notes.push(`${f.retention.copies} of ${f.retention.retentionCopies} retained copies on the share so far`);
  if (f.backup.protected) notes.push("the backup is encrypted: inner archives were not decompressed");
  return problems.length > 0 ? { kind: "failed", problems, notes } : { kind: "ok", sha256: f.sha256, notes };
}

/** The checksum of a backup file as its first passing verification read it. */
export interface ChecksumRecord {
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly fileName: string;
  readonly verifiedAtMs: number;
}

/**
 * The recorded checksums after a verification: a backup's first passing verification records
 * its file's checksum, and later ones are compared with that, never recorded over it (a changed
 * file must stay a problem until the backup is gone). Backups Home Assistant no longer lists
 * (`listedIds`) are forgotten, so the record stays as small as the retention; an empty list
 * forgets nothing.
 */
export function nextChecksums(
  recorded: Readonly<Record<string, ChecksumRecord>>,
  verified: { readonly backupId: string; readonly ok: boolean; readonly record: ChecksumRecord } | undefined,
  listedIds: readonly string[],
): Record<string, ChecksumRecord> {
  // None listed is more likely the agent failing (NAS mount down) than every backup gone: keep all.
  if (listedIds.length === 0) return { ...recorded };
  const out: Record<string, ChecksumRecord> = {};
  for (const id of listedIds) {
    const r = recorded[id];
    if (r !== undefined) out[id] = r;
  }
  if (verified?.ok && out[verified.backupId] === undefined && listedIds.includes(verified.backupId))
    out[verified.backupId] = verified.record;
  return out;
}

/**
 * Home Assistant's backups on the NAS as `pve-backup status --json` and `GET /api/status` show
 * them (the top-level `haBackups`, null when `ha_backups` is not configured), and as the hub's
 * `ha_backup_*` entities publish them. Times are ISO-8601, sizes bytes.
 */
export interface HaBackupsJson {
  /** The backup agent writing to the NAS share; null before the first check. */
  readonly agent: string | null;
  /** The newest backup Home Assistant lists on that agent. */
  readonly lastBackup: {
    readonly time: string;
    readonly backupId: string;
    readonly name: string;
    readonly sizeBytes: number;
  } | null;
  /** Home Assistant's next automatic backup. */
  readonly nextAutomatic: string | null;
  /** The last verification on the NAS; `unknown` when it could not be done (NAS unreachable). */
  readonly verification: {
    readonly time: string;
    readonly backupId: string;
    readonly result: "ok" | "failed" | "unknown";
    readonly message: string;
    readonly problems: readonly string[];
    readonly sha256: string | null;
    readonly fileName: string | null;
    readonly durationMs: number | null;
    readonly copiesOnShare: number | null;
    readonly freeBytes: number | null;
  } | null;
  /** Everything wrong, the verification's problems among them; empty when all is well. */
  readonly problems: readonly string[];
  /** When this was last looked at; null before the first check. */
  readonly checkedAt: string | null;
}

/** Configured, not looked at yet: everything unknown. */
export const UNCHECKED_HA_BACKUPS: HaBackupsJson = {
  agent: null,
  lastBackup: null,
  nextAutomatic: null,
  verification: null,
  problems: [],
  checkedAt: null,
};

/** The problem flag: unknown (null) before the first check, else whether anything is wrong. */
export function haBackupsProblem(s: HaBackupsJson): boolean | null {
  return s.checkedAt === null ? null : s.problems.length > 0;
}

/** A span of minutes within a day, `[startMin, endMin)`; `endMin` may pass 1440 (over midnight). */
export interface DayWindow {
  readonly startMin: number;
  readonly endMin: number;
}

const DAY_MIN = 1440;

/**
 * The first minute of the day, from `preferredMin` on in 15-minute steps, at which a backup of
 * `durationMin` overlaps none of the busy windows (the PVE backup window, with its margin).
 * Undefined when the day has no such gap.
 */
export function chooseBackupMinute(
  busy: readonly DayWindow[],
  preferredMin: number,
  durationMin: number,
): number | undefined {
  const overlaps = (start: number) =>
    busy.some((w) =>
      [-DAY_MIN, 0, DAY_MIN].some(
        (shift) => start < w.endMin + shift && w.startMin + shift < start + durationMin,
      ),
    );
  for (let step = 0; step < DAY_MIN; step += 15) {
    const start = (preferredMin + step) % DAY_MIN;
    if (!overlaps(start)) return start;
  }
  return undefined;
}

/** `HH:MM` of a minute of the day. */
export function formatMinute(min: number): string {
  return `${String(Math.floor(min / 60)).padStart(2, "0")}:${String(min % 60).padStart(2, "0")}`;
}

/**
 * The PVE backup window as busy spans of the day: each start time of each tier's calendar event
 * (hours × minutes) followed by `windowMin` minutes, the time PVE is expected to keep the NAS busy.
 * An event with more than 48 start times a day (e.g. hourly) makes the whole day busy.
 */
export function pveBusyWindows(
  events: readonly { readonly hours: readonly number[]; readonly minutes: readonly number[] }[],
  windowMin: number,
): DayWindow[] {
  const out: DayWindow[] = [];
  for (const e of events) {
    if (e.hours.length * e.minutes.length > 48) return [{ startMin: 0, endMin: DAY_MIN }];
    for (const h of e.hours)
      for (const m of e.minutes) out.push({ startMin: h * 60 + m, endMin: h * 60 + m + windowMin });
  }
  return out;
}
