import type { Attempt, Guest } from "./model.js";
import type { TierPolicy } from "./policy.js";

/**
 * "Back up now": which vzdump calls to make, one per node hosting requested guests. PVE answers
 * `"OK"` and does nothing when a call names no guest of the node it is sent to (reference §4.1),
 * so every call goes to the node the guest lives on now.
 *
 * A manual backup never costs a restore point the tier's retention promises (reference §3.3,
 * §5.4): it runs with `remove=0`, so it prunes nothing (not by the tier's retention, not by the
 * storage's own `prune-backups`), and its archive is `protected`, so the next scheduled prune
 * neither removes it nor counts it among the tier's `keep-last` newest. With `protected=1`, PVE
 * checks the guest's protected archives against the storage's `max-protected-backups` (5 for a
 * token without Datastore.Allocate) instead of the retention's limit. `protected` needs an
 * explicit storage: without one only `remove=0` is sent, and PVE refuses the backup (rather than
 * prune) when the default storage's retention is already full.
 */

export interface BackupRequest {
  /** Guests by vmid, and/or whole tiers by name. */
  readonly vmids: readonly number[];
  readonly tiers: readonly string[];
}

export interface VzdumpCall {
  readonly node: string;
  readonly vmids: readonly number[];
  /** `POST /nodes/{node}/vzdump` parameters, PVE keys. */
  readonly params: Readonly<Record<string, string | number>>;
}

export type BackupPlan =
  | { readonly ok: true; readonly calls: readonly VzdumpCall[] }
  | { readonly ok: false; readonly error: string };

export interface BackupNowInput {
  readonly request: BackupRequest;
  readonly guests: readonly Guest[];
  readonly tiers: readonly TierPolicy[];
  /** Attempts not yet finished (running or waiting). */
  readonly active: readonly Attempt[];
  /** Default backup storage (the options' `storage`); PVE's own default when absent. */
  readonly storage?: string;
}

/** The vmids a request names, directly or through its tiers, ascending; unknown tiers add none. */
export function requestedVmids(request: BackupRequest, tiers: readonly TierPolicy[]): number[] {
  const wanted = new Set<number>(request.vmids);
  for (const name of request.tiers)
    for (const v of tiers.find((t) => t.name === name)?.guests ?? []) wanted.add(v);
  return [...wanted].sort((a, b) => a - b);
}

export function planBackupNow(input: BackupNowInput): BackupPlan {
  const { request } = input;
  const unknown = request.tiers.find((name) => !input.tiers.some((t) => t.name === name));
  if (unknown !== undefined)
    return {
      ok: false,
      error: `unknown tier '${unknown}'; tiers are: ${input.tiers.map((t) => t.name).join(", ") || "(none configured)"}`,
    };
  const wanted = requestedVmids(request, input.tiers);
  if (wanted.length === 0) return { ok: false, error: "name at least one guest (vmid) or tier to back up" };
  const problems: string[] = [];
  const byNode = new Map<string, Guest[]>();
  for (const vmid of wanted) {
    const guest = input.guests.find((g) => g.vmid === vmid);
    if (!guest) problems.push(`guest ${vmid} does not exist (or the token cannot see it)`);
    else if (guest.template)
      problems.push(`guest ${vmid} (${guest.name}) is a template; templates are not backed up on demand`);
    else if (guest.lock === "backup" || input.active.some((a) => a.vmid === vmid))
      problems.push(`guest ${vmid} (${guest.name}) is already being backed up`);
    else byNode.set(guest.node, [...(byNode.get(guest.node) ?? []), guest]);
  }
  if (problems.length > 0) return { ok: false, error: `nothing started: ${problems.join("; ")}` };
  const calls: VzdumpCall[] = [];
  for (const [node, guests] of byNode) {
    // One vzdump task per node, as PVE runs them.
    const vmids = guests.map((g) => g.vmid);
    const params: Record<string, string | number> = {
      vmid: vmids.join(","),
      mode: "snapshot",
      compress: "zstd",
      remove: 0,
      "notification-mode": "notification-system",
    };
    if (input.storage) {
      params.storage = input.storage;
      params.protected = 1;
      params["notes-template"] = "{{guestname}}";
    }
    calls.push({ node, vmids, params });
  }
  return { ok: true, calls };
}
