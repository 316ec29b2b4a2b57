/**
 * PVE's privilege model for the sim: built-in roles as privilege sets (reference §1.6, generated
 * in pve-access-control `AccessControl.pm` from privilege groups) and ACL evaluation along the
 * path tree (`RPCEnvironment::permissions`).
 */

export interface AclEntry {
  readonly path: string;
  readonly roles: readonly string[];
  readonly propagate: boolean;
}

/** Effective privileges on one path: privilege → 1 when it propagates to children, else 0. */
export type PrivilegeSet = Record<string, 0 | 1>;

const VM_AUDIT = ["VM.Audit", "VM.GuestAgent.Audit"];
const VM_USER = [
  "VM.Config.CDROM",
  "VM.Config.Cloudinit",
  "VM.Console",
  "VM.Backup",
  "VM.GuestAgent.FileRead",
  "VM.GuestAgent.FileWrite",
  "VM.PowerMgmt",
];
const VM_ADMIN = [
  "VM.Allocate",
  "VM.Migrate",
  "VM.Clone",
  "VM.Config.CPU",
  "VM.Config.Disk",
  "VM.Config.HWType",
  "VM.Config.Memory",
  "VM.Config.Network",
  "VM.Config.Options",
  "VM.Snapshot",
  "VM.Snapshot.Rollback",
  "VM.Replicate",
  "VM.GuestAgent.FileSystemMgmt",
  "VM.GuestAgent.Unrestricted",
];
const AUDIT = [...VM_AUDIT, "Sys.Audit", "Datastore.Audit", "SDN.Audit", "Pool.Audit", "Mapping.Audit"];
/** The "root" privilege group: only `Administrator` has these (not PVEAdmin, not PVESysAdmin). */
const ROOT_ONLY = ["Sys.Modify", "Sys.PowerMgmt", "Sys.Incoming", "Sys.AccessNetwork", "Realm.Allocate"];
const OTHER_ADMIN = [
  "Datastore.Allocate",
  "Datastore.AllocateSpace",
  "Datastore.AllocateTemplate",
  "Pool.Allocate",
  "Sys.Console",
  "Sys.Syslog",
  "Permissions.Modify",
  "Group.Allocate",
  "User.Modify",
  "Realm.AllocateUser",
  "SDN.Allocate",
  "SDN.Use",
  "Mapping.Modify",
  "Mapping.Use",
];

/** Every privilege PVE 9.1 knows, i.e. what `Administrator` holds. */
export const ALL_PRIVILEGES: readonly string[] = [
  ...new Set([...AUDIT, ...VM_USER, ...VM_ADMIN, ...ROOT_ONLY, ...OTHER_ADMIN]),
].sort();

export const BUILTIN_ROLES: Readonly<Record<string, readonly string[]>> = {
  Administrator: ALL_PRIVILEGES,
  PVEAdmin: ALL_PRIVILEGES.filter((p) => !ROOT_ONLY.includes(p)),
  PVEAuditor: AUDIT,
  PVEVMUser: [...VM_USER, ...VM_AUDIT],
  PVEVMAdmin: [...VM_ADMIN, ...VM_USER, ...VM_AUDIT],
  PVEDatastoreUser: ["Datastore.AllocateSpace", "Datastore.Audit"],
  PVEDatastoreAdmin: [
    "Datastore.Allocate",
    "Datastore.AllocateSpace",
    "Datastore.AllocateTemplate",
    "Datastore.Audit",
  ],
  PVESysAdmin: ["Sys.Console", "Sys.Syslog", "Sys.Audit"],
  PVEPoolUser: ["Pool.Audit"],
  PVEPoolAdmin: ["Pool.Allocate", "Pool.Audit"],
  PVETemplateUser: ["VM.Clone", "VM.Audit"],
  NoAccess: [],
};

export type RoleTable = Readonly<Record<string, readonly string[]>>;

/** `/vms/100` → `["/", "/vms", "/vms/100"]`. */
function pathChain(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  return ["/", ...parts.map((_, i) => `/${parts.slice(0, i + 1).join("/")}`)];
}

/**
 * Roles in effect on `path`: walk from `/` down; on each level the roles set exactly there (the
 * target level regardless of `propagate`, ancestors only when propagating) replace everything
 * inherited — a deeper ACL overrides, it does not add (pve-access-control `roles()`).
 */
export function rolesOn(acl: readonly AclEntry[], path: string): Map<string, boolean> {
  let roles = new Map<string, boolean>();
  for (const level of pathChain(path)) {
    const isTarget = level === path;
    const here = new Map<string, boolean>();
    for (const entry of acl) {
      if (entry.path !== level || !(isTarget || entry.propagate)) continue;
      for (const role of entry.roles) here.set(role, (here.get(role) ?? false) || entry.propagate);
    }
    if (here.size > 0) roles = here;
  }
  return roles;
}

/**
 * Effective privileges of an ACL list on `path` (`RPCEnvironment::permissions`). A guest in a pool
 * also gets what the pool's path grants, and `NoAccess` on a level wipes everything there.
 */
export function privilegesOn(
  acl: readonly AclEntry[],
  path: string,
  roleTable: RoleTable,
  poolOf?: (vmid: number) => string | undefined,
): PrivilegeSet {
  return privilegesOfGrants(grantsOn(acl, path, poolOf), roleTable);
}

/**
 * The role grants behind the privileges on `path`: the roles in effect there and, for a guest in
 * a pool, on the pool's path (a level whose roles include `NoAccess` grants nothing). Paths with
 * equal grants have equal privileges.
 */
export function grantsOn(
  acl: readonly AclEntry[],
  path: string,
  poolOf?: (vmid: number) => string | undefined,
): Map<string, boolean>[] {
  const grants: Map<string, boolean>[] = [];
  const add = (p: string) => {
    const roles = rolesOn(acl, p);
    if (!roles.has("NoAccess")) grants.push(roles);
  };
  add(path);
  const vm = /^\/vms\/(\d+)$/.exec(path);
  const pool = vm && poolOf ? poolOf(Number(vm[1])) : undefined;
  if (pool) add(`/pool/${pool}`);
  return grants;
}

/** The privileges `grantsOn` adds up to: 1 where some grant of them propagates. */
export function privilegesOfGrants(
  grants: readonly Map<string, boolean>[],
  roleTable: RoleTable,
): PrivilegeSet {
  const result: PrivilegeSet = {};
  for (const roles of grants) {
    for (const [role, propagate] of roles) {
      for (const priv of roleTable[role] ?? []) {
        result[priv] = result[priv] === 1 || propagate ? 1 : 0;
      }
    }
  }
  return result;
}

/** Whether `privs` holds `priv` (any value: propagation does not matter on the path itself). */
export function holds(privs: PrivilegeSet, priv: string): boolean {
  return priv in privs;
}

/** Paths `/access/permissions` reports without `path`: the top-level ones, every ACL path, every pool. */
export function reportedPaths(acl: readonly AclEntry[], pools: readonly string[]): string[] {
  const paths = new Set(["/", "/access", "/access/groups", "/nodes", "/pool", "/sdn", "/storage", "/vms"]);
  for (const entry of acl) paths.add(entry.path);
  for (const pool of pools) paths.add(`/pool/${pool}`);
  return [...paths].sort();
}
