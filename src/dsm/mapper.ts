import { wallClockAt } from "../core/calendar.js";
import { destinationKindOf, type HyperBackupTask } from "../core/coverage.js";
import type { TaskRow, TaskStatus } from "./wire.js";

/** DSM's wire shapes → the domain (pure). */

const DAY_MS = 86_400_000;

/**
 * `YYYY/MM/DD HH:MM[:SS]` in the NAS's zone (reference §3.3: no offset) → epoch ms; null for
 * `""`, `N/A`, a missing value, a malformed one, or a wall time the zone skips.
 */
export function parseDsmTime(text: string | null | undefined, timeZone: string): number | null {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?$/.exec((text ?? "").trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0)) as number[];
  const nominal = Date.UTC(year as number, (month as number) - 1, day, hour, minute, second);
  // Date.UTC rolls 2026/02/30 over to March 2 and 24:00 to the next day: a date DSM never writes
  // is no time at all, not another one.
  const back = new Date(nominal);
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() + 1 !== month ||
    back.getUTCDate() !== day ||
    back.getUTCHours() !== hour ||
    back.getUTCMinutes() !== minute ||
    back.getUTCSeconds() !== second
  )
    return null;
  // The zone's offset a day before and a day after are the only candidates (one change a day at most).
  for (const probe of [nominal - DAY_MS, nominal + DAY_MS]) {
    const at = wallClockAt(probe, timeZone);
    if (!at) return null;
    const candidate = nominal - (wallMs(at) - probe);
    const back = wallClockAt(candidate, timeZone);
    if (back && wallMs(back) === nominal) return candidate;
  }
  return null;
}

const wallMs = (w: {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

/** A task from its `list` row (with `get_source`) and its `status` answer. */
export function toHyperBackupTask(
  row: TaskRow,
  status: TaskStatus | undefined,
  timeZone: string,
): HyperBackupTask {
  const type = row.type ?? "";
  const folders = [...(row.source?.file_list ?? []), ...(row.source?.folder_list ?? [])]
    .filter((f): f is typeof f & { fullPath: string } => typeof f.fullPath === "string")
    .map((f) => ({ path: f.fullPath, missing: f.missing ?? false }));
  return {
    id: row.task_id,
    name: row.name,
    state: status?.state ?? row.state ?? "",
    status: status?.status ?? row.status ?? "",
    lastResult: status?.last_bkp_result ?? row.last_bkp_result ?? "",
    lastError: status?.last_bkp_error ?? "",
    lastRunMs: parseDsmTime(status?.last_bkp_time ?? row.last_bkp_time, timeZone),
    lastEndMs: parseDsmTime(status?.last_bkp_end_time ?? row.last_bkp_end_time, timeZone),
    lastSuccessMs: parseDsmTime(status?.last_bkp_success_time, timeZone),
    nextRunMs: parseDsmTime(status?.next_bkp_time ?? row.next_bkp_time, timeZone),
    destination: type,
    destinationKind: destinationKindOf(type),
    folders,
    excludes: (row.source?.backup_filter?.exclude_list ?? []).filter(
      (x): x is string => typeof x === "string",
    ),
  };
}
