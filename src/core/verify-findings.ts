/**
 * Consistency findings: backups that exist but will disappoint at restore time. A running VM
 * backed up in snapshot mode without its QEMU guest agent gets no filesystem freeze (crash-
 * consistent only: a database such as Postgres replays its WAL, or worse); a stopped guest that
 * has never been backed up; retention that leaves fewer copies than the tier promises (protected
 * archives do not count toward the promise, PVE prunes around them); a newest archive that failed
 * its verification.
 */

import type { LastVerified } from "./verify-run.js";

export interface ConsistencyFacts {
  readonly vmid: number;
  readonly name: string;
  readonly type: "qemu" | "lxc";
  readonly running: boolean;
  /** The mode of the enabled job covering the guest (`snapshot` is PVE's default); undefined: in no job. */
  readonly backupMode?: "snapshot" | "suspend" | "stop";
  /** `agent` in the guest's config; undefined when unknown. */
  readonly agentEnabled?: boolean;
  /** The guest's archives on the backup storage. */
  readonly archives: readonly { readonly protected: boolean; readonly volid?: string }[];
  /** The tier's keep_last; undefined when the guest is in no tier. */
  readonly promisedCopies?: number;
  readonly lastVerified?: Pick<LastVerified, "result" | "message" | "time">;
  /** Each checked archive's verdict (the ledger's `verdicts` of the guest), by volid. */
  readonly verdicts?: Readonly<Record<string, "ok" | "failed">>;
}

export type FindingKind =
  | "crash_consistent"
  | "never_backed_up"
  | "fewer_copies"
  | "verification_failed"
  | "no_good_archive";

export interface Finding {
  readonly vmid: number;
  readonly kind: FindingKind;
  readonly message: string;
}

export function consistencyFindings(guests: readonly ConsistencyFacts[]): Finding[] {
  const out: Finding[] = [];
  for (const g of guests) {
    const who = `${g.vmid}${g.name ? ` (${g.name})` : ""}`;
    if (g.type === "qemu" && g.running && g.backupMode === "snapshot" && g.agentEnabled === false)
      out.push({
        vmid: g.vmid,
        kind: "crash_consistent",
        message: `${who} is backed up in snapshot mode with its QEMU guest agent off: the archive is only crash-consistent (databases must recover on restore). Set agent: 1 and install qemu-guest-agent in the guest`,
      });
    if (!g.running && g.archives.length === 0)
      out.push({
        vmid: g.vmid,
        kind: "never_backed_up",
        message: `${who} is stopped and has never been backed up: ${g.backupMode === undefined ? "add it to a tier" : "its next run will be its first copy"}`,
      });
    const kept = g.archives.filter((a) => !a.protected).length;
    const pinned = g.archives.length - kept;
    if (g.promisedCopies !== undefined && g.archives.length > 0 && kept < g.promisedCopies)
      out.push({
        vmid: g.vmid,
        kind: "fewer_copies",
        message: `${who} has ${kept} of the ${g.promisedCopies} copies its tier promises${pinned > 0 ? ` (plus ${pinned} protected, which do not count)` : ""}`,
      });
    if (g.lastVerified?.result === "failed")
      out.push({
        vmid: g.vmid,
        kind: "verification_failed",
        message: `${who}: its newest archive failed verification at ${g.lastVerified.time}: ${g.lastVerified.message}`,
      });
    // No archive of the guest is known to restore: the newest failed and none passed.
    if (
      g.lastVerified?.result === "failed" &&
      g.archives.length > 0 &&
      !g.archives.some((a) => a.volid !== undefined && g.verdicts?.[a.volid] === "ok")
    )
      out.push({
        vmid: g.vmid,
        kind: "no_good_archive",
        message: `${who}: none of its ${g.archives.length} archive(s) is known to restore: the newest failed verification (${g.lastVerified.message}) and none passed. Find out why (the storage, the NAS, the guest's disks), back it up again and verify the new archive`,
      });
  }
  return out;
}
