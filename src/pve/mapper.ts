import type {
  Archive,
  Attempt,
  BackupJob,
  Guest,
  JobSelection,
  NodeState,
  StorageView,
} from "../core/model.js";
import type { TaskLogSummary } from "../core/task-log.js";
import type { ContentRow, JobRow, NodeStorageRow, ResourceRow, TaskRow } from "./wire.js";

/** Wire rows (already shape-checked) → domain values. Pure. */

export function toGuests(rows: readonly ResourceRow[]): Guest[] {
  const guests: Guest[] = [];
  for (const r of rows) {
    if ((r.type !== "qemu" && r.type !== "lxc") || r.vmid === undefined || r.node === undefined) continue;
    guests.push({
      vmid: r.vmid,
      // No name when the node has no RRD data (offline): reference §2.1.
      name: r.name ?? "",
      type: r.type,
      node: r.node,
      powerState: r.status ?? "unknown",
      template: r.template ?? false,
      pool: r.pool,
      lock: r.lock,
    });
  }
  return guests;
}

export function toNodes(rows: readonly ResourceRow[]): NodeState[] {
  return rows
    .filter((r) => r.type === "node" && r.node !== undefined)
    .map((r) => ({ name: r.node as string, online: r.status === "online" }));
}

/** vmid lists are strings split on `,`, `;` or blanks (reference §11.2). */
export function parseVmidList(value: string | number | undefined): number[] {
  if (value === undefined) return [];
  return String(value)
    .split(/[,;\s]+/)
    .filter((s) => s !== "")
    .map(Number)
    .filter((n) => Number.isInteger(n));
}

export function toJob(row: JobRow): BackupJob {
  let selection: JobSelection;
  if (row.pool !== undefined) selection = { kind: "pool", pool: row.pool };
  else if (row.all || row.exclude !== undefined)
    selection = { kind: "all", exclude: parseVmidList(row.exclude) };
  else selection = { kind: "vmids", vmids: parseVmidList(row.vmid) };
  const nextRun = row["next-run"];
  return {
    id: row.id,
    // `enabled` defaults to 1 when the key is absent (reference §3.4).
    enabled: row.enabled ?? true,
    schedule: row.schedule,
    storage: row.storage,
    selection,
    node: row.node,
    comment: row.comment,
    nextRunMs: nextRun === undefined ? undefined : nextRun * 1000,
  };
}

export function toStorageView(node: string, row: NodeStorageRow): StorageView {
  return {
    storage: row.storage,
    node,
    type: row.type,
    shared: row.shared ?? false,
    enabled: row.enabled ?? true,
    active: row.active ?? false,
    totalBytes: row.total ?? 0,
    usedBytes: row.used ?? 0,
    availBytes: row.avail ?? 0,
  };
}

export function toArchive(row: ContentRow): Archive | undefined {
  if (row.content !== undefined && row.content !== "backup") return undefined;
  const type =
    row.subtype === "qemu" || row.format === "pbs-vm"
      ? "qemu"
      : row.subtype === "lxc" || row.format === "pbs-ct"
        ? "lxc"
        : undefined;
  if (type === undefined || row.vmid === undefined || row.ctime === undefined) return undefined;
  return {
    vmid: row.vmid,
    volid: row.volid,
    storage: row.volid.slice(0, row.volid.indexOf(":")),
    type,
    timeMs: row.ctime * 1000,
    sizeBytes: row.size ?? 0,
    format: row.format ?? "",
    notes: row.notes,
    protected: row.protected ?? false,
  };
}

/**
 * One attempt per guest the task touched. Multi-guest tasks have an empty UPID id, so the
 * guests come from the log (reference §4.5 gotcha); without a log only a single-guest task is
 * attributable.
 */
export function toAttempts(task: TaskRow, log: TaskLogSummary | undefined): Attempt[] {
  const startMs = task.starttime * 1000;
  const endMs = task.endtime === undefined ? undefined : task.endtime * 1000;
  const running = task.status === undefined || task.status === "RUNNING" || endMs === undefined;
  // Every attempt is built by `attempt()`: one object shape for thousands of them per refresh.
  const attempt = (
    vmid: number,
    outcome: Attempt["outcome"],
    more: Pick<Attempt, "error" | "sizeBytes" | "durationSec"> = {},
  ): Attempt => ({
    upid: task.upid,
    node: task.node,
    startMs,
    endMs: running ? undefined : endMs,
    vmid,
    outcome,
    error: more.error,
    sizeBytes: more.sizeBytes,
    durationSec: more.durationSec,
  });
  if (!log) {
    const vmid = Number(task.id);
    if (!task.id || !Number.isInteger(vmid)) return [];
    const { outcome, error } = outcomeFromStatus(running, task.status);
    return [attempt(vmid, outcome, { error })];
  }
  const attempts: Attempt[] = log.guests.map((g) =>
    attempt(g.vmid, g.outcome === "ok" && g.warnings > 0 ? "warnings" : g.outcome, g),
  );
  if (running) {
    // Requested local guests whose block has not begun are queued behind the others (or the lock).
    const started = new Set(log.guests.map((g) => g.vmid));
    const queued = log.requestedVmids.filter((v) => !started.has(v) && !log.skippedExternal.includes(v));
    if (queued.length === 0 && log.guests.length === 0 && task.id) queued.push(Number(task.id));
    for (const vmid of queued) attempts.push(attempt(vmid, "waiting"));
  }
  return attempts;
}

function outcomeFromStatus(running: boolean, status: string | undefined): Pick<Attempt, "outcome" | "error"> {
  if (running) return { outcome: "running" };
  // Exit status is free text: success is `OK` or `WARNINGS: N` (reference §4.3, §11.7).
  if (status === "OK") return { outcome: "ok" };
  if (status && /^WARNINGS: \d+$/.test(status)) return { outcome: "warnings" };
  return { outcome: "failed", error: status ?? "unknown exit status" };
}
