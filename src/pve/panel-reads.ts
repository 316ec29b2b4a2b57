import { wallClockAt } from "../core/calendar.js";
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

/** One guest's part of a vzdump task, from its log's own time lines. */
export interface GuestSpan {
  readonly vmid: number;
  readonly startMs: number;
  /** null while the guest's backup runs. */
  readonly endMs: number | null;
}

const SPAN_START_RE = /^INFO: Starting Backup of VM (\d+) /;
const SPAN_AT_RE = /^INFO: Backup started at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)$/;
const SPAN_END_RE = /^INFO: (?:Backup finished|Failed) at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)$/;
const TASK_END_RE = /^TASK (?:OK|WARNINGS: \d+|ERROR: ?.*)$/;

/**
 * Each guest's start and end inside a multi-guest vzdump task: `Starting Backup of VM N`, then
 * `Backup started at …` and `Backup finished at …` (or `Failed at …`), in the node's local time
 * (`timeZone`). A guest whose block has no end line ends where the next one starts, or at
 * `taskEndMs` once the task ended; a block without its start line is left out.
 */
export function guestSpansOfLog(
  lines: readonly string[],
  timeZone: string,
  taskEndMs: number | null,
): GuestSpan[] {
  const spans: { vmid: number; startMs?: number; endMs?: number }[] = [];
  let current: (typeof spans)[number] | undefined;
  for (const raw of lines) {
    const line = raw.trimEnd();
    const start = SPAN_START_RE.exec(line);
    if (start) {
      current = { vmid: Number(start[1]) };
      spans.push(current);
      continue;
    }
    if (!current) continue;
    const at = SPAN_AT_RE.exec(line);
    if (at) {
      current.startMs = localToMs(at[1] as string, timeZone);
      continue;
    }
    const end = SPAN_END_RE.exec(line);
    if (end) {
      current.endMs = localToMs(end[1] as string, timeZone);
      current = undefined;
    }
  }
  const out: GuestSpan[] = [];
  spans.forEach((s, i) => {
    if (s.startMs === undefined) return;
    const next = spans.slice(i + 1).find((n) => n.startMs !== undefined)?.startMs;
    const endMs = s.endMs ?? next ?? taskEndMs;
    out.push({ vmid: s.vmid, startMs: s.startMs, endMs: endMs ?? null });
  });
  return out;
}

/** Whether a task log has its final `TASK …` line (the task ended; its log no longer changes). */
export const taskLogEnded = (lines: readonly string[]): boolean =>
  lines.some((l) => TASK_END_RE.test(l.trimEnd()));

/** `2026-02-11 03:00:02` on a node in `timeZone` → epoch ms (the later instant in a DST overlap). */
function localToMs(wall: string, timeZone: string): number | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(wall);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const wallMs = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
  let guess = wallMs;
  for (let i = 0; i < 2; i++) {
    const w = wallClockAt(guess, timeZone);
    if (!w) return undefined;
    guess += wallMs - Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  }
  return guess;
}
