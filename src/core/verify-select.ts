/**
 * Which archives a verification request names: the newest archive of each guest named by vmid,
 * of every guest of a tier, or of every guest with an archive. Pure; the CLI, the
 * `pve_backup.verify` service, the per-guest button and the schedule all decide here, so they
 * refuse the same input with the same sentence.
 */

export interface VerifySelection {
  /** Guests by vmid; empty or undefined with no tier: every guest with an archive. */
  readonly vmids?: readonly number[];
  /** A tier's name (case-insensitive). */
  readonly tier?: string;
}

export type SelectOutcome<T> =
  | { readonly kind: "ok"; readonly targets: readonly T[] }
  | { readonly kind: "error"; readonly message: string };

export interface SelectInput<T extends { readonly vmid: number }> {
  /** The newest archive of each guest that has one, in vmid order. */
  readonly archives: readonly T[];
  /** Every guest of the cluster (vmids), archive or not; undefined when not known. */
  readonly guests?: readonly number[];
  readonly tiers: readonly { readonly name: string; readonly guests: readonly number[] }[];
  /** Named in messages. */
  readonly cluster: string;
  readonly storage: string;
}

export function selectArchives<T extends { readonly vmid: number }>(
  input: SelectInput<T>,
  sel: VerifySelection,
): SelectOutcome<T> {
  const wanted = new Set<number>(sel.vmids ?? []);
  if (sel.tier !== undefined) {
    const name = sel.tier;
    const tier = input.tiers.find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (!tier)
      return {
        kind: "error",
        message: `'${name}' is not a tier (tiers: ${input.tiers.map((t) => t.name).join(", ") || "none"})`,
      };
    if (tier.guests.length === 0) return { kind: "error", message: `tier ${tier.name} has no guests` };
    for (const v of tier.guests) wanted.add(v);
  }
  if (wanted.size === 0) {
    if (input.archives.length === 0)
      return { kind: "error", message: `no guest has an archive on ${input.storage} to verify` };
    return { kind: "ok", targets: [...input.archives] };
  }
  const named = sel.vmids ?? [];
  // A guest deleted since its backups still has them: only one with neither is unknown.
  const hasArchive = (v: number) => input.archives.some((a) => a.vmid === v);
  const unknown = input.guests ? named.filter((v) => !input.guests?.includes(v) && !hasArchive(v)) : [];
  if (unknown.length > 0)
    return {
      kind: "error",
      message: `${unknown.length === 1 ? "guest" : "guests"} ${unknown.join(", ")} ${unknown.length === 1 ? "does" : "do"} not exist on cluster ${input.cluster}`,
    };
  const bare = named.filter((v) => !hasArchive(v));
  if (bare.length > 0)
    return {
      kind: "error",
      message: `${bare.length === 1 ? "guest" : "guests"} ${bare.join(", ")} ${bare.length === 1 ? "has" : "have"} no archive on ${input.storage} to verify`,
    };
  const targets = input.archives.filter((a) => wanted.has(a.vmid));
  if (targets.length === 0)
    return {
      kind: "error",
      message: `tier ${sel.tier}'s guests have no archive on ${input.storage} to verify`,
    };
  return { kind: "ok", targets };
}
