import { permissionError } from "./api-error.js";
import { type PrivilegeSet, privilegesOn, reportedPaths } from "./permissions.js";
import type { Route, SimDeps } from "./route.js";
import { poolNames } from "./state.js";

/**
 * `GET /access/permissions` (pve-access-control `API2/AccessControl.pm`): the caller's effective
 * privileges, `{path: {priv: 1|0}}` with 1 = propagates. Without `path` it lists the top-level
 * paths, every ACL path and every pool (`get_effective_permissions`), leaving out empty ones; with
 * `path`, just that path.
 */
export function accessRoutes(deps: SimDeps): Route[] {
  const { state } = deps;
  return [
    {
      method: "GET",
      path: "/access/permissions",
      params: {
        path: { type: "string", optional: true },
        userid: { type: "string", optional: true },
      },
      handle: ({ caller }, p) => {
        const userid = p.userid === undefined ? caller.tokenId : String(p.userid);
        // Anyone may see their own; someone else's needs Sys.Audit on /access.
        if (userid !== caller.tokenId && !caller.has("/access", "Sys.Audit")) {
          throw permissionError("/access", "Sys.Audit");
        }
        const token = state.tokens.find((t) => t.id === userid);
        const acl = token?.acl ?? [];
        const poolOf = (vmid: number) => state.guests.find((g) => g.vmid === vmid)?.pool;
        const perms = (path: string) => privilegesOn(acl, path, state.roles, poolOf);
        if (p.path !== undefined) {
          const privs = perms(String(p.path));
          return Object.keys(privs).length ? { [String(p.path)]: privs } : {};
        }
        const out: Record<string, PrivilegeSet> = {};
        for (const path of reportedPaths(acl, poolNames(state))) {
          const privs = perms(path);
          if (Object.keys(privs).length) out[path] = privs;
        }
        return out;
      },
    },
  ];
}
