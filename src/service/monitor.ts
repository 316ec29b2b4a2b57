import type { Config } from "../config/schema.js";
import type { ClusterFacts } from "../core/model.js";
import { type AssessPolicy, assessCluster, type ClusterReport } from "../core/status.js";
import type { PveReader } from "../pve/reader.js";

/** Reads every cluster, judges every guest, remembers the last verdict (for unreachable clusters). */
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
  let queue: Promise<unknown> = Promise.resolve();

  async function refreshOnce(nowMs: number): Promise<readonly ClusterReport[]> {
    const reports = await Promise.all(
      [...deps.readers].map(async ([cluster, reader]) => {
        const facts = await reader.readFacts(nowMs);
        lastFacts.set(cluster, facts);
        const previous = last.find((r) => r.cluster === cluster)?.guests ?? [];
        return assessCluster(facts, deps.policy, nowMs, previous);
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
