import type { Archive, StorageView } from "../core/model.js";
import { parseUpid } from "../core/upid.js";
import { InputError, UpstreamError } from "../errors.js";
import type { PveApi } from "./api.js";
import { describeFailure } from "./api.js";
import { toArchive } from "./mapper.js";
import { checkContentRow, logLineText } from "./wire.js";

/**
 * Reads the panel makes on demand, one guest or one task at a time (the refresh keeps only each
 * guest's newest archive and no log text).
 */

export interface StorageArchives {
  /** `storage` (shared) or `storage@node` (node-local). */
  readonly key: string;
  readonly storage: string;
  readonly node: string;
  /** Newest first; empty when the listing failed (`error`). */
  readonly archives: readonly Archive[];
  readonly error?: string;
}

/**
 * Every archive of one guest on each backup storage: a shared storage through one node that has
 * it active, a node-local one on each node. `vmid` filters on PVE's side
 * (`GET /nodes/{node}/storage/{storage}/content?content=backup&vmid=N`).
 */
export async function listGuestArchives(
  api: PveApi,
  storages: readonly StorageView[],
  vmid: number,
): Promise<StorageArchives[]> {
  const targets: { key: string; storage: string; node: string }[] = [];
  const shared = new Set<string>();
  for (const s of storages) {
    if (!s.enabled || !s.active) continue;
    if (s.shared) {
      if (shared.has(s.storage)) continue;
      shared.add(s.storage);
      targets.push({ key: s.storage, storage: s.storage, node: s.node });
    } else targets.push({ key: `${s.storage}@${s.node}`, storage: s.storage, node: s.node });
  }
  return Promise.all(
    targets.map(async (t) => {
      const path = `/nodes/${encodeURIComponent(t.node)}/storage/${encodeURIComponent(t.storage)}/content`;
      const archives: Archive[] = [];
      try {
        await api.getEach(path, { content: "backup", vmid }, (raw) => {
          const row = checkContentRow(raw);
          const a = row ? toArchive(row) : undefined;
          if (a && a.vmid === vmid) archives.push(a);
        });
      } catch (err) {
        return { ...t, archives: [], error: describeFailure(err, "storage content") };
      }
      archives.sort((a, b) => b.timeMs - a.timeMs);
      return { ...t, archives };
    }),
  );
}

/** Lines of a task log the panel shows at most: a nightly job's log over many guests is long. */
export const TASK_LOG_MAX_LINES = 5000;

export interface TaskLog {
  readonly upid: string;
  readonly node: string;
  readonly lines: readonly string[];
  /** More lines exist than were read. */
  readonly truncated: boolean;
}

/**
 * A task's log, from its first line, at most `TASK_LOG_MAX_LINES`. The node is the one in the UPID
 * (it has the log; reference §4.2); a text that is not a UPID is an InputError, never a path.
 */
export async function readTaskLog(api: PveApi, upid: string): Promise<TaskLog> {
  const parsed = parseUpid(upid);
  if (!parsed) throw new InputError(`'${upid.slice(0, 80)}' is not a PVE task id (UPID:…)`);
  const lines: string[] = [];
  let odd = false;
  await api.getEach(
    `/nodes/${encodeURIComponent(parsed.node)}/tasks/${encodeURIComponent(upid)}/log`,
    { start: 0, limit: TASK_LOG_MAX_LINES + 1 },
    (item) => {
      const text = logLineText(item);
      if (text === undefined) odd = true;
      else lines.push(text);
    },
  );
  if (odd) throw new UpstreamError("unexpected answer from PVE for task log", { retryable: true });
  const truncated = lines.length > TASK_LOG_MAX_LINES;
  return {
    upid,
    node: parsed.node,
    lines: truncated ? lines.slice(0, TASK_LOG_MAX_LINES) : lines,
    truncated,
  };
}
