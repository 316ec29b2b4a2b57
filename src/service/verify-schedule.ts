import type { ClusterReport } from "../core/status.js";
import { dueTestRestores, dueVerifications, type VerifyScheduleEntry } from "../core/verify-schedule.js";
import { InputError } from "../errors.js";
import type { Logger } from "../log.js";
import type { LedgerStore } from "../verify/ledger-file.js";
import type { Monitor } from "./monitor.js";
import type { VerifyService } from "./verify.js";
import type { TestRestoreService } from "./verify-test-restore.js";

/**
 * Scheduled verification (options `verify.schedule`): after each refresh, what
 * `dueVerifications` finds due on each cluster is queued on the verification service (behind a
 * run from Home Assistant, never beside it). An entry is tried at most every `retryMs`, so a NAS
 * that is down is tried again later, not hammered; the failure is logged as what it is.
 */

export interface VerifyScheduleDeps {
  readonly clusters: readonly { readonly name: string }[];
  readonly tiers: readonly { readonly name: string; readonly guests: readonly number[] }[];
  readonly entries: readonly VerifyScheduleEntry[];
  readonly verify: Pick<VerifyService, "request">;
  readonly monitor: Pick<Monitor, "facts">;
  readonly ledger: Pick<LedgerStore, "load">;
  readonly nowMs: () => number;
  readonly log: Logger;
  /** Default 30 minutes. */
  readonly retryMs?: number;
  /** Runs the `test_restore` lines; without it they are left out. */
  readonly testRestore?: Pick<TestRestoreService, "start">;
  /** Least time between two tries of a test restore line (default 6 hours). */
  readonly testRestoreRetryMs?: number;
}

export interface VerifySchedule {
  /** Look at the newest facts and queue what is due; resolves once queued (not run). */
  check(reports?: readonly ClusterReport[]): Promise<void>;
}

export const SCHEDULE_RETRY_MS = 30 * 60_000;
/** A test restore is heavy (a whole guest's disks): a failing one is tried again after this. */
export const TEST_RESTORE_RETRY_MS = 6 * 3_600_000;

export function createVerifySchedule(deps: VerifyScheduleDeps): VerifySchedule {
  const { log } = deps;
  const tried = new Map<string, Record<number, number>>();
  /** Start the test restore due on a cluster, if the verifier is free (otherwise at a later check). */
  function checkTestRestores(
    cluster: string,
    triedMs: Record<number, number>,
    svc: Pick<TestRestoreService, "start">,
  ): void {
    const due = dueTestRestores({
      entries: deps.entries,
      tiers: deps.tiers,
      facts: deps.monitor.facts(cluster),
      lastTestRestore: deps.ledger.load().lastTestRestore,
      nowMs: deps.nowMs(),
      triedMs,
      retryMs: deps.testRestoreRetryMs ?? TEST_RESTORE_RETRY_MS,
    });
    for (const d of due) {
      const what = `scheduled test restore of ${d.vmid} (tier ${d.tier}) on ${cluster}`;
      try {
        const done = svc.start(cluster, d.vmid);
        triedMs[d.entry] = deps.nowMs();
        log.info(`${what}: started`);
        done.catch((err: unknown) =>
          log.warn(`${what} stopped: ${err instanceof Error ? err.message : String(err)}`),
        );
      } catch (err) {
        // The verifier busy (a verification runs or waits): the next check tries again.
        log.info(`${what} waits: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
    }
  }

  return {
    async check() {
      const lastVerified = deps.ledger.load().lastVerified;
      for (const c of deps.clusters) {
        const triedMs = tried.get(c.name) ?? {};
        tried.set(c.name, triedMs);
        const due = dueVerifications({
          entries: deps.entries,
          tiers: deps.tiers,
          facts: deps.monitor.facts(c.name),
          lastVerified,
          nowMs: deps.nowMs(),
          triedMs,
          retryMs: deps.retryMs ?? SCHEDULE_RETRY_MS,
        });
        for (const d of due) {
          triedMs[d.entry] = deps.nowMs();
          const what = `scheduled ${d.full ? "full " : ""}verification of tier ${d.tier} on ${c.name} (${d.reason === "after_run" ? "after its run" : "periodic"})`;
          try {
            const run = await deps.verify.request({
              cluster: c.name,
              selection: { tier: d.tier },
              full: d.full,
              trigger: "schedule",
            });
            log.info(`${what}: ${run.joined ? "already on" : `queued, ${run.targets.length} archive(s)`}`);
            run.done.catch((err: unknown) =>
              log.warn(`${what} stopped: ${err instanceof Error ? err.message : String(err)}`),
            );
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            if (err instanceof InputError) log.info(`${what}: nothing to do (${message})`);
            else log.warn(`${what} could not start: ${message}; tried again later`);
          }
        }
        if (deps.testRestore) checkTestRestores(c.name, triedMs, deps.testRestore);
      }
    },
  };
}

export interface VerifyUpkeepDeps {
  readonly verify: Pick<VerifyService, "resumeInterrupted">;
  readonly testRestores?: Pick<TestRestoreService, "cleanUpInterrupted">;
  readonly schedule?: Pick<VerifySchedule, "check">;
  readonly log: Logger;
}

/**
 * What the service does for verification after each refresh, never waited for by it: first the
 * copy a restart left on the spare VMID (it holds the verifier meanwhile), then the verification a
 * restart interrupted, each until it is done, then the schedule. One pass at a time; a pass that
 * fails (the ledger cannot be written: a full disk) is logged and the next refresh tries again.
 */
export function createVerifyUpkeep(deps: VerifyUpkeepDeps): () => Promise<void> {
  let resumed = false;
  let cleaned = false;
  let running = false;
  return async () => {
    if (running) return;
    running = true;
    try {
      if (!cleaned) cleaned = (await deps.testRestores?.cleanUpInterrupted()) !== "later";
      if (!resumed) resumed = (await deps.verify.resumeInterrupted()) !== "later";
      await deps.schedule?.check();
    } catch (err) {
      deps.log.warn(
        `verification upkeep: ${err instanceof Error ? err.message : String(err)}; tried again after the next refresh`,
      );
    } finally {
      running = false;
    }
  };
}
