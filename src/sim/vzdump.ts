import { createHash } from "node:crypto";
import { formatLocal, type LocalClock } from "./local-time.js";
import { keepsAll, markBackupGroup, type PruneOptions, parsePruneBackups } from "./prune.js";
import {
  archivesOn,
  archiveVolid,
  compressExtension,
  findGuest,
  findStorage,
  type GuestType,
  makeArchive,
  type SimState,
  type SimStorage,
  storageEnabledOn,
  vzdumpArchiveName,
} from "./state.js";
import { TaskFailure, type Wait, type Worker, type WorkerIo } from "./task-engine.js";
import type { ParamValue } from "./validate.js";
import {
  formatArchiveSize,
  formatHms,
  renderBytes,
  renderDuration,
  vzdumpCommandLine,
} from "./vzdump-log.js";
import { includedGuests } from "./vzdump-options.js";

/**
 * The vzdump worker: what `PVE::API2::VZDump` forks and `PVE::VZDump::exec_backup` logs, one guest
 * after the other in ascending vmid order (reference §4.1, §4.6). Time passes per guest as its
 * `backupSeconds`; the archive appears in the storage when the guest finishes, followed by the
 * retention run.
 */

/** Scenario-given history replayed through the same writer: forced outcomes and timings. */
export interface Replay {
  readonly guests: ReadonlyMap<number, ReplayGuest>;
  /** A job-level error (e.g. storage offline): no guest is backed up. */
  readonly jobError?: string;
}

export interface ReplayGuest {
  /** When this guest's block starts (matching its archive's time), if known. */
  readonly startMs?: number;
  readonly durationSec?: number;
  /** Fail the guest with this text. */
  readonly error?: string;
  readonly sizeBytes?: number;
  /** Stand-in for a guest that no longer exists. */
  readonly type?: GuestType;
}

export interface VzdumpRun {
  readonly node: string;
  /** Options as passed (validated), without defaults applied. */
  readonly options: Readonly<Record<string, ParamValue>>;
  /** Guests on this node plus vmids that exist nowhere ("visibly fail later"). */
  readonly vmids: readonly number[];
  /** Guests selected but hosted elsewhere (`skip external VMs`). */
  readonly skipped: readonly number[];
  readonly cmdline: string;
  /** VM.Backup on `/vms/<vmid>` of the caller, checked inside the worker. */
  readonly mayBackup: (vmid: number) => boolean;
  /** `max-protected-backups` of the target storage for the caller (-1: unlimited); absent: -1. */
  readonly maxProtected?: (storage: SimStorage) => number;
  readonly replay?: Replay;
}

export interface VzdumpDeps {
  readonly state: SimState;
  readonly local: LocalClock;
  /** State changes (archives, pruning) apply only from here on: earlier steps are history. */
  readonly effectsFromMs: number;
}

const GIB = 1024 ** 3;

/** Stand-in for a storage that history mentions but the lab no longer has. */
const HISTORIC_STORAGE: SimStorage = {
  id: "",
  type: "nfs",
  content: ["backup"],
  shared: true,
  enabled: true,
  active: true,
  path: "",
  totalBytes: 0,
  usedBytes: 0,
};
const LOCKFILE = "/var/run/vzdump.lock";

/** Effective options after `/etc/vzdump.conf` and schema defaults (an empty vzdump.conf). */
interface Effective {
  mode: string;
  compress: string;
  remove: boolean;
  prune: PruneOptions;
  ionice: number;
  lockwaitMin: number;
  bwlimit?: number;
  notesTemplate?: string;
  protect: boolean;
  all: boolean;
}

function effectiveOptions(o: VzdumpRun["options"], storage: SimStorage | undefined): Effective {
  // Retention precedence (§3.3): the job's/CLI's, else the storage's, else keep-all.
  const pruneText = (o["prune-backups"] as string | undefined) ?? storage?.pruneBackups;
  const parsed = pruneText ? parsePruneBackups(pruneText) : undefined;
  const prune: PruneOptions = parsed?.ok ? parsed.value : { "keep-all": "1" };
  return {
    mode: (o.mode as string | undefined) ?? "snapshot",
    // The API's default is no compression; zstd is only the GUI's default (§11.10).
    compress: String(o.compress ?? "0"),
    // keep-all forces remove=0: no retention run at all.
    remove: o.remove !== 0 && !keepsAll(prune),
    prune,
    ionice: (o.ionice as number | undefined) ?? 7,
    lockwaitMin: (o.lockwait as number | undefined) ?? 180,
    bwlimit: o.bwlimit as number | undefined,
    notesTemplate: o["notes-template"] as string | undefined,
    protect: o.protected === 1,
    all: o.all === 1,
  };
}

/** `PVE::VZDump->new` + storage activation: the errors that fail the job before anything runs. */
function storageErrors(storage: SimStorage | undefined, id: string, node: string): string[] {
  if (!storage) {
    const missing = `storage '${id}' does not exist`;
    return [
      `could not activate storage '${id}': ${missing}`,
      `could not get storage information for '${id}': ${missing}`,
    ];
  }
  const errors: string[] = [];
  if (!storage.enabled) errors.push(`could not activate storage '${id}': storage '${id}' is disabled`);
  else if (!storageEnabledOn(storage, node))
    errors.push(`could not activate storage '${id}': storage '${id}' is not available on node '${node}'`);
  else if (!storage.active) errors.push(`could not activate storage '${id}': storage '${id}' is not online`);
  if (!storage.content.includes("backup")) {
    errors.push(
      `could not get storage information for '${id}': can't use storage '${id}' for backups - wrong content type`,
    );
  }
  return errors;
}

/** A stable fake UUID for `started backup task '<uuid>'`. */
function fakeUuid(seed: string): string {
  const h = createHash("sha1").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Creates the worker for one vzdump task. */
export function vzdumpWorker(run: VzdumpRun, deps: VzdumpDeps): (io: WorkerIo) => Worker {
  return (io) => runVzdump(run, deps, io);
}

function* runVzdump(run: VzdumpRun, deps: VzdumpDeps, io: WorkerIo): Worker {
  const { state } = deps;
  const storageId = (run.options.storage as string | undefined) ?? "local";
  const found = findStorage(state, storageId);
  const opts = effectiveOptions(run.options, found);
  const info = (msg: string) => io.log(`INFO: ${msg}`);

  let storage: SimStorage;
  if (run.replay) {
    // History happened as the scenario says, whatever state the storage is in now.
    if (run.replay.jobError) throw new TaskFailure(run.replay.jobError);
    storage = found ?? { ...HISTORIC_STORAGE, id: storageId, path: `/mnt/pve/${storageId}` };
  } else {
    // Storage problems fail the job in `new()`, before the global lock is even tried (§4.6).
    const errors = storageErrors(found, storageId, run.node);
    if (errors.length || !found) throw new TaskFailure(errors.join("\n"));
    storage = found;
  }

  // Only one vzdump per node (§4.1): a second one waits, and its task stays running meanwhile.
  if (!io.tryLock()) {
    info("trying to get global lock - waiting...");
    const acquired = yield { kind: "lock", deadlineMs: io.now() + opts.lockwaitMin * 60_000 };
    if (!acquired) {
      io.log(`ERROR: can't acquire lock '${LOCKFILE}' - got timeout`);
      // vzdump exits without a status line here; PVE then reports `unexpected status`.
      return "exit";
    }
    info("got global lock");
  }

  info(`starting new backup job: ${run.cmdline}`);
  if (run.skipped.length) info(`skip external VMs: ${[...run.skipped].sort((a, b) => a - b).join(", ")}`);

  // VM.Backup is checked inside the worker: with explicit vmids a missing privilege fails the task,
  // with `all` such guests are silently left out (MGR `VZDump.pm::exec_backup`, §4.1).
  const todo: number[] = [];
  for (const vmid of [...run.vmids].sort((a, b) => a - b)) {
    if (findGuest(state, vmid) && !run.mayBackup(vmid)) {
      if (opts.all) continue;
      throw new TaskFailure(`Permission check failed (/vms/${vmid}, VM.Backup)`);
    }
    todo.push(vmid);
  }

  let errorCount = 0;
  for (const vmid of todo) {
    const ok = yield* backupGuest(vmid, { run, deps, io, storage, opts });
    if (!ok) errorCount++;
  }
  info(errorCount ? "Backup job finished with errors" : "Backup job finished successfully");
  if (errorCount) throw new TaskFailure("job errors");
  return "ok";
}

interface GuestCtx {
  readonly run: VzdumpRun;
  readonly deps: VzdumpDeps;
  readonly io: WorkerIo;
  readonly storage: SimStorage;
  readonly opts: Effective;
}

/** Progress checkpoints (seconds into the backup): about every tenth of the run. */
function checkpoints(durationSec: number): number[] {
  const out = new Set<number>();
  for (let k = 1; k <= 10; k++) out.add(Math.max(1, Math.round((k * durationSec) / 10)));
  return [...out].sort((a, b) => a - b);
}

/** `exec_backup_task` for one guest; returns whether it succeeded. */
function* backupGuest(vmid: number, c: GuestCtx): Generator<Wait, boolean, boolean | undefined> {
  const { run, deps, io, storage, opts } = c;
  const { state, local } = deps;
  const info = (msg: string) => io.log(`INFO: ${msg}`);
  const plan = run.replay?.guests.get(vmid);
  if (plan?.startMs !== undefined && plan.startMs > io.now()) yield { kind: "sleep", untilMs: plan.startMs };
  const startMs = io.now();
  const at = (ms: number) => formatLocal(local(ms));
  const fail = (message: string) => {
    io.log(`ERROR: Backup of VM ${vmid} failed - ${message}`);
    info(`Failed at ${at(io.now())}`);
    return false;
  };

  const live = findGuest(state, vmid);
  const guest =
    live ??
    (plan?.type
      ? {
          vmid,
          name: `VM ${vmid}`,
          type: plan.type,
          status: "running" as const,
          backupBytes: plan.sizeBytes ?? 2e9,
          backupSeconds: plan.durationSec ?? 60,
        }
      : undefined);
  // A vmid that exists nowhere fails before anything else is logged for it.
  if (!guest) return fail(plan?.error ?? `unable to find VM '${vmid}'`);
  const type = guest.type;

  // protected=1: refuse once the guest has `max-protected-backups` protected archives of its type;
  // the retention's limit is not checked then (MGR `VZDump.pm::exec_backup_task`).
  const maxProtected = run.maxProtected?.(storage) ?? -1;
  if (!run.replay && opts.protect && maxProtected > -1) {
    const group = archivesOn(state, storage, run.node).filter((a) => a.vmid === vmid && a.type === type);
    if (group.filter((a) => a.protected).length >= maxProtected) {
      return fail(
        `The number of protected backups per guest is limited to ${maxProtected} on storage '${storage.id}'`,
      );
    }
  }
  // remove=0 with a positive retention: refuse once the limit is reached (§3.3, §11.11).
  if (!run.replay && !opts.remove && !opts.protect && !keepsAll(opts.prune)) {
    const limit = Object.values(opts.prune).reduce((sum, v) => sum + Number(v ?? 0), 0);
    const group = archivesOn(state, storage, run.node).filter((a) => a.vmid === vmid && a.type === type);
    if (group.filter((a) => !a.protected).length >= limit) {
      return fail(
        `There is a max backup limit of ${limit} enforced by the target storage or the vzdump parameters. ` +
          "Either increase the limit or delete old backups.",
      );
    }
  }

  const running = guest.status === "running";
  info(`Starting Backup of VM ${vmid} (${type})`);
  info(`Backup started at ${at(startMs)}`);
  info(`status = ${guest.status}`);
  io.lockGuest(vmid);
  // A stopped guest is always backed up in stop mode.
  const mode = running ? opts.mode : "stop";
  const diskBytes = Math.max(4, Math.ceil((guest.backupBytes * 2.5) / GIB)) * GIB;
  if (type === "qemu") {
    info(`VM Name: ${guest.name}`);
    info(`include disk 'scsi0' '${diskVolid(state, run.node, vmid)}' ${diskBytes / GIB}G`);
  } else {
    info(`CT Name: ${guest.name}`);
    info("including mount point rootfs ('/') in backup");
  }
  info(`backup mode: ${mode}`);
  if (opts.bwlimit) info(`bandwidth limit: ${opts.bwlimit} KB/s`);
  info(`ionice priority: ${opts.ionice}`);
  if (mode === "stop" && running) info("stopping virtual guest");
  if (mode === "suspend") info("suspending guest");
  if (type === "lxc" && mode === "snapshot") info("create storage snapshot 'vzdump'");

  if (storage.type === "pbs") {
    // PBS snapshots are named in UTC (§5.1).
    const iso = new Date(Math.floor(startMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
    info(`creating Proxmox Backup Server archive '${type === "qemu" ? "vm" : "ct"}/${vmid}/${iso}'`);
  } else {
    const fileName = vzdumpArchiveName(type, vmid, local(startMs), compressExtension(opts.compress));
    info(`creating vzdump archive '${storage.path}/dump/${fileName}'`);
  }
  if (type === "qemu") {
    if (!running) info("starting kvm to execute backup task");
    info(`started backup task '${fakeUuid(`${io.task.upid}:${vmid}`)}'`);
    if (running && mode !== "stop") info("resuming VM again");
  }

  const durationSec = Math.max(1, Math.round(plan?.durationSec ?? guest.backupSeconds));
  // History says how it went; a live run fails the way the scenario's guest is set up to.
  const failure = plan ? plan.error : live?.failWith;
  const stopAtSec = failure ? Math.max(1, Math.ceil(durationSec / 2)) : durationSec;
  const sizeBytes = plan?.sizeBytes ?? guest.backupBytes;
  const zeroBytes = Math.max(0, diskBytes - sizeBytes * 1.3);
  for (const s of checkpoints(durationSec)) {
    if (s > stopAtSec) break;
    yield { kind: "sleep", untilMs: startMs + s * 1000 };
    if (type !== "qemu") continue; // tar prints no progress, only its total at the end
    const done = (diskBytes * s) / durationSec;
    const pct = String(Math.floor((100 * s) / durationSec)).padStart(3, " ");
    info(
      `${pct}% (${renderBytes(done, 1)} of ${renderBytes(diskBytes, 1)}) in ${renderDuration(s)}, ` +
        `read: ${renderBytes(done / s, 1)}/s, write: ${renderBytes((done - (zeroBytes * s) / durationSec) / s, 1)}/s`,
    );
  }
  yield { kind: "sleep", untilMs: startMs + stopAtSec * 1000 };

  if (failure) {
    if (type === "qemu") info("aborting backup job");
    io.unlockGuest(vmid);
    if (type === "lxc" && mode === "snapshot") info("cleanup temporary 'vzdump' snapshot");
    return fail(failure);
  }

  if (type === "qemu") {
    const zeroPct = Math.round((100 * zeroBytes) / diskBytes);
    info(`backup is sparse: ${renderBytes(zeroBytes)} (${zeroPct}%) total zero data`);
    info(
      `transferred ${renderBytes(diskBytes)} in ${durationSec} seconds (${renderBytes(diskBytes / durationSec, 1)}/s)`,
    );
    if (!running) info("stopping kvm after backup task");
  } else {
    const written = Math.round(sizeBytes * 2.2);
    info(
      `Total bytes written: ${written} (${renderBytes(written, 1).replace(" ", "")}, ${renderBytes(written / durationSec, 0).replace(" ", "")}/s)`,
    );
  }

  const effects = io.now() >= deps.effectsFromMs;
  const notes =
    opts.notesTemplate === undefined ? undefined : renderNotes(opts.notesTemplate, guest, run.node);
  if (effects) {
    state.archives.push(
      makeArchive(
        {
          storage: storage.id,
          node: storage.shared ? undefined : run.node,
          vmid,
          type,
          timeMs: startMs,
          compress: compressExtension(opts.compress),
          sizeBytes,
          notes,
          protected: opts.protect,
          pbs: storage.type === "pbs",
        },
        local,
      ),
    );
    storage.usedBytes += sizeBytes;
  }
  // On PBS the size is the server's business: vzdump prints no archive size line.
  if (storage.type !== "pbs") info(`archive file size: ${formatArchiveSize(sizeBytes)}`);
  if (notes !== undefined) info("adding notes to backup");
  if (opts.protect) info("marking backup as protected");

  if (opts.remove) {
    const keep = Object.keys(opts.prune)
      .sort()
      .map((k) => `${k}=${opts.prune[k as keyof PruneOptions]}`)
      .join(", ");
    info(`prune older backups with retention: ${keep}`);
    const removed = effects ? pruneGroup(c, vmid, type) : [];
    for (const volid of removed) info(`removing backup '${volid}'`);
    info(
      `pruned ${removed.length} backup(s)${removed.length > 0 ? " not covered by keep-retention policy" : ""}`,
    );
  }

  io.unlockGuest(vmid);
  if (type === "lxc" && mode === "snapshot") info("cleanup temporary 'vzdump' snapshot");
  if (mode === "stop" && running) {
    info("restarting vm");
    info(`guest is online again after ${durationSec} seconds`);
  }
  info(`Finished Backup of VM ${vmid} (${formatHms((io.now() - startMs) / 1000)})`);
  info(`Backup finished at ${at(io.now())}`);
  return true;
}

/** Retention over this guest's archives on the storage (as seen from the node); returns removed volids. */
function pruneGroup(c: GuestCtx, vmid: number, type: GuestType): string[] {
  const { state, local } = c.deps;
  const group = archivesOn(state, c.storage, c.run.node).filter((a) => a.vmid === vmid && a.type === type);
  const marks = markBackupGroup(
    group.map((a) => ({ archive: a, ctimeSec: a.ctimeSec, protected: a.protected })),
    c.opts.prune,
    local,
  );
  const removed = [...marks].filter(([, mark]) => mark === "remove").map(([e]) => e.archive);
  state.archives = state.archives.filter((a) => !removed.includes(a));
  for (const a of removed) c.storage.usedBytes = Math.max(0, c.storage.usedBytes - a.sizeBytes);
  // Removed in listing order, i.e. by volid (oldest first for one guest).
  return removed.map(archiveVolid).sort();
}

/** The first storage on the node that holds guest disks, for the `include disk` line. */
function diskVolid(state: SimState, node: string, vmid: number): string {
  const store = state.storages.find((s) => s.content.includes("images") && storageEnabledOn(s, node));
  return `${store?.id ?? "local"}:vm-${vmid}-disk-0`;
}

/** `generate_notes`: `\n` / `\\` escapes and the four variables (the template is already validated). */
function renderNotes(template: string, guest: { vmid: number; name: string }, node: string): string {
  const vars: Record<string, string> = { cluster: "", guestname: guest.name, node, vmid: String(guest.vmid) };
  return template
    .replace(/\\(.)/g, (_, ch: string) => (ch === "n" ? "\n" : ch))
    .replace(/\{\{(cluster|guestname|node|vmid)\}\}/g, (_, name: string) => vars[name] ?? "");
}

/** A vzdump run that starts a task, or `undefined` where PVE answers `"OK"` and starts nothing. */
export interface PlannedVzdump {
  readonly run: VzdumpRun;
  /** The UPID id: the vmid only if exactly one local guest (§4.1). */
  readonly taskId: string;
}

/**
 * What `POST /nodes/{node}/vzdump` (or a scheduled job on `node`) would back up: the selected
 * guests on this node plus vmids that exist nowhere; guests elsewhere are skipped. With no local
 * guest and no `all`, PVE silently answers `"OK"` (§4.1, §11.5).
 *
 * `selectionNode` is the `node` option: set by the API path for manual runs (so external guests
 * are dropped, not skipped), and only by a node-pinned job for scheduled runs.
 */
export function planVzdump(
  state: SimState,
  args: {
    readonly node: string;
    readonly options: Readonly<Record<string, ParamValue>>;
    readonly selectionNode?: string;
    readonly mayBackup: (vmid: number) => boolean;
    readonly maxProtected?: (storage: SimStorage) => number;
    readonly replay?: Replay;
  },
): PlannedVzdump | undefined {
  const o = args.options;
  const perNode = includedGuests(state, {
    vmid: o.vmid as string | undefined,
    all: o.all as number | undefined,
    exclude: o.exclude as string | undefined,
    pool: o.pool as string | undefined,
    node: args.selectionNode,
  });
  const vmids = [...(perNode.get(args.node) ?? []), ...(perNode.get("") ?? [])];
  const skipped = [...perNode].filter(([n]) => n !== args.node && n !== "").flatMap(([, ids]) => ids);
  if (vmids.length === 0 && !o.all) return undefined;
  return {
    taskId: vmids.length === 1 ? String(vmids[0]) : "",
    run: {
      node: args.node,
      options: o,
      vmids,
      skipped,
      cmdline: vzdumpCommandLine(o),
      mayBackup: args.mayBackup,
      maxProtected: args.maxProtected,
      replay: args.replay,
    },
  };
}
