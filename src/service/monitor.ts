import type { Config } from "../config/schema.js";
import { type AssessPolicy, assessCluster, type ClusterReport } from "../core/status.js";
import type { PveReader } from "../pve/reader.js";

/** Reads every cluster, judges every guest, remembers the last verdict (for unreachable clusters). */
export interface Monitor {
  refresh(nowMs: number): Promise<readonly ClusterReport[]>;
  latest(): readonly ClusterReport[];
}

export interface MonitorDeps {
  readonly readers: ReadonlyMap<string, PveReader>;
  readonly policy: AssessPolicy;
}

export function createMonitor(deps: MonitorDeps): Monitor {
  let last: readonly ClusterReport[] = [];
  return {
    async refresh(nowMs) {
      const reports = await Promise.all(
        [...deps.readers].map(async ([cluster, reader]) => {
          const facts = await reader.readFacts(nowMs);
          const previous = last.find((r) => r.cluster === cluster)?.guests ?? [];
          return assessCluster(facts, deps.policy, nowMs, previous);
        }),
      );
      last = reports;
      return reports;
    },
    latest: () => last,
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
