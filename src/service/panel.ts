import type { App } from "../app.js";
import type { Attempt, ClusterFacts } from "../core/model.js";
import { canSeeBackups } from "../core/permissions.js";
import { InputError } from "../errors.js";
import type { PveApi } from "../pve/api.js";
import {
  guestSpansOfLog,
  listGuestArchives,
  readTaskLog,
  type StorageArchives,
  type TaskLog,
  taskLogEnded,
} from "../pve/panel-reads.js";
import { type GuestJson, toStatusJson } from "../report.js";

/**
 * What the panel shows beside the plan and the doctor (service/policy.ts): the guests with their
 * jobs, the backup attempts of the task window (the timeline), and on demand a guest's archives
 * and a task's log. Times are ISO-8601 UTC; the page shows them in the PVE nodes' zone.
 */

export type PanelApp = Pick<App, "config" | "apis" | "monitor">;

export interface AttemptJson {
  readonly cluster: string;
  readonly vmid: number;
  readonly upid: string;
  readonly node: string;
  readonly start: string;
  readonly end: string | null;
  readonly outcome: Attempt["outcome"];
  readonly error: string | null;
  readonly sizeBytes: number | null;
}

export interface PanelOverview {
  /** The service's clock (the lab's on the demo). */
  readonly now: string;
  readonly timeZone: string;
  readonly storage: string | null;
  readonly tiers: readonly { name: string; schedule: string; keepLast: number; guests: readonly number[] }[];
  readonly clusters: readonly { cluster: string; reachable: boolean; problems: readonly string[] }[];
  readonly guests: readonly (GuestJson & { readonly jobs: readonly string[] })[];
  /** Every guest's backup attempts in the task window, oldest first. */
  readonly attempts: readonly AttemptJson[];
  /** false until the first refresh has completed. */
  readonly ready: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function panelOverview(app: PanelApp, nowMs: number): PanelOverview {
  const reports = app.monitor.latest();
  const status = toStatusJson(reports);
  const jobsOf = new Map(reports.flatMap((r) => r.guests.map((g) => [`${g.cluster}/${g.vmid}`, g.jobs])));
  const attempts: AttemptJson[] = [];
  for (const c of app.config.clusters) {
    const facts = app.monitor.facts(c.name);
    if (!facts?.reachable) continue;
    for (const a of facts.attempts)
      attempts.push({
        cluster: c.name,
        vmid: a.vmid,
        upid: a.upid,
        node: a.node,
        start: iso(a.startMs),
        end: a.endMs === undefined ? null : iso(a.endMs),
        outcome: a.outcome,
        error: a.error ?? null,
        sizeBytes: a.sizeBytes ?? null,
      });
  }
  attempts.sort((a, b) => a.start.localeCompare(b.start) || a.vmid - b.vmid);
  return {
    now: iso(nowMs),
    timeZone: app.config.timeZone,
    storage: app.config.storage ?? null,
    tiers: app.config.tiers.map((t) => ({
      name: t.name,
      schedule: t.schedule,
      keepLast: t.keepLast,
      guests: t.guests,
    })),
    clusters: status.clusters,
    guests: status.guests.map((g) => ({ ...g, jobs: jobsOf.get(`${g.cluster}/${g.vmid}`) ?? [] })),
    attempts,
    ready: reports.length > 0,
  };
}

/**
 * A guest's archives on every backup storage its cluster has, newest first per storage. An empty
 * listing from a storage the token may not see backups on is PVE hiding them, never "none": it
 * carries the reason as its error.
 */
export async function guestArchives(
  app: PanelApp,
  cluster: string,
  vmid: number,
): Promise<StorageArchives[]> {
  if (!Number.isInteger(vmid) || vmid < 1 || vmid > 999_999_999)
    throw new InputError(`'${vmid}' is not a guest id (a vmid such as 100)`);
  const { api, facts } = clusterOf(app, cluster);
  if (!facts?.reachable)
    throw new InputError(`cluster ${cluster} has not been read yet (or is unreachable); try again shortly`);
  const listed = await listGuestArchives(api, facts.storages, vmid);
  return listed.map((s) =>
    s.error || s.archives.length > 0 || canSeeBackups(facts.permissions, s.storage, vmid)
      ? s
      : {
          ...s,
          error: `the token may not see backups on '${s.storage}' (PVE then lists none): grant Datastore.Allocate on /storage/${s.storage}, or Datastore.AllocateSpace there and VM.Backup on /vms/${vmid}`,
        },
  );
}

/** The log of one task on a configured cluster. */
export async function taskLog(app: PanelApp, cluster: string, upid: string): Promise<TaskLog> {
  return readTaskLog(clusterOf(app, cluster).api, upid);
}

function clusterOf(app: PanelApp, name: string): { api: PveApi; facts: ClusterFacts | undefined } {
  const api = app.apis.get(name);
  if (!api) throw new InputError(`no cluster named '${String(name).slice(0, 40)}'`);
  return { api, facts: app.monitor.facts(name) };
}

export interface TaskGuestsJson {
  readonly upid: string;
  readonly guests: readonly { vmid: number; start: string; end: string | null }[];
  /** The task ended: its spans no longer change. */
  readonly ended: boolean;
}

/**
 * Each guest's span inside one vzdump task, from its log: for the timeline's per-guest bars of a
 * task that backed up several guests one after the other. Times in the log are the nodes' local
 * time (`timeZone` of the options).
 */
export async function taskGuests(app: PanelApp, cluster: string, upid: string): Promise<TaskGuestsJson> {
  const { api, facts } = clusterOf(app, cluster);
  const log = await readTaskLog(api, upid);
  const ended = taskLogEnded(log.lines);
  const attempt = facts?.reachable ? facts.attempts.find((a) => a.upid === upid) : undefined;
  const taskEnd = ended ? (attempt?.endMs ?? null) : null;
  return {
    upid,
    ended,
    guests: guestSpansOfLog(log.lines, app.config.timeZone, taskEnd).map((s) => ({
      vmid: s.vmid,
      start: iso(s.startMs),
      end: s.endMs === null ? null : iso(s.endMs),
    })),
  };
}
