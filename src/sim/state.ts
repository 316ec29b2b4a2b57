import { type LocalClock, strftime, type WallTime } from "./local-time.js";
import { builtinNotificationConfig, type SimNotificationConfig } from "./notify-config.js";
import { type AclEntry, BUILTIN_ROLES, type RoleTable } from "./permissions.js";
import type { ParsedScenario } from "./scenario.js";

/**
 * The mutable state of a simulated cluster. Tests may change it directly between requests (take a
 * node offline, deactivate a storage, edit a job); the API reads it on every call.
 */

export interface SimNode {
  readonly name: string;
  online: boolean;
  /** `ssl_fingerprint` in `GET /nodes`: the served certificate's for the entry node. */
  fingerprint: string;
}

export interface SimStorage {
  readonly id: string;
  readonly type: ParsedScenario["storages"][number]["type"];
  content: string[];
  shared: boolean;
  /** Restricted to these nodes; every node when absent. */
  nodes?: string[];
  enabled: boolean;
  /** false: cannot be activated (NFS server down). */
  active: boolean;
  server?: string;
  export?: string;
  options?: string;
  /** Mount point or directory; backups live in `<path>/dump`. */
  path: string;
  totalBytes: number;
  usedBytes: number;
  pruneBackups?: string;
  /** Further storage.cfg keys the sim keeps but does not model (`max-protected-backups`, …). */
  config?: Record<string, string | number>;
}

/**
 * How many protected archives per guest `storage` holds for a caller (STO
 * `get_max_protected_backups`): the storage's `max-protected-backups` when set, else unlimited (-1)
 * for a caller with Datastore.Allocate on it and 5 for anyone else.
 */
export function maxProtectedBackups(storage: SimStorage, mayAllocate: boolean): number {
  const configured = storage.config?.["max-protected-backups"];
  if (configured !== undefined) return Number(configured);
  return mayAllocate ? -1 : 5;
}

/** An NFS server of the lab network (scenario `nfsServers`). */
export type SimNfsServer = ParsedScenario["nfsServers"][number];

export interface SimGuest {
  readonly vmid: number;
  name: string;
  readonly type: GuestType;
  node: string;
  status: "running" | "stopped";
  template: boolean;
  pool?: string;
  tags?: string;
  /** `backup` while a vzdump task holds the guest. */
  lock?: string;
  backupBytes: number;
  backupSeconds: number;
  failWith?: string;
}

/** A jobs.cfg stanza, PVE's own keys (`prune-backups` as a property string), plus `id`. */
export type SimJob = Record<string, string | number> & { id: string };

export interface SimArchive {
  readonly storage: string;
  /** The node whose disk holds it; undefined on shared storage. */
  readonly node?: string;
  readonly vmid: number;
  readonly type: GuestType;
  /**
   * Below `<storage>:backup/`: `vzdump-qemu-100-2025_01_05-02_00_03.vma.zst` on file storages,
   * `vm/100/2025-01-05T02:00:03Z` on PBS (UTC there, node-local time in file names).
   */
  readonly fileName: string;
  /** `vma.zst`, `tar`, … (everything after the first dot), or `pbs-vm`/`pbs-ct`. */
  readonly format: string;
  /** Backup start, epoch seconds (file storages parse it back from the node-local file name). */
  readonly ctimeSec: number;
  readonly sizeBytes: number;
  /** The `.notes` file (the content listing shows its first line). */
  notes?: string;
  protected: boolean;
}

export interface SimTask {
  readonly upid: string;
  readonly node: string;
  readonly pid: number;
  readonly pstart: number;
  readonly startMs: number;
  readonly type: string;
  /** The UPID's id: a vmid, or empty. */
  readonly id: string;
  /** As in the UPID: `user@realm` or `user@realm!token`. */
  readonly user: string;
  readonly jobId?: string;
  /** Task log lines written so far, without timestamps. */
  readonly log: string[];
  /** Undefined while the task runs. */
  endMs?: number;
}

export interface SimToken {
  /** `user@realm!name`. */
  readonly id: string;
  secret: string;
  acl: AclEntry[];
}

export interface SimState {
  readonly timezone: string;
  readonly version: string;
  readonly roles: RoleTable;
  nodes: SimNode[];
  storages: SimStorage[];
  guests: SimGuest[];
  jobs: SimJob[];
  archives: SimArchive[];
  tasks: SimTask[];
  tokens: SimToken[];
  nfsServers: SimNfsServer[];
  notifications: SimNotificationConfig;
}

export type GuestType = "qemu" | "lxc";

/**
 * The file vzdump writes (pve-manager `VZDump.pm`): `vzdump-$vmtype-$vmid` plus
 * `strftime("-%Y_%m_%d-%H_%M_%S", localtime($starttime))`, then `.vma` (qemu) or `.tar` (lxc) and the
 * compressor's extension.
 */
export function vzdumpArchiveName(
  type: GuestType,
  vmid: number,
  startWall: WallTime,
  compress: "zst" | "lzo" | "gz" | "none",
): string {
  const container = type === "qemu" ? ".vma" : ".tar";
  const compressor = compress === "none" ? "" : `.${compress}`;
  return `vzdump-${type}-${vmid}${strftime("-%Y_%m_%d-%H_%M_%S", startWall)}${container}${compressor}`;
}

/** vzdump's `compress` option → the archive's compressor extension. */
export function compressExtension(compress: string | number | undefined): "zst" | "lzo" | "gz" | "none" {
  switch (String(compress ?? "0")) {
    case "zstd":
      return "zst";
    case "1":
    case "lzo":
      return "lzo";
    case "gzip":
      return "gz";
    default:
      return "none";
  }
}

export function archiveVolid(a: Pick<SimArchive, "storage" | "fileName">): string {
  return `${a.storage}:backup/${a.fileName}`;
}

/** Builds an archive record as vzdump names it on a file storage, or as a PBS snapshot. */
export function makeArchive(
  spec: Omit<SimArchive, "fileName" | "ctimeSec" | "format"> & {
    timeMs: number;
    compress: "zst" | "lzo" | "gz" | "none";
    pbs: boolean;
  },
  local: LocalClock,
): SimArchive {
  const ctimeSec = Math.floor(spec.timeMs / 1000);
  let fileName: string;
  let format: string;
  if (spec.pbs) {
    const iso = new Date(ctimeSec * 1000).toISOString().replace(".000Z", "Z");
    const kind = spec.type === "qemu" ? "vm" : "ct";
    fileName = `${kind}/${spec.vmid}/${iso}`;
    format = `pbs-${kind}`;
  } else {
    const wall = local(spec.timeMs);
    fileName = vzdumpArchiveName(spec.type, spec.vmid, wall, spec.compress);
    format = fileName.slice(fileName.indexOf(".") + 1);
  }
  // One literal, always the same keys in the same order: every archive shares one object shape,
  // so listing tens of thousands of them stays a tight loop (a spread of `rest` does not).
  return {
    storage: spec.storage,
    node: spec.node,
    vmid: spec.vmid,
    type: spec.type,
    fileName,
    format,
    ctimeSec,
    sizeBytes: spec.sizeBytes,
    notes: spec.notes,
    protected: spec.protected,
  };
}

export function findGuest(state: SimState, vmid: number): SimGuest | undefined {
  return state.guests.find((g) => g.vmid === vmid);
}

export function findStorage(state: SimState, id: string): SimStorage | undefined {
  return state.storages.find((s) => s.id === id);
}

export function findNode(state: SimState, name: string): SimNode | undefined {
  return state.nodes.find((n) => n.name === name);
}

/** `storage_check_enabled`: enabled, and configured for this node (no `nodes` list = every node). */
export function storageEnabledOn(storage: SimStorage, node: string): boolean {
  return storage.enabled && (!storage.nodes || storage.nodes.includes(node));
}

/** Archives a content listing of `storage` on `node` shows: all of a shared storage, else the node's own. */
export function archivesOn(state: SimState, storage: SimStorage, node: string): SimArchive[] {
  return state.archives.filter((a) => a.storage === storage.id && (storage.shared || a.node === node));
}

/** Pools that have at least one guest. */
export function poolNames(state: SimState): string[] {
  return [...new Set(state.guests.flatMap((g) => (g.pool ? [g.pool] : [])))].sort();
}

/**
 * The initial state of a scenario (tasks are materialised separately by the vzdump engine, which
 * writes their logs). `fingerprintOf` gives each node's certificate fingerprint.
 */
export function createSimState(
  scenario: ParsedScenario,
  deps: { local: LocalClock; fingerprintOf: (node: string) => string },
): SimState {
  const nodes = scenario.nodes.map((n) => ({
    name: n.name,
    online: n.online,
    fingerprint: deps.fingerprintOf(n.name),
  }));
  const storages: SimStorage[] = scenario.storages.map((s) => ({
    ...s,
    content: [...s.content],
    nodes: s.nodes ? [...s.nodes] : undefined,
    // NFS/CIFS mount under /mnt/pve/<id> (reference §6.1); dir storages name their path.
    path: s.path ?? (s.type === "dir" ? `/var/lib/vz` : `/mnt/pve/${s.id}`),
  }));
  const guests: SimGuest[] = scenario.guests.map((g) => ({ ...g }));
  const nodeOfGuest = new Map<number, string>();
  for (const g of guests) if (!nodeOfGuest.has(g.vmid)) nodeOfGuest.set(g.vmid, g.node);
  const defaultNodeOf = (storage: string, vmid: number): string | undefined => {
    const st = storages.find((s) => s.id === storage);
    if (!st || st.shared) return undefined;
    const guestNode = nodeOfGuest.get(vmid);
    return guestNode ?? st.nodes?.[0] ?? nodes[0]?.name;
  };
  const archives = scenario.archives.map((a) =>
    makeArchive(
      {
        storage: a.storage,
        node: a.node ?? defaultNodeOf(a.storage, a.vmid),
        vmid: a.vmid,
        type: a.type,
        timeMs: Date.parse(a.time),
        compress: a.compress,
        sizeBytes: a.sizeBytes,
        notes: a.notes,
        protected: a.protected,
        pbs: storages.find((s) => s.id === a.storage)?.type === "pbs",
      },
      deps.local,
    ),
  );
  return {
    timezone: scenario.timezone,
    version: scenario.version,
    roles: { ...BUILTIN_ROLES, ...(scenario.roles ?? {}) },
    nodes,
    storages,
    guests,
    jobs: scenario.jobs.map((j, i) => ({ ...j, id: String(j.id ?? `job-${i + 1}`) })),
    archives,
    tasks: [],
    tokens: scenario.tokens.map((t) => ({
      id: t.id,
      secret: t.secret,
      acl: t.acl.map((a) => ({ path: a.path, roles: [...a.roles], propagate: a.propagate })),
    })),
    nfsServers: scenario.nfsServers.map((n) => ({ ...n, exports: n.exports.map((e) => ({ ...e })) })),
    notifications: builtinNotificationConfig(),
  };
}
