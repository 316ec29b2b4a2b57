/**
 * The guests whose latest verification or test restore failed, from the ledger: what the
 * cluster's `verification_problem` binary sensor shows. Pure.
 */

import type { VerifyLedger } from "./verify-run.js";

export interface VerificationProblem {
  readonly cluster: string;
  readonly vmid: number;
  readonly check: "verification" | "test_restore";
  readonly time: string;
  readonly message: string;
  readonly volid: string;
}

/**
 * The failed results per cluster, in vmid order (a guest's verification before its test restore).
 * Ledger keys are `<cluster>_<vmid>`; a key of no configured cluster is left out, and so is a
 * guest `exists` says is gone (its results no longer matter).
 */
export function verificationProblems(
  ledger: Pick<VerifyLedger, "lastVerified" | "lastTestRestore">,
  clusters: readonly string[],
  exists: (cluster: string, vmid: number) => boolean = () => true,
): VerificationProblem[] {
  const out: VerificationProblem[] = [];
  const sources = [
    ["verification", ledger.lastVerified],
    ["test_restore", ledger.lastTestRestore],
  ] as const;
  for (const [check, entries] of sources)
    for (const [key, v] of Object.entries(entries)) {
      if (v.result !== "failed") continue;
      const cluster = clusterOfKey(key, clusters);
      if (cluster === undefined) continue;
      const vmid = Number(key.slice(cluster.length + 1));
      if (!exists(cluster, vmid)) continue;
      out.push({ cluster, vmid, check, time: v.time, message: v.message, volid: v.volid });
    }
  const rank = (p: VerificationProblem) => (p.check === "verification" ? 0 : 1);
  return out.sort((a, b) => a.vmid - b.vmid || rank(a) - rank(b));
}

/** The cluster of a ledger key (`<cluster>_<vmid>`): at most one name leaves only digits. */
export function clusterOfKey(key: string, clusters: readonly string[]): string | undefined {
  return clusters.find((c) => key.startsWith(`${c}_`) && /^\d+$/.test(key.slice(c.length + 1)));
}
