import type { SimJob } from "./state.js";
import { type ParamSchema, type ParamSpec, type ParamValue, splitList } from "./validate.js";
import { PROPERTY_STRING_OPTIONS, type Selection, VZDUMP_OPTIONS } from "./vzdump-options.js";

/**
 * Backup jobs (`/etc/pve/jobs.cfg`, section type `vzdump`) as the API reads and writes them
 * (reference §3): parameter tables, the stanza written on create/update, and the object returned.
 */

const bool: ParamSpec = { type: "boolean", optional: true };

/** Keys that belong to the job, not to vzdump. */
const JOB_ONLY: ParamSchema = {
  schedule: { type: "string", format: "pve-calendar-event", maxLength: 128, optional: true },
  // Legacy vzdump.cron style, converted to `schedule` on write (§3.3).
  starttime: { type: "string", pattern: "\\d{1,2}:\\d{1,2}", optional: true },
  dow: { type: "string", format: "pve-day-of-week-list", optional: true },
  enabled: bool,
  "repeat-missed": bool,
  comment: { type: "string", maxLength: 512, optional: true },
};

export const JOB_CREATE_PARAMS: ParamSchema = {
  ...VZDUMP_OPTIONS,
  ...JOB_ONLY,
  id: { type: "string", format: "pve-configid", optional: true },
};

/** The path's `{id}` uses `pve-backup-jobid`: any non-blank text up to 50 characters. */
export const JOB_ID_PARAM: ParamSchema = { id: { type: "string", pattern: "\\S+", maxLength: 50 } };

export const JOB_UPDATE_PARAMS: ParamSchema = {
  ...VZDUMP_OPTIONS,
  ...JOB_ONLY,
  ...JOB_ID_PARAM,
  delete: { type: "string", format: "pve-configid-list", optional: true },
};

/** Keys a job run does not pass to vzdump. */
export const JOB_ONLY_KEYS = new Set([
  "id",
  "type",
  "schedule",
  "enabled",
  "comment",
  "repeat-missed",
  "starttime",
  "dow",
]);

/** Keys `delete` accepts: vzdump options plus the job's own optional ones. */
export function isDeletable(key: string): boolean {
  return key in VZDUMP_OPTIONS || key === "comment" || key === "repeat-missed";
}

const ALL_DAYS = "mon,tue,wed,thu,fri,sat,sun";

/** Legacy `starttime`/`dow` → `schedule` (`convert_to_schedule`): all days means just the time. */
export function legacySchedule(starttime: string, dow: string | undefined): string {
  const days = splitList(dow ?? "").join(",");
  return !days || days === ALL_DAYS ? starttime : `${days} ${starttime}`;
}

/**
 * The stanza as jobs.cfg's writer orders it: `comment` first, then `schedule`, then the rest
 * sorted (§3.1). Integers and booleans are stored as numbers.
 */
export function jobStanza(id: string, values: Readonly<Record<string, ParamValue>>): SimJob {
  const job: SimJob = { id, type: "vzdump" };
  const { comment, schedule, ...rest } = values;
  if (comment !== undefined) job.comment = String(comment);
  if (schedule !== undefined) job.schedule = String(schedule);
  for (const key of Object.keys(rest).sort()) {
    const v = rest[key];
    if (v === undefined || key === "id" || key === "type") continue;
    job[key] = Array.isArray(v) ? v.join("\0") : (v as string | number);
  }
  return job;
}

/** `k=v,k=v` → object, values kept as strings; a bare value goes to `defaultKey`. */
function propertyStringObject(text: string, defaultKey?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    if (eq < 0 && defaultKey) out[defaultKey] = part;
    else if (eq >= 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

const NUMERIC_KEYS = new Set(
  Object.entries({ ...VZDUMP_OPTIONS, ...JOB_ONLY })
    .filter(([, spec]) => spec.type === "integer" || spec.type === "boolean")
    .map(([key]) => key),
);

/**
 * A job as `GET /cluster/backup[/{id}]` returns it: every stored key, `type`, `enabled` (default 1),
 * property strings as objects (values stay strings, as PVE's parser leaves them — §3.4 example),
 * 0/1 booleans; `next-run` only when given (the list endpoint computes it).
 */
export function jobForApi(job: SimJob, nextRunSec?: number): Record<string, unknown> {
  const out: Record<string, unknown> = { id: job.id, type: job.type ?? "vzdump" };
  for (const [key, value] of Object.entries(job)) {
    if (key === "id" || key === "type") continue;
    if ((PROPERTY_STRING_OPTIONS as readonly string[]).includes(key)) {
      out[key] = propertyStringObject(String(value), key === "fleecing" ? "enabled" : undefined);
    } else if (NUMERIC_KEYS.has(key) && /^-?\d+$/.test(String(value))) {
      out[key] = Number(value);
    } else {
      out[key] = value;
    }
  }
  out.enabled ??= 1;
  if (nextRunSec !== undefined) out["next-run"] = nextRunSec;
  return out;
}

/** A job's vzdump options for a scheduled run: job keys dropped, as `PVE::Jobs::VZDump::run` does. */
export function jobRunOptions(job: SimJob): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [key, value] of Object.entries(job)) {
    if (JOB_ONLY_KEYS.has(key)) continue;
    const spec = VZDUMP_OPTIONS[key];
    out[key] = spec && (spec.type === "integer" || spec.type === "boolean") ? Number(value) : String(value);
  }
  return out;
}

/** The guest selection a job stanza makes (`node` included: a pinned job only covers its node). */
export function jobSelection(job: SimJob): Selection {
  const text = (key: string) => (job[key] === undefined ? undefined : String(job[key]));
  return {
    vmid: text("vmid"),
    all: job.all === undefined ? undefined : Number(job.all),
    exclude: text("exclude"),
    pool: text("pool"),
    node: text("node"),
  };
}
