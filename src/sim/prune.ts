import { isoWeek, type LocalClock } from "./local-time.js";

/**
 * Backup retention (`prune-backups`), as pve-storage implements it (reference §5.4):
 * the property string, and `prune_mark_backup_group` over one guest's archives.
 */

export const KEEP_OPTIONS = [
  "keep-last",
  "keep-hourly",
  "keep-daily",
  "keep-weekly",
  "keep-monthly",
  "keep-yearly",
] as const;

export type KeepOption = (typeof KEEP_OPTIONS)[number];

/** Parsed `prune-backups`: `keep-all` and/or counts, values as given (strings), like PVE's hash. */
export type PruneOptions = Partial<Record<KeepOption | "keep-all", string>>;

/**
 * Parses `keep-last=3,keep-daily=7`. Errors read like pve-common's property-string parser and
 * pve-storage's `validate_prune_backups` (`keep-all cannot be set together with other options.`).
 * An all-zero retention means `keep-all=1`.
 */
export function parsePruneBackups(
  text: string,
): { ok: true; value: PruneOptions } | { ok: false; error: string } {
  const value: PruneOptions = {};
  for (const part of text.split(",")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq < 0) return { ok: false, error: "value without key, but schema does not define a default key" };
    const key = part.slice(0, eq);
    const v = part.slice(eq + 1);
    if (key !== "keep-all" && !(KEEP_OPTIONS as readonly string[]).includes(key)) {
      return { ok: false, error: `invalid key in comma-separated list property: ${key}` };
    }
    if (key in value) return { ok: false, error: `duplicate key in comma-separated list property: ${key}` };
    if (key === "keep-all" ? !/^[01]$/.test(v) : !/^\d+$/.test(v)) {
      const type = key === "keep-all" ? "boolean" : "integer";
      return { ok: false, error: `${key}: type check ('${type}') failed - got '${v}'` };
    }
    value[key as KeepOption] = v;
  }
  const positive = KEEP_OPTIONS.some((k) => Number(value[k] ?? 0) > 0);
  if (!positive) return { ok: true, value: { "keep-all": "1" } };
  if (value["keep-all"] === "1")
    return { ok: false, error: "keep-all cannot be set together with other options." };
  return { ok: true, value };
}

/** PVE's `print_property_string`: keys sorted, `k=v` joined by `,`. */
export function printPruneBackups(options: PruneOptions): string {
  return Object.keys(options)
    .sort()
    .map((k) => `${k}=${options[k as KeepOption]}`)
    .join(",");
}

/** Whether the retention keeps everything (no pruning at all). */
export function keepsAll(options: PruneOptions): boolean {
  return options["keep-all"] === "1" || !KEEP_OPTIONS.some((k) => Number(options[k] ?? 0) > 0);
}

export type PruneMark = "keep" | "remove" | "protected";

export interface PruneEntry {
  readonly ctimeSec: number;
  readonly protected: boolean;
}

/**
 * Marks one backup group (one guest's archives on one storage): newest first, each keep-* option
 * in turn keeps the newest archive of each new period (period ids in node-local time, ISO weeks
 * for weekly) until it has kept N periods; later archives of an already kept period are removed;
 * whatever is left unmarked is removed. Protected archives are never touched and do not count.
 */
export function markBackupGroup<T extends PruneEntry>(
  group: readonly T[],
  options: PruneOptions,
  local: LocalClock,
): Map<T, PruneMark> {
  const marks = new Map<T, PruneMark>();
  for (const e of group) if (e.protected) marks.set(e, "protected");
  if (keepsAll(options)) {
    for (const e of group) if (!marks.has(e)) marks.set(e, "keep");
    return marks;
  }
  const newestFirst = [...group].sort((a, b) => b.ctimeSec - a.ctimeSec);
  const periodOf: Record<KeepOption, (ctimeSec: number) => string> = {
    "keep-last": (t) => String(t),
    "keep-hourly": (t) => {
      const l = local(t * 1000);
      return `${l.hour}/${l.day}/${l.month}/${l.year}`;
    },
    "keep-daily": (t) => {
      const l = local(t * 1000);
      return `${l.day}/${l.month}/${l.year}`;
    },
    "keep-weekly": (t) => {
      const w = isoWeek(local(t * 1000));
      return `${w.week}/${w.year}`;
    },
    "keep-monthly": (t) => {
      const l = local(t * 1000);
      return `${l.month}/${l.year}`;
    },
    "keep-yearly": (t) => String(local(t * 1000).year),
  };
  for (const option of KEEP_OPTIONS) {
    const count = Number(options[option] ?? 0);
    if (!count) continue;
    const id = periodOf[option];
    const alreadyKept = new Set(
      newestFirst.filter((e) => marks.get(e) === "keep").map((e) => id(e.ctimeSec)),
    );
    const newlyKept = new Set<string>();
    for (const e of newestFirst) {
      const period = id(e.ctimeSec);
      if (marks.has(e) || alreadyKept.has(period)) continue;
      if (!newlyKept.has(period)) {
        if (newlyKept.size >= count) break;
        newlyKept.add(period);
        marks.set(e, "keep");
      } else {
        marks.set(e, "remove");
      }
    }
  }
  for (const e of group) if (!marks.has(e)) marks.set(e, "remove");
  return marks;
}
