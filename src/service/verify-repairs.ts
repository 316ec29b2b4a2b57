import type { Config } from "../config/schema.js";
import { findingRepairs, type RepairIssue } from "../core/repairs.js";
import type { Logger } from "../log.js";
import type { PveApi } from "../pve/api.js";
import { readFindings } from "../verify/findings.js";
import type { LedgerStore } from "../verify/ledger-file.js";
import type { Monitor } from "./monitor.js";

/**
 * The consistency findings that are Repairs (a guest none of whose archives is known to restore, a
 * VM backed up in snapshot mode with its guest agent off), read through the PVE API at most every
 * `intervalMs` after a refresh and again whenever a verification changed the ledger. A cluster
 * that cannot be read keeps its last issues: not knowing is not fixed.
 */
export interface VerifyRepairs {
  /** The issues of every cluster, as last read. */
  issues(): readonly RepairIssue[];
  /** Read again soon (a verification ended). */
  soon(): void;
  /** After a refresh: read when the last read is older than the interval. */
  afterRefresh(): void;
  /** Resolves when no read is on. */
  idle(): Promise<void>;
}

export function createVerifyRepairs(deps: {
  readonly config: Pick<Config, "clusters" | "storage" | "tiers">;
  readonly apis: ReadonlyMap<string, PveApi>;
  readonly ledger: Pick<LedgerStore, "load">;
  readonly monitor: Pick<Monitor, "facts">;
  readonly log: Logger;
  /** Wall clock. */
  readonly nowMs: () => number;
  /** Default one hour. */
  readonly intervalMs?: number;
  /** The issues changed: send them. */
  readonly onChange: () => void;
}): VerifyRepairs {
  const intervalMs = deps.intervalMs ?? 3_600_000;
  const latest = new Map<string, RepairIssue[]>();
  let readMs = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | undefined;
  let again = false;

  async function readAll(): Promise<void> {
    do {
      again = false;
      readMs = deps.nowMs();
      const before = JSON.stringify([...latest]);
      for (const c of deps.config.clusters) {
        const api = deps.apis.get(c.name);
        if (!api) continue;
        try {
          const findings = await readFindings(api, deps.config, c.name, deps.ledger.load());
          const facts = deps.monitor.facts(c.name);
          const names = new Map(facts?.reachable ? facts.guests.map((g) => [g.vmid, g.name]) : []);
          latest.set(c.name, findingRepairs(c.name, findings, names, c.baseUrl));
        } catch (err) {
          deps.log.debug(
            `consistency findings of ${c.name} not read: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
      if (JSON.stringify([...latest]) !== before) deps.onChange();
    } while (again);
  }

  function start(): void {
    if (reading) {
      again = true;
      return;
    }
    reading = readAll().finally(() => {
      reading = undefined;
    });
  }

  return {
    issues: () => [...latest.values()].flat(),
    soon: start,
    afterRefresh() {
      if (deps.nowMs() - readMs >= intervalMs) start();
    },
    async idle() {
      while (reading) await reading;
    },
  };
}
