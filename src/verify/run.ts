import { judgeExtractedConfig, type VerifyOutcome } from "../core/verify-archive.js";
import {
  beginRun,
  finishRun,
  recordVerification,
  type VerifyDepth,
  type VerifyLedger,
} from "../core/verify-run.js";
import { UpstreamError } from "../errors.js";
import type { PveApi } from "../pve/api.js";
import { type DumpSource, fullCheckArchive } from "./full-check.js";
import type { LedgerStore } from "./ledger-file.js";
import type { ArchiveTarget } from "./targets.js";

/**
 * One verification run over chosen archives, the same for `pve-backup verify`, the
 * `pve_backup.verify` service, the per-guest button and the schedule: the cheap check asks PVE to
 * read the archive's header and config (`vzdump/extractconfig`), the full check reads the whole
 * file from the NAS. Each result goes to the ledger as soon as it is known, so a run stopped by a
 * restart or an outage resumes with the archives it had not reached. An outage (PVE or the NAS
 * out of reach) stops the run with an UpstreamError and records nothing about the archive: a NAS
 * that does not answer says nothing about what it holds.
 */

export interface VerifyRow {
  readonly vmid: number;
  readonly name: string;
  readonly volid: string;
  readonly depth: VerifyDepth;
  readonly result: "ok" | "failed";
  readonly durationMs: number;
  readonly message: string;
}

/** The NAS's `dump/` directory; `alive` tells a dropped connection from a file that cannot be read. */
export type DumpDir = DumpSource & { readonly alive?: () => Promise<boolean> };

export interface VerifyRunDeps {
  readonly api: PveApi;
  readonly ledger: LedgerStore;
  /** Open on the NAS's dump directory: required for the full check. */
  readonly dump?: DumpDir;
  /** Full-check read rate; 0 = unlimited. */
  readonly bytesPerSec: number;
  /** The clock results are stamped with (epoch ms). */
  readonly nowMs: () => number;
  /** The wall clock durations and the throttle use. */
  readonly clockMs: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Each result as soon as it is in the ledger. */
  readonly onResult?: (row: VerifyRow) => Promise<void> | void;
  /** Checked between archives: true stops the run, which then resumes on the next start. */
  readonly stopped?: () => boolean;
}

export interface VerifyRunResult {
  readonly rows: readonly VerifyRow[];
  /** Archives an interrupted run had checked before this one resumed it. */
  readonly alreadyChecked: number;
  /** False when stopped before the end (the ledger keeps the run to resume). */
  readonly finished: boolean;
  readonly ledger: VerifyLedger;
}

export async function runVerification(
  deps: VerifyRunDeps,
  targets: readonly ArchiveTarget[],
  depth: VerifyDepth,
): Promise<VerifyRunResult> {
  if (depth === "full" && !deps.dump) throw new Error("a full check needs the NAS's dump directory");
  const started = beginRun(deps.ledger.load(), depth, targets, deps.nowMs());
  const alreadyChecked = targets.length - started.pending.length;
  // The ledger may have changed since it was loaded (a test restore): each write starts from disk.
  const update = (f: (l: VerifyLedger) => VerifyLedger): VerifyLedger => {
    const next = f(deps.ledger.load());
    deps.ledger.save(next);
    return next;
  };
  let ledger = update((l) => ({ ...l, run: started.ledger.run }));
  const rows: VerifyRow[] = [];
  const byVolid = new Map(targets.map((t) => [t.volid, t]));
  for (const pending of started.pending) {
    if (deps.stopped?.()) return { rows, alreadyChecked, finished: false, ledger };
    const t = byVolid.get(pending.volid) as ArchiveTarget;
    const t0 = deps.clockMs();
    const outcome = deps.dump ? await fullCheck(deps, deps.dump, t) : await apiCheck(deps.api, t);
    const durationMs = deps.clockMs() - t0;
    ledger = update((l) =>
      recordVerification({ ...l, run: ledger.run }, t, depth, outcome, deps.nowMs(), durationMs),
    );
    const row: VerifyRow = {
      vmid: t.vmid,
      name: t.name,
      volid: t.volid,
      depth,
      result: outcome.result,
      durationMs,
      message: outcome.message,
    };
    rows.push(row);
    await deps.onResult?.(row);
  }
  ledger = update(finishRun);
  return { rows, alreadyChecked, finished: true, ledger };
}

/** PVE reads the archive's header and config; a 500 is its verdict, anything else an outage. */
export async function apiCheck(api: PveApi, t: ArchiveTarget): Promise<VerifyOutcome> {
  let result: { text: string } | { error: string };
  try {
    const text = await api.get(`/nodes/${t.node}/vzdump/extractconfig`, { volume: t.volid });
    result = typeof text === "string" ? { text } : { error: "PVE answered without a config" };
  } catch (err) {
    // A 500 is PVE's `die` while reading the archive: that is the verdict. Anything else (no
    // answer, a node down, a missing privilege) says nothing about the archive.
    if (!(err instanceof UpstreamError && err.details.status === 500)) throw err;
    result = {
      error: err.message
        .replace(/^GET \S+: 500 /, "")
        .replace(/\s+/g, " ")
        .trim(),
    };
  }
  return judgeExtractedConfig(t.guestType, result);
}

async function fullCheck(deps: VerifyRunDeps, dump: DumpDir, t: ArchiveTarget): Promise<VerifyOutcome> {
  const r = await fullCheckArchive(
    dump,
    { name: t.fileName, sizeBytes: t.sizeBytes },
    { bytesPerSec: deps.bytesPerSec, nowMs: deps.clockMs, sleep: deps.sleep },
  );
  if (r.readError !== undefined && dump.alive && !(await dump.alive()))
    throw new UpstreamError(
      `could not reach the NAS while reading ${t.fileName} (${r.readError}): nothing was recorded for it; the run resumes with it on the next try`,
      { retryable: true },
    );
  return r.outcome;
}
