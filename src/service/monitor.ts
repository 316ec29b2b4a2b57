import type { Config } from "../config/schema.js";
import type { Archive, ClusterFacts } from "../core/model.js";
import { isNewer } from "../core/newest.js";
import {
  type AssessPolicy,
  assessCluster,
  type ClusterReport,
  formatWall,
  type GuestReport,
} from "../core/status.js";
import type { PveReader } from "../pve/reader.js";

/**
 * Reads every cluster, judges every guest, remembers the last verdict (for unreachable clusters)
 * and the archives of each storage's last successful listing (for storages PVE cannot list now).
 */
export interface Monitor {
  /**
   * Refreshes run one at a time, in the order asked (the loop, a service call, a backup about
   * to start): each judges against the one before it and none overwrites a newer one.
   */
  refresh(nowMs: number): Promise<readonly ClusterReport[]>;
  latest(): readonly ClusterReport[];
  /** What the last refresh read from a cluster. */
  facts(cluster: string): ClusterFacts | undefined;
}

export interface MonitorDeps {
  readonly readers: ReadonlyMap<string, PveReader>;
  readonly policy: AssessPolicy;
}

export function createMonitor(deps: MonitorDeps): Monitor {
  let last: readonly ClusterReport[] = [];
  const lastFacts = new Map<string, ClusterFacts>();
  /** Per cluster, per storage: the archives of its last successful listing. */
  const lastListed = new Map<string, Map<string, readonly Archive[]>>();
  let queue: Promise<unknown> = Promise.resolve();

  async function refreshOnce(nowMs: number): Promise<readonly ClusterReport[]> {
    const reports = await Promise.all(
      [...deps.readers].map(async ([cluster, reader]) => {
        const facts = await reader.readFacts(nowMs);
        lastFacts.set(cluster, facts);
        const previous = last.find((r) => r.cluster === cluster)?.guests ?? [];
        const report = assessCluster(facts, deps.policy, nowMs, previous);
        if (!facts.reachable) return report;
        const listed = lastListed.get(cluster) ?? new Map<string, readonly Archive[]>();
        lastListed.set(cluster, listed);
        return keepLastListed(report, facts, listed, deps.policy.timeZone);
      }),
    );
    last = reports;
    return reports;
  }

  return {
    refresh(nowMs) {
      const run = queue.then(() => refreshOnce(nowMs));
      // A failed refresh must not block the ones queued after it.
      queue = run.catch(() => undefined);
      return run;
    },
    latest: () => last,
    facts: (cluster) => lastFacts.get(cluster),
  };
}

/**
 * While PVE cannot list a storage (its NAS is down: `active: 0`), a guest's newest archive there
 * is the one the last successful listing showed: nothing says it was deleted. The verdict stays
 * the one on what PVE shows now (`unknown`, with its reason); `lastBackup` keeps that archive
 * when it is newer than any visible one, and the reason says it is the last one seen. `listed`
 * (per storage, the archives of its last listing) is updated from `facts`.
 */
export function keepLastListed(
  report: ClusterReport,
  facts: Extract<ClusterFacts, { reachable: true }>,
  listed: Map<string, readonly Archive[]>,
  timeZone: string,
): ClusterReport {
  // A listing key is `storage` (shared) or `storage@node`: a storage listed through any node
  // shows what it holds now.
  const readable = new Set(facts.listed.map((key) => key.replace(/@[^@]*$/, "")));
  for (const storage of readable)
    listed.set(
      storage,
      facts.archives.filter((a) => a.storage === storage),
    );
  const remembered: Archive[] = [];
  for (const [storage, archives] of listed) if (!readable.has(storage)) remembered.push(...archives);
  if (remembered.length === 0) return report;
  return { ...report, guests: report.guests.map((g) => withRemembered(g, remembered, timeZone)) };
}

function withRemembered(g: GuestReport, remembered: readonly Archive[], timeZone: string): GuestReport {
  let best: Archive | undefined;
  for (const a of remembered)
    if (a.vmid === g.vmid && a.type === g.type && (!best || isNewer(a, best))) best = a;
  if (!best || (g.lastBackup && g.lastBackup.timeMs >= best.timeMs)) return g;
  return {
    ...g,
    lastBackup: {
      timeMs: best.timeMs,
      volid: best.volid,
      storage: best.storage,
      sizeBytes: best.sizeBytes,
      notes: best.notes ?? null,
    },
    reason: `${g.reason}; the last backup seen on '${best.storage}' (unreadable now) is from ${formatWall(best.timeMs, timeZone)}`,
  };
}

/** The judging rules the options imply: a guest's tier gives its grace. */
export function policyFromConfig(config: Config): AssessPolicy {
  const tierByVmid = new Map<number, { tier: string; graceMin: number }>();
  for (const t of config.tiers)
    for (const vmid of t.guests) tierByVmid.set(vmid, { tier: t.name, graceMin: t.graceMin });
  return {
    timeZone: config.timeZone,
    defaultGraceMin: config.graceMin,
    tierOf: (vmid) => tierByVmid.get(vmid),
  };
}
