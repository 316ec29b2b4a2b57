import type { Permissions } from "./model.js";

/**
 * Whether the token holds `priv` on `path`, from `GET /access/permissions`.
 * That answer lists the effective privileges per ACL path (value 1 = propagates to children);
 * a path it does not list inherits the propagating privileges of its nearest listed ancestor.
 */
export function hasPrivilege(perms: Permissions, path: string, priv: string): boolean {
  const exact = perms[path];
  if (exact) return priv in exact;
  for (let p = parentPath(path); p !== undefined; p = parentPath(p)) {
    const listed = perms[p];
    if (listed) return listed[priv] === 1;
  }
  return false;
}

function parentPath(path: string): string | undefined {
  if (path === "/") return undefined;
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

/**
 * Whether backup volumes of guest `vmid` on `storage` appear in a content listing. PVE filters
 * them per item and still answers 200 (pve-storage `Storage.pm::check_volume_access`): visible with
 * Datastore.Allocate on the storage, or Datastore.AllocateSpace on it plus VM.Backup on the guest.
 */
export function canSeeBackups(perms: Permissions, storage: string, vmid: number): boolean {
  const s = `/storage/${storage}`;
  return (
    hasPrivilege(perms, s, "Datastore.Allocate") ||
    (hasPrivilege(perms, s, "Datastore.AllocateSpace") && hasPrivilege(perms, `/vms/${vmid}`, "VM.Backup"))
  );
}
