import { nextOccurrence, parseCalendarEvent, previousOccurrence } from "./calendar.js";
import type {
  Archive,
  Attempt,
  AttemptOutcome,
  BackupJob,
  ClusterFacts,
  Guest,
  GuestStatusKind,
  GuestType,
  TierAssignment,
} from "./model.js";
import { NewestArchives } from "./newest.js";
import { canSeeBackups, hasPrivilege } from "./permissions.js";
import { jobSelects, selectionIncludes } from "./selection.js";

/** Statuses that mean the guest's backups need attention (unknown and running do not say so). */
export function isProblem(status: GuestStatusKind): boolean {
  return status === "failed" || status === "late" || status === "never" || status === "not_in_job";
}

/** What the options say about judging guests. */
export interface AssessPolicy {
  /** Zone the PVE nodes keep their calendar in: job schedules are wall-clock times there. */
  readonly timeZone: string;
  readonly defaultGraceMin: number;
  tierOf(vmid: number): TierAssignment | undefined;
}

export interface LastBackup {
  readonly timeMs: number;
  readonly volid: string;
  readonly storage: string;
  readonly sizeBytes: number;
  /** The archive's notes (vzdump's `notes-template`, e.g. the guest's name), if it has any. */
  readonly notes: string | null;
}

export interface LastAttempt {
  readonly upid: string;
  readonly startMs: number;
  readonly endMs?: number;
  readonly outcome: AttemptOutcome;
  readonly error?: string;
}

/** The verdict on one guest: the public shape behind `pve-backup status --json`. */
export interface GuestReport {
  readonly cluster: string;
  readonly vmid: number;
  readonly name: string;
  readonly type: GuestType;
  readonly node: string;
  readonly tier: string | null;
  readonly status: GuestStatusKind;
  readonly lastBackup: LastBackup | null;
  readonly lastAttempt: LastAttempt | null;
  /** When the next backup is due (ok, never) or was due (late); null when no schedule applies. */
  readonly expectedByMs: number | null;
  /** One sentence a person can act on. */
  readonly reason: string;
  /** Enabled jobs that back the guest up. */
  readonly jobs: readonly string[];
}

export interface ClusterReport {
  readonly cluster: string;
  readonly reachable: boolean;
  /** Why the state of the cluster (or part of it) could not be determined. */
  readonly problems: readonly string[];
  readonly guests: readonly GuestReport[];
}

type Facts = Extract<ClusterFacts, { reachable: true }>;

/**
 * Judge every guest of one cluster, with the precedence of DESIGN.md §3:
 * running, failed, not_in_job, never, late, ok; `unknown` replaces an absence-based verdict
 * (never, late) whenever an archive could be hidden: storage inactive, node offline, listing
 * failed, or the token not allowed to see the guest's backups.
 * `previous` (the last report) keeps guests listed, as unknown, while the cluster is unreachable.
 */
export function assessCluster(
  facts: ClusterFacts,
  policy: AssessPolicy,
  nowMs: number,
  previous: readonly GuestReport[] = [],
): ClusterReport {
  if (!facts.reachable) {
    const reason = `cluster unreachable: ${facts.error}`;
    return {
      cluster: facts.cluster,
      reachable: false,
      problems: [reason],
      guests: previous
        .filter((g) => g.cluster === facts.cluster)
        .map((g) => ({ ...g, status: "unknown" as const, reason, expectedByMs: null })),
    };
  }
  const problems: string[] = [...facts.problems];
  if (facts.jobsError) problems.push(facts.jobsError);
  if (facts.guests.length === 0 && !hasPrivilege(facts.permissions, "/vms", "VM.Audit")) {
    problems.push("the token sees no guests: grant it VM.Audit on /vms (e.g. the PVEAuditor role on /)");
  }
  const index = indexByVmid(facts);
  const guests = facts.guests
    .filter((g) => !g.template || facts.jobs.some((j) => j.enabled && jobSelects(j, g)))
    .map((g) => assessGuest(g, facts, index, policy, nowMs, previous))
    .sort((a, b) => a.vmid - b.vmid);
  return { cluster: facts.cluster, reachable: true, problems, guests };
}

interface VmidIndex {
  /** The newest archive of each vmid and guest type. */
  readonly newest: NewestArchives;
  readonly attempts: ReadonlyMap<number, readonly Attempt[]>;
  /** Schedule windows already computed, by job ids and cutoff: guests share their jobs. */
  readonly windows: Map<string, { dueMs?: number; nextMs?: number }>;
}

/**
 * Archives and attempts by vmid, made once so judging a guest does not scan them all: of the
 * archives only the newest per vmid and type matters (one pass, no list per guest).
 */
function indexByVmid(facts: Facts): VmidIndex {
  const newest = new NewestArchives();
  for (const a of facts.archives) newest.offer(a);
  const group = <T extends { vmid: number }>(items: readonly T[]) => {
    const map = new Map<number, T[]>();
    for (const item of items) {
      const list = map.get(item.vmid);
      if (list) list.push(item);
      else map.set(item.vmid, [item]);
    }
    return map;
  };
  return { newest, attempts: group(facts.attempts), windows: new Map() };
}

function assessGuest(
  guest: Guest,
  facts: Facts,
  index: VmidIndex,
  policy: AssessPolicy,
  nowMs: number,
  previous: readonly GuestReport[],
): GuestReport {
  const tier = policy.tierOf(guest.vmid);
  const covering = facts.jobs.filter((j) => j.enabled && jobSelects(j, guest));
  const newest = index.newest.get(guest.vmid, guest.type);
  const attempts = [...(index.attempts.get(guest.vmid) ?? [])].sort((a, b) => b.startMs - a.startMs);
  const lastAttempt = attempts[0];
  const name =
    guest.name ||
    previous.find((p) => p.vmid === guest.vmid)?.name ||
    `${guest.type === "qemu" ? "VM" : "CT"} ${guest.vmid}`;
  const verdict = judge(guest, covering, newest, attempts, facts, index, policy, tier, nowMs);
  return {
    cluster: facts.cluster,
    vmid: guest.vmid,
    name,
    type: guest.type,
    node: guest.node,
    tier: tier?.tier ?? null,
    lastBackup: newest ? toLastBackup(newest) : null,
    lastAttempt: lastAttempt ? toLastAttempt(lastAttempt) : null,
    jobs: covering.map((j) => j.id),
    // One literal, in the key order reports always had: one object shape for all of them.
    status: verdict.status,
    reason: verdict.reason,
    expectedByMs: verdict.expectedByMs,
  };
}

type Verdict = Pick<GuestReport, "status" | "reason" | "expectedByMs">;

function judge(
  guest: Guest,
  covering: readonly BackupJob[],
  newest: Archive | undefined,
  attempts: readonly Attempt[],
  facts: Facts,
  index: VmidIndex,
  policy: AssessPolicy,
  tier: TierAssignment | undefined,
  nowMs: number,
): Verdict {
  const tz = policy.timeZone;
  if (facts.jobsError) return { status: "unknown", reason: facts.jobsError, expectedByMs: null };
  const active = attempts.find((a) => a.outcome === "running" || a.outcome === "waiting");
  if (active) {
    const reason =
      active.outcome === "waiting"
        ? `queued in backup task on ${active.node}, waiting for its turn`
        : `backup running on ${active.node} since ${formatWall(active.startMs, tz)}`;
    return { status: "running", reason, expectedByMs: null };
  }
  if (guest.lock === "backup") {
    return { status: "running", reason: `PVE holds a backup lock on ${guest.vmid}`, expectedByMs: null };
  }
  const finished = attempts[0];
  if (finished?.outcome === "failed" && (!newest || finished.startMs > newest.timeMs)) {
    return {
      status: "failed",
      reason: `backup on ${formatWall(finished.startMs, tz)} failed: ${finished.error ?? "no error line in the task log"}`,
      expectedByMs: null,
    };
  }
  if (covering.length === 0)
    return { status: "not_in_job", reason: notInJobReason(guest, facts), expectedByMs: null };

  const graceMs = (tier?.graceMin ?? policy.defaultGraceMin) * 60_000;
  const windowKey = `${covering.map((j) => j.id).join(",")}@${graceMs}`;
  const schedule = index.windows.get(windowKey) ?? dueWindow(covering, nowMs - graceMs, tz);
  index.windows.set(windowKey, schedule);
  const hidden = hiddenStorages(guest, covering, facts);
  if (!newest) {
    if (hidden.length > 0) return unknown(hidden, "no backup visible");
    const missing = covering.filter((j) => !facts.storages.some((s) => s.storage === targetStorage(j)));
    const why = missing.length
      ? `; job ${missing[0]?.id} targets storage '${targetStorage(missing[0] as BackupJob)}', which does not exist`
      : "";
    return {
      status: "never",
      reason: `in job ${covering.map((j) => j.id).join(", ")} but no backup on any backup storage${why}`,
      expectedByMs: schedule.nextMs === undefined ? null : schedule.nextMs + graceMs,
    };
  }
  if (schedule.dueMs === undefined && schedule.nextMs === undefined) {
    return {
      status: "unknown",
      reason: `cannot evaluate the schedule of job ${covering.map((j) => `${j.id} ('${j.schedule ?? ""}')`).join(", ")}`,
      expectedByMs: null,
    };
  }
  if (schedule.dueMs !== undefined && newest.timeMs < schedule.dueMs) {
    if (hidden.length > 0) return unknown(hidden, "newest visible backup is late");
    return {
      status: "late",
      reason: `newest backup is from ${formatWall(newest.timeMs, tz)}; the run due ${formatWall(schedule.dueMs, tz)} left none${guestNodeNote(guest, facts)}`,
      expectedByMs: schedule.dueMs + graceMs,
    };
  }
  return {
    status: "ok",
    reason: `backed up ${formatWall(newest.timeMs, tz)} to ${newest.storage}`,
    expectedByMs: schedule.nextMs === undefined ? null : schedule.nextMs + graceMs,
  };
}

function unknown(hidden: readonly string[], what: string): Verdict {
  return { status: "unknown", reason: `${what}, and ${hidden.join("; ")}`, expectedByMs: null };
}

/**
 * The newest scheduled run at or before `cutoffMs` (now minus grace) over all covering jobs, and
 * the first one after it. A weekly job is judged by its own calendar: six days after its run
 * the previous occurrence is still that run.
 */
function dueWindow(
  jobs: readonly BackupJob[],
  cutoffMs: number,
  tz: string,
): { dueMs?: number; nextMs?: number } {
  let dueMs: number | undefined;
  let nextMs: number | undefined;
  for (const job of jobs) {
    const parsed = parseCalendarEvent(job.schedule ?? "");
    if (!parsed.ok) continue;
    const due = previousOccurrence(parsed.event, cutoffMs, tz);
    const next = nextOccurrence(parsed.event, cutoffMs, tz);
    if (due !== undefined && (dueMs === undefined || due > dueMs)) dueMs = due;
    if (next !== undefined && (nextMs === undefined || next < nextMs)) nextMs = next;
  }
  return { dueMs, nextMs };
}

/** Storage a job writes to; PVE falls back to `local` when neither job nor vzdump.conf says. */
export function targetStorage(job: BackupJob): string {
  return job.storage ?? "local";
}

/** Why archives of this guest on its jobs' target storages might exist yet not be listed. */
function hiddenStorages(guest: Guest, covering: readonly BackupJob[], facts: Facts): string[] {
  const reasons = new Set<string>();
  for (const storage of new Set(covering.map(targetStorage))) {
    const views = facts.storages.filter((s) => s.storage === storage);
    if (views.length === 0) continue; // does not exist: nothing can be hidden there
    const shared = views.some((v) => v.shared);
    const key = shared ? storage : `${storage}@${guest.node}`;
    if (!facts.listed.includes(key)) {
      const nodeDown = facts.nodes.find((n) => n.name === guest.node && !n.online);
      if (!shared && nodeDown)
        reasons.add(`node ${guest.node} is offline, so its storage '${storage}' cannot be read`);
      else if (views.every((v) => !v.active))
        reasons.add(`storage '${storage}' is not active (PVE cannot mount it: is the NAS up?)`);
      else reasons.add(`storage '${storage}' could not be listed`);
    } else if (!canSeeBackups(facts.permissions, storage, guest.vmid)) {
      reasons.add(
        `the token may not see backups on '${storage}' (PVE then lists none): grant Datastore.Allocate on /storage/${storage}, or Datastore.AllocateSpace there and VM.Backup on /vms/${guest.vmid}`,
      );
    }
  }
  return [...reasons];
}

function notInJobReason(guest: Guest, facts: Facts): string {
  const pinned = facts.jobs.find((j) => j.enabled && selectionIncludes(j, guest));
  if (pinned) return `job ${pinned.id} runs only on node ${pinned.node}, but the guest is on ${guest.node}`;
  const disabled = facts.jobs.filter((j) => !j.enabled && selectionIncludes(j, guest));
  if (disabled.length > 0) return `only in disabled job ${disabled.map((j) => j.id).join(", ")}`;
  return "no backup job selects this guest";
}

function guestNodeNote(guest: Guest, facts: Facts): string {
  return facts.nodes.some((n) => n.name === guest.node && !n.online)
    ? ` (node ${guest.node} is offline)`
    : "";
}

function toLastBackup(a: Archive): LastBackup {
  return {
    timeMs: a.timeMs,
    volid: a.volid,
    storage: a.storage,
    sizeBytes: a.sizeBytes,
    notes: a.notes ?? null,
  };
}

function toLastAttempt(a: Attempt): LastAttempt {
  return { upid: a.upid, startMs: a.startMs, endMs: a.endMs, outcome: a.outcome, error: a.error };
}

const wallFormats = new Map<string, Intl.DateTimeFormat>();

/** `2026-02-11 03:00` in the cluster's zone: how a person reads a backup time. */
export function formatWall(ms: number, timeZone: string): string {
  let f = wallFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("sv-SE", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    wallFormats.set(timeZone, f);
  }
  return f.format(ms);
}
