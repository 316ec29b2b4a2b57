import { createHash } from "node:crypto";
import type { App } from "../app.js";
import type { ClusterConfig } from "../config/schema.js";
import {
  CAPABILITIES,
  type Capability,
  type CapabilityCheck,
  checkCapabilities,
  pveumCommands,
} from "../core/doctor.js";
import { type Plan, planErrors, planIsEmpty } from "../core/policy.js";
import { InputError } from "../errors.js";
import type { PveApi } from "../pve/api.js";
import { type ApplyReport, applyPlan, planCluster } from "../pve/jobs.js";
import { Jobs, PermissionMap } from "../pve/wire.js";

/**
 * The policy actions, in one place for every caller: `pve-backup plan|apply|doctor`, the
 * `pve_backup.apply_policy` service and the panel. Each reads PVE fresh; deciding stays in
 * `core/policy.ts` and `core/doctor.ts`.
 */

export type PolicyApp = Pick<App, "config" | "apis">;

export interface ClusterPlan {
  readonly cluster: string;
  readonly storage: string;
  readonly plan: Plan;
  /** The plan has errors: apply refuses it. */
  readonly blocked: boolean;
  /** PVE already matches the policy. */
  readonly inSync: boolean;
  /**
   * Identifies the plan's changes; an apply confirmed for one fingerprint refuses to carry out
   * a plan that has changed since (someone edited a job in PVE meanwhile).
   */
  readonly fingerprint: string;
}

export interface PolicyRequest {
  readonly nowMs: number;
  /** One cluster by name; default every configured one. */
  readonly cluster?: string;
}

/** The plan of each cluster (or the named one). Needs `storage` and `tiers` in the options. */
export async function planPolicy(app: PolicyApp, req: PolicyRequest): Promise<ClusterPlan[]> {
  const storage = requirePolicy(app);
  const out: ClusterPlan[] = [];
  for (const { cluster, api } of clustersOf(app, req.cluster)) {
    const plan = await planCluster(api, {
      tiers: app.config.tiers,
      storage,
      timeZone: app.config.timeZone,
      nowMs: req.nowMs,
    });
    out.push({
      cluster: cluster.name,
      storage,
      plan,
      blocked: planErrors(plan).length > 0,
      inSync: planIsEmpty(plan),
      fingerprint: planFingerprint(plan),
    });
  }
  return out;
}

export interface ApplyRequest extends PolicyRequest {
  /**
   * When given, the fingerprint of the plan the user confirmed, per cluster: a cluster whose plan
   * now differs is not touched and the whole call fails with an InputError.
   */
  readonly confirmed?: Readonly<Record<string, string>>;
}

export interface ClusterApply {
  readonly cluster: string;
  readonly plan: Plan;
  /** null when nothing was applied: in sync, or the plan has errors. */
  readonly applied: ApplyReport | null;
}

const applying = new WeakSet<PolicyApp>();

/**
 * Plan and apply every cluster's plan (or the named one's). A plan with errors or without
 * changes is not applied. One apply at a time per app: a second one while the first runs (a
 * double click, the CLI beside the panel) is refused with an InputError, nothing changed.
 */
export async function applyPolicy(app: PolicyApp, req: ApplyRequest): Promise<ClusterApply[]> {
  if (applying.has(app)) throw new InputError("the policy is being applied already; wait for it to finish");
  applying.add(app);
  try {
    const plans = await planPolicy(app, req);
    if (req.confirmed) {
      const changed = plans.filter((p) => !p.inSync && req.confirmed?.[p.cluster] !== p.fingerprint);
      if (changed.length > 0)
        throw new InputError(
          `the plan for ${changed.map((p) => p.cluster).join(", ")} changed since it was shown; review it again, nothing was applied`,
        );
    }
    const out: ClusterApply[] = [];
    for (const p of plans) {
      if (p.blocked || p.inSync) {
        out.push({ cluster: p.cluster, plan: p.plan, applied: null });
        continue;
      }
      const api = app.apis.get(p.cluster) as PveApi;
      out.push({ cluster: p.cluster, plan: p.plan, applied: await applyPlan(api, p.plan) });
    }
    return out;
  } finally {
    applying.delete(app);
  }
}

export interface DoctorReport {
  readonly cluster: string;
  readonly token: string;
  readonly storage: string;
  readonly capabilities: readonly (CapabilityCheck & { readonly needed: boolean })[];
  /** The `pveum` lines that give the token what it lacks; empty when nothing is missing. */
  readonly fix: readonly string[];
  /** Enabled jobs that mail their results past the notification system. */
  readonly mailtoJobs: readonly string[];
  /** Some needed capability is missing. */
  readonly missing: boolean;
}

/** What the token may do on one cluster, and the `pveum` lines that fix what it may not. */
export async function diagnoseToken(
  app: PolicyApp,
  req: { readonly cluster?: string },
): Promise<DoctorReport> {
  const [{ cluster, api }] = clustersOf(app, req.cluster, true) as [{ cluster: ClusterConfig; api: PveApi }];
  const storage = app.config.storage ?? "local";
  const [perms, jobs] = await Promise.all([
    api.get("/access/permissions").then((d) => PermissionMap.parse(d)),
    api
      .get("/cluster/backup")
      .then((d) => Jobs.parse(d))
      // The jobs only add a note; the token's capabilities are the answer.
      .catch(() => []),
  ]);
  const needed = neededCapabilities(app);
  const capabilities = checkCapabilities(perms, storage).map((c) => ({
    ...c,
    needed: needed.includes(c.capability),
  }));
  const missing = capabilities.some((c) => c.needed && !c.ok);
  const mailtoJobs = jobs
    .filter(
      (j) =>
        typeof j.mailto === "string" &&
        j["notification-mode"] !== "notification-system" &&
        j.enabled !== false,
    )
    .map((j) => j.id);
  return {
    cluster: cluster.name,
    token: cluster.tokenId,
    storage,
    capabilities,
    fix: missing ? pveumCommands(cluster.tokenId, needed, storage) : [],
    mailtoJobs,
    missing,
  };
}

/** Watching always; running backups and webhooks always; managing jobs when tiers are set. */
function neededCapabilities(app: PolicyApp): Capability[] {
  const manage = app.config.tiers.length > 0;
  return CAPABILITIES.filter((c) => (c === "manage_jobs" ? manage : c !== "manage_storage"));
}

function requirePolicy(app: PolicyApp): string {
  if (!app.config.storage)
    throw new InputError(
      "no 'storage' in the options: name the PVE storage backups go to (e.g. nas-backups)",
    );
  if (app.config.tiers.length === 0)
    throw new InputError("no 'tiers' in the options: there is no policy to plan (see README, Options)");
  return app.config.storage;
}

/** The named cluster, or every one (`single`: the only one, else the caller must name it). */
function clustersOf(
  app: PolicyApp,
  name: string | undefined,
  single = false,
): { cluster: ClusterConfig; api: PveApi }[] {
  const all = app.config.clusters;
  let chosen: readonly ClusterConfig[] = all;
  if (name !== undefined) {
    const c = all.find((x) => x.name === name);
    if (!c)
      throw new InputError(`no cluster named '${name}'; configured: ${all.map((x) => x.name).join(", ")}`);
    chosen = [c];
  } else if (single && all.length !== 1) {
    throw new InputError(
      `several clusters are configured: choose one (${all.map((x) => x.name).join(", ")})`,
    );
  }
  return chosen.flatMap((cluster) => {
    const api = app.apis.get(cluster.name);
    return api ? [{ cluster, api }] : [];
  });
}

/** A short hash of what applying the plan would change (findings do not count). */
export function planFingerprint(plan: Plan): string {
  const steps = { c: plan.create, u: plan.update, e: plan.enable, d: plan.disable };
  return createHash("sha256").update(JSON.stringify(steps)).digest("hex").slice(0, 16);
}
