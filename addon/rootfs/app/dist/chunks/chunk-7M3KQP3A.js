#!/usr/bin/env node
import { createRequire as __pvebCreateRequire } from 'node:module';
const require = __pvebCreateRequire(import.meta.url); const __dirname = import.meta.dirname;
import {
  nextOccurrence,
  parseCalendarEvent,
  previousOccurrence
} from "./chunk-OSAFXUH4.js";

// src/core/policy.ts
var OWNED_PREFIX = "pve-backup-";
var FALLBACK_JOB_ID = `${OWNED_PREFIX}manual`;
function tierJobId(tier) {
  return `${OWNED_PREFIX}${tier.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || "tier"}`;
}
function desiredJobs(tiers, storage) {
  const jobs = tiers.map((t) => ({
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
      "repeat-missed": 1
    }
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
        "notification-mode": "notification-system"
      }
    });
  }
  return jobs;
}
function jobFieldsFromRead(row) {
  const out = {};
  for (const [key, value] of Object.entries(row)) {
    if (key === "id" || key === "type" || key === "next-run" || value === void 0 || value === null)
      continue;
    if (typeof value === "object") {
      out[key] = Object.entries(value).map(([k, v]) => `${k}=${String(v)}`).sort().join(",");
    } else if (typeof value === "boolean") out[key] = value ? 1 : 0;
    else out[key] = value;
  }
  out.enabled = out.enabled === void 0 ? 1 : Number(out.enabled);
  return out;
}
function planJobs(input) {
  const desired = desiredJobs(input.tiers, input.storage);
  const byId = new Map(input.jobs.map((j) => [String(j.id), j]));
  const create = [];
  const update = [];
  const enable = [];
  const disable = [];
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
  const findings = [...policyFindings(input), ...storageFindings(input)];
  for (const row of input.jobs) {
    const id = String(row.id);
    if (id.startsWith(OWNED_PREFIX)) {
      if (!desiredIds.has(id) && jobFieldsFromRead(row).enabled === 1) {
        disable.push(id);
        findings.push({
          code: "owned_job_orphaned",
          severity: "info",
          jobId: id,
          message: `job ${id} belongs to no tier any more: it will be disabled, not deleted`
        });
      }
      continue;
    }
    findings.push(...foreignJobFindings(row, input));
  }
  findings.push(...coverageFindings(input));
  return { create, update, enable, disable, findings };
}
function planErrors(plan) {
  return plan.findings.filter((f) => f.severity === "error");
}
function planIsEmpty(plan) {
  return plan.create.length + plan.update.length + plan.enable.length + plan.disable.length === 0;
}
function diffFields(have, want) {
  const changes = [];
  for (const [field, to] of Object.entries(want)) {
    const from = have[field];
    if (!sameValue(field, from, to)) changes.push({ field, from: from ?? null, to });
  }
  for (const [field, from] of Object.entries(have)) {
    if (!(field in want) && field !== "enabled") changes.push({ field, from, to: null });
  }
  return changes;
}
function sameValue(field, a, b) {
  if (a === void 0) return false;
  if (field === "vmid") return normaliseList(String(a)) === normaliseList(String(b));
  if (field === "prune-backups") return normaliseList(String(a)) === normaliseList(String(b));
  return String(a) === String(b);
}
function normaliseList(text) {
  return text.split(/[,;\s]+/).filter(Boolean).sort().join(",");
}
function policyFindings(input) {
  const out = [];
  const known = new Set(input.guests.map((g) => g.vmid));
  for (const t of input.tiers) {
    for (const vmid of t.guests)
      if (!known.has(vmid))
        out.push({
          code: "unknown_guest",
          severity: "error",
          vmid,
          message: `tier ${t.name}: guest ${vmid} does not exist in the cluster`
        });
    const pveError = input.scheduleErrors.get(t.name);
    if (pveError !== void 0 || !parseCalendarEvent(t.schedule).ok)
      out.push({
        code: "invalid_schedule",
        severity: "error",
        message: `tier ${t.name}: schedule '${t.schedule}' is not a valid PVE calendar event${pveError ? ` (${pveError})` : ""}`
      });
  }
  out.push(...overlapFindings(input));
  return out;
}
function overlapFindings(input) {
  const out = [];
  const events = input.tiers.map((t) => parseCalendarEvent(t.schedule));
  input.tiers.forEach((t, i) => {
    const prev = input.tiers[i - 1];
    const [prevEvent, event] = [events[i - 1], events[i]];
    const durationMs = prev && input.tierDurationsMs.get(prev.name);
    if (!prev || !prevEvent?.ok || !event?.ok || durationMs === void 0) return;
    const start = nextOccurrence(event.event, input.nowMs, input.timeZone);
    const prevStart = start === void 0 ? void 0 : previousOccurrence(prevEvent.event, start, input.timeZone);
    if (start === void 0 || prevStart === void 0 || start - prevStart >= durationMs) return;
    out.push({
      code: "tier_overlap",
      severity: "warning",
      message: `tier ${t.name} starts ${Math.round((start - prevStart) / 6e4)} min after tier ${prev.name}, whose runs usually take ${Math.round(durationMs / 6e4)} min: it will wait for the node's backup lock`
    });
  });
  return out;
}
function storageFindings(input) {
  const views = input.storages.filter((s) => s.storage === input.storage);
  if (views.length === 0)
    return [
      {
        code: "storage_missing",
        severity: "error",
        message: `storage '${input.storage}' does not exist or holds no backups (content must include 'backup'): create it first (pve-backup storage create)`
      }
    ];
  const inactive = views.filter((v) => !v.active).map((v) => v.node);
  return inactive.length ? [
    {
      code: "storage_inactive",
      severity: "warning",
      message: `storage '${input.storage}' is not active on ${inactive.join(", ")}: backups there will fail until it mounts`
    }
  ] : [];
}
function foreignJobFindings(row, input) {
  const out = [];
  const id = String(row.id);
  const enabled = jobFieldsFromRead(row).enabled === 1;
  const storage = typeof row.storage === "string" ? row.storage : "local";
  const views = input.storages.filter((s) => s.storage === storage);
  if (!enabled)
    out.push({
      code: "foreign_job_disabled",
      severity: "info",
      jobId: id,
      message: `job ${id} (not managed by pve-backup) is disabled; it backs nothing up`
    });
  if (views.length === 0)
    out.push({
      code: "foreign_job_missing_storage",
      severity: "warning",
      jobId: id,
      message: `job ${id} targets storage '${storage}', which does not exist: fix or delete it in PVE`
    });
  else if (views.every((v) => !v.active))
    out.push({
      code: "foreign_job_inactive_storage",
      severity: "warning",
      jobId: id,
      message: `job ${id} targets storage '${storage}', which is not active`
    });
  if (enabled && typeof row.mailto === "string" && row["notification-mode"] !== "notification-system")
    out.push({
      code: "foreign_job_mailto",
      severity: "info",
      jobId: id,
      message: `job ${id} mails its results (mailto), bypassing the notification system: its results are not pushed to pve-backup`
    });
  return out;
}
function coverageFindings(input) {
  const out = [];
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
        message: `guest ${g.vmid} (${g.name}) is in a tier and also in job ${foreign.map((j) => String(j.id)).join(", ")}: it is backed up twice`
      });
    if (!inTier.has(g.vmid) && foreign.length === 0)
      out.push({
        code: "uncovered_guest",
        severity: "warning",
        vmid: g.vmid,
        message: `guest ${g.vmid} (${g.name}) is in no tier and no enabled job: it is not backed up`
      });
  }
  return out;
}
function selects(f, g) {
  if (f.node !== void 0 && f.node !== g.node) return false;
  if (f.pool !== void 0) return f.pool === g.pool;
  if (Number(f.all) === 1 || f.exclude !== void 0)
    return !normaliseList(String(f.exclude ?? "")).split(",").includes(String(g.vmid));
  return normaliseList(String(f.vmid ?? "")).split(",").includes(String(g.vmid));
}
function tierDurations(tiers, tasks, timeZone) {
  const out = /* @__PURE__ */ new Map();
  for (const t of tiers) {
    const parsed = parseCalendarEvent(t.schedule);
    if (!parsed.ok) continue;
    const durations = [];
    for (const task of tasks) {
      if (task.endMs === void 0) continue;
      const occ = previousOccurrence(parsed.event, task.startMs, timeZone);
      if (occ !== void 0 && task.startMs - occ <= 12e4) durations.push(task.endMs - task.startMs);
    }
    if (durations.length === 0) continue;
    durations.sort((a, b) => a - b);
    out.set(t.name, durations[Math.floor(durations.length / 2)]);
  }
  return out;
}

export {
  desiredJobs,
  planJobs,
  planErrors,
  planIsEmpty,
  tierDurations
};
//# sourceMappingURL=chunk-7M3KQP3A.js.map
