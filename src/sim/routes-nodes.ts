import { died, paramError } from "./api-error.js";
import { markBackupGroup, type PruneOptions, parsePruneBackups } from "./prune.js";
import {
  type Caller,
  JsonText,
  RawBody,
  type Route,
  type RouteContext,
  type SimDeps,
  str,
  WithTotal,
} from "./route.js";
import {
  archivesOn,
  archiveVolid,
  findStorage,
  maxProtectedBackups,
  type SimArchive,
  type SimState,
  type SimStorage,
  type SimTask,
  storageEnabledOn,
} from "./state.js";
import { nodeStats } from "./stats.js";
import { TaskFailure } from "./task-engine.js";
import { decodeUpid } from "./upid.js";
import { type ParamSchema, type ParamValue, splitList } from "./validate.js";
import { planVzdump, vzdumpWorker } from "./vzdump.js";
import { perlTrue, ROOT_ONLY_OPTIONS, VZDUMP_OPTIONS, verifyVzdumpParameters } from "./vzdump-options.js";

const NODE: ParamSchema = { node: { type: "string", format: "pve-node" } };
const NODE_STORAGE: ParamSchema = { ...NODE, storage: { type: "string", format: "pve-storage-id" } };
const VMID_FILTER = { type: "integer", minimum: 100, maximum: 999_999_999, optional: true } as const;
const STORAGE_READ = {
  path: "/storage/{storage}",
  privs: ["Datastore.Audit", "Datastore.AllocateSpace"],
  any: true,
};

/** `/nodes` and everything below `/nodes/{node}`: storage, content, tasks, vzdump. */
export function nodeRoutes(deps: SimDeps): Route[] {
  const { state } = deps;
  // Archives are put in listing order, their listing items serialized, when the lab starts: its
  // first content listing is as quick as the next.
  for (const entry of archivesByVolid(state)) itemJson(entry);
  return [
    {
      method: "GET",
      path: "/nodes",
      params: {},
      handle: ({ caller, nowMs }) =>
        state.nodes.map((n) => {
          const entry: Record<string, unknown> = {
            node: n.name,
            status: n.online ? "online" : "offline",
            id: `node/${n.name}`,
            type: "node",
            level: "",
            ssl_fingerprint: n.fingerprint,
          };
          if (n.online && caller.has(`/nodes/${n.name}`, "Sys.Audit"))
            Object.assign(entry, nodeStats(state, n.name, nowMs));
          return entry;
        }),
    },
    {
      method: "GET",
      path: "/nodes/{node}/storage",
      params: {
        ...NODE,
        content: { type: "string", format: "pve-storage-content-list", optional: true },
        enabled: { type: "boolean", optional: true },
        format: { type: "boolean", optional: true },
        storage: { type: "string", format: "pve-storage-id", optional: true },
        target: { type: "string", format: "pve-node", optional: true },
      },
      proxyToNode: true,
      handle: (ctx, p) => storageIndex(state, ctx, p),
    },
    {
      method: "GET",
      path: "/nodes/{node}/storage/{storage}/status",
      params: NODE_STORAGE,
      proxyToNode: true,
      permission: STORAGE_READ,
      handle: ({ node }, p) => {
        const info = storageInfo(state, node, undefined).get(String(p.storage));
        if (!info) throw paramError({ storage: "No such storage." });
        const { storage: _id, used_fraction: _f, ...status } = info;
        return status;
      },
    },
    {
      method: "GET",
      path: "/nodes/{node}/storage/{storage}/content",
      params: {
        ...NODE_STORAGE,
        content: { type: "string", format: "pve-storage-content", optional: true },
        vmid: VMID_FILTER,
      },
      proxyToNode: true,
      permission: STORAGE_READ,
      handle: ({ caller, node }, p) => storageContent(state, caller, node, p),
    },
    {
      method: "PUT",
      path: "/nodes/{node}/storage/{storage}/content/{volume*}",
      params: {
        ...NODE_STORAGE,
        volume: { type: "string" },
        notes: { type: "string", optional: true },
        protected: { type: "boolean", optional: true },
      },
      proxyToNode: true,
      handle: ({ caller, node }, p) => updateAttributes(state, caller, node, p),
    },
    {
      method: "DELETE",
      path: "/nodes/{node}/storage/{storage}/content/{volume*}",
      params: {
        ...NODE_STORAGE,
        volume: { type: "string" },
        delay: { type: "integer", minimum: 1, maximum: 30, optional: true },
      },
      proxyToNode: true,
      handle: (ctx, p) => deleteVolume(deps, ctx, p),
    },
    {
      method: "GET",
      path: "/nodes/{node}/storage/{storage}/prunebackups",
      params: {
        ...NODE_STORAGE,
        "prune-backups": { type: "string", format: "prune-backups", optional: true },
        type: { type: "string", enum: ["qemu", "lxc"], optional: true },
        vmid: VMID_FILTER,
      },
      proxyToNode: true,
      permission: STORAGE_READ,
      handle: ({ node }, p) => pruneDryRun(deps, node, p),
    },
    {
      method: "GET",
      path: "/nodes/{node}/tasks",
      params: {
        ...NODE,
        start: { type: "integer", minimum: 0, optional: true },
        limit: { type: "integer", minimum: 0, optional: true },
        userfilter: { type: "string", optional: true },
        typefilter: { type: "string", optional: true },
        vmid: VMID_FILTER,
        errors: { type: "boolean", optional: true },
        source: { type: "string", enum: ["archive", "active", "all"], optional: true },
        since: { type: "integer", optional: true },
        until: { type: "integer", optional: true },
        statusfilter: { type: "string", optional: true },
      },
      proxyToNode: true,
      handle: (ctx, p) => taskList(deps, ctx, p),
    },
    {
      method: "GET",
      path: "/nodes/{node}/tasks/{upid}/status",
      params: { ...NODE, upid: { type: "string" } },
      proxyToNode: true,
      handle: ({ caller, node }, p) => {
        const owner = parsedUpidUser(String(p.upid));
        // The task file lives on the node that ran it: any other node has no such task (§4.2).
        const task = taskOnNode(state, node, String(p.upid));
        if (!task) throw paramError({ upid: "no such task" });
        checkTaskAccess(caller, node, owner);
        const running = deps.engine.isRunning(task.upid);
        return {
          ...taskFields(task),
          status: running ? "running" : "stopped",
          ...(running ? {} : { exitstatus: exitStatus(task) }),
        };
      },
    },
    {
      method: "GET",
      path: "/nodes/{node}/tasks/{upid}/log",
      params: {
        ...NODE,
        upid: { type: "string" },
        start: { type: "integer", minimum: 0, optional: true },
        limit: { type: "integer", minimum: 0, optional: true },
        download: { type: "boolean", optional: true },
      },
      proxyToNode: true,
      handle: ({ caller, node }, p) => {
        checkTaskAccess(caller, node, parsedUpidUser(String(p.upid)));
        // Unlike status, the log handler does not look for the file first: another node answers
        // 200 with "unable to open file" as the log's only line.
        const lines = taskOnNode(state, node, String(p.upid))?.log;
        if (p.download === 1) {
          if (p.start !== undefined || p.limit !== undefined) {
            throw died("'download' cannot be used together with 'start' or 'limit' parameters");
          }
          if (!lines) throw died("Could not open file - No such file or directory");
          return new RawBody(lines.map((l) => `${l}\n`).join(""), "text/plain");
        }
        return dumpLogfile(lines, Number(p.start ?? 0), Number(p.limit ?? 50));
      },
    },
    {
      method: "POST",
      path: "/nodes/{node}/vzdump",
      params: {
        ...VZDUMP_OPTIONS,
        ...NODE,
        "job-id": { type: "string", format: "pve-configid", maxLength: 256, optional: true },
        stdout: { type: "boolean", optional: true },
      },
      proxyToNode: true,
      handle: (ctx, p) => startVzdump(deps, ctx, p),
    },
  ];
}

interface StorageInfo {
  storage: string;
  type: string;
  content: string;
  shared: number;
  enabled: number;
  active: number;
  total: number;
  used: number;
  avail: number;
  used_fraction?: number;
}

/**
 * pve-storage `storage_info` as seen from `node`: with a content filter, storages lacking all the
 * types or not enabled here are left out; otherwise they are listed with `enabled: 0`. A storage
 * that cannot be activated (NFS down) is `active: 0` with zero sizes — not an error (§6.2).
 */
function storageInfo(state: SimState, node: string, content: string | undefined): Map<string, StorageInfo> {
  const types = content === undefined ? undefined : splitList(content);
  const out = new Map<string, StorageInfo>();
  for (const s of state.storages) {
    const enabled = storageEnabledOn(s, node);
    if (types && (!types.some((t) => s.content.includes(t)) || !enabled)) continue;
    const active = enabled && s.active;
    const info: StorageInfo = {
      storage: s.id,
      type: s.type,
      content: s.content.join(","),
      shared: s.shared ? 1 : 0,
      enabled: enabled ? 1 : 0,
      active: active ? 1 : 0,
      total: active ? s.totalBytes : 0,
      used: active ? s.usedBytes : 0,
      avail: active ? Math.max(0, s.totalBytes - s.usedBytes) : 0,
    };
    if (info.total > 0) info.used_fraction = info.used / info.total;
    out.set(s.id, info);
  }
  return out;
}

function storageIndex(
  state: SimState,
  { caller, node }: RouteContext,
  p: Readonly<Record<string, ParamValue>>,
) {
  const info = storageInfo(state, node, str(p, "content"));
  const only = str(p, "storage");
  if (only !== undefined && !info.has(only)) throw paramError({ storage: "No such storage." });
  const target = str(p, "target");
  const out: StorageInfo[] = [];
  for (const [id, data] of info) {
    // Listed only with Datastore.Audit or Datastore.AllocateSpace on the storage.
    const path = `/storage/${id}`;
    if (!caller.has(path, "Datastore.Audit") && !caller.has(path, "Datastore.AllocateSpace")) continue;
    if (only !== undefined && id !== only) continue;
    if (p.enabled === 1 && !data.enabled) continue;
    const s = findStorage(state, id) as SimStorage;
    if (target !== undefined && !(storageEnabledOn(s, target) && (s.shared || target === node))) continue;
    out.push(data);
  }
  return out;
}

/** `activate_storage` on `node`: the 500s a content listing fails with. */
function activate(state: SimState, id: string, node: string): SimStorage {
  const s = findStorage(state, id);
  if (!s) throw died(`storage '${id}' does not exist`);
  if (!s.enabled) throw died(`storage '${id}' is disabled`);
  if (!storageEnabledOn(s, node)) throw died(`storage '${id}' is not available on node '${node}'`);
  if (!s.active) throw died(`storage '${id}' is not online`);
  return s;
}

/**
 * `GET .../content` (§5.1): backup items sorted by lower-cased volid; a shared storage shows the
 * same items on every node. The permission trap: backup volumes are silently dropped unless the
 * token has Datastore.Allocate on the storage, or Datastore.AllocateSpace on it plus VM.Backup on
 * the owning guest (STO `check_volume_access`) — a PVEAuditor token gets 200 and an empty list.
 */
function storageContent(
  state: SimState,
  caller: Caller,
  node: string,
  p: Readonly<Record<string, ParamValue>>,
) {
  const storage = activate(state, String(p.storage), node);
  const content = str(p, "content");
  if ((content !== undefined && content !== "backup") || !storage.content.includes("backup")) return [];
  const vmid = p.vmid === undefined ? undefined : Number(p.vmid);
  const path = `/storage/${storage.id}`;
  const allocate = caller.has(path, "Datastore.Allocate");
  const allocateSpace = caller.has(path, "Datastore.AllocateSpace");
  // One pass over the archives in listing order; the permission check per guest only when the
  // storage-wide privilege does not already allow every item.
  const items: string[] = [];
  for (const entry of archivesByVolid(state)) {
    const a = entry.archive;
    // `archivesOn`
    if (a.storage !== storage.id || !(storage.shared || a.node === node)) continue;
    if (vmid !== undefined && a.vmid !== vmid) continue;
    if (!allocate && !(allocateSpace && caller.has(`/vms/${a.vmid}`, "VM.Backup"))) continue;
    items.push(itemJson(entry));
  }
  return new JsonText(`[${items.join(",")}]`);
}

/**
 * The backup archive a `.../content/{volume}` call names (full volid, or the volume name below the
 * path's storage), after STO `check_volume_access`: Datastore.Allocate on the storage, or
 * Datastore.AllocateSpace on it and VM.Backup on the owner.
 */
function accessibleVolume(
  state: SimState,
  caller: Caller,
  node: string,
  p: Readonly<Record<string, ParamValue>>,
) {
  const storage = activate(state, String(p.storage), node);
  const given = String(p.volume);
  const volid = given.includes(":") ? given : `${storage.id}:${given}`;
  const entry = archivesByVolid(state).find(
    (e) => e.volid === volid && (storage.shared || e.archive.node === node),
  );
  if (!entry || entry.archive.storage !== storage.id) throw died(`volume '${volid}' does not exist`);
  const archive = entry.archive;
  const path = `/storage/${storage.id}`;
  if (!caller.has(path, "Datastore.Allocate")) {
    caller.check(path, ["Datastore.AllocateSpace"]);
    caller.check(`/vms/${archive.vmid}`, ["VM.Backup"]);
  }
  return { storage, archive, volid, path };
}

/**
 * `DELETE .../content/{volume}` (§5.3): an `imgdel` task removes the archive with its log and
 * notes; a protected archive makes the task fail. With `delay` the call waits for the task (the
 * sim's finishes at once) and answers `null`, or a 500 with the task's error.
 */
function deleteVolume(deps: SimDeps, ctx: RouteContext, p: Readonly<Record<string, ParamValue>>) {
  const { state } = deps;
  const { storage, archive, volid } = accessibleVolume(state, ctx.caller, ctx.node, p);
  const volname = volid.slice(volid.indexOf(":") + 1);
  const task = deps.engine.start(
    {
      node: ctx.node,
      user: ctx.caller.tokenId,
      type: "imgdel",
      id: `${archive.vmid}@${storage.id}`,
      // biome-ignore lint/correctness/useYield: the removal takes no time in the sim.
      makeWorker: function* () {
        if (archive.protected)
          throw new TaskFailure(`cannot remove protected volume '${volname}' on '${storage.id}'`);
        const at = state.archives.indexOf(archive);
        if (at >= 0) state.archives.splice(at, 1);
        return "ok";
      },
    },
    ctx.nowMs,
  );
  while (deps.engine.runNext(ctx.nowMs)) {
    /* run everything due now */
  }
  if (p.delay === undefined || task.endMs === undefined) return task.upid;
  const last = task.log[task.log.length - 1] ?? "";
  if (last.startsWith("TASK ERROR: ")) throw died(last.slice("TASK ERROR: ".length));
  return null;
}

/**
 * `PUT .../content/{volume}` (§5.3, STO `API2/Storage/Content.pm` + `Storage.pm`
 * `update_volume_attribute`): notes and protection of a backup archive. The caller needs the
 * volume access a listing needs (Datastore.Allocate on the storage, or Datastore.AllocateSpace
 * on it and VM.Backup on the owner); protecting one more archive of a guest that already has
 * `max-protected-backups` protected ones of its type fails. Answers `null`.
 */
function updateAttributes(
  state: SimState,
  caller: Caller,
  node: string,
  p: Readonly<Record<string, ParamValue>>,
): null {
  const { storage, archive: a, path } = accessibleVolume(state, caller, node, p);
  if (p.notes !== undefined) a.notes = String(p.notes) === "" ? undefined : String(p.notes);
  if (p.protected !== undefined) {
    const protect = perlTrue(p.protected);
    const max = maxProtectedBackups(storage, caller.has(path, "Datastore.Allocate"));
    if (protect && !a.protected && max > -1) {
      const count = archivesOn(state, storage, node).filter(
        (o) => o.vmid === a.vmid && o.type === a.type && o.protected,
      ).length;
      if (count >= max)
        throw died(
          `The number of protected backups per guest is limited to ${max} on storage '${storage.id}'`,
        );
    }
    a.protected = protect;
  }
  return null;
}

/**
 * Every archive of the state with its volid, sorted by lower-cased volid (stable: ties keep state
 * order), which is the order of every content listing (filtering a sorted list keeps it sorted).
 * Sorted again only when the archive list changed: a copy of its references taken at sorting
 * tells (a volid derives only from an archive's immutable storage and file name).
 */
const sortedArchives = new WeakMap<SimState, { snapshot: SimArchive[]; sorted: ListedArchive[] }>();
interface ListedArchive {
  readonly archive: SimArchive;
  readonly volid: string;
  /** The listing item as JSON, with the notes and protection it was made from (those change). */
  json?: { readonly text: string; readonly notes: string | undefined; readonly protected: boolean };
}
function archivesByVolid(state: SimState): readonly ListedArchive[] {
  const { archives } = state;
  const cached = sortedArchives.get(state);
  if (
    cached &&
    cached.snapshot.length === archives.length &&
    archives.every((a, i) => a === cached.snapshot[i])
  )
    return cached.sorted;
  // Entries of archives still listed are kept, with their JSON.
  const known = new Map((cached?.sorted ?? []).map((e) => [e.archive, e]));
  const keyed = archives.map((archive) => {
    const entry = known.get(archive) ?? { archive, volid: archiveVolid(archive) };
    return { entry, key: entry.volid.toLowerCase() };
  });
  keyed.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const sorted = keyed.map((k) => k.entry);
  sortedArchives.set(state, { snapshot: [...archives], sorted });
  return sorted;
}

/** The content listing's item for an archive, serialized once per notes and protection. */
function itemJson(entry: ListedArchive): string {
  const a = entry.archive;
  const cached = entry.json;
  if (cached && cached.notes === a.notes && cached.protected === a.protected) return cached.text;
  const item: Record<string, unknown> = {
    volid: entry.volid,
    content: "backup",
    format: a.format,
    subtype: a.type,
    vmid: a.vmid,
    ctime: a.ctimeSec,
    size: a.sizeBytes,
  };
  if (a.notes !== undefined) item.notes = firstLine(a.notes);
  if (a.protected) item.protected = 1;
  const text = JSON.stringify(item);
  entry.json = { text, notes: a.notes, protected: a.protected };
  return text;
}

/** The `.notes` file's first line (what the listing shows). */
function firstLine(text: string): string {
  const nl = text.indexOf("\n");
  return nl < 0 ? text : text.slice(0, nl);
}

/** `GET .../prunebackups`: what a prune would do, per guest group, without doing it. */
function pruneDryRun(deps: SimDeps, node: string, p: Readonly<Record<string, ParamValue>>) {
  const storage = activate(deps.state, String(p.storage), node);
  const text = str(p, "prune-backups") ?? storage.pruneBackups;
  if (text === undefined) throw died(`no prune-backups options configured for storage '${storage.id}'`);
  const parsed = parsePruneBackups(text);
  const options: PruneOptions = parsed.ok ? parsed.value : { "keep-all": "1" };
  const archives = archivesOn(deps.state, storage, node).filter(
    (a) => (p.vmid === undefined || a.vmid === Number(p.vmid)) && (p.type === undefined || a.type === p.type),
  );
  const groups = new Map<string, typeof archives>();
  for (const a of archives)
    groups.set(`${a.type}/${a.vmid}`, [...(groups.get(`${a.type}/${a.vmid}`) ?? []), a]);
  const out: Record<string, unknown>[] = [];
  for (const group of groups.values()) {
    const marks = markBackupGroup(group, options, deps.local);
    for (const a of group) {
      out.push({ volid: archiveVolid(a), ctime: a.ctimeSec, mark: marks.get(a), type: a.type, vmid: a.vmid });
    }
  }
  return out;
}

/** UPID fields as the task API reports them: a token's tasks split into `user` + `tokenid` (§1.3). */
function taskFields(task: SimTask): Record<string, unknown> {
  const [user, tokenid] = task.user.split("!", 2) as [string, string | undefined];
  return {
    upid: task.upid,
    node: task.node,
    pid: task.pid,
    pstart: task.pstart,
    starttime: Math.floor(task.startMs / 1000),
    type: task.type,
    id: task.id,
    user,
    ...(tokenid === undefined ? {} : { tokenid }),
  };
}

/** pve-common `upid_read_status`: the exit status from the log's last line (§4.3). */
function exitStatus(task: SimTask): string {
  const last = task.log.at(-1);
  if (last === undefined) return "unable to read tail (got 0 bytes)";
  if (last === "TASK OK") return "OK";
  const error = /^TASK ERROR: (.*)$/.exec(last);
  if (error) return error[1] as string;
  const warnings = /^TASK (WARNINGS: \d+)$/.exec(last);
  if (warnings) return warnings[1] as string;
  return "unexpected status";
}

/** `upid_normalize_status_type`: anything but OK, WARNINGS and `unexpected status` is an error. */
function statusType(status: string | undefined): string {
  if (!status) return "unknown";
  if (status === "OK") return "ok";
  if (/^WARNINGS: \d+$/.test(status)) return "warning";
  if (status === "unexpected status") return "unknown";
  return "error";
}

/** The UPID's user as written in it (`user@realm!token` for a token's task). */
function parsedUpidUser(upid: string): string {
  const parsed = decodeUpid(upid);
  if (!parsed) throw paramError({ upid: "unable to parse worker upid" });
  return parsed.user;
}

/** A task's owner reads it; anyone else needs Sys.Audit on the node (MGR `Tasks.pm`). */
function checkTaskAccess(caller: Caller, node: string, owner: string): void {
  if (owner !== caller.tokenId) caller.check(`/nodes/${node}`, ["Sys.Audit"]);
}

/** The task with this UPID in `node`'s task files, if that node has it. */
function taskOnNode(state: SimState, node: string, upid: string): SimTask | undefined {
  return state.tasks.find((t) => t.upid === upid && t.node === node);
}

/** pve-common `dump_logfile`: 1-based `n`, `limit` 0 = to the end, `no content` for an empty file. */
function dumpLogfile(lines: readonly string[] | undefined, start: number, limit: number): WithTotal {
  if (lines === undefined)
    return new WithTotal([{ n: 1, t: "unable to open file - No such file or directory" }], 1);
  const end = limit === 0 ? lines.length : Math.min(lines.length, start + limit);
  const out = lines.slice(start, end).map((t, i) => ({ n: start + i + 1, t }));
  if (lines.length === 0) return new WithTotal([{ n: 1, t: "no content" }], 1);
  return new WithTotal(out, lines.length);
}

/**
 * `GET /nodes/{node}/tasks` (MGR `Tasks.pm::node_tasks`, §4.5): finished tasks (`archive`, the
 * default!) and/or running ones (`active`), newest first; `total` counts every visible match
 * regardless of `start`/`limit`. Running tasks come from the "active" file as they are: status
 * `RUNNING` (set after filtering, so a status filter sees `unknown`), no `endtime`, and a token's
 * `user` not split into `user` + `tokenid`.
 */
function taskList(deps: SimDeps, { caller, node }: RouteContext, p: Readonly<Record<string, ParamValue>>) {
  const source = str(p, "source") ?? "archive";
  const onNode = deps.state.tasks.filter((t) => t.node === node);
  const isRunning = (t: SimTask) => deps.engine.isRunning(t.upid);
  const candidates: { task: SimTask; fields: Record<string, unknown>; status: string | undefined }[] = [
    ...(source === "archive"
      ? []
      : onNode
          .filter(isRunning)
          .sort((a, b) => b.startMs - a.startMs)
          .map((t) => ({
            task: t,
            fields: { ...taskFields(t), user: t.user, tokenid: undefined },
            status: undefined,
          }))),
    ...(source === "active"
      ? []
      : onNode
          .filter((t) => !isRunning(t))
          .sort((a, b) => (b.endMs ?? 0) - (a.endMs ?? 0) || b.startMs - a.startMs)
          .map((t) => ({
            task: t,
            fields: { ...taskFields(t), endtime: Math.floor((t.endMs ?? 0) / 1000) },
            status: exitStatus(t),
          }))),
  ];
  // `errors` wins over `statusfilter` and only drops OK tasks.
  const wanted = new Set(["ok", "warning", "error", "unknown"]);
  if (perlTrue(p.errors)) wanted.delete("ok");
  else if (p.statusfilter !== undefined) {
    wanted.clear();
    for (const f of splitList(String(p.statusfilter))) wanted.add(f.toLowerCase());
  }
  const userfilter = str(p, "userfilter")?.toLowerCase();
  const auditor = caller.has(`/nodes/${node}`, "Sys.Audit");
  const start = Number(p.start ?? 0);
  let limit = Number(p.limit ?? 50);
  let count = 0;
  const out: Record<string, unknown>[] = [];
  for (const c of candidates) {
    if (userfilter && !String(c.fields.user).toLowerCase().includes(userfilter)) continue;
    if (!auditor && c.task.user !== caller.tokenId) continue;
    if (p.typefilter !== undefined && c.task.type !== p.typefilter) continue;
    if (p.vmid !== undefined && c.task.id !== String(p.vmid)) continue;
    const startSec = Math.floor(c.task.startMs / 1000);
    if (p.since !== undefined && startSec < Number(p.since)) continue;
    if (p.until !== undefined && startSec > Number(p.until)) continue;
    if (!wanted.has(statusType(c.status))) continue;
    if (count++ < start || limit <= 0) continue;
    limit--;
    const entry: Record<string, unknown> = { ...c.fields, status: c.status ?? "RUNNING" };
    if (entry.tokenid === undefined) delete entry.tokenid;
    out.push(entry);
  }
  return new WithTotal(out, count);
}

/**
 * `POST /nodes/{node}/vzdump` (MGR `API2/VZDump.pm`, §4.1): checks that happen before forking, the
 * silent `"OK"` when no selected guest lives here, else a task whose UPID is returned.
 */
function startVzdump(
  deps: SimDeps,
  { caller, node, nowMs }: RouteContext,
  p: Readonly<Record<string, ParamValue>>,
) {
  const storage = str(p, "storage") ?? "local";
  for (const key of ROOT_ONLY_OPTIONS) {
    if (p[key] !== undefined) throw paramError({ [key]: "Only root may set this option." });
  }
  if (["bwlimit", "ionice", "performance"].some((k) => p[k] !== undefined)) caller.check("/", ["Sys.Modify"]);
  if (p["prune-backups"] !== undefined) caller.check(`/storage/${storage}`, ["Datastore.Allocate"]);
  if (perlTrue(p.stop)) caller.check(`/nodes/${node}`, ["Sys.Modify"]);
  if (p.stdout !== undefined)
    throw paramError({ stdout: "option is only allowed on the command line interface." });
  const options = verifyVzdumpParameters({ ...p }, true);
  const plan = planVzdump(deps.state, {
    node,
    options,
    // The path's node is also vzdump's `node` option: guests elsewhere are dropped, not skipped.
    selectionNode: node,
    mayBackup: (vmid) => caller.has(`/vms/${vmid}`, "VM.Backup"),
    maxProtected: (target) =>
      maxProtectedBackups(target, caller.has(`/storage/${target.id}`, "Datastore.Allocate")),
  });
  // Nothing of the selection lives here: PVE answers "OK" and starts nothing (§11.5).
  if (!plan) return "OK";
  caller.check(`/storage/${storage}`, ["Datastore.AllocateSpace"]);
  const task = deps.engine.start(
    {
      node,
      user: caller.tokenId,
      type: "vzdump",
      id: plan.taskId,
      makeWorker: vzdumpWorker(plan.run, {
        state: deps.state,
        local: deps.local,
        effectsFromMs: deps.effectsFromMs,
      }),
    },
    nowMs,
  );
  // The worker starts right away: by the time the UPID is returned its first lines are written.
  while (deps.engine.runNext(nowMs)) {
    /* run everything due now */
  }
  return task.upid;
}
