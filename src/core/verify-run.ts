/**
 * The verification ledger: the last result per guest (what `status --json` shows as
 * `lastVerified` / `lastTestRestore`) and the run in progress, so a restart resumes with the
 * archives not yet checked instead of starting over. Pure: the adapter loads and saves it.
 */

import type { VerifyOutcome } from "./verify-archive.js";

export type VerifyDepth = "api" | "full";

/** Per guest in `status --json` (field names are the public contract). */
export interface LastVerified {
  readonly time: string;
  readonly depth: VerifyDepth;
  readonly result: "ok" | "failed";
  readonly durationMs: number;
  readonly message: string;
  /** The archive checked. */
  readonly volid: string;
}

export interface LastTestRestore {
  readonly time: string;
  readonly result: "ok" | "failed";
  readonly durationMs: number;
  readonly message: string;
  readonly volid: string;
}

export interface VerifyTarget {
  /** `<cluster>_<vmid>`, the stable guest key. */
  readonly key: string;
  readonly vmid: number;
  readonly volid: string;
  readonly node: string;
  readonly sizeBytes: number;
}

export interface VerifyRun {
  readonly depth: VerifyDepth;
  readonly startedMs: number;
  readonly targets: readonly VerifyTarget[];
  /** volids already checked in this run. */
  readonly done: readonly string[];
}

export interface VerifyLedger {
  readonly version: 1;
  readonly lastVerified: Readonly<Record<string, LastVerified>>;
  readonly lastTestRestore: Readonly<Record<string, LastTestRestore>>;
  readonly run: VerifyRun | null;
  /**
   * Per guest key, the verdict of each archive checked (newest last, at most VERDICTS_KEPT): tells
   * whether any of a guest's archives is known to be good.
   */
  readonly verdicts?: Readonly<Record<string, Readonly<Record<string, "ok" | "failed">>>>;
  /**
   * The test restore on now (written before the restore request, cleared after the copy is
   * gone): after a restart, which spare VMID may hold a copy to clean up.
   */
  readonly testRestoreRun?: TestRestoreRun | null;
}

export interface TestRestoreRun {
  readonly cluster: string;
  /** The guest whose archive is restored (`<cluster>_<vmid>`). */
  readonly key: string;
  readonly vmid: number;
  /** The guest's name, for the result after a restart. */
  readonly name?: string;
  readonly volid: string;
  readonly spareVmid: number;
  readonly guestType: "qemu" | "lxc";
  readonly startedMs: number;
}

/** Verdicts kept per guest (more than any tier keeps archives). */
export const VERDICTS_KEPT = 30;

export const EMPTY_LEDGER: VerifyLedger = { version: 1, lastVerified: {}, lastTestRestore: {}, run: null };

/**
 * Begin a run, or resume the one a restart interrupted when it was of the same depth and its
 * archives are still the newest asked for (the same volids): then only what is left is checked.
 */
export function beginRun(
  ledger: VerifyLedger,
  depth: VerifyDepth,
  targets: readonly VerifyTarget[],
  nowMs: number,
): { ledger: VerifyLedger; pending: readonly VerifyTarget[]; resumed: boolean } {
  const prev = ledger.run;
  const same =
    prev !== null &&
    prev.depth === depth &&
    prev.targets.length === targets.length &&
    prev.targets.every((t, i) => t.volid === targets[i]?.volid);
  const run: VerifyRun = same ? prev : { depth, startedMs: nowMs, targets, done: [] };
  const pending = run.targets.filter((t) => !run.done.includes(t.volid));
  return { ledger: { ...ledger, run }, pending, resumed: same && run.done.length > 0 };
}

/** Record one archive's outcome (and mark it done in the run). */
export function recordVerification(
  ledger: VerifyLedger,
  target: VerifyTarget,
  depth: VerifyDepth,
  outcome: VerifyOutcome,
  endMs: number,
  durationMs: number,
): VerifyLedger {
  const entry: LastVerified = {
    time: new Date(endMs).toISOString(),
    depth,
    result: outcome.result,
    durationMs,
    message: outcome.message,
    volid: target.volid,
  };
  const run = ledger.run && { ...ledger.run, done: [...ledger.run.done, target.volid] };
  const { [target.volid]: _old, ...earlier } = ledger.verdicts?.[target.key] ?? {};
  const kept = Object.entries(earlier).slice(-(VERDICTS_KEPT - 1));
  const verdicts = {
    ...ledger.verdicts,
    [target.key]: Object.fromEntries([...kept, [target.volid, outcome.result]]),
  };
  return { ...ledger, lastVerified: { ...ledger.lastVerified, [target.key]: entry }, run, verdicts };
}

/** The run is over: nothing left to resume. */
export function finishRun(ledger: VerifyLedger): VerifyLedger {
  return { ...ledger, run: null };
}

export function recordTestRestore(ledger: VerifyLedger, key: string, entry: LastTestRestore): VerifyLedger {
  return { ...ledger, lastTestRestore: { ...ledger.lastTestRestore, [key]: entry } };
}

/** Read a ledger from parsed JSON; anything unrecognisable is a fresh ledger (never a crash). */
export function ledgerFrom(value: unknown): VerifyLedger {
  if (typeof value !== "object" || value === null) return EMPTY_LEDGER;
  const v = value as Partial<VerifyLedger>;
  if (v.version !== 1 || typeof v.lastVerified !== "object" || v.lastVerified === null) return EMPTY_LEDGER;
  return {
    version: 1,
    lastVerified: v.lastVerified,
    lastTestRestore:
      typeof v.lastTestRestore === "object" && v.lastTestRestore !== null ? v.lastTestRestore : {},
    run: v.run && Array.isArray(v.run.targets) && Array.isArray(v.run.done) ? v.run : null,
    ...(typeof v.verdicts === "object" && v.verdicts !== null ? { verdicts: v.verdicts } : {}),
    ...(isTestRestoreRun(v.testRestoreRun) ? { testRestoreRun: v.testRestoreRun } : {}),
  };
}

function isTestRestoreRun(v: unknown): v is TestRestoreRun {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Partial<TestRestoreRun>;
  return (
    typeof r.cluster === "string" &&
    typeof r.key === "string" &&
    typeof r.spareVmid === "number" &&
    (r.guestType === "qemu" || r.guestType === "lxc")
  );
}
