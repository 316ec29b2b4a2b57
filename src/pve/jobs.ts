import type { NodeState, StorageView } from "../core/model.js";
import {
  type JobFields,
  type Plan,
  type PlanInput,
  planJobs,
  type TierPolicy,
  tierDurations,
} from "../core/policy.js";
import { UpstreamError } from "../errors.js";
import type { PveApi } from "./api.js";
import { toGuests, toNodes, toStorageView } from "./mapper.js";
import { Jobs, NodeStorages, Resources, Tasks } from "./wire.js";

/**
 * Reads what planning needs from PVE and carries out a plan on `/cluster/backup`
 * (reference §3). Deciding stays in `core/policy.ts`.
 */

export interface PolicyContext {
  readonly tiers: readonly TierPolicy[];
  readonly storage: string;
  readonly timeZone: string;
  readonly nowMs: number;
}

export interface ClusterSnapshot {
  readonly nodes: readonly NodeState[];
  readonly storages: readonly StorageView[];
}

/** Everything `planJobs` needs, read in two rounds. */
export async function readPlanInput(api: PveApi, ctx: PolicyContext): Promise<PlanInput & ClusterSnapshot> {
  const [resources, jobs] = await Promise.all([
    api.get("/cluster/resources").then((d) => Resources.parse(d)),
    api.get("/cluster/backup").then((d) => Jobs.parse(d)),
  ]);
  const nodes = toNodes(resources);
  const online = nodes.filter((n) => n.online).map((n) => n.name);
  const sinceSec = Math.floor((ctx.nowMs - 14 * 86_400_000) / 1000);
  const [storageLists, taskLists, scheduleErrors] = await Promise.all([
    Promise.all(
      online.map((n) =>
        api
          .get(`/nodes/${n}/storage`, { content: "backup" })
          .then((d) => NodeStorages.parse(d).map((r) => toStorageView(n, r))),
      ),
    ),
    Promise.all(
      online.map((n) =>
        api
          .get(`/nodes/${n}/tasks`, { typefilter: "vzdump", since: sinceSec, limit: 1000 })
          .then((d) => Tasks.parse(d)),
      ),
    ),
    validateSchedules(api, ctx.tiers),
  ]);
  const tasks = taskLists.flat().map((t) => ({
    startMs: t.starttime * 1000,
    endMs: t.endtime === undefined ? undefined : t.endtime * 1000,
  }));
  return {
    tiers: ctx.tiers,
    storage: ctx.storage,
    jobs,
    guests: toGuests(resources),
    nodes,
    storages: storageLists.flat(),
    scheduleErrors,
    tierDurationsMs: tierDurations(ctx.tiers, tasks, ctx.timeZone),
    timeZone: ctx.timeZone,
    nowMs: ctx.nowMs,
  };
}

/** The plan for one cluster, as `pve-backup plan` and `pve_backup.apply_policy` make it. */
export async function planCluster(api: PveApi, ctx: PolicyContext): Promise<Plan> {
  return planJobs(await readPlanInput(api, ctx));
}

/** PVE itself is the judge of a calendar event: `/cluster/jobs/schedule-analyze` (reference §2.4). */
async function validateSchedules(api: PveApi, tiers: readonly TierPolicy[]): Promise<Map<string, string>> {
  const errors = new Map<string, string>();
  await Promise.all(
    tiers.map(async (t) => {
      try {
        await api.get("/cluster/jobs/schedule-analyze", { schedule: t.schedule, iterations: 1 });
      } catch (err) {
        if (err instanceof UpstreamError && err.details.status === 400)
          errors.set(t.name, err.message.replace(/^GET \S+: /, ""));
        else throw err;
      }
    }),
  );
  return errors;
}

export type ApplyAction = "create" | "update" | "enable" | "disable";

export interface ApplyStep {
  readonly action: ApplyAction;
  readonly id: string;
}

export interface ApplyReport {
  readonly applied: readonly ApplyStep[];
  /** The step that failed, if any; nothing after it was attempted. */
  readonly failed?: ApplyStep & { readonly error: string };
  readonly notApplied: readonly ApplyStep[];
}

/**
 * Carry out a plan one step at a time, stopping at the first failure and saying exactly what
 * was and was not applied. Steps are idempotent against a fresh plan: running `apply` again
 * after a failure converges. Only owned jobs appear in a plan, so no other job is touched.
 */
export async function applyPlan(api: PveApi, plan: Plan): Promise<ApplyReport> {
  const steps: { step: ApplyStep; run: () => Promise<unknown> }[] = [
    ...plan.create.map((j) => ({
      step: { action: "create" as const, id: j.id },
      run: () => api.post("/cluster/backup", { id: j.id, ...j.fields }),
    })),
    ...plan.update.map((u) => ({
      step: { action: "update" as const, id: u.id },
      run: () => api.put(`/cluster/backup/${encodeURIComponent(u.id)}`, updateParams(u.changes, u.desired)),
    })),
    ...plan.enable.map((id) => ({
      step: { action: "enable" as const, id },
      run: () => api.put(`/cluster/backup/${encodeURIComponent(id)}`, { enabled: 1 }),
    })),
    ...plan.disable.map((id) => ({
      step: { action: "disable" as const, id },
      run: () => api.put(`/cluster/backup/${encodeURIComponent(id)}`, { enabled: 0 }),
    })),
  ];
  const applied: ApplyStep[] = [];
  for (const [i, { step, run }] of steps.entries()) {
    try {
      await run();
      applied.push(step);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      return { applied, failed: { ...step, error }, notApplied: steps.slice(i + 1).map((s) => s.step) };
    }
  }
  return { applied, notApplied: [] };
}

/**
 * Changed fields as PUT parameters; fields to drop go in `delete` (reference §3.3). PVE checks
 * `requires` on the request alone: `notes-template` and `protected` need `storage` beside them
 * even when the job already has one (reference §11.12).
 */
export function updateParams(
  changes: readonly { field: string; to: string | number | null }[],
  desired: JobFields,
): JobFields {
  const params: Record<string, string | number> = {};
  const drop: string[] = [];
  for (const c of changes) {
    if (c.to === null) drop.push(c.field);
    else params[c.field] = c.to;
  }
  if (drop.length > 0) params.delete = drop.join(",");
  const needsStorage = "notes-template" in params || "protected" in params;
  if (needsStorage && params.storage === undefined && desired.storage !== undefined)
    params.storage = desired.storage;
  return params;
}
