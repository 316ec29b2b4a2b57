import { MANUAL_NOTES_TEMPLATE } from "./manual-keep.js";
import type { Attempt, Guest, Permissions } from "./model.js";
import { hasPrivilege } from "./permissions.js";
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
  /** What the token may do; absent when it could not be read (PVE then decides). */
  readonly access?: BackupAccess;
}

export interface BackupAccess {
  /** The token's privileges, as `GET /access/permissions` answers them. */
  readonly permissions: Permissions;
  /** `user@realm!name`: whom the `pveum` line grants the missing privilege. */
  readonly tokenId: string;
}

/** The built-in role that grants each privilege a backup needs, with little else (reference §1.6). */
const GRANTING_ROLE = { "VM.Backup": "PVEVMUser", "Datastore.AllocateSpace": "PVEDatastoreUser" } as const;

/**
 * The privileges vzdump will want and the token lacks (reference §1.6, §4.1): VM.Backup on each
 * guest (PVE checks it only inside the task, which then fails), Datastore.AllocateSpace on the
 * storage (checked before the task starts). Each problem names the privilege and the `pveum` line
 * that grants it, to the token and its user (a privilege-separated token needs both).
 */
function missingPrivileges(access: BackupAccess, guests: readonly Guest[], storage?: string): string[] {
  const { permissions, tokenId } = access;
  const grant = (path: string, priv: keyof typeof GRANTING_ROLE) => {
    const user = tokenId.slice(0, tokenId.indexOf("!"));
    return `pveum acl modify ${path} --users ${user} --tokens '${tokenId}' --roles ${GRANTING_ROLE[priv]}`;
  };
  const problems: string[] = [];
  const unbackable = guests.filter((g) => !hasPrivilege(permissions, `/vms/${g.vmid}`, "VM.Backup"));
  if (unbackable.length > 0) {
    const which = unbackable.map((g) => `${g.vmid} (${g.name})`).join(", ");
    const path = unbackable.length === 1 ? `/vms/${(unbackable[0] as Guest).vmid}` : "/vms";
    problems.push(
      `the token ${tokenId} lacks VM.Backup on guest${unbackable.length === 1 ? "" : "s"} ${which}; grant it with: ${grant(path, "VM.Backup")}`,
    );
  }
  if (storage !== undefined && !hasPrivilege(permissions, `/storage/${storage}`, "Datastore.AllocateSpace"))
    problems.push(
      `the token ${tokenId} lacks Datastore.AllocateSpace on /storage/${storage}; grant it with: ${grant(`/storage/${storage}`, "Datastore.AllocateSpace")}`,
    );
  return problems;
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
  if (problems.length === 0 && input.access)
    problems.push(
      ...missingPrivileges(
        input.access,
        [...byNode.values()].flat().sort((a, b) => a.vmid - b.vmid),
        input.storage,
      ),
    );
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
      params["notes-template"] = MANUAL_NOTES_TEMPLATE;
    }
    calls.push({ node, vmids, params });
  }
  return { ok: true, calls };
}
