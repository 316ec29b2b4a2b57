import { type Capability, checkCapabilities, pveumCommands } from "./doctor.js";
import type { ClusterFacts } from "./model.js";
import type { Finding } from "./verify-findings.js";

/**
 * Lasting conditions the owner should fix in PVE, shown as Home Assistant Repairs by the
 * companion integration (issue_registry): a backup job pointing at a storage that does not exist,
 * a token lacking a privilege, an inactive backup storage. Each issue has a stable id, so the
 * integration creates it once and deletes it when the condition ends. Pure.
 */

export type RepairKind =
  | "job_missing_storage"
  | "token_privilege"
  | "storage_inactive"
  | "verification_failed"
  | "crash_consistent";

export interface RepairIssue {
  /** Stable, `[a-z0-9_]`: the issue id in Home Assistant. */
  readonly id: string;
  /** The translation key of the integration's strings (`issues.<kind>`). */
  readonly kind: RepairKind;
  readonly placeholders: Readonly<Record<string, string>>;
  /** Where to fix it (PVE's web UI). */
  readonly learnMoreUrl: string;
}

export interface RepairContext {
  readonly baseUrl: string;
  readonly tokenId: string;
  /** The backup storage of the options, if set. */
  readonly storage?: string;
  /** Tiers are set: the token must also manage jobs. */
  readonly manageJobs: boolean;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "_");

/**
 * The repairs of one cluster. An unreachable cluster, or one with an offline node (whose storages
 * are not listed), yields none: the conditions cannot be told apart from not knowing.
 */
export function findRepairs(facts: ClusterFacts | undefined, ctx: RepairContext): RepairIssue[] {
  if (!facts?.reachable) return [];
  const at = `${slug(facts.cluster)}`;
  const out: RepairIssue[] = [];
  const allOnline = facts.nodes.every((n) => n.online);
  const known = new Set(facts.storages.map((s) => s.storage));
  if (allOnline && facts.jobsError === undefined)
    for (const job of facts.jobs)
      if (job.storage !== undefined && !known.has(job.storage))
        out.push({
          id: `job_missing_storage_${at}_${slug(job.id)}`,
          kind: "job_missing_storage",
          placeholders: {
            cluster: facts.cluster,
            job: job.comment ? `${job.id} (${job.comment})` : job.id,
            storage: job.storage,
            state: job.enabled ? "enabled" : "disabled",
          },
          learnMoreUrl: ctx.baseUrl,
        });
  if (ctx.storage !== undefined && Object.keys(facts.permissions).length > 0) {
    const needed: Capability[] = ["read_guests", "see_archives", "read_jobs_and_tasks", "run_backups"];
    if (ctx.manageJobs) needed.push("manage_jobs");
    const missing = checkCapabilities(facts.permissions, ctx.storage).filter(
      (c) => needed.includes(c.capability) && !c.ok,
    );
    if (missing.length > 0)
      out.push({
        id: `token_privilege_${at}`,
        kind: "token_privilege",
        placeholders: {
          cluster: facts.cluster,
          token: ctx.tokenId,
          missing: missing.map((c) => `${c.label} (${c.missing.join(", ")})`).join("; "),
          pveum: pveumCommands(ctx.tokenId, needed, ctx.storage).join("\n"),
        },
        learnMoreUrl: ctx.baseUrl,
      });
  }
  const used = new Set([
    ...(ctx.storage === undefined ? [] : [ctx.storage]),
    ...facts.jobs.flatMap((j) => (j.enabled && j.storage !== undefined ? [j.storage] : [])),
  ]);
  const inactive = new Map<string, string[]>();
  for (const s of facts.storages)
    if (used.has(s.storage) && s.enabled && !s.active)
      inactive.set(s.storage, [...(inactive.get(s.storage) ?? []), s.node]);
  for (const [storage, nodes] of inactive)
    out.push({
      id: `storage_inactive_${at}_${slug(storage)}`,
      kind: "storage_inactive",
      placeholders: { cluster: facts.cluster, storage, nodes: nodes.join(", ") },
      learnMoreUrl: ctx.baseUrl,
    });
  return out;
}

/**
 * The consistency findings that are Repairs: a guest none of whose archives is known to restore
 * (`verification_failed`), and a VM backed up in snapshot mode with its guest agent off
 * (`crash_consistent`). The others stay in `doctor` and `plan`.
 */
export function findingRepairs(
  cluster: string,
  findings: readonly Finding[],
  names: ReadonlyMap<number, string>,
  baseUrl: string,
): RepairIssue[] {
  const out: RepairIssue[] = [];
  for (const f of findings) {
    const kind: RepairKind | undefined =
      f.kind === "no_good_archive"
        ? "verification_failed"
        : f.kind === "crash_consistent"
          ? f.kind
          : undefined;
    if (kind === undefined) continue;
    out.push({
      id: `${kind}_${slug(cluster)}_${f.vmid}`,
      kind,
      placeholders: {
        cluster,
        vmid: String(f.vmid),
        name: names.get(f.vmid) || String(f.vmid),
        message: f.message,
      },
      learnMoreUrl: baseUrl,
    });
  }
  return out;
}
