import type { BackupJob, Guest } from "./model.js";

/**
 * Whether a job backs up a guest when it runs: its selection includes the guest and, for a job
 * pinned to a node (`node`: "only run if executed on this node"), the guest lives on that node —
 * a migrated guest silently drops out of such a job.
 */
export function jobSelects(job: BackupJob, guest: Pick<Guest, "vmid" | "node" | "pool">): boolean {
  if (job.node !== undefined && job.node !== guest.node) return false;
  return selectionIncludes(job, guest);
}

/** The selection alone, ignoring the node pin. */
export function selectionIncludes(job: BackupJob, guest: Pick<Guest, "vmid" | "pool">): boolean {
  const s = job.selection;
  switch (s.kind) {
    case "vmids":
      return s.vmids.includes(guest.vmid);
    case "all":
      return !s.exclude.includes(guest.vmid);
    case "pool":
      return guest.pool === s.pool;
  }
}
