import type { Config } from "../config/schema.js";
import type { VerifyDepth, VerifyLedger } from "../core/verify-run.js";
import { selectArchives, type VerifySelection } from "../core/verify-select.js";
import { InputError } from "../errors.js";
import type { Logger } from "../log.js";
import type { PveApi } from "../pve/api.js";
import type { LedgerStore } from "../verify/ledger-file.js";
import { type DumpDir, runVerification, type VerifyRow, type VerifyRunResult } from "../verify/run.js";
import { type ArchiveTarget, readArchives } from "../verify/targets.js";

/**
 * Verification inside the service: what `pve_backup.verify`, the per-guest `verify` button, the
 * schedule and the resume after a restart call. Runs go through the CLI's own `runVerification`
 * and ledger, one at a time (the ledger keeps one run to resume): a request for exactly the run
 * that is on (a second press of the same button) joins it; any other request from Home Assistant
 * while one is on or waiting is refused with a sentence saying what runs; the schedule waits its
 * turn. A request is checked in full (cluster, guests, tier, NAS login, the archives to read)
 * before anything starts, so bad input changes nothing.
 */

export type VerifyTrigger = "service" | "button" | "schedule" | "resume";

export interface VerifyRequest {
  readonly cluster: string;
  readonly selection: VerifySelection;
  readonly full: boolean;
  readonly trigger: VerifyTrigger;
}

/** One result, as the `pve_backup_verification_*` events carry it. */
export interface VerificationResult extends VerifyRow {
  readonly cluster: string;
  readonly trigger: VerifyTrigger;
}

/** The Home Assistant event of one result (`pve_backup_verification_finished` / `_failed`). */
export function verificationEvent(r: VerificationResult): { type: string; data: Record<string, unknown> } {
  return {
    type: r.result === "ok" ? "pve_backup_verification_finished" : "pve_backup_verification_failed",
    data: {
      cluster: r.cluster,
      vmid: r.vmid,
      name: r.name,
      volid: r.volid,
      depth: r.depth,
      result: r.result,
      message: r.message,
      duration_ms: r.durationMs,
      trigger: r.trigger,
    },
  };
}

export interface VerifyServiceDeps {
  readonly config: Pick<Config, "clusters" | "storage" | "tiers" | "verify">;
  readonly apis: ReadonlyMap<string, PveApi>;
  readonly ledger: LedgerStore;
  readonly log: Logger;
  /** The clock results are stamped with. */
  readonly nowMs: () => number;
  /** Wall clock for durations and the throttle (default Date.now). */
  readonly clockMs?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The NAS's dump directory (options `verify.dump_path` and the `ha_backups` login); none: no full check. */
  readonly openDump?: () => Promise<DumpDir & { close(): void }>;
  /** Each archive's result, once it is in the ledger. */
  readonly onResult?: (r: VerificationResult) => void;
  /** The ledger changed: publish again. */
  readonly onChange?: () => void;
  /** A run ended (finished, stopped or failed). */
  readonly onRunEnd?: () => void;
}

/** A run that was accepted: its archives, and promises for its start (the NAS opened) and end. */
export interface AcceptedRun {
  readonly cluster: string;
  readonly depth: VerifyDepth;
  readonly targets: readonly ArchiveTarget[];
  readonly trigger: VerifyTrigger;
  /** True when the request joined the run that was already on or waiting. */
  readonly joined: boolean;
  /** Resolves once the run has begun (rejects when the NAS cannot be opened). */
  readonly started: Promise<void>;
  /** Resolves with the run's results; rejects on an outage (the ledger keeps the run to resume). */
  readonly done: Promise<VerifyRunResult>;
}

export interface VerifyService {
  /** Check a request and queue it; throws InputError for bad input or a busy verifier. */
  request(req: VerifyRequest): Promise<AcceptedRun>;
  /** Check several (one per cluster) and queue them all, or none. */
  requestAll(
    reqs: readonly VerifyRequest[],
    opts?: {
      /**
       * Leave out a cluster whose request cannot be met (no archive of the tier there, the
       * cluster unreachable) as long as one can; `skipped` gets why. Otherwise one failure fails all.
       */
      readonly skipped?: { cluster: string; reason: string }[];
    },
  ): Promise<AcceptedRun[]>;
  /** The run on now, if any. */
  busy(): { cluster: string; trigger: VerifyTrigger; done: number; total: number } | undefined;
  /**
   * Queue the run a restart interrupted (the ledger's): `later` when PVE cannot be read now (call
   * again), `dropped` when it cannot continue (its guests or the NAS login are gone).
   */
  resumeInterrupted(): Promise<"none" | "resumed" | "dropped" | "later">;
  /**
   * Run `fn` (a test restore) with the verifier to itself: nothing else starts until it ends. Throws
   * InputError at once (nothing run) while a verification runs or waits, or another such run is on;
   * `what` names it in the refusals others get meanwhile ("a test restore of 102 on home").
   */
  exclusive<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** Stop after the archive being checked; the ledger keeps the rest for the next start. */
  stop(): void;
  /** Resolves when nothing runs or waits. */
  idle(): Promise<void>;
}

/** What to set for the full check. */
export const FULL_NEEDS_NAS =
  "a full check reads the archives from the NAS: set verify.dump_path and the NAS login in ha_backups (host, username, key or password, host_key_fingerprint)";

/** A second press of a guest's button within this time after its check ended does not check again. */
export const BUTTON_REPEAT_MS = 10_000;

interface Job extends AcceptedRun {
  readonly signature: string;
  readonly resolveStart: () => void;
  readonly rejectStart: (err: unknown) => void;
  readonly resolveDone: (r: VerifyRunResult) => void;
  readonly rejectDone: (err: unknown) => void;
  progress: number;
}

export function createVerifyService(deps: VerifyServiceDeps): VerifyService {
  const { config, log } = deps;
  const clockMs = deps.clockMs ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let active: Job | undefined;
  const waiting: Job[] = [];
  let stopped = false;
  /** What holds the verifier to itself (a test restore), if anything. */
  let exclusiveWhat: string | undefined;
  let idleWaiters: (() => void)[] = [];

  async function prepare(req: VerifyRequest): Promise<Omit<Job, "joined">> {
    const cluster = config.clusters.find((c) => c.name === req.cluster);
    const api = deps.apis.get(req.cluster);
    if (!cluster || !api) throw new InputError(`no cluster named '${req.cluster}'`);
    const storage = config.storage;
    if (!storage)
      throw new InputError("set 'storage' in the add-on options (the PVE storage the backups go to) first");
    if (req.full && (!deps.openDump || !config.verify.dumpPath)) throw new InputError(FULL_NEEDS_NAS);
    const read = await readArchives(api, req.cluster, storage);
    const picked = selectArchives(
      { ...read, tiers: config.tiers, cluster: req.cluster, storage },
      req.selection,
    );
    if (picked.kind === "error") throw new InputError(picked.message);
    const depth: VerifyDepth = req.full ? "full" : "api";
    let resolveStart = () => {};
    let rejectStart: (err: unknown) => void = () => {};
    let resolveDone: (r: VerifyRunResult) => void = () => {};
    let rejectDone: (err: unknown) => void = () => {};
    const started = new Promise<void>((res, rej) => {
      resolveStart = res;
      rejectStart = rej;
    });
    const done = new Promise<VerifyRunResult>((res, rej) => {
      resolveDone = res;
      rejectDone = rej;
    });
    // Whoever joins or not, an unobserved failure must not end the process.
    started.catch(() => undefined);
    done.catch(() => undefined);
    return {
      cluster: req.cluster,
      depth,
      targets: picked.targets,
      trigger: req.trigger,
      signature: signatureOf(req.cluster, depth, picked.targets),
      started,
      done,
      resolveStart,
      rejectStart,
      resolveDone,
      rejectDone,
      progress: 0,
    };
  }

  function same(signature: string): Job | undefined {
    return [active, ...waiting].find((j) => j?.signature === signature);
  }

  function describeBusy(): string {
    if (exclusiveWhat !== undefined) return `${exclusiveWhat} is running: call again when it has finished`;
    const j = active ?? waiting[0];
    if (!j) return "";
    const what = j.trigger === "schedule" ? "a scheduled" : j.trigger === "resume" ? "a resumed" : "a";
    return `${what} verification of ${j.targets.length} archive(s) on ${j.cluster} is ${active ? `running (${j.progress} checked)` : "waiting"}: call again when it has finished`;
  }

  function enqueue(job: Omit<Job, "joined">): AcceptedRun {
    const j: Job = { ...job, joined: false };
    waiting.push(j);
    void pump();
    return j;
  }

  async function pump(): Promise<void> {
    if (active || exclusiveWhat !== undefined) return;
    const next = waiting.shift();
    if (!next) {
      for (const w of idleWaiters) w();
      idleWaiters = [];
      return;
    }
    active = next;
    try {
      next.resolveDone(await execute(next));
    } catch (err) {
      next.rejectStart(err);
      next.rejectDone(err);
      log.warn(
        `verification on ${next.cluster} stopped: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      active = undefined;
      deps.onChange?.();
      deps.onRunEnd?.();
      void pump();
    }
  }

  async function execute(job: Job): Promise<VerifyRunResult> {
    if (stopped) throw new InputError("the add-on is stopping");
    const api = deps.apis.get(job.cluster) as PveApi;
    const dump =
      job.depth === "full" ? await (deps.openDump as NonNullable<typeof deps.openDump>)() : undefined;
    job.resolveStart();
    log.info(
      `verifying ${job.targets.length} archive(s) on ${job.cluster} (${job.depth === "full" ? "full read from the NAS" : "through PVE"}, ${job.trigger})`,
    );
    try {
      return await runVerification(
        {
          api,
          ledger: deps.ledger,
          dump,
          bytesPerSec: config.verify.maxBytesPerSec,
          nowMs: deps.nowMs,
          clockMs,
          sleep,
          stopped: () => stopped,
          onResult: (row) => {
            job.progress++;
            if (row.result === "failed") log.warn(`verification of ${row.volid} failed: ${row.message}`);
            deps.onResult?.({ ...row, cluster: job.cluster, trigger: job.trigger });
            deps.onChange?.();
          },
        },
        job.targets,
        job.depth,
      );
    } finally {
      dump?.close();
    }
  }

  const self: VerifyService = {
    async request(req) {
      return (await self.requestAll([req]))[0] as AcceptedRun;
    },
    async requestAll(reqs, opts) {
      if (stopped) throw new InputError("the add-on is stopping");
      const prepared: Omit<Job, "joined">[] = [];
      let firstError: unknown;
      for (const r of reqs) {
        try {
          prepared.push(await prepare(r));
        } catch (err) {
          if (!opts?.skipped) throw err;
          firstError ??= err;
          opts.skipped.push({ cluster: r.cluster, reason: err instanceof Error ? err.message : String(err) });
        }
      }
      if (prepared.length === 0 && firstError !== undefined) throw firstError;
      // A press right after the same archive was checked (a double press that came after the
      // first check ended) answers with that check instead of running it again.
      if (reqs.every((r) => r.trigger === "button")) {
        const last = deps.ledger.load().lastVerified;
        const fresh = prepared.every((p) =>
          p.targets.every((t) => {
            const v = last[t.key];
            return v?.volid === t.volid && deps.nowMs() - Date.parse(v.time) < BUTTON_REPEAT_MS;
          }),
        );
        if (fresh && !prepared.some((p) => same(p.signature)))
          return prepared.map((p) => {
            p.resolveStart();
            p.resolveDone({
              rows: [],
              alreadyChecked: p.targets.length,
              finished: true,
              ledger: deps.ledger.load(),
            });
            return { ...p, joined: true };
          });
      }
      const fromUser = reqs.some((r) => r.trigger === "service" || r.trigger === "button");
      const joins = prepared.map((p) => same(p.signature));
      if (
        fromUser &&
        (active || waiting.length > 0 || exclusiveWhat !== undefined) &&
        joins.some((j) => j === undefined)
      )
        throw new InputError(describeBusy());
      return prepared.map((p, i) => {
        const existing = joins[i];
        return existing ? { ...existing, joined: true } : enqueue(p);
      });
    },
    busy: () =>
      active && {
        cluster: active.cluster,
        trigger: active.trigger,
        done: active.progress,
        total: active.targets.length,
      },
    async resumeInterrupted() {
      const run = deps.ledger.load().run;
      if (!run || run.targets.length === 0) return "none";
      const cluster = clusterOfRun(run, config.clusters);
      const drop = (why: string) => {
        log.warn(`the interrupted verification cannot resume (${why}): dropped`);
        deps.ledger.save({ ...deps.ledger.load(), run: null });
        return "dropped" as const;
      };
      if (cluster === undefined) return drop("it names no configured cluster");
      const vmids = run.targets.map((t) => t.vmid);
      try {
        const accepted = await self.request({
          cluster,
          selection: { vmids },
          full: run.depth === "full",
          trigger: "resume",
        });
        log.info(
          `resuming the verification a restart interrupted (${run.done.length} of ${vmids.length} checked)`,
        );
        accepted.done.catch(() => undefined);
        return "resumed";
      } catch (err) {
        // Guests gone, the NAS login removed: the old run cannot continue.
        if (err instanceof InputError) return drop(err.message);
        log.warn(
          `the interrupted verification cannot resume now: ${err instanceof Error ? err.message : String(err)}`,
        );
        return "later";
      }
    },
    exclusive(what, fn) {
      if (stopped) throw new InputError("the add-on is stopping");
      if (active || waiting.length > 0 || exclusiveWhat !== undefined) throw new InputError(describeBusy());
      exclusiveWhat = what;
      // A throw inside fn becomes the rejection; the verifier is released either way.
      return Promise.resolve()
        .then(fn)
        .finally(() => {
          exclusiveWhat = undefined;
          void pump();
        });
    },
    stop() {
      stopped = true;
      for (const j of waiting.splice(0)) {
        const err = new InputError("the add-on is stopping");
        j.rejectStart(err);
        j.rejectDone(err);
      }
    },
    idle() {
      if (!active && waiting.length === 0 && exclusiveWhat === undefined) return Promise.resolve();
      return new Promise((r) => idleWaiters.push(r));
    },
  };
  return self;
}

function signatureOf(cluster: string, depth: VerifyDepth, targets: readonly ArchiveTarget[]): string {
  return JSON.stringify([cluster, depth, targets.map((t) => t.volid)]);
}

/** The cluster of a ledger run: its targets' keys are `<cluster>_<vmid>`. */
function clusterOfRun(
  run: NonNullable<VerifyLedger["run"]>,
  clusters: readonly { readonly name: string }[],
): string | undefined {
  const first = run.targets[0];
  if (!first) return undefined;
  const name = first.key.slice(0, first.key.length - String(first.vmid).length - 1);
  return clusters.find((c) => c.name === name)?.name;
}
