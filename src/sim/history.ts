import { jobRunOptions, jobSelection } from "./jobs.js";
import type { LocalClock } from "./local-time.js";
import type { ParsedScenario } from "./scenario.js";
import type { SimArchive, SimGuest, SimState } from "./state.js";
import type { TaskEngine } from "./task-engine.js";
import type { ParamValue } from "./validate.js";
import { type ReplayGuest, vzdumpWorker } from "./vzdump.js";
import { vzdumpCommandLine } from "./vzdump-log.js";
import { includedGuests } from "./vzdump-options.js";

type ScenarioTask = ParsedScenario["tasks"][number];

/**
 * Turns a scenario's task history into real tasks, written by the same vzdump worker as live ones:
 * finished tasks in one go, running ones started at their start time (the caller then runs the
 * engine up to the lab's start). Guest blocks are aligned with the scenario's archives where one
 * matches, so the log names the file the storage lists; archives themselves come only from the
 * scenario (history changes nothing).
 */
export function materializeHistory(
  tasks: readonly ScenarioTask[],
  deps: { state: SimState; engine: TaskEngine; local: LocalClock; labStartMs: number },
): void {
  const { state } = deps;
  const sorted = [...tasks].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  for (const t of sorted) {
    const startMs = Math.floor(Date.parse(t.start) / 1000) * 1000;
    const endMs = t.end === undefined ? undefined : Date.parse(t.end);
    const job = t.jobId === undefined ? undefined : state.jobs.find((j) => j.id === t.jobId);
    const vmids = t.guests.map((g) => g.vmid).sort((a, b) => a - b);
    const options: Record<string, ParamValue> = job
      ? { ...jobRunOptions(job), storage: t.storage, quiet: 1, "job-id": job.id }
      : {
          vmid: vmids.join(","),
          storage: t.storage,
          mode: "snapshot",
          compress: "zstd",
          ...(t.jobId === undefined ? { node: t.node } : { quiet: 1, "job-id": t.jobId }),
        };
    // A cluster-wide scheduled run mentions the job's guests on other nodes.
    const skipped =
      job && job.node === undefined
        ? [...includedGuests(state, jobSelection(job))]
            .filter(([node]) => node !== t.node && node !== "")
            .flatMap(([, ids]) => ids)
        : [];

    const spec = {
      node: t.node,
      user: t.user,
      type: "vzdump",
      id: vmids.length === 1 ? String(vmids[0]) : "",
      jobId: t.jobId,
      makeWorker: vzdumpWorker(
        {
          node: t.node,
          options,
          vmids,
          skipped,
          cmdline: vzdumpCommandLine(options),
          mayBackup: () => true,
          replay: { guests: planGuests(state, t, startMs, endMs), jobError: t.jobError },
        },
        { state, local: deps.local, effectsFromMs: deps.labStartMs },
      ),
    };
    if (endMs !== undefined || t.jobError !== undefined)
      deps.engine.materialize(spec, startMs, endMs ?? startMs);
    else deps.engine.start(spec, startMs);
  }
}

/**
 * Per guest: when its block starts (its archive's time, if the scenario has one in the task's
 * window), how long it takes (its `backupSeconds`, shortened to fit before the next known start
 * and the task's end), and its forced error.
 */
function planGuests(state: SimState, t: ScenarioTask, startMs: number, endMs: number | undefined) {
  const windowEnd = endMs ?? Number.POSITIVE_INFINITY;
  // Archives and guests by vmid (first match first, as a search of the lists would find them).
  const archivesOf = new Map<number, SimArchive[]>();
  for (const a of state.archives) {
    const list = archivesOf.get(a.vmid);
    if (list) list.push(a);
    else archivesOf.set(a.vmid, [a]);
  }
  const guestOf = new Map<number, SimGuest>();
  for (const g of state.guests) if (!guestOf.has(g.vmid)) guestOf.set(g.vmid, g);
  const ordered = [...t.guests].sort((a, b) => a.vmid - b.vmid);
  const archiveOf = (vmid: number) =>
    archivesOf
      .get(vmid)
      ?.find(
        (a) => a.storage === t.storage && a.ctimeSec * 1000 >= startMs && a.ctimeSec * 1000 <= windowEnd,
      );
  const known = ordered.map((g) => archiveOf(g.vmid));
  // The next known archive after each guest, found walking backwards once.
  const nextKnownAfter: (SimArchive | undefined)[] = [];
  let next: SimArchive | undefined;
  for (let i = known.length - 1; i >= 0; i--) {
    nextKnownAfter[i] = next;
    next = known[i] ?? next;
  }
  const plan = new Map<number, ReplayGuest>();
  let cursor = startMs;
  ordered.forEach((g, i) => {
    const archive = known[i];
    const guest = guestOf.get(g.vmid);
    const begin = Math.max(cursor, archive ? archive.ctimeSec * 1000 : cursor);
    const nextKnown = nextKnownAfter[i];
    const limitMs = Math.min(nextKnown ? nextKnown.ctimeSec * 1000 : windowEnd, windowEnd) - begin - 1000;
    const wanted = guest?.backupSeconds ?? 60;
    const durationSec = Math.max(1, Math.min(wanted, Math.floor(limitMs / 1000)));
    plan.set(g.vmid, {
      startMs: begin,
      durationSec,
      error: g.error,
      sizeBytes: archive?.sizeBytes ?? guest?.backupBytes,
      type: guest ? undefined : (archive?.type ?? "qemu"),
    });
    cursor = begin + durationSec * 1000;
  });
  return plan;
}
