/**
 * The domain model: what the product knows about a Proxmox VE cluster's backups.
 * Times are epoch milliseconds (`…Ms`), sizes are bytes (`…Bytes`). Identity of a guest is
 * cluster + vmid, never the node (guests migrate).
 */

export type GuestType = "qemu" | "lxc";

export interface Guest {
  readonly vmid: number;
  readonly name: string;
  readonly type: GuestType;
  /** Node currently hosting the guest, as reported by `/cluster/resources`. */
  readonly node: string;
  /** `running`, `stopped`, or `unknown` when its node reports no data (offline). */
  readonly powerState: string;
  readonly template: boolean;
  readonly pool?: string;
  /** `lock` from `/cluster/resources`; `backup` while vzdump holds the guest. */
  readonly lock?: string;
}

export interface NodeState {
  readonly name: string;
  readonly online: boolean;
}

/** Which guests a backup job selects (mutually exclusive in PVE). */
export type JobSelection =
  | { readonly kind: "vmids"; readonly vmids: readonly number[] }
  | { readonly kind: "all"; readonly exclude: readonly number[] }
  | { readonly kind: "pool"; readonly pool: string };

export interface BackupJob {
  readonly id: string;
  readonly enabled: boolean;
  /** PVE calendar event; absent only for malformed legacy jobs. */
  readonly schedule?: string;
  readonly storage?: string;
  readonly selection: JobSelection;
  /** "Only run if executed on this node". */
  readonly node?: string;
  readonly comment?: string;
  /** `next-run` as reported by `GET /cluster/backup`. */
  readonly nextRunMs?: number;
}

/** One backup storage as seen from one node (`/nodes/{node}/storage?content=backup`). */
export interface StorageView {
  readonly storage: string;
  readonly node: string;
  readonly type: string;
  readonly shared: boolean;
  readonly enabled: boolean;
  /** `active: 0` means PVE could not activate it (NFS share down): its content is not knowable. */
  readonly active: boolean;
  readonly totalBytes: number;
  readonly usedBytes: number;
  readonly availBytes: number;
}

/** A vzdump archive (file storage) or a PBS snapshot. */
export interface Archive {
  readonly vmid: number;
  readonly volid: string;
  readonly storage: string;
  readonly type: GuestType;
  readonly timeMs: number;
  readonly sizeBytes: number;
  readonly format: string;
  readonly notes?: string;
  readonly protected: boolean;
}

export type AttemptOutcome = "waiting" | "running" | "ok" | "warnings" | "failed";

/** One guest's part in one vzdump task. */
export interface Attempt {
  readonly vmid: number;
  readonly upid: string;
  readonly node: string;
  readonly startMs: number;
  readonly endMs?: number;
  readonly outcome: AttemptOutcome;
  /** The `ERROR:` line for a failed guest, or the task's error for a job-level failure. */
  readonly error?: string;
  /**
   * From the guest's block of the task log, when the whole log was read: a task that ended OK is
   * known from the head of its log (its guests), so its attempts carry neither.
   */
  readonly sizeBytes?: number;
  readonly durationSec?: number;
}

/** Effective privileges of the token: path → privilege → propagate (0/1), as `/access/permissions`. */
export type Permissions = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** Everything read from one cluster in one refresh. */
export type ClusterFacts =
  | {
      readonly cluster: string;
      readonly reachable: true;
      readonly nodes: readonly NodeState[];
      readonly guests: readonly Guest[];
      readonly jobs: readonly BackupJob[];
      /** The same jobs as PVE returned them (every key): what policy drift is measured against. */
      readonly jobRows: readonly Readonly<Record<string, unknown>>[];
      readonly storages: readonly StorageView[];
      /** Storages whose backup content was listed successfully: `storage` (shared) or `storage@node`. */
      readonly listed: readonly string[];
      /**
       * The newest archive of each vmid and guest type on the listed storages (all a verdict
       * needs; the reader keeps no others).
       */
      readonly archives: readonly Archive[];
      readonly attempts: readonly Attempt[];
      readonly permissions: Permissions;
      /** Set when `/cluster/backup` could not be read: without jobs no guest can be judged. */
      readonly jobsError?: string;
      /** Parts that could not be read (a node's task list, …), each a sentence. */
      readonly problems: readonly string[];
    }
  | { readonly cluster: string; readonly reachable: false; readonly error: string };

export type GuestStatusKind = "running" | "failed" | "not_in_job" | "never" | "late" | "ok" | "unknown";

/** The tier a guest belongs to, from the options, with the grace after a scheduled run. */
export interface TierAssignment {
  readonly tier: string;
  readonly graceMin: number;
}

/** A calendar date and time of day without a zone. */
export interface WallClock {
  year: number;
  /** 1–12. */
  month: number;
  /** 1–31. */
  day: number;
  hour: number;
  minute: number;
  second: number;
}
