import type { Config } from "../config/schema.js";
import { recordTestRestore, type TestRestoreRun } from "../core/verify-run.js";
import { InputError, UpstreamError } from "../errors.js";
import type { Logger } from "../log.js";
import type { PveApi } from "../pve/api.js";
import type { LedgerStore } from "../verify/ledger-file.js";
import { readArchives } from "../verify/targets.js";
import {
  guestOnVmid,
  removeLeftoverCopy,
  runTestRestore,
  type TestRestoreDeps,
} from "../verify/test-restore.js";
import type { VerifyService } from "./verify.js";

/**
 * Test restores inside the service (options `verify.schedule` lines `<tier> test_restore every N
 * days`): the guest's newest archive goes through `runTestRestore` to `verify.spare_vmid`, with the
 * verifier held to itself meanwhile (no verification beside a restore). The ledger notes the
 * restore before it starts, so a restart in the middle finds the copy again and destroys it, but
 * only when PVE lists it under the product's name. A taken spare VMID is a failed result and the
 * guest on it is never touched; PVE that cannot be reached is no result at all (tried again later).
 */

export type TestRestoreTrigger = "schedule" | "restart";

/** One result, as the `pve_backup_test_restore_*` events carry it. */
export interface TestRestoreOutcome {
  readonly cluster: string;
  readonly vmid: number;
  readonly name: string;
  readonly volid: string;
  readonly result: "ok" | "failed";
  readonly message: string;
  readonly durationMs: number;
  readonly spareVmid: number;
  readonly trigger: TestRestoreTrigger;
}

/** The Home Assistant event of one result (`pve_backup_test_restore_finished` / `_failed`). */
export function testRestoreEvent(r: TestRestoreOutcome): { type: string; data: Record<string, unknown> } {
  return {
    type: r.result === "ok" ? "pve_backup_test_restore_finished" : "pve_backup_test_restore_failed",
    data: {
      cluster: r.cluster,
      vmid: r.vmid,
      name: r.name,
      volid: r.volid,
      result: r.result,
      message: r.message,
      duration_ms: r.durationMs,
      spare_vmid: r.spareVmid,
    },
  };
}

export interface TestRestoreServiceDeps {
  readonly config: Pick<Config, "clusters" | "storage" | "verify">;
  readonly apis: ReadonlyMap<string, PveApi>;
  readonly ledger: LedgerStore;
  readonly log: Logger;
  /** The clock results are stamped with (and the restore's deadlines run on). */
  readonly nowMs: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Poll interval for PVE tasks and the agent (default 2 s). */
  readonly pollMs?: number;
  readonly lock: Pick<VerifyService, "exclusive">;
  /** Each result, once it is in the ledger. */
  readonly onResult?: (r: TestRestoreOutcome) => void;
  /** The ledger changed: publish again. */
  readonly onChange?: () => void;
}

export interface TestRestoreService {
  /**
   * Start a test restore of `vmid`'s newest archive on `cluster`; throws InputError at once (nothing
   * started) while the verifier is busy or without a spare VMID. The promise resolves with the
   * result (undefined when there was nothing to restore or PVE could not be reached: no result).
   */
  start(cluster: string, vmid: number): Promise<TestRestoreOutcome | undefined>;
  /**
   * After a restart: the test restore the ledger says was on is cleaned up (its copy destroyed when
   * it carries the product's name) and recorded as failed. `later` when PVE cannot be read now or
   * the copy could not be removed (call again).
   */
  cleanUpInterrupted(): Promise<"none" | "cleaned" | "later">;
}

export function createTestRestoreService(deps: TestRestoreServiceDeps): TestRestoreService {
  const { config, log, ledger } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  function restoreDeps(api: PveApi): TestRestoreDeps {
    return { api, log, nowMs: deps.nowMs, sleep };
  }

  function finish(
    run: TestRestoreRun,
    r: Omit<TestRestoreOutcome, "cluster" | "vmid" | "volid" | "spareVmid">,
  ) {
    const outcome: TestRestoreOutcome = {
      ...r,
      cluster: run.cluster,
      vmid: run.vmid,
      volid: run.volid,
      spareVmid: run.spareVmid,
    };
    ledger.save({
      ...recordTestRestore(ledger.load(), run.key, {
        time: new Date(deps.nowMs()).toISOString(),
        result: outcome.result,
        durationMs: outcome.durationMs,
        message: outcome.message,
        volid: outcome.volid,
      }),
      testRestoreRun: null,
    });
    (outcome.result === "ok" ? log.info : log.warn)(
      `test restore of ${outcome.vmid} on ${outcome.cluster} to ${outcome.spareVmid}: ${outcome.result}: ${outcome.message}`,
    );
    deps.onResult?.(outcome);
    deps.onChange?.();
    return outcome;
  }

  async function restore(cluster: string, vmid: number, spareVmid: number, api: PveApi) {
    const storage = config.storage as string;
    const read = await readArchives(api, cluster, storage);
    const archive = read.archives.find((a) => a.vmid === vmid);
    if (!archive) {
      log.info(`test restore of ${vmid} on ${cluster}: nothing to do (no archive on ${storage})`);
      return undefined;
    }
    const run: TestRestoreRun = {
      cluster,
      key: archive.key,
      vmid,
      name: archive.name,
      volid: archive.volid,
      spareVmid,
      guestType: archive.guestType,
      startedMs: deps.nowMs(),
    };
    const startMs = deps.nowMs();
    const base = { name: archive.name, trigger: "schedule" as const };
    // Looked at right before the restore: a guest on the spare VMID is never ours to touch.
    const holder = await guestOnVmid(api, spareVmid);
    if (holder)
      return finish(run, {
        ...base,
        result: "failed",
        durationMs: deps.nowMs() - startMs,
        message: `spare VMID ${spareVmid} is in use${holder.name ? ` (by ${holder.name})` : ""}: it was left alone; set verify.spare_vmid to a VMID nothing uses`,
      });
    ledger.save({ ...ledger.load(), testRestoreRun: run });
    try {
      const r = await runTestRestore(restoreDeps(api), {
        volid: archive.volid,
        guestType: archive.guestType,
        ownerVmid: vmid,
        spareVmid,
        node: archive.node,
        targetStorage: config.verify.restoreStorage,
        bootTimeoutMs: config.verify.bootTimeoutMs,
        pollMs: deps.pollMs,
      });
      if (!r.cleanedUp)
        // The ledger keeps the run: the next start tries the cleanup again.
        log.warn(`test restore: the copy on ${spareVmid} is still there: ${r.message}`);
      const outcome = finish(run, {
        ...base,
        result: r.result,
        message: r.message,
        durationMs: r.durationMs,
      });
      if (!r.cleanedUp) ledger.save({ ...ledger.load(), testRestoreRun: run });
      return outcome;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof UpstreamError && err.retryable) {
        // PVE away before anything was created (runTestRestore cleans up what it made): no result.
        ledger.save({ ...ledger.load(), testRestoreRun: null });
        log.warn(`test restore of ${vmid} on ${cluster} could not start: ${message}; tried again later`);
        return undefined;
      }
      // The spare VMID taken meanwhile, an archive PVE cannot read: a failed test restore.
      return finish(run, { ...base, result: "failed", message, durationMs: deps.nowMs() - startMs });
    }
  }

  return {
    start(cluster, vmid) {
      const spareVmid = config.verify.spareVmid;
      const api = deps.apis.get(cluster);
      if (spareVmid === undefined)
        throw new InputError("a test restore needs a spare VMID: set verify.spare_vmid in the options");
      if (!api) throw new InputError(`no cluster named '${cluster}'`);
      if (!config.storage)
        throw new InputError("set 'storage' in the add-on options (the PVE storage the backups go to) first");
      return deps.lock.exclusive(`a test restore of ${vmid} on ${cluster} to ${spareVmid}`, () =>
        restore(cluster, vmid, spareVmid, api),
      );
    },
    async cleanUpInterrupted() {
      const run = ledger.load().testRestoreRun;
      if (!run) return "none";
      const api = deps.apis.get(run.cluster);
      if (!api) {
        log.warn(`the interrupted test restore names no configured cluster (${run.cluster}): forgotten`);
        ledger.save({ ...ledger.load(), testRestoreRun: null });
        return "cleaned";
      }
      try {
        return await deps.lock.exclusive(
          `the cleanup of an interrupted test restore on ${run.cluster}`,
          async () => {
            const startMs = deps.nowMs();
            const left = await removeLeftoverCopy(restoreDeps(api), { ...run, pollMs: deps.pollMs });
            if (left.kind === "failed") {
              log.warn(
                `the copy an interrupted test restore left on ${run.spareVmid} could not be removed: ${left.message}`,
              );
              return "later";
            }
            const what =
              left.kind === "removed"
                ? `its copy on ${run.spareVmid} was destroyed`
                : left.kind === "not_ours"
                  ? `VMID ${run.spareVmid} now holds a guest the add-on did not create (${left.name ?? "no name shown"}): it was left alone`
                  : `no copy was left on ${run.spareVmid}`;
            finish(run, {
              name: run.name ?? "",
              trigger: "restart",
              result: "failed",
              message: `a restart interrupted the test restore; ${what}`,
              durationMs: deps.nowMs() - startMs,
            });
            return "cleaned";
          },
        );
      } catch (err) {
        log.warn(
          `the interrupted test restore on ${run.cluster} cannot be cleaned up now: ${err instanceof Error ? err.message : String(err)}`,
        );
        return "later";
      }
    },
  };
}
