import type { Config } from "../config/schema.js";
import { planBackupNow, requestedVmids } from "../core/backup-now.js";
import type { FinishedResult } from "../core/finished.js";
import { InputError } from "../errors.js";
import type { Logger } from "../log.js";
import type { PveApi } from "../pve/api.js";
import { followTask, type StartedTask, startBackups, type TaskProgress } from "../pve/backup.js";
import { releaseManualArchives } from "../pve/manual-keep.js";
import type { Monitor } from "./monitor.js";

/** One guest's result of a backup run, as events and service responses report it. */
export type GuestBackupResult = FinishedResult;

export type BackupEvent =
  | { readonly kind: "started"; readonly cluster: string; readonly task: StartedTask }
  | { readonly kind: "progress"; readonly cluster: string; readonly progress: TaskProgress }
  | { readonly kind: "finished"; readonly result: GuestBackupResult };

export interface BackupRequest {
  readonly cluster?: string;
  readonly vmids: readonly number[];
  readonly tiers: readonly string[];
}

export interface BackupOutcome {
  readonly cluster: string;
  readonly started: readonly StartedTask[];
  readonly failed: readonly {
    readonly node: string;
    readonly vmids: readonly number[];
    readonly error: string;
  }[];
  /** With `wait`: every guest's result once its task ended. */
  readonly results?: readonly GuestBackupResult[];
}

export interface BackupServiceDeps {
  readonly config: Config;
  readonly apis: ReadonlyMap<string, PveApi>;
  readonly monitor: Monitor;
  readonly log: Logger;
  readonly nowMs: () => number;
  readonly onEvent: (e: BackupEvent) => void;
  /** Something changed on PVE: refresh soon. */
  readonly onChange: () => void;
  readonly pollIntervalMs?: number;
}

/**
 * "Back up now" for the CLI, HA services, buttons and notification actions: plan on fresh
 * facts (refuse unknown guests, templates, guests already being backed up), start one task per
 * node, follow each to its end and report every guest's outcome.
 *
 * A guest this service is starting or following a backup of is refused at once, before anything
 * is read or posted: two presses a few milliseconds apart both see PVE without the first task,
 * so PVE's facts alone cannot stop the second. The guard holds from the call until the guest's
 * task has ended (or its start failed, or nothing was started for it).
 */
export function createBackupService(deps: BackupServiceDeps) {
  const following = new Map<string, TaskProgress>();
  /** Guests being started or followed, by `cluster/vmid`: the task's UPID once it has one. */
  const inFlight = new Map<string, { upid?: string }>();
  const guardKey = (cluster: string, vmid: number) => `${cluster}/${vmid}`;

  /**
   * `wait`: resolve only when every task has ended, with each guest's result. `follow` (default
   * true): without waiting, still follow the tasks in the background (the service does; a CLI
   * run that does not wait has nothing to follow them for).
   */
  async function backupNow(
    req: BackupRequest,
    opts: { wait?: boolean; follow?: boolean } = {},
  ): Promise<BackupOutcome> {
    const cluster = pickCluster(deps.config, req.cluster);
    // Checked and taken before the first await: a concurrent call sees it.
    const guard = holdGuests(cluster, requestedVmids(req, deps.config.tiers));
    try {
      return await startAndFollow(cluster, req, opts, guard);
    } finally {
      // An error, a start that failed, nothing started, or a task nobody follows: free at once.
      guard.releaseUnfollowed();
    }
  }

  /** Refuses a guest already held; holds the others until released. */
  function holdGuests(cluster: string, vmids: readonly number[]) {
    for (const vmid of vmids) {
      const busy = inFlight.get(guardKey(cluster, vmid));
      if (busy)
        throw new InputError(
          `guest ${vmid} is already being backed up (${busy.upid ? `task ${busy.upid}` : "its task is starting"}): nothing started`,
        );
    }
    const held = new Set(vmids);
    const followed = new Set<number>();
    for (const vmid of held) inFlight.set(guardKey(cluster, vmid), {});
    const release = (released: Iterable<number>) => {
      for (const vmid of released) if (held.delete(vmid)) inFlight.delete(guardKey(cluster, vmid));
    };
    return {
      /** A task started for these guests: later presses name it. */
      started(task: StartedTask) {
        for (const vmid of task.vmids)
          if (held.has(vmid)) inFlight.set(guardKey(cluster, vmid), { upid: task.upid });
      },
      /** The task's follower releases these guests when the task ends. */
      followed(task: StartedTask) {
        for (const vmid of task.vmids) followed.add(vmid);
      },
      release,
      releaseUnfollowed: () => release([...held].filter((vmid) => !followed.has(vmid))),
    };
  }

  async function startAndFollow(
    cluster: string,
    req: BackupRequest,
    opts: { wait?: boolean; follow?: boolean },
    guard: ReturnType<typeof holdGuests>,
  ): Promise<BackupOutcome> {
    const api = deps.apis.get(cluster) as PveApi;
    await deps.monitor.refresh(deps.nowMs());
    const facts = deps.monitor.facts(cluster);
    if (!facts?.reachable) throw new InputError(`cluster ${cluster} cannot be reached: nothing started`);
    const tokenId = deps.config.clusters.find((c) => c.name === cluster)?.tokenId as string;
    const plan = planBackupNow({
      request: { vmids: req.vmids, tiers: req.tiers },
      guests: facts.guests,
      tiers: deps.config.tiers,
      active: facts.attempts.filter((a) => a.outcome === "running" || a.outcome === "waiting"),
      storage: deps.config.storage,
      // No privileges at all means they could not be read (a token without any sees no guest
      // either): then PVE decides, and a task it refuses fails visibly.
      access:
        Object.keys(facts.permissions).length > 0 ? { permissions: facts.permissions, tokenId } : undefined,
    });
    if (!plan.ok) throw new InputError(plan.error);
    await releaseManualArchives({
      api,
      log: deps.log,
      calls: plan.calls,
      guests: facts.guests,
      keep: deps.config.manualKeep,
      permissions: facts.permissions,
    });
    const result = await startBackups({ api, log: deps.log, tokenId, nowMs: deps.nowMs }, plan.calls);
    for (const task of result.started) guard.started(task);
    for (const task of result.started) deps.onEvent({ kind: "started", cluster, task });
    if (result.started.length > 0) deps.onChange();
    if (!opts.wait && opts.follow === false) return { cluster, ...result };
    const names = new Map(facts.guests.map((g) => [g.vmid, g.name]));
    const follows = result.started.map((task) => {
      guard.followed(task);
      return follow(cluster, api, task, names).finally(() => guard.release(task.vmids));
    });
    if (!opts.wait) {
      for (const f of follows)
        f.catch((err) =>
          deps.log.error(`following a backup task: ${err instanceof Error ? err.message : String(err)}`),
        );
      return { cluster, ...result };
    }
    const results = (await Promise.all(follows)).flat();
    return { cluster, ...result, results };
  }

  async function follow(
    cluster: string,
    api: PveApi,
    task: StartedTask,
    names: ReadonlyMap<number, string>,
  ): Promise<GuestBackupResult[]> {
    const reported = new Set<number>();
    const results: GuestBackupResult[] = [];
    const report = (p: TaskProgress) => {
      following.set(p.upid, p);
      deps.onEvent({ kind: "progress", cluster, progress: p });
      for (const g of p.summary.guests) {
        if (g.outcome === "running" || reported.has(g.vmid)) continue;
        reported.add(g.vmid);
        const result: GuestBackupResult = {
          cluster,
          vmid: g.vmid,
          name: names.get(g.vmid) ?? String(g.vmid),
          status: g.outcome === "failed" ? "failed" : g.warnings > 0 ? "warnings" : "ok",
          sizeBytes: g.sizeBytes ?? null,
          durationSec: g.durationSec ?? null,
          error: g.error ?? null,
          upid: p.upid,
        };
        results.push(result);
        deps.onEvent({ kind: "finished", result });
      }
    };
    const end = await followTask({ api, log: deps.log, nowMs: deps.nowMs }, task.upid, report, {
      intervalMs: deps.pollIntervalMs,
    });
    following.delete(task.upid);
    // A task that failed before any guest began (storage offline, lock timeout) still ends each guest.
    for (const vmid of task.vmids) {
      if (reported.has(vmid)) continue;
      const result: GuestBackupResult = {
        cluster,
        vmid,
        name: names.get(vmid) ?? String(vmid),
        status: "failed",
        sizeBytes: null,
        durationSec: null,
        error: end.summary.jobError ?? end.exitStatus ?? "the task ended without backing up this guest",
        upid: task.upid,
      };
      results.push(result);
      deps.onEvent({ kind: "finished", result });
    }
    deps.onChange();
    return results;
  }

  return { backupNow, active: () => [...following.values()] };
}

export type BackupService = ReturnType<typeof createBackupService>;

function pickCluster(config: Config, name: string | undefined): string {
  if (name !== undefined) {
    if (!config.clusters.some((c) => c.name === name)) throw new InputError(`no cluster named '${name}'`);
    return name;
  }
  if (config.clusters.length !== 1)
    throw new InputError(
      `several clusters are configured: say which (${config.clusters.map((c) => c.name).join(", ")})`,
    );
  return (config.clusters[0] as { name: string }).name;
}
