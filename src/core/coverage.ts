import type { Archive } from "./model.js";

/**
 * The NAS side of the 3-2-1 rule: which Hyper Backup task copies the folder PVE writes its
 * archives to (and the folder Home Assistant's backups land in) off the NAS, whether that copy
 * is current, and per guest how many copies exist where. Pure: DSM's answers and PVE's archive
 * listing come in as values, `nowMs` as a parameter.
 */

/** One Hyper Backup task as read from DSM (`SYNO.Backup.Task` list + status), times parsed. */
export interface HyperBackupTask {
  readonly id: number;
  readonly name: string;
  /** Raw `state`: `backupable`, `restore_only`, `error_detect`, `broken`, … */
  readonly state: string;
  /** Raw `status`: `none`, `waiting`, `backup`, `detect`, … */
  readonly status: string;
  /** Raw `last_bkp_result`: `done`, `backingup`, `none`, `suspend`, … (failure tokens unconfirmed). */
  readonly lastResult: string;
  /** `last_bkp_error`: an i18n key, empty when none. */
  readonly lastError: string;
  readonly lastRunMs: number | null;
  readonly lastEndMs: number | null;
  /** `last_bkp_success_time`; null when DSM gave none (never succeeded, or not reported). */
  readonly lastSuccessMs: number | null;
  /** Null without a schedule. */
  readonly nextRunMs: number | null;
  /** `type`, e.g. `image:image_remote`. */
  readonly destination: string;
  readonly destinationKind: DestinationKind;
  /** `source.file_list`: absolute folder paths (`fullPath`) and whether DSM reports them missing. */
  readonly folders: readonly { readonly path: string; readonly missing: boolean }[];
  /** `source.backup_filter.exclude_list` (format unconfirmed: read as absolute or share paths). */
  readonly excludes: readonly string[];
}

export type DestinationKind = "local" | "remote" | "cloud" | "unknown";

/** `transfer_type`/`type` → where the copy lives; an unknown token stays unknown. */
export function destinationKindOf(type: string): DestinationKind {
  const transfer = type.includes(":") ? type.slice(type.indexOf(":") + 1) : type;
  if (transfer === "image_local" || transfer === "local") return "local";
  if (transfer === "image_remote" || transfer === "rsync" || transfer === "remote") return "remote";
  if (/drive|s3|c2|azure|dropbox|swift|hicloud|cloud|box|webdav|openstack/i.test(transfer)) return "cloud";
  return "unknown";
}

export type TaskHealth = "ok" | "running" | "never" | "failed" | "unknown";

const BROKEN_STATES = new Set(["restore_only", "error_detect", "broken", "unauth", "endofservice", "error"]);
const RUNNING_STATUSES = new Set([
  "backup",
  "detect",
  "version_deleting",
  "preparing_version_delete",
  "waiting",
]);

/**
 * A task's health from DSM's raw tokens (the derived status of reference §3.4/§3.5): a state
 * other than `backupable`, a non-empty `last_bkp_error`, or a last run that is not its last
 * success means failed; `done` is ok; `none` never ran; a token nobody has confirmed is unknown,
 * never ok.
 */
export function taskHealth(t: HyperBackupTask): TaskHealth {
  if (BROKEN_STATES.has(t.state) || t.lastError !== "") return "failed";
  if (t.state !== "backupable") return "unknown";
  if (RUNNING_STATUSES.has(t.status) || t.lastResult === "backingup" || t.lastResult === "resuming")
    return "running";
  if (t.lastResult === "none") return "never";
  if (t.lastResult === "done")
    return t.lastSuccessMs !== null && t.lastRunMs !== null && t.lastSuccessMs < t.lastRunMs
      ? "failed"
      : "ok";
  if (t.lastResult === "suspend" || t.lastResult === "error" || t.lastResult === "failed") return "failed";
  return "unknown";
}

/**
 * When the task's last success was: `last_bkp_success_time`, or for a `done` run without it the
 * run's start (files that existed when it started are in that version).
 */
export function lastSuccessOf(t: HyperBackupTask): number | null {
  if (t.lastSuccessMs !== null) return t.lastSuccessMs;
  return t.lastResult === "done" && t.lastError === "" ? t.lastRunMs : null;
}

/** `/a/b` is `/a/b` or lies under it. */
export function isWithin(path: string, folder: string): boolean {
  const p = trimSlash(path);
  const f = trimSlash(folder);
  return p === f || p.startsWith(f === "" ? "/" : `${f}/`);
}

const trimSlash = (p: string) => p.replace(/\/+$/, "");

/** The tasks whose source holds `folder` (a selected ancestor, present, not excluded). */
export function tasksCovering(tasks: readonly HyperBackupTask[], folder: string): HyperBackupTask[] {
  return tasks.filter(
    (t) =>
      t.folders.some((f) => !f.missing && isWithin(folder, f.path)) &&
      !t.excludes.some((x) => isWithin(folder, x)),
  );
}

/** A folder to be copied off the NAS, and the newest file PVE or HA put there (epoch ms). */
export interface WatchedFolder {
  readonly label: string;
  readonly path: string;
  /** The newest archive it should carry; null when the folder holds none. */
  readonly newestMs: number | null;
}

export type FindingKind = "no_task" | "failed" | "stale" | "unknown";

export interface CoverageFinding {
  readonly kind: FindingKind;
  readonly folder: string;
  readonly task: string | null;
  /** One sentence a person can act on. */
  readonly message: string;
}

export interface FolderCoverage {
  readonly label: string;
  readonly folder: string;
  /** The covering task judged (the healthiest, most recently successful); null when none covers it. */
  readonly task: { readonly id: number; readonly name: string; readonly health: TaskHealth } | null;
  readonly lastSuccessMs: number | null;
  readonly nextRunMs: number | null;
  readonly covered: "yes" | "no" | "unknown";
  readonly finding: CoverageFinding | null;
}

/**
 * Which task covers each watched folder, and what is wrong with that: none covers it (`no_task`),
 * its health is failed (`failed`), it last succeeded before the folder's newest archive and is not
 * about to run again (`stale`), or its tokens say nothing sure (`unknown`). Among several covering
 * tasks the one with the latest success counts.
 */
export function assessCoverage(
  tasks: readonly HyperBackupTask[],
  folders: readonly WatchedFolder[],
  nowMs: number,
): FolderCoverage[] {
  return folders.map((w) => {
    const covering = tasksCovering(tasks, w.path).sort(
      (a, b) => rank(b) - rank(a) || (lastSuccessOf(b) ?? -1) - (lastSuccessOf(a) ?? -1),
    );
    const t = covering[0];
    if (!t)
      return {
        label: w.label,
        folder: w.path,
        task: null,
        lastSuccessMs: null,
        nextRunMs: null,
        covered: "no",
        finding: {
          kind: "no_task",
          folder: w.path,
          task: null,
          message: `no Hyper Backup task covers ${w.path} (${w.label}): nothing there has a copy off the NAS; add that folder or a parent to a Hyper Backup task`,
        },
      };
    const health = taskHealth(t);
    const success = lastSuccessOf(t);
    const base = {
      label: w.label,
      folder: w.path,
      task: { id: t.id, name: t.name, health },
      lastSuccessMs: success,
      nextRunMs: t.nextRunMs,
    };
    if (health === "failed")
      return {
        ...base,
        covered: success === null ? "no" : "yes",
        finding: {
          kind: "failed",
          folder: w.path,
          task: t.name,
          message: `Hyper Backup task '${t.name}' covering ${w.path} did not succeed (state ${t.state}, last result ${t.lastResult}${t.lastError ? `, error ${t.lastError}` : ""}); check it in Hyper Backup`,
        },
      };
    const pending = t.nextRunMs !== null && t.nextRunMs > nowMs && (t.lastRunMs ?? -1) < (w.newestMs ?? -1);
    if (w.newestMs !== null && (success === null || success < w.newestMs) && !pending && health !== "running")
      return {
        ...base,
        covered: "no",
        finding: {
          kind: health === "unknown" ? "unknown" : "stale",
          folder: w.path,
          task: t.name,
          message:
            health === "unknown"
              ? `Hyper Backup task '${t.name}' covering ${w.path} reports state ${t.state}, result ${t.lastResult}: whether it copied the newest archive is unknown`
              : `Hyper Backup task '${t.name}' covering ${w.path} last succeeded ${success === null ? "never" : "before"} the newest archive there and is not scheduled to run again; run it (pve-backup nas run '${t.name}') or give it a schedule`,
        },
      };
    return {
      ...base,
      covered: health === "unknown" ? "unknown" : success === null ? "no" : "yes",
      finding:
        health === "unknown"
          ? {
              kind: "unknown",
              folder: w.path,
              task: t.name,
              message: `Hyper Backup task '${t.name}' covering ${w.path} reports state ${t.state}, result ${t.lastResult}: not known to be good`,
            }
          : null,
    };
  });
}

const rank = (t: HyperBackupTask): number => {
  const h = taskHealth(t);
  return h === "ok" ? 3 : h === "running" ? 2 : h === "unknown" ? 1 : 0;
};

/** The 3-2-1 view of one guest (status JSON `copies`). */
export interface GuestCopies {
  /** Archives PVE lists for the guest on all its backup storages. */
  readonly pve: number;
  /** Of those, the ones on the storage that lives on the NAS; null when no storage is known to. */
  readonly nas: number | null;
  /** Whether a Hyper Backup task has copied one of those off the NAS. */
  readonly offNas: "yes" | "no" | "unknown";
  /** When that copy was made (the task's last success), epoch ms. */
  readonly offNasMs: number | null;
  /** Why `offNas` is unknown; null when it is known. */
  readonly offNasReason: string | null;
}

/**
 * Per guest: `pve` all its archives, `nas` those on `nasStorage`, `offNas` yes when the covering
 * task's last success came at or after one of its NAS archives (that archive is in a Hyper Backup
 * version), no when nothing covers the folder, the task never succeeded or the guest has no NAS
 * archive, unknown when DSM could not be read (`coverage` null) or the task's state is unknown.
 * `whyUnknown` says why when the caller knows better (the storage is not on this NAS).
 */
export function guestCopies(
  vmids: readonly number[],
  archives: readonly Archive[],
  nasStorage: string | null,
  coverage: FolderCoverage | null,
  whyUnknown?: string,
): Map<number, GuestCopies> {
  const reason =
    whyUnknown ??
    (nasStorage === null
      ? "the NAS folder the archives are written to is unknown"
      : coverage === null
        ? "the NAS's Hyper Backup tasks could not be read"
        : `the state of Hyper Backup task '${coverage.task?.name}' is not known to be good or bad`);
  const out = new Map<number, GuestCopies>();
  for (const vmid of vmids) {
    const mine = archives.filter((a) => a.vmid === vmid);
    const onNas = nasStorage === null ? [] : mine.filter((a) => a.storage === nasStorage);
    const success = coverage?.lastSuccessMs ?? null;
    const carried = success !== null && onNas.some((a) => a.timeMs <= success);
    const offNas: GuestCopies["offNas"] =
      coverage === null || nasStorage === null || coverage.task?.health === "unknown"
        ? "unknown"
        : carried
          ? "yes"
          : "no";
    out.set(vmid, {
      pve: mine.length,
      nas: nasStorage === null ? null : onNas.length,
      offNas,
      offNasMs: offNas === "yes" ? success : null,
      offNasReason: offNas === "unknown" ? reason : null,
    });
  }
  return out;
}

/** A Hyper Backup task's next scheduled run, for calendars. */
export interface HyperBackupRun {
  readonly taskId: number;
  readonly name: string;
  readonly startMs: number;
}

/** The next runs of the tasks that have a schedule, soonest first. */
export function hyperBackupNextRuns(tasks: readonly HyperBackupTask[]): HyperBackupRun[] {
  return tasks
    .filter((t): t is HyperBackupTask & { nextRunMs: number } => t.nextRunMs !== null)
    .map((t) => ({ taskId: t.id, name: t.name, startMs: t.nextRunMs }))
    .sort((a, b) => a.startMs - b.startMs || a.taskId - b.taskId);
}

/** Whether a PVE storage's archives lie on this NAS (`copies.offNas` is judged only for those). */
export type StoragePlacement = { readonly onNas: true } | { readonly onNas: false; readonly reason: string };

const hostKey = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");

/**
 * A cluster's backup storage is on this NAS when it is an NFS export (server and export known)
 * whose server is one of the NAS's names (the host of `nas.url`, `nas.nfs_server`) or resolves to
 * one of the NAS's addresses. Anything else is not known to be on it: its copies off the NAS are
 * unknown, never "no", and the reason says what to set.
 *
 * @param nasNames - The NAS's host names and addresses as configured.
 * @param nasAddresses - What those resolve to (empty when not resolved).
 * @param serverAddresses - What the storage's server resolves to (empty when not resolved).
 */
export function placeStorage(input: {
  readonly cluster: string;
  readonly storage: string;
  readonly server: string | null;
  readonly export: string | null;
  readonly nasNames: readonly string[];
  readonly nasAddresses: readonly string[];
  readonly serverAddresses: readonly string[];
}): StoragePlacement {
  const where = `storage '${input.storage}' of cluster '${input.cluster}'`;
  if (input.server === null || input.export === null)
    return {
      onNas: false,
      reason: `${where} is not an NFS export this token can read (Datastore.Allocate on /storage): whether its archives are on the NAS is unknown`,
    };
  const server = hostKey(input.server);
  const names = input.nasNames.map(hostKey);
  const addresses = new Set(input.nasAddresses.map(hostKey));
  if (names.includes(server) || input.serverAddresses.some((a) => addresses.has(hostKey(a))))
    return { onNas: true };
  return {
    onNas: false,
    reason: `${where} is an NFS export of ${input.server}, not of the NAS (${names.join(", ")}): its copies off the NAS are unknown; set nas.nfs_server to ${input.server} if that is the NAS`,
  };
}
