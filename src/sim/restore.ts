import { died, paramError } from "./api-error.js";
import type { Caller, Route, RouteContext, SimDeps } from "./route.js";
import { str } from "./route.js";
import { archiveVolid, findGuest, type SimArchive, type SimGuest, type SimState } from "./state.js";
import { TaskFailure, type Worker } from "./task-engine.js";
import type { ParamSchema, ParamValue } from "./validate.js";

/**
 * Reading an archive's config and restoring it, as PVE does (reference pve-restore-verify.md
 * §1–§4): `GET /nodes/{n}/vzdump/extractconfig`, `POST /nodes/{n}/qemu` with `archive` (worker
 * `qmrestore`), `POST /nodes/{n}/lxc` with `restore=1` (`vzrestore`), status, start/stop, the
 * guest agent's ping, config updates and `DELETE` with `purge`/`destroy-unreferenced-disks`.
 * Restored guests join `state.guests`; their configs live here. Faults for tests: a damaged
 * archive, a restore that dies after creating the guest, an agent that never answers.
 */

export interface RestoreFaults {
  /** volids whose header PVE cannot read (extractconfig and restore fail). */
  readonly damaged: Set<string>;
  /** volids whose restore dies after the disks were allocated: the guest stays, half-restored. */
  readonly failAfterCreate: Set<string>;
  /** vmids whose guest agent never answers. */
  readonly agentSilent: Set<number>;
  /** vmids whose config has the QEMU guest agent off (`agent: 0`). */
  readonly agentOff: Set<number>;
  /** How long a restore takes, and how long an agent needs after start (sim ms). */
  restoreMs: number;
  agentBootMs: number;
}

interface RestoredGuest {
  config: Record<string, string>;
  startedMs?: number;
}

const faultsOf = new WeakMap<SimState, RestoreFaults>();
const configs = new WeakMap<SimState, Map<number, RestoredGuest>>();

/** The lab's restore faults (created on first use). */
export function restoreFaults(state: SimState): RestoreFaults {
  let f = faultsOf.get(state);
  if (!f) {
    f = {
      damaged: new Set(),
      failAfterCreate: new Set(),
      agentSilent: new Set(),
      agentOff: new Set(),
      restoreMs: 20_000,
      agentBootMs: 15_000,
    };
    faultsOf.set(state, f);
  }
  return f;
}

function restoredOf(state: SimState): Map<number, RestoredGuest> {
  let m = configs.get(state);
  if (!m) {
    m = new Map();
    configs.set(state, m);
  }
  return m;
}

/** The config vzdump would have stored for a guest (QEMU with a `#qmdump#map` line per disk). */
export function archiveConfig(state: SimState, a: SimArchive): string {
  const g = findGuest(state, a.vmid);
  const name = g?.name ?? `guest${a.vmid}`;
  return a.type === "qemu"
    ? [
        `agent: ${restoreFaults(state).agentOff.has(a.vmid) ? 0 : 1}`,
        "cores: 2",
        "memory: 2048",
        `name: ${name}`,
        "net0: virtio=BC:24:11:5E:00:01,bridge=vmbr0,firewall=1",
        "onboot: 1",
        "ostype: l26",
        `scsi0: local-lvm:vm-${a.vmid}-disk-0,size=32G`,
        "#qmdump#map:scsi0:drive-scsi0:local-lvm:raw:",
        "",
      ].join("\n")
    : [
        "arch: amd64",
        `hostname: ${name}`,
        "memory: 1024",
        "net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:5E:00:02,ip=dhcp,type=veth",
        "onboot: 1",
        `rootfs: local-lvm:vm-${a.vmid}-disk-0,size=8G`,
        "",
      ].join("\n");
}

function parseConfig(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([a-z][a-z0-9_-]*):\s*(.*)$/.exec(line);
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

/** `check_volume_access(…, 'backup')`: the archive by volid, with the caller's right to read it. */
function archiveFor(state: SimState, caller: Caller, volid: string, targetVmid?: number): SimArchive {
  const m = /^([^:]+):backup\/(.+)$/.exec(volid);
  if (!m) throw paramError({ archive: `unable to parse volume ID '${volid}'` });
  const [, storage, fileName] = m as unknown as [string, string, string];
  const archive = state.archives.find((a) => a.storage === storage && a.fileName === fileName);
  if (!caller.has(`/storage/${storage}`, "Datastore.Allocate")) {
    caller.check(`/storage/${storage}`, ["Datastore.AllocateSpace"]);
    const owner = archive?.vmid ?? Number(/-(\d+)-/.exec(fileName)?.[1]);
    if (owner !== targetVmid) caller.check(`/vms/${owner}`, ["VM.Backup"]);
  }
  if (!archive) throw died(`volume '${volid}' does not exist`);
  return archive;
}

const NODE: ParamSchema = { node: { type: "string", format: "pve-node" } };
const VMID = { type: "integer", minimum: 100, maximum: 999_999_999 } as const;
const NETS: ParamSchema = Object.fromEntries(
  Array.from({ length: 8 }, (_, i) => [`net${i}`, { type: "string", optional: true } as const]),
);
const DISKS: ParamSchema = Object.fromEntries(
  ["scsi0", "scsi1", "virtio0", "virtio1", "sata0", "ide0", "efidisk0", "tpmstate0"].map((k) => [
    k,
    { type: "string", optional: true } as const,
  ]),
);

export function restoreRoutes(deps: SimDeps): Route[] {
  const { state } = deps;
  const guestPath = (kind: "qemu" | "lxc", tail: string) => `/nodes/{node}/${kind}/{vmid}${tail}`;
  const routes: Route[] = [
    {
      method: "GET",
      path: "/nodes/{node}/vzdump/extractconfig",
      params: { ...NODE, volume: { type: "string" } },
      proxyToNode: true,
      handle: ({ caller }, p) => {
        const archive = archiveFor(state, caller, String(p.volume));
        caller.check(`/vms/${archive.vmid}`, ["VM.Backup"]);
        if (restoreFaults(state).damaged.has(archiveVolid(archive)))
          throw died(
            archive.type === "qemu"
              ? "Failed to extract config from VMA archive: zstd: error 70 : Write error : cannot write block : Broken pipe\nvma: wrong vma header chechsum\n"
              : "ERROR: archive contains no configuration file",
          );
        return archiveConfig(state, archive);
      },
    },
    {
      method: "POST",
      path: "/nodes/{node}/qemu",
      params: {
        ...NODE,
        ...NETS,
        ...DISKS,
        vmid: VMID,
        archive: { type: "string", optional: true },
        storage: { type: "string", format: "pve-storage-id", optional: true },
        unique: { type: "boolean", optional: true, requires: "archive" },
        force: { type: "boolean", optional: true, requires: "archive" },
        start: { type: "boolean", optional: true },
        "live-restore": { type: "boolean", optional: true },
        bwlimit: { type: "integer", minimum: 0, optional: true },
        onboot: { type: "boolean", optional: true },
        name: { type: "string", optional: true },
        agent: { type: "string", optional: true },
      },
      proxyToNode: true,
      handle: (ctx, p) => startRestore(deps, ctx, p, "qemu"),
    },
    {
      method: "POST",
      path: "/nodes/{node}/lxc",
      params: {
        ...NODE,
        ...NETS,
        vmid: VMID,
        ostemplate: { type: "string" },
        restore: { type: "boolean", optional: true },
        storage: { type: "string", format: "pve-storage-id", optional: true },
        unique: { type: "boolean", optional: true, requires: "restore" },
        force: { type: "boolean", optional: true },
        start: { type: "boolean", optional: true },
        bwlimit: { type: "integer", minimum: 0, optional: true },
        onboot: { type: "boolean", optional: true },
        hostname: { type: "string", optional: true },
      },
      proxyToNode: true,
      handle: (ctx, p) => startRestore(deps, ctx, p, "lxc"),
    },
  ];
  for (const kind of ["qemu", "lxc"] as const) {
    const VM = { ...NODE, vmid: VMID };
    routes.push(
      {
        method: "GET",
        path: guestPath(kind, "/status/current"),
        params: VM,
        proxyToNode: true,
        permission: { path: "/vms/{vmid}", privs: ["VM.Audit"] },
        handle: (ctx, p) => {
          const g = guestOn(state, ctx.node, Number(p.vmid), kind);
          const conf = restoredOf(state).get(g.vmid)?.config ?? {};
          return {
            vmid: g.vmid,
            name: g.name,
            status: g.status,
            ...(g.lock ? { lock: g.lock } : {}),
            ...(kind === "qemu" && conf.agent ? { agent: 1 } : {}),
          };
        },
      },
      {
        method: "GET",
        path: guestPath(kind, "/config"),
        params: VM,
        proxyToNode: true,
        permission: { path: "/vms/{vmid}", privs: ["VM.Audit"] },
        handle: (ctx, p) => {
          const g = guestOn(state, ctx.node, Number(p.vmid), kind);
          const restored = restoredOf(state).get(g.vmid)?.config;
          if (restored) return { ...restored };
          // A guest of the scenario: the config its archives carry, without the vzdump lines.
          return parseConfig(archiveConfig(state, { vmid: g.vmid, type: g.type } as SimArchive));
        },
      },
      {
        method: "PUT",
        path: guestPath(kind, "/config"),
        params: {
          ...VM,
          ...NETS,
          onboot: { type: "boolean", optional: true },
          delete: { type: "string", optional: true },
        },
        proxyToNode: true,
        permission: { path: "/vms/{vmid}", privs: ["VM.Config.Network", "VM.Config.Options"], any: true },
        handle: (ctx, p) => {
          const g = guestOn(state, ctx.node, Number(p.vmid), kind);
          if (g.lock) throw died(`VM is locked (${g.lock})`);
          const r = restoredOf(state).get(g.vmid) ?? { config: {} };
          for (const [k, v] of Object.entries(p))
            if (/^net\d+$/.test(k) || k === "onboot") r.config[k] = String(v);
          for (const k of str(p, "delete")?.split(/[,;\s]+/) ?? []) delete r.config[k];
          restoredOf(state).set(g.vmid, r);
          return null;
        },
      },
      {
        method: "POST",
        path: guestPath(kind, "/status/start"),
        params: VM,
        proxyToNode: true,
        permission: { path: "/vms/{vmid}", privs: ["VM.PowerMgmt"] },
        handle: (ctx, p) => powerTask(deps, ctx, Number(p.vmid), kind, "start"),
      },
      {
        method: "POST",
        path: guestPath(kind, "/status/stop"),
        params: VM,
        proxyToNode: true,
        permission: { path: "/vms/{vmid}", privs: ["VM.PowerMgmt"] },
        handle: (ctx, p) => powerTask(deps, ctx, Number(p.vmid), kind, "stop"),
      },
      {
        method: "DELETE",
        path: `/nodes/{node}/${kind}/{vmid}`,
        params: {
          ...VM,
          purge: { type: "boolean", optional: true },
          "destroy-unreferenced-disks": { type: "boolean", optional: true },
          force: { type: "boolean", optional: true },
          skiplock: { type: "boolean", optional: true },
        },
        proxyToNode: true,
        permission: { path: "/vms/{vmid}", privs: ["VM.Allocate"] },
        handle: (ctx, p) => destroyTask(deps, ctx, p, kind),
      },
    );
  }
  routes.push({
    method: "POST",
    path: "/nodes/{node}/qemu/{vmid}/agent/ping",
    params: { ...NODE, vmid: VMID },
    proxyToNode: true,
    permission: { path: "/vms/{vmid}", privs: ["VM.GuestAgent.Audit"] },
    handle: ({ node, nowMs }, p) => {
      const g = guestOn(state, node, Number(p.vmid), "qemu");
      const r = restoredOf(state).get(g.vmid);
      if (!r?.config.agent || /^0/.test(r.config.agent)) throw died("No QEMU guest agent configured");
      if (g.status !== "running") throw died(`VM ${g.vmid} is not running`);
      const f = restoreFaults(state);
      if (f.agentSilent.has(g.vmid) || nowMs < (r.startedMs ?? 0) + f.agentBootMs)
        throw died("QEMU guest agent is not running");
      return { result: {} };
    },
  });
  return routes;
}

function guestOn(state: SimState, node: string, vmid: number, kind: "qemu" | "lxc"): SimGuest {
  const g = findGuest(state, vmid);
  if (!g || g.type !== kind || g.node !== node)
    throw died(
      `Configuration file 'nodes/${node}/${kind === "qemu" ? "qemu-server" : "lxc"}/${vmid}.conf' does not exist`,
    );
  return g;
}

function startRestore(
  deps: SimDeps,
  { caller, node, nowMs }: RouteContext,
  p: Readonly<Record<string, ParamValue>>,
  kind: "qemu" | "lxc",
): string {
  const { state } = deps;
  const vmid = Number(p.vmid);
  const volid = kind === "qemu" ? str(p, "archive") : str(p, "ostemplate");
  if (kind === "lxc" && !p.restore) throw died("creating containers from templates is not simulated");
  if (volid === undefined) throw died("creating VMs without an archive is not simulated");
  if (kind === "qemu")
    for (const key of Object.keys(DISKS))
      if (p[key] !== undefined) throw paramError({ [key]: "option conflicts with option 'archive'" });
  if (p["live-restore"])
    throw died("live-restore is only compatible with backup images from a Proxmox Backup Server");
  caller.check(`/vms/${vmid}`, ["VM.Allocate"]);
  if (p.start) caller.check(`/vms/${vmid}`, ["VM.PowerMgmt"]);
  const archive = archiveFor(state, caller, volid, vmid);
  if (archive.type !== kind)
    throw died(`archive '${volid}' is not a ${kind === "qemu" ? "VM" : "container"} backup`);
  const storage = str(p, "storage") ?? "local";
  caller.check(`/storage/${storage}`, ["Datastore.AllocateSpace"]);
  const existing = findGuest(state, vmid);
  if (existing && !p.force)
    throw died(
      `unable to restore ${kind === "qemu" ? "VM" : "CT"} ${vmid} - ${kind === "qemu" ? "VM" : "CT"} ${vmid} already exists on node '${existing.node}'`,
    );
  if (existing) throw died("overwriting a guest (force) is not simulated: test restores never do it");
  const faults = restoreFaults(state);
  const config = parseConfig(archiveConfig(state, archive));
  for (const [k, v] of Object.entries(p)) if (/^net\d+$/.test(k)) config[k] = String(v);
  if (p.onboot !== undefined) config.onboot = String(p.onboot);
  // The guest exists (locked) from the start of the worker: PVE's create_and_lock_config.
  const guest: SimGuest = {
    vmid,
    name: str(p, "hostname") ?? str(p, "name") ?? config.name ?? config.hostname ?? `restore${vmid}`,
    type: kind,
    node,
    status: "stopped",
    template: false,
    lock: "create",
    backupBytes: 0,
    backupSeconds: 0,
  };
  state.guests.push(guest);
  restoredOf(state).set(vmid, { config });
  const task = deps.engine.start(
    {
      node,
      user: caller.tokenId,
      type: kind === "qemu" ? "qmrestore" : "vzrestore",
      id: String(vmid),
      makeWorker: (io) =>
        (function* (): Worker {
          io.log(
            kind === "qemu"
              ? `restore vma archive: zstd -q -d -c /mnt/pve/${archive.storage}/dump/${archive.fileName} | vma extract -v -r /var/tmp/vzdumptmp.fifo - /var/tmp/vzdumptmp`
              : `recovering backed-up configuration from '${volid}'`,
          );
          yield { kind: "sleep", untilMs: io.now() + faults.restoreMs / 2 };
          if (faults.damaged.has(volid) || faults.failAfterCreate.has(volid)) {
            // The half-restored guest stays; whether PVE keeps its `lock: create` is not settled
            // by a source (UNCONFIRMED): the sim drops it, the runner handles both.
            delete guest.lock;
            throw new TaskFailure(
              `error before or during data restore, some or all disks were not completely restored. VM ${vmid} state is NOT cleaned up.`,
            );
          }
          yield { kind: "sleep", untilMs: io.now() + faults.restoreMs / 2 };
          io.log(`rescan volumes...`);
          delete guest.lock;
          return "ok";
        })(),
    },
    nowMs,
  );
  while (deps.engine.runNext(nowMs)) {
    /* its first lines are written before the UPID is returned */
  }
  return task.upid;
}

function powerTask(
  deps: SimDeps,
  { caller, node, nowMs }: RouteContext,
  vmid: number,
  kind: "qemu" | "lxc",
  what: "start" | "stop",
): string {
  const { state } = deps;
  const g = guestOn(state, node, vmid, kind);
  if (g.lock) throw died(`${kind === "qemu" ? "VM" : "CT"} is locked (${g.lock})`);
  const task = deps.engine.start(
    {
      node,
      user: caller.tokenId,
      type: `${kind === "qemu" ? "qm" : "vz"}${what}`,
      id: String(vmid),
      makeWorker: (io) =>
        (function* (): Worker {
          yield { kind: "sleep", untilMs: io.now() + 2000 };
          if (what === "start" && g.status === "running") throw new TaskFailure(`VM ${vmid} already running`);
          g.status = what === "start" ? "running" : "stopped";
          const r = restoredOf(state).get(vmid);
          if (r) r.startedMs = what === "start" ? io.now() : undefined;
          return "ok";
        })(),
    },
    nowMs,
  );
  return task.upid;
}

function destroyTask(
  deps: SimDeps,
  { caller, node, nowMs }: RouteContext,
  p: Readonly<Record<string, ParamValue>>,
  kind: "qemu" | "lxc",
): string {
  const { state } = deps;
  const vmid = Number(p.vmid);
  const g = guestOn(state, node, vmid, kind);
  if (p.skiplock && caller.user !== "root@pam")
    throw paramError({ skiplock: "Only root may use this option." });
  if (g.status === "running" && !(kind === "lxc" && p.force))
    throw died(`${kind === "qemu" ? "VM" : "CT"} ${vmid} is running - destroy failed`);
  const task = deps.engine.start(
    {
      node,
      user: caller.tokenId,
      type: kind === "qemu" ? "qmdestroy" : "vzdestroy",
      id: String(vmid),
      makeWorker: (io) =>
        (function* (): Worker {
          yield { kind: "sleep", untilMs: io.now() + 3000 };
          io.log(`Removing image: 100% complete...done.`);
          const at = state.guests.indexOf(g);
          if (at >= 0) state.guests.splice(at, 1);
          restoredOf(state).delete(vmid);
          if (p.purge)
            for (const j of state.jobs)
              if (typeof j.vmid === "string")
                j.vmid = j.vmid
                  .split(",")
                  .filter((v) => v !== String(vmid))
                  .join(",");
          return "ok";
        })(),
    },
    nowMs,
  );
  return task.upid;
}
