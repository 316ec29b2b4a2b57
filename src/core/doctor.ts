import type { Permissions } from "./model.js";
import { hasPrivilege } from "./permissions.js";

/**
 * The permission doctor: what the token can do, capability by capability, and the exact
 * `pveum` commands for a least-privilege role (privileges per endpoint: reference §1.6).
 */

export type Capability =
  | "read_guests"
  | "see_archives"
  | "read_jobs_and_tasks"
  | "run_backups"
  | "manage_jobs"
  | "manage_storage"
  | "create_webhooks";

export const CAPABILITIES: readonly Capability[] = [
  "read_guests",
  "see_archives",
  "read_jobs_and_tasks",
  "run_backups",
  "manage_jobs",
  "manage_storage",
  "create_webhooks",
];

const LABEL: Record<Capability, string> = {
  read_guests: "read guests",
  see_archives: "see backup archives",
  read_jobs_and_tasks: "read backup jobs and tasks",
  run_backups: "run backups",
  manage_jobs: "manage backup jobs",
  manage_storage: "manage the backup storage",
  create_webhooks: "create webhook notifications",
};

/** One privilege on one path; `anyOf` alternatives are listed as separate requirement sets. */
interface Need {
  readonly path: string;
  readonly priv: string;
}

/** Each capability: alternatives (any one suffices), each a list of needs (all required). */
function requirements(cap: Capability, storage: string): readonly [readonly Need[], ...(readonly Need[])[]] {
  const s = `/storage/${storage}`;
  switch (cap) {
    case "read_guests":
      return [[{ path: "/vms", priv: "VM.Audit" }]];
    case "see_archives":
      // pve-storage check_volume_access: Allocate, or AllocateSpace plus VM.Backup per guest.
      return [
        [{ path: s, priv: "Datastore.Allocate" }],
        [
          { path: s, priv: "Datastore.AllocateSpace" },
          { path: "/vms", priv: "VM.Backup" },
        ],
      ];
    case "read_jobs_and_tasks":
      // Scheduled runs are root@pam's tasks: seeing them needs Sys.Audit on the nodes.
      return [
        [
          { path: "/", priv: "Sys.Audit" },
          { path: "/nodes", priv: "Sys.Audit" },
        ],
      ];
    case "run_backups":
      return [
        [
          { path: "/vms", priv: "VM.Backup" },
          { path: s, priv: "Datastore.AllocateSpace" },
        ],
      ];
    case "manage_jobs":
      return [
        [
          { path: "/", priv: "Sys.Modify" },
          { path: s, priv: "Datastore.Allocate" },
        ],
      ];
    case "manage_storage":
      return [[{ path: "/storage", priv: "Datastore.Allocate" }]];
    case "create_webhooks":
      return [
        [
          { path: "/mapping/notifications", priv: "Mapping.Modify" },
          { path: "/", priv: "Sys.Audit" },
          { path: "/", priv: "Sys.Modify" },
        ],
        [
          { path: "/mapping/notifications", priv: "Mapping.Modify" },
          { path: "/", priv: "Sys.AccessNetwork" },
        ],
      ];
  }
}

export interface CapabilityCheck {
  readonly capability: Capability;
  readonly label: string;
  readonly ok: boolean;
  /** For a missing capability, the privileges of its first alternative that are missing. */
  readonly missing: readonly string[];
}

export function checkCapabilities(perms: Permissions, storage: string): CapabilityCheck[] {
  return CAPABILITIES.map((capability) => {
    const alternatives = requirements(capability, storage);
    const ok = alternatives.some((needs) => needs.every((n) => hasPrivilege(perms, n.path, n.priv)));
    const missing = ok
      ? []
      : alternatives[0]
          .filter((n) => !hasPrivilege(perms, n.path, n.priv))
          .map((n) => `${n.priv} on ${n.path}`);
    return { capability, label: LABEL[capability], ok, missing };
  });
}

/**
 * `pveum` commands creating a role with exactly the privileges of the chosen capabilities and
 * granting it to the token (with privilege separation a token needs its own ACL) and its user.
 */
export function pveumCommands(
  tokenId: string,
  capabilities: readonly Capability[],
  storage: string,
): string[] {
  const privs = new Set<string>();
  for (const cap of capabilities) for (const n of requirements(cap, storage)[0]) privs.add(n.priv);
  const user = tokenId.slice(0, tokenId.indexOf("!"));
  const token = tokenId.slice(tokenId.indexOf("!") + 1);
  const role = "PVEBackupPanel";
  return [
    `pveum role add ${role} --privs "${[...privs].sort().join(",")}"   # or: pveum role modify ${role} --privs "…"`,
    `pveum user add ${user}   # skip if the user exists`,
    `pveum user token add ${user} ${token} --privsep 1   # skip if the token exists; note the secret`,
    `pveum acl modify / --users ${user} --roles ${role}`,
    `pveum acl modify / --tokens '${tokenId}' --roles ${role}`,
  ];
}
