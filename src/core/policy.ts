import { nextOccurrence, parseCalendarEvent, previousOccurrence } from "./calendar.js";
import type { Guest, StorageView } from "./model.js";

/**
 * The tier policy compiled into PVE backup jobs the product owns, and the plan that brings the
 * cluster's `/cluster/backup` in line with it. Jobs are described in PVE's own wire keys (what
 * `POST /cluster/backup` takes), so a plan can be shown, diffed and applied without translation.
 */

/** Owned jobs are recognised by this id prefix (and say so in their comment). */
export const OWNED_PREFIX = "pve-backup-";
/** The manual fallback: an owned, disabled job with every tier guest, for "Run now" in PVE. */
export const FALLBACK_JOB_ID = `${OWNED_PREFIX}manual`;

export interface TierPolicy {
  readonly name: string;
  readonly schedule: string;
  readonly keepLast: number;
  readonly guests: readonly number[];
}

export type JobFields = Readonly<Record<string, string | number>>;

export interface JobSpec {
  readonly id: string;
  readonly fields: JobFields;
}

/** Job id of a tier: PVE ids are `[a-z][a-z0-9_-]+`, so the name is folded into that. */
export function tierJobId(tier: string): string {
  return `${OWNED_PREFIX}${
    tier
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "tier"
  }`;
}

/** The jobs the policy asks for, in tier order, plus the disabled manual fallback. */
export function desiredJobs(tiers: readonly TierPolicy[], storage: string): JobSpec[] {
  const jobs: JobSpec[] = tiers.map((t) => ({
    id: tierJobId(t.name),
    fields: {
      comment: `managed by pve-backup: tier ${t.name}`,
      schedule: t.schedule,
      enabled: 1,
      vmid: [...t.guests].sort((a, b) => a - b).join(","),
      storage,
      mode: "snapshot",
      compress: "zstd",
      "prune-backups": `keep-last=${t.keepLast}`,
      "notes-template": "{{guestname}}",
      // Only the notification system reaches webhooks; `auto` with a mailto would bypass it.
      "notification-mode": "notification-system",
      "repeat-missed": 1,
    },
  }));
  const all = [...new Set(tiers.flatMap((t) => t.guests))].sort((a, b) => a - b);
  if (all.length > 0) {
    const keep = Math.max(...tiers.map((t) => t.keepLast));
    jobs.push({
      id: FALLBACK_JOB_ID,
      fields: {
        comment: "managed by pve-backup: manual fallback, use Run now in PVE",
        // A disabled job never fires; PVE still wants a schedule on it.
        schedule: "sun 05:00",
        enabled: 0,
        vmid: all.join(","),
        storage,
        mode: "snapshot",
        compress: "zstd",
        "prune-backups": `keep-last=${keep}`,
        "notes-template": "{{guestname}}",
        "notification-mode": "notification-system",
      },
    });
  }
  return jobs;
}

/**
 * A job as `GET /cluster/backup` returns it, folded back into the keys and forms `POST` takes:
 * property strings come back as objects (reference §3.4) and `enabled` defaults to 1.
 */
export function jobFieldsFromRead(row: Readonly<Record<string, unknown>>): JobFields {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key === "id" || key === "type" || key === "next-run" || value === undefined || value === null)
      continue;
    if (typeof value === "object") {
      out[key] = Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `${k}=${String(v)}`)
        .sort()
        .join(",");
    } else if (typeof value === "boolean") out[key] = value ? 1 : 0;
    else out[key] = value as string | number;
  }
  out.enabled = out.enabled === undefined ? 1 : Number(out.enabled);
  return out;
}

export interface FieldChange {
  readonly field: string;
  readonly from: string | number | null;
  readonly to: string | number | null;
}

export type FindingCode =
  | "unknown_guest"
  | "invalid_schedule"
  | "storage_missing"
  | "storage_inactive"
  | "storage_no_backup_content"
  | "foreign_job_disabled"
  | "foreign_job_missing_storage"
  | "foreign_job_inactive_storage"
  | "foreign_job_mailto"
  | "double_coverage"
  | "uncovered_guest"
  | "tier_overlap"
  | "owned_job_orphaned";

export interface Finding {
  readonly code: FindingCode;
  /** `error`: apply refuses to run; `warning`: worth fixing; `info`: for the record. */
  readonly severity: "error" | "warning" | "info";
  readonly message: string;
  readonly jobId?: string;
  readonly vmid?: number;
}

export interface Plan {
  readonly create: readonly JobSpec[];
  /** Owned jobs that drifted: the field-level changes, and the whole job as the policy wants it. */
  readonly update: readonly {
    readonly id: string;
    readonly changes: readonly FieldChange[];
    readonly desired: JobFields;
  }[];
  readonly enable: readonly string[];
  readonly disable: readonly string[];
  readonly findings: readonly Finding[];
}

export interface PlanInput {
  readonly tiers: readonly TierPolicy[];
  readonly storage: string;
  /** `GET /cluster/backup` rows, as read. */
  readonly jobs: readonly Readonly<Record<string, unknown>>[];
  readonly guests: readonly Guest[];
  readonly storages: readonly StorageView[];
  /** What PVE said about each tier's schedule (`/cluster/jobs/schedule-analyze`): error text if rejected. */
  readonly scheduleErrors: ReadonlyMap<string, string>;
  /** Typical duration of each tier's runs, from task history, ms. */
  readonly tierDurationsMs: ReadonlyMap<string, number>;
  readonly timeZone: string;
  readonly nowMs: number;
}

/** Compare desired with actual jobs; never touches a job the product does not own. */
export function planJobs(input: PlanInput): Plan {
  const desired = desiredJobs(input.tiers, input.storage);
  const byId = new Map(input.jobs.map((j) => [String(j.id), j]));
  const create: JobSpec[] = [];
  const update: { id: string; changes: FieldChange[]; desired: JobFields }[] = [];
  const enable: string[] = [];
  const disable: string[] = [];

  for (const want of desired) {
    const row = byId.get(want.id);
    if (!row) {
      create.push(want);
      continue;
    }
    const have = jobFieldsFromRead(row);
    const changes = diffFields(have, want.fields).filter((c) => c.field !== "enabled");
    if (changes.length > 0) update.push({ id: want.id, changes, desired: want.fields });
    if (have.enabled !== want.fields.enabled) (want.fields.enabled === 1 ? enable : disable).push(want.id);
  }
  const desiredIds = new Set(desired.map((d) => d.id));
  const findings: Finding[] = [...policyFindings(input), ...storageFindings(input)];
  for (const row of input.jobs) {
    const id = String(row.id);
    if (id.startsWith(OWNED_PREFIX)) {
      if (!desiredIds.has(id) && jobFieldsFromRead(row).enabled === 1) {
        disable.push(id);
        findings.push({
          code: "owned_job_orphaned",
          severity: "info",
          jobId: id,
          message: `job ${id} belongs to no tier any more: it will be disabled, not deleted`,
        });
      }
      continue;
    }
    findings.push(...foreignJobFindings(row, input));
  }
  findings.push(...coverageFindings(input));
  return { create, update, enable, disable, findings };
}

/** Findings that make `apply` refuse to run. */
export function planErrors(plan: Plan): Finding[] {
  return plan.findings.filter((f) => f.severity === "error");
}

/** True when applying the plan would change nothing. */
export function planIsEmpty(plan: Plan): boolean {
  return plan.create.length + plan.update.length + plan.enable.length + plan.disable.length === 0;
}

/**
 * Field-level difference; lists PVE keeps in unstable order (`vmid`, retention) compare as sets.
 * A key the owned job has but the policy does not want (say a `mailto` added in the GUI) is a
 * change to `null`: applying it deletes the key.
 */
export function diffFields(have: JobFields, want: JobFields): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const [field, to] of Object.entries(want)) {
    const from = have[field];
    if (!sameValue(field, from, to)) changes.push({ field, from: from ?? null, to });
  }
  for (const [field, from] of Object.entries(have)) {
    if (!(field in want) && field !== "enabled") changes.push({ field, from, to: null });
  }
  return changes;
}

function sameValue(field: string, a: string | number | undefined, b: string | number): boolean {
  if (a === undefined) return false;
  if (field === "vmid") return normaliseList(String(a)) === normaliseList(String(b));
  if (field === "prune-backups") return normaliseList(String(a)) === normaliseList(String(b));
  return String(a) === String(b);
}

function normaliseList(text: string): string {
  return text
    .split(/[,;\s]+/)
    .filter(Boolean)
    .sort()
    .join(",");
}

function policyFindings(input: PlanInput): Finding[] {
  const out: Finding[] = [];
  const known = new Set(input.guests.map((g) => g.vmid));
  for (const t of input.tiers) {
    for (const vmid of t.guests)
      if (!known.has(vmid))
        out.push({
          code: "unknown_guest",
          severity: "error",
          vmid,
          message: `tier ${t.name}: guest ${vmid} does not exist in the cluster`,
        });
    const pveError = input.scheduleErrors.get(t.name);
    if (pveError !== undefined || !parseCalendarEvent(t.schedule).ok)
      out.push({
        code: "invalid_schedule",
        severity: "error",
        message: `tier ${t.name}: schedule '${t.schedule}' is not a valid PVE calendar event${pveError ? ` (${pveError})` : ""}`,
      });
  }
  out.push(...overlapFindings(input));
  return out;
}

/** A tier starting while the previous tier's run usually still holds the node's vzdump lock. */
function overlapFindings(input: PlanInput): Finding[] {
  const out: Finding[] = [];
  const events = input.tiers.map((t) => parseCalendarEvent(t.schedule));
  input.tiers.forEach((t, i) => {
    const prev = input.tiers[i - 1];
    const [prevEvent, event] = [events[i - 1], events[i]];
    const durationMs = prev && input.tierDurationsMs.get(prev.name);
    if (!prev || !prevEvent?.ok || !event?.ok || durationMs === undefined) return;
    const start = nextOccurrence(event.event, input.nowMs, input.timeZone);
    const prevStart =
      start === undefined ? undefined : previousOccurrence(prevEvent.event, start, input.timeZone);
    if (start === undefined || prevStart === undefined || start - prevStart >= durationMs) return;
    out.push({
      code: "tier_overlap",
      severity: "warning",
      message: `tier ${t.name} starts ${Math.round((start - prevStart) / 60_000)} min after tier ${prev.name}, whose runs usually take ${Math.round(durationMs / 60_000)} min: it will wait for the node's backup lock`,
    });
  });
  return out;
}

function storageFindings(input: PlanInput): Finding[] {
  const views = input.storages.filter((s) => s.storage === input.storage);
  if (views.length === 0)
    return [
      {
        code: "storage_missing",
        severity: "error",
        message: `storage '${input.storage}' does not exist or holds no backups (content must include 'backup'): create it first (pve-backup storage create)`,
      },
    ];
  const inactive = views.filter((v) => !v.active).map((v) => v.node);
  return inactive.length
    ? [
        {
          code: "storage_inactive",
          severity: "warning",
          message: `storage '${input.storage}' is not active on ${inactive.join(", ")}: backups there will fail until it mounts`,
        },
      ]
    : [];
}

function foreignJobFindings(row: Readonly<Record<string, unknown>>, input: PlanInput): Finding[] {
  const out: Finding[] = [];
  const id = String(row.id);
  const enabled = jobFieldsFromRead(row).enabled === 1;
  const storage = typeof row.storage === "string" ? row.storage : "local";
  const views = input.storages.filter((s) => s.storage === storage);
  if (!enabled)
    out.push({
      code: "foreign_job_disabled",
      severity: "info",
      jobId: id,
      message: `job ${id} (not managed by pve-backup) is disabled; it backs nothing up`,
    });
  if (views.length === 0)
    out.push({
      code: "foreign_job_missing_storage",
      severity: "warning",
      jobId: id,
      message: `job ${id} targets storage '${storage}', which does not exist: fix or delete it in PVE`,
    });
  else if (views.every((v) => !v.active))
    out.push({
      code: "foreign_job_inactive_storage",
      severity: "warning",
      jobId: id,
      message: `job ${id} targets storage '${storage}', which is not active`,
    });
  if (enabled && typeof row.mailto === "string" && row["notification-mode"] !== "notification-system")
    out.push({
      code: "foreign_job_mailto",
      severity: "info",
      jobId: id,
      message: `job ${id} mails its results (mailto), bypassing the notification system: its results are not pushed to pve-backup`,
    });
  return out;
}

function coverageFindings(input: PlanInput): Finding[] {
  const out: Finding[] = [];
  const inTier = new Set(input.tiers.flatMap((t) => t.guests));
  for (const g of input.guests) {
    if (g.template) continue;
    const foreign = input.jobs.filter((j) => {
      const f = jobFieldsFromRead(j);
      return !String(j.id).startsWith(OWNED_PREFIX) && f.enabled === 1 && selects(f, g);
    });
    if (inTier.has(g.vmid) && foreign.length > 0)
      out.push({
        code: "double_coverage",
        severity: "warning",
        vmid: g.vmid,
        message: `guest ${g.vmid} (${g.name}) is in a tier and also in job ${foreign.map((j) => String(j.id)).join(", ")}: it is backed up twice`,
      });
    if (!inTier.has(g.vmid) && foreign.length === 0)
      out.push({
        code: "uncovered_guest",
        severity: "warning",
        vmid: g.vmid,
        message: `guest ${g.vmid} (${g.name}) is in no tier and no enabled job: it is not backed up`,
      });
  }
  return out;
}

function selects(f: JobFields, g: Guest): boolean {
  if (f.node !== undefined && f.node !== g.node) return false;
  if (f.pool !== undefined) return f.pool === g.pool;
  if (Number(f.all) === 1 || f.exclude !== undefined)
    return !normaliseList(String(f.exclude ?? ""))
      .split(",")
      .includes(String(g.vmid));
  return normaliseList(String(f.vmid ?? ""))
    .split(",")
    .includes(String(g.vmid));
}

/**
 * Typical run time of each tier's scheduled runs, from finished vzdump tasks: a task belongs to
 * a tier when it started within two minutes after one of the tier's scheduled times (the task
 * list does not carry the job id). The median, so one slow night does not decide.
 */
export function tierDurations(
  tiers: readonly TierPolicy[],
  tasks: readonly { readonly startMs: number; readonly endMs?: number }[],
  timeZone: string,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of tiers) {
    const parsed = parseCalendarEvent(t.schedule);
    if (!parsed.ok) continue;
    const durations: number[] = [];
    for (const task of tasks) {
      if (task.endMs === undefined) continue;
      const occ = previousOccurrence(parsed.event, task.startMs, timeZone);
      if (occ !== undefined && task.startMs - occ <= 120_000) durations.push(task.endMs - task.startMs);
    }
    if (durations.length === 0) continue;
    durations.sort((a, b) => a - b);
    out.set(t.name, durations[Math.floor(durations.length / 2)] as number);
  }
  return out;
}
