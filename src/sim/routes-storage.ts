import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { died, paramError } from "./api-error.js";
import type { Route, SimDeps } from "./route.js";
import { findStorage, type SimNfsServer, type SimState, type SimStorage, storageEnabledOn } from "./state.js";
import { checkFormat, type ParamSchema, type ParamValue, splitList } from "./validate.js";

/**
 * Storage configuration (`/storage`, STO `API2/Storage/Config.pm`, reference §6.1) and the NFS
 * export scan (`/nodes/{node}/scan/nfs`, §6.3). NFS reachability comes from the scenario's
 * `nfsServers`: creating an enabled NFS storage mounts it on the entry node, so an unreachable
 * server or an unknown export fails the create and nothing is written. Storages created here are
 * ordinary lab storages: status, content, cluster resources and vzdump see them at once.
 */

const STORAGE_TYPES = [
  "btrfs",
  "cephfs",
  "cifs",
  "dir",
  "esxi",
  "iscsi",
  "iscsidirect",
  "lvm",
  "lvmthin",
  "nfs",
  "pbs",
  "rbd",
  "zfs",
  "zfspool",
];

const bool = { type: "boolean", optional: true } as const;
const str = { type: "string", optional: true } as const;

/** Options every update may carry (the SectionConfig update schema: no fixed-only keys). */
const UPDATABLE: ParamSchema = {
  content: { type: "string", format: "pve-storage-content-list", optional: true },
  nodes: str,
  disable: bool,
  options: str,
  "prune-backups": { type: "string", format: "prune-backups", optional: true },
  "max-protected-backups": { type: "integer", minimum: -1, optional: true },
  shared: bool,
  "create-base-path": bool,
  "create-subdirs": bool,
  mkdir: bool,
  bwlimit: str,
  preallocation: { type: "string", enum: ["off", "metadata", "falloc", "full"], optional: true },
  format: { type: "string", enum: ["raw", "qcow2", "subvol", "vmdk"], optional: true },
  "content-dirs": str,
};

const CREATE: ParamSchema = {
  storage: { type: "string", format: "pve-storage-id" },
  type: { type: "string", enum: STORAGE_TYPES },
  server: str,
  export: str,
  path: str,
  ...UPDATABLE,
};

const UPDATE: ParamSchema = {
  storage: { type: "string", format: "pve-storage-id" },
  ...UPDATABLE,
  delete: { type: "string", format: "pve-configid-list", optional: true },
  digest: { type: "string", maxLength: 64, optional: true },
};

/** Per plugin: its options, `fixed` ones (set on create only) and required ones. */
interface PluginOptions {
  readonly optional: readonly string[];
  readonly fixed: readonly string[];
  /** Default `content` when none is configured (plugindata). */
  readonly defaultContent: readonly string[];
}

const FILE_COMMON = [
  "nodes",
  "disable",
  "prune-backups",
  "max-protected-backups",
  "content",
  "format",
  "mkdir",
  "create-base-path",
  "create-subdirs",
  "bwlimit",
  "preallocation",
  "content-dirs",
];

const PLUGINS: Readonly<Record<string, PluginOptions>> = {
  nfs: {
    optional: [...FILE_COMMON, "options"],
    fixed: ["path", "server", "export"],
    defaultContent: ["images"],
  },
  dir: { optional: [...FILE_COMMON, "shared"], fixed: ["path"], defaultContent: ["images", "rootdir"] },
  cifs: {
    optional: [...FILE_COMMON, "options"],
    fixed: ["path", "server", "share"],
    defaultContent: ["images"],
  },
  pbs: {
    optional: ["nodes", "disable", "content", "prune-backups", "max-protected-backups"],
    fixed: ["server", "datastore"],
    defaultContent: ["backup"],
  },
  lvmthin: {
    optional: ["nodes", "disable", "content", "bwlimit"],
    fixed: ["thinpool", "vgname"],
    defaultContent: ["images", "rootdir"],
  },
  zfspool: {
    optional: ["nodes", "disable", "content", "bwlimit"],
    fixed: ["pool"],
    defaultContent: ["images", "rootdir"],
  },
};

/** The types this sim can create (others are valid PVE types it does not simulate). */
const CREATABLE = ["nfs", "dir"];

/** pve-storage `verify_path`. */
function badPath(v: string): string | undefined {
  return /^\/[^;()]+/.test(v.replace(/\/+/g, "/"))
    ? undefined
    : "value does not look like a valid absolute path";
}

const DNS_NAME = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;

/** pve-storage `verify_server`: an IP address or a DNS name. */
function badServer(v: string): string | undefined {
  return isIP(v) || DNS_NAME.test(v)
    ? undefined
    : "value does not look like a valid server name or IP address";
}

/** The formats the generic validator does not know, as one 400 like schema validation gives. */
function checkStorageFormats(p: Readonly<Record<string, ParamValue>>): void {
  const errors: Record<string, string> = {};
  const checks: [string, (v: string) => string | undefined][] = [
    ["server", badServer],
    ["export", badPath],
    ["path", badPath],
    ["options", (v) => (/^\S*$/.test(v) ? undefined : `invalid options '${v}'`)],
    ["nodes", (v) => checkFormat("pve-node-list", v)],
  ];
  for (const [key, check] of checks) {
    if (p[key] === undefined) continue;
    const err = check(String(p[key]));
    if (err) errors[key] = `invalid format - ${err}\n`;
  }
  if (Object.keys(errors).length) throw paramError(errors);
}

/** The storage.cfg keys and values of a storage, as `GET /storage` reports them (without digest). */
function configOf(s: SimStorage): Record<string, string | number> {
  const out: Record<string, string | number> = { storage: s.id, type: s.type };
  if (["nfs", "dir", "cifs"].includes(s.type)) out.path = s.path;
  if (s.server !== undefined) out.server = s.server;
  if (s.export !== undefined) out.export = s.export;
  if (s.options !== undefined) out.options = s.options;
  out.content = s.content.length ? s.content.join(",") : "none";
  if (s.nodes) out.nodes = s.nodes.join(",");
  if (s.pruneBackups !== undefined) out["prune-backups"] = s.pruneBackups;
  // parse_config marks every storage of a shared type (NFS, CIFS, PBS, …) `shared 1`.
  if (s.shared) out.shared = 1;
  if (!s.enabled) out.disable = 1;
  Object.assign(out, s.config ?? {});
  return out;
}

/** SectionConfig digest: sha1 of the written storage.cfg. */
export function storageDigest(state: SimState): string {
  const text = state.storages
    .map((s) => {
      const { storage, type, ...rest } = configOf(s);
      const lines = Object.entries(rest).map(([k, v]) => `\t${k} ${v}\n`);
      return `${type}: ${storage}\n${lines.join("")}`;
    })
    .join("\n");
  return createHash("sha1").update(text).digest("hex");
}

/** The scenario's NFS server answering to `server` (exact name or address). */
function nfsServer(state: SimState, server: string): SimNfsServer | undefined {
  return state.nfsServers.find((n) => n.server === server);
}

/** `mount -t nfs server:export`: why it fails, or undefined when it mounts. */
function mountError(state: SimState, s: SimStorage): string | undefined {
  const server = nfsServer(state, s.server ?? "");
  if (!server?.online) return `storage '${s.id}' is not online`;
  if (!server.exports.some((e) => e.path === s.export)) {
    const v4 = /vers=4/.test(s.options ?? "");
    return v4
      ? `mount error: mount.nfs: mounting ${s.server}:${s.export} failed, reason given by server: No such file or directory`
      : `mount error: mount.nfs: access denied by server while mounting ${s.server}:${s.export}`;
  }
  return undefined;
}

const dedupe = (items: readonly string[]) => [...new Set(items)];

export function storageRoutes(deps: SimDeps): Route[] {
  const { state } = deps;
  const allocateStorage = { path: "/storage", privs: ["Datastore.Allocate"] } as const;

  const existing = (id: string, prefix?: string) => {
    const s = findStorage(state, id);
    if (!s) throw died(`${prefix ? `${prefix}: ` : ""}storage '${id}' does not exist`);
    return s;
  };

  return [
    {
      method: "GET",
      path: "/storage",
      params: { type: { type: "string", enum: STORAGE_TYPES, optional: true } },
      handle: ({ caller }, p) => {
        const digest = storageDigest(state);
        return [...state.storages]
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
          .filter((s) => {
            const path = `/storage/${s.id}`;
            return caller.has(path, "Datastore.Audit") || caller.has(path, "Datastore.AllocateSpace");
          })
          .filter((s) => p.type === undefined || s.type === p.type)
          .map((s) => ({ ...configOf(s), digest }));
      },
    },
    {
      method: "GET",
      path: "/storage/{storage}",
      params: { storage: { type: "string", format: "pve-storage-id" } },
      permission: { path: "/storage/{storage}", privs: ["Datastore.Allocate"] },
      handle: (_ctx, p) => ({ ...configOf(existing(String(p.storage))), digest: storageDigest(state) }),
    },
    {
      method: "POST",
      path: "/storage",
      params: CREATE,
      permission: allocateStorage,
      handle: (_ctx, p) => {
        checkStorageFormats(p);
        const { storage, type, ...rest } = p;
        const given: Record<string, ParamValue> = { ...rest };
        const id = String(storage);
        const plugin = PLUGINS[String(type)];
        if (!plugin || !CREATABLE.includes(String(type))) {
          throw died(`simulator: creating storages of type '${type}' is not supported`);
        }
        // An empty node list is no node list.
        if (given.nodes === "") delete given.nodes;
        // check_config: the plugin's own options only; NFS mounts below /mnt/pve by default.
        for (const key of Object.keys(given)) {
          if (!plugin.optional.includes(key) && !plugin.fixed.includes(key))
            throw died(`unexpected property '${key}'`);
        }
        if (type === "nfs") given.path ??= `/mnt/pve/${id}`;
        for (const key of plugin.fixed) {
          if (given[key] === undefined) throw died(`missing value for required option '${key}'`);
        }
        if (findStorage(state, id)) throw died(`create storage failed: storage ID '${id}' already defined`);

        const nfs = type === "nfs";
        const volume = nfs
          ? nfsServer(state, String(given.server))?.exports.find((e) => e.path === given.export)
          : undefined;
        const known = new Set([
          "content",
          "nodes",
          "disable",
          "options",
          "prune-backups",
          "server",
          "export",
          "path",
        ]);
        const config: Record<string, string | number> = {};
        for (const [k, v] of Object.entries(given)) if (!known.has(k)) config[k] = v as string | number;
        const created: SimStorage = {
          id,
          type: type as SimStorage["type"],
          content:
            given.content === undefined
              ? [...plugin.defaultContent]
              : dedupe(splitList(String(given.content))),
          shared: nfs || given.shared === 1,
          nodes: given.nodes === undefined ? undefined : dedupe(splitList(String(given.nodes))),
          enabled: given.disable !== 1,
          active: true,
          path: String(given.path),
          totalBytes: volume?.totalBytes ?? (nfs ? 4e12 : 100e9),
          usedBytes: volume?.usedBytes ?? (nfs ? 1e12 : 20e9),
        };
        if (nfs) {
          created.server = String(given.server);
          created.export = String(given.export);
          if (given.options !== undefined) created.options = String(given.options);
        }
        if (given["prune-backups"] !== undefined) created.pruneBackups = String(given["prune-backups"]);
        if (Object.keys(config).length) created.config = config;

        // Activated (mounted) on the local node if enabled there, only to fail early.
        if (nfs) {
          const err = mountError(state, created);
          if (err && storageEnabledOn(created, deps.entryNode())) throw died(`create storage failed: ${err}`);
          created.active = err === undefined;
        }
        state.storages.push(created);
        return { storage: id, type };
      },
    },
    {
      method: "PUT",
      path: "/storage/{storage}",
      params: UPDATE,
      permission: allocateStorage,
      handle: (_ctx, p) => {
        checkStorageFormats(p);
        const { storage, digest, delete: del, ...given } = p;
        const id = String(storage);
        const fail = (msg: string) => died(`update storage failed: ${msg}`);
        if (digest !== undefined && String(digest) !== storageDigest(state)) {
          throw fail("detected modified configuration - file changed by other user? Try again.");
        }
        const s = existing(id, "update storage failed");
        const plugin = PLUGINS[s.type] ?? { optional: Object.keys(UPDATABLE), fixed: [], defaultContent: [] };
        for (const key of Object.keys(given)) {
          if (plugin.fixed.includes(key)) throw fail(`can't change value of fixed parameter '${key}'`);
          if (!plugin.optional.includes(key)) throw fail(`unexpected property '${key}'`);
        }
        const deletes = del === undefined ? [] : splitList(String(del));
        for (const key of deletes) {
          if (plugin.fixed.includes(key)) throw fail(`unable to delete required option '${key}'`);
          if (!plugin.optional.includes(key)) throw fail(`no such option '${key}'`);
          if (given[key] !== undefined)
            throw fail(`cannot set and delete property '${key}' at the same time!`);
        }
        const config = { ...(s.config ?? {}) };
        for (const key of deletes) {
          if (key === "content") s.content = [...plugin.defaultContent];
          else if (key === "nodes") s.nodes = undefined;
          else if (key === "disable") s.enabled = true;
          else if (key === "options") s.options = undefined;
          else if (key === "prune-backups") s.pruneBackups = undefined;
          else if (key === "shared") s.shared = false;
          else delete config[key];
        }
        for (const [key, value] of Object.entries(given)) {
          if (key === "content") s.content = dedupe(splitList(String(value)));
          else if (key === "nodes") s.nodes = value === "" ? undefined : dedupe(splitList(String(value)));
          else if (key === "disable") s.enabled = value !== 1;
          else if (key === "options") s.options = String(value);
          else if (key === "prune-backups") s.pruneBackups = String(value);
          else if (key === "shared") s.shared = value === 1;
          else config[key] = value as string | number;
        }
        s.config = Object.keys(config).length ? config : undefined;
        return { storage: id, type: s.type };
      },
    },
    {
      method: "DELETE",
      path: "/storage/{storage}",
      params: { storage: { type: "string", format: "pve-storage-id" } },
      permission: allocateStorage,
      handle: (_ctx, p) => {
        const s = existing(String(p.storage), "delete storage failed");
        state.storages = state.storages.filter((x) => x !== s);
        // `PVE::AccessControl::remove_storage_access`: ACLs on the storage go with it. Its backups
        // stay on the NAS (and in the lab): a storage re-added under this ID lists them again.
        for (const t of state.tokens) t.acl = t.acl.filter((a) => a.path !== `/storage/${s.id}`);
        return null;
      },
    },
    {
      method: "GET",
      path: "/nodes/{node}/scan/nfs",
      params: {
        node: { type: "string", format: "pve-node" },
        server: { type: "string" },
      },
      proxyToNode: true,
      permission: allocateStorage,
      handle: (_ctx, p) => {
        checkStorageFormats({ server: p.server as ParamValue });
        const server = String(p.server);
        const known = nfsServer(state, server);
        // `resolv_server`: an address always resolves, a name only if the lab knows it.
        if (!isIP(server) && !known) throw died(`unable to resolve address for server '${server}'`);
        if (!known?.online) {
          throw died(`command '/sbin/showmount --no-headers --exports ${server}' failed: exit code 1`);
        }
        return [...known.exports]
          .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
          .map((e) => ({ path: e.path, options: e.clients }));
      },
    },
  ];
}
