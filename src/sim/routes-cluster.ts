import { createHash, randomUUID } from "node:crypto";
import { died, paramError } from "./api-error.js";
import { nextRunMs, readCalendarEvent } from "./calendar.js";
import {
  isDeletable,
  JOB_CREATE_PARAMS,
  JOB_ID_PARAM,
  JOB_UPDATE_PARAMS,
  jobForApi,
  jobSelection,
  jobStanza,
  legacySchedule,
} from "./jobs.js";
import { perlGmtime } from "./local-time.js";
import { type Caller, type Route, type SimDeps, str } from "./route.js";
import { findNode, type SimJob, type SimState, storageEnabledOn } from "./state.js";
import { guestStats, nodeStats } from "./stats.js";
import type { ParamValue } from "./validate.js";
import { includedGuests, ROOT_ONLY_OPTIONS, verifyVzdumpParameters } from "./vzdump-options.js";

/** `/version`, `/cluster/resources`, `/cluster/backup*`, `/cluster/jobs/schedule-analyze`. */
export function clusterRoutes(deps: SimDeps): Route[] {
  const { state } = deps;
  const sysAuditRoot = { path: "/", privs: ["Sys.Audit"] } as const;
  const sysModifyRoot = { path: "/", privs: ["Sys.Modify"] } as const;

  return [
    {
      method: "GET",
      path: "/version",
      params: {},
      handle: () => ({
        version: state.version,
        release: state.version.split(".").slice(0, 2).join("."),
        repoid: createHash("sha1").update(`pve-manager ${state.version}`).digest("hex").slice(0, 16),
      }),
    },
    {
      method: "GET",
      path: "/cluster/resources",
      params: { type: { type: "string", enum: ["vm", "storage", "node", "sdn"], optional: true } },
      handle: ({ caller, nowMs }, p) => clusterResources(state, caller, str(p, "type"), nowMs),
    },
    {
      method: "GET",
      path: "/cluster/backup",
      params: {},
      permission: sysAuditRoot,
      handle: ({ nowMs }) =>
        state.jobs
          .filter((j) => (j.type ?? "vzdump") === "vzdump")
          .map((j) => jobForApi(j, nextRunSec(state, j, nowMs))),
    },
    {
      method: "POST",
      path: "/cluster/backup",
      params: JOB_CREATE_PARAMS,
      permission: sysModifyRoot,
      handle: ({ caller }, p) => {
        assertJobParamPermissions(caller, p);
        const values = withSchedule(p);
        // PVE generates a full UUID when no id is given (the GUI sends `backup-xxxxxxxx-xxxx`).
        const id = str(p, "id") ?? randomUUID();
        if (state.jobs.some((j) => j.id === id)) throw died(`Job '${id}' already exists`);
        const verified = verifyVzdumpParameters(values, true);
        verified.enabled ??= 1;
        const { id: _id, ...rest } = verified;
        state.jobs.push(jobStanza(id, rest));
        return null;
      },
    },
    {
      method: "GET",
      path: "/cluster/backup/{id}",
      params: JOB_ID_PARAM,
      permission: sysAuditRoot,
      // Same object as in the list, but without `next-run` (§3.4).
      handle: (_ctx, p) => jobForApi(jobOrParamError(state, String(p.id))),
    },
    {
      method: "PUT",
      path: "/cluster/backup/{id}",
      params: JOB_UPDATE_PARAMS,
      permission: sysModifyRoot,
      handle: ({ caller }, p) => {
        const { id, delete: del, ...given } = p;
        if (Object.keys(given).length === 0 && del === undefined) throw died("no options specified");
        assertJobParamPermissions(caller, given);
        verifyVzdumpParameters(given, false);
        const update =
          given.starttime !== undefined || given.schedule !== undefined ? withSchedule(given) : given;
        const index = state.jobs.findIndex((j) => j.id === id && (j.type ?? "vzdump") === "vzdump");
        const old = state.jobs[index];
        if (!old) throw died("no such vzdump job");
        const job: Record<string, ParamValue> = { ...old };
        for (const key of del === undefined
          ? []
          : String(del)
              .split(/[\s,;\0]+/)
              .filter(Boolean)) {
          if (!isDeletable(key)) throw paramError({ delete: `unknown option '${key}'` });
          delete job[key];
        }
        Object.assign(job, update);
        // Selection keys replace each other (MGR `Backup.pm` update_job).
        if (job.exclude !== undefined && job.pool === undefined) job.all = 1;
        if (update.vmid !== undefined) {
          delete job.all;
          delete job.exclude;
          delete job.pool;
        } else if (update.all) {
          delete job.vmid;
          delete job.pool;
        } else if (job.pool !== undefined) {
          delete job.vmid;
          delete job.all;
          delete job.exclude;
        }
        const verified = verifyVzdumpParameters(job, true);
        const { id: _id, type: _type, ...rest } = verified;
        state.jobs[index] = jobStanza(String(id), rest);
        return null;
      },
    },
    {
      method: "DELETE",
      path: "/cluster/backup/{id}",
      params: JOB_ID_PARAM,
      permission: sysModifyRoot,
      handle: (_ctx, p) => {
        const job = jobOrParamError(state, String(p.id));
        state.jobs = state.jobs.filter((j) => j !== job);
        return null;
      },
    },
    {
      method: "GET",
      path: "/cluster/backup-info",
      params: {},
      handle: () => [{ subdir: "not-backed-up" }],
    },
    {
      method: "GET",
      path: "/cluster/backup-info/not-backed-up",
      params: {},
      permission: sysAuditRoot,
      handle: ({ caller }) => notBackedUp(state, caller),
    },
    {
      method: "GET",
      path: "/cluster/jobs/schedule-analyze",
      params: {
        schedule: { type: "string", format: "pve-calendar-event", maxLength: 128 },
        starttime: { type: "integer", optional: true },
        iterations: { type: "integer", minimum: 1, maximum: 100, optional: true },
      },
      handle: ({ nowMs }, p) => {
        const read = readCalendarEvent(String(p.schedule));
        if ("error" in read) throw paramError({ schedule: read.error });
        const out: { timestamp: number; utc: string }[] = [];
        let after = p.starttime === undefined ? nowMs : Number(p.starttime) * 1000;
        for (let i = 0; i < Number(p.iterations ?? 10); i++) {
          const next = nextRunMs(read.event, after, state.timezone);
          if (next === undefined) break;
          const timestamp = Math.floor(next / 1000);
          out.push({ timestamp, utc: perlGmtime(timestamp) });
          after = next;
        }
        return out;
      },
    },
  ];
}

function jobOrParamError(state: SimState, id: string): SimJob {
  const job = state.jobs.find((j) => j.id === id && (j.type ?? "vzdump") === "vzdump");
  if (!job) throw paramError({ id: `No such job '${id}'` });
  return job;
}

/** `next-run`: the schedule's next occurrence after now, in the node's time zone, epoch seconds. */
function nextRunSec(state: SimState, job: SimJob, nowMs: number): number | undefined {
  if (job.schedule === undefined) return undefined;
  const read = readCalendarEvent(String(job.schedule));
  if ("error" in read) return undefined;
  const next = nextRunMs(read.event, nowMs, state.timezone);
  return next === undefined ? undefined : Math.floor(next / 1000);
}

/** `schedule` from the legacy `starttime`/`dow`, with PVE's conflict checks; drops the legacy keys. */
function withSchedule(p: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
  const { starttime, dow, ...rest } = p;
  if (rest.schedule !== undefined) {
    if (starttime !== undefined)
      throw paramError({ starttime: "'starttime' and 'schedule' cannot both be set" });
    return rest;
  }
  if (starttime === undefined) throw paramError({ schedule: "neither 'starttime' nor 'schedule' were set" });
  return {
    ...rest,
    schedule: legacySchedule(String(starttime), dow === undefined ? undefined : String(dow)),
  };
}

/** MGR `Backup.pm` `$assert_param_permission_*`: extra checks for anyone but root@pam itself. */
function assertJobParamPermissions(caller: Caller, p: Readonly<Record<string, ParamValue>>): void {
  for (const key of ROOT_ONLY_OPTIONS) {
    if (p[key] !== undefined) throw paramError({ [key]: "Only root may set this option." });
  }
  if (["bwlimit", "ionice", "performance"].some((k) => p[k] !== undefined)) caller.check("/", ["Sys.Modify"]);
  if (p.storage !== undefined) caller.check(`/storage/${p.storage}`, ["Datastore.Allocate"]);
  if (p.pool !== undefined) caller.check(`/pool/${p.pool}`, ["VM.Backup"]);
}

/** MGR `BackupInfo.pm`: guests no job selects, enabled or not, sorted as strings like Perl's `sort keys`. */
function notBackedUp(state: SimState, caller: Caller) {
  const included = new Set<number>();
  for (const job of state.jobs) {
    const perNode = includedGuests(state, jobSelection(job));
    for (const ids of perNode.values()) for (const id of ids) included.add(id);
  }
  return state.guests
    .filter((g) => !included.has(g.vmid) && caller.has(`/vms/${g.vmid}`, "VM.Audit"))
    .sort((a, b) => String(a.vmid).localeCompare(String(b.vmid)))
    .map((g) => ({ vmid: g.vmid, type: g.type, name: g.name }));
}

/**
 * `GET /cluster/resources` (§2.1): guests filtered by VM.Audit (no name/stats and status `unknown`
 * when their node is offline — no RRD data), nodes (stats only with Sys.Audit), storages per node
 * filtered by Datastore.Audit (`unknown`, without sizes, when inactive or on an offline node),
 * pools without a type filter.
 */
function clusterResources(
  state: SimState,
  caller: Caller,
  type: string | undefined,
  nowMs: number,
): unknown[] {
  const out: Record<string, unknown>[] = [];
  const online = (node: string) => findNode(state, node)?.online === true;
  if (!type || type === "vm") {
    for (const g of state.guests) {
      if (!caller.has(`/vms/${g.vmid}`, "VM.Audit")) continue;
      const entry: Record<string, unknown> = {
        id: `${g.type}/${g.vmid}`,
        vmid: g.vmid,
        node: g.node,
        type: g.type,
      };
      if (online(g.node)) {
        Object.assign(
          entry,
          { status: g.status, name: g.name, template: g.template ? 1 : 0 },
          guestStats(g, nowMs),
        );
      } else {
        entry.status = "unknown";
      }
      if (g.pool) entry.pool = g.pool;
      if (g.tags) entry.tags = g.tags;
      if (g.lock) entry.lock = g.lock;
      out.push(entry);
    }
  }
  if (!type || type === "node") {
    for (const n of state.nodes) {
      const entry: Record<string, unknown> = { id: `node/${n.name}`, node: n.name, type: "node" };
      entry.status = n.online ? "online" : "offline";
      entry.level = "";
      if (n.online) {
        entry["cgroup-mode"] = 2;
        if (caller.has(`/nodes/${n.name}`, "Sys.Audit"))
          Object.assign(entry, nodeStats(state, n.name, nowMs));
      }
      out.push(entry);
    }
  }
  if (!type || type === "storage") {
    for (const n of state.nodes) {
      for (const s of state.storages) {
        if (!storageEnabledOn(s, n.name) || !caller.has(`/storage/${s.id}`, "Datastore.Audit")) continue;
        const entry: Record<string, unknown> = {
          id: `storage/${n.name}/${s.id}`,
          storage: s.id,
          node: n.name,
          type: "storage",
          plugintype: s.type,
          status: "unknown",
          shared: s.shared ? 1 : 0,
          content: s.content.join(","),
        };
        if (n.online && s.active) {
          Object.assign(entry, { status: "available", disk: s.usedBytes, maxdisk: s.totalBytes });
        }
        out.push(entry);
      }
    }
  }
  if (!type) {
    const pools = [...new Set(state.guests.flatMap((g) => (g.pool ? [g.pool] : [])))].sort();
    for (const pool of pools) {
      if (caller.has(`/pool/${pool}`, "Pool.Audit")) out.push({ id: `/pool/${pool}`, pool, type: "pool" });
    }
  }
  return out;
}
