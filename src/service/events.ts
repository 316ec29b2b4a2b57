import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type FinishedMarks, findFinished, isTold, resultKey } from "../core/finished.js";
import type { Logger } from "../log.js";
import { writeJsonFile } from "../state-file.js";
import type { BackupEvent } from "./backups.js";
import type { Monitor } from "./monitor.js";
import type { Runtime } from "./runtime.js";

/** The file, beside the options file (`/data` in the add-on), that keeps what was told. */
export const EVENTS_STATE_FILE = "pve-backup-events.json";

export interface FinishedEventsDeps {
  readonly runtime: Pick<Runtime, "onReports">;
  readonly app: { readonly monitor: Pick<Monitor, "facts"> };
  readonly log: Logger;
  /** Tells one event (fires it in Home Assistant). */
  readonly announce: (e: BackupEvent) => unknown;
  /**
   * The options file: what was told is kept beside it, so results that finished while the
   * service was down are told once after a restart. None (the demo): kept in memory only, and
   * the first refresh of each cluster tells nothing from before the start.
   */
  readonly optionsPath?: string;
}

export interface FinishedEvents {
  /** The "back up now" follower's events: a guest result is told unless a refresh told it. */
  fromFollower(e: BackupEvent): void;
}

interface StateFile {
  readonly version: 1;
  /** Per cluster, per vmid: start (ms) of the newest attempt told (core/finished.ts). */
  readonly clusters: Record<string, FinishedMarks>;
}

/**
 * One `pve_backup_backup_finished` or `…_failed` event per guest result, whoever started the
 * run: on every refresh the results final in PVE's task history that were not told yet (PVE's
 * scheduled jobs, runs started elsewhere) are told, and so are the results of runs the service
 * follows, each once, whichever path sees it first.
 */
export function relayFinishedEvents(deps: FinishedEventsDeps): FinishedEvents {
  const { log } = deps;
  const statePath =
    deps.optionsPath === undefined ? undefined : join(dirname(deps.optionsPath), EVENTS_STATE_FILE);
  const marks = new Map<string, FinishedMarks>(Object.entries(loadState(statePath, log)?.clusters ?? {}));
  let seen: ReadonlySet<string> = new Set<string>();
  let saved = JSON.stringify(Object.fromEntries(marks));
  let saveFailed = false;

  deps.runtime.onReports((reports) => {
    for (const report of reports) {
      const facts = deps.app.monitor.facts(report.cluster);
      if (!facts?.reachable) continue;
      const found = findFinished({ facts, marks: marks.get(facts.cluster), seen });
      marks.set(facts.cluster, found.marks);
      seen = found.seen;
      for (const result of found.results) void deps.announce({ kind: "finished", result });
    }
    save();
  });

  function save(): void {
    const text = JSON.stringify(Object.fromEntries(marks));
    if (statePath === undefined || text === saved) return;
    try {
      const file: StateFile = { version: 1, clusters: Object.fromEntries(marks) };
      writeJsonFile(statePath, file);
      saved = text;
      saveFailed = false;
    } catch (err) {
      if (!saveFailed)
        log.warn(
          `cannot write ${statePath} (${err instanceof Error ? err.message : String(err)}): after a restart, backups that finished meanwhile fire no event`,
        );
      saveFailed = true;
    }
  }

  return {
    fromFollower(e) {
      if (e.kind === "finished") {
        const r = e.result;
        if (isTold(r, marks.get(r.cluster), seen)) return;
        seen = new Set(seen).add(resultKey(r));
      }
      void deps.announce(e);
    },
  };
}

/** The kept state, or undefined (none yet, or unreadable: then it starts afresh). */
function loadState(path: string | undefined, log: Logger): StateFile | undefined {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    // No file yet: the first start. Each cluster's first refresh sets the baseline.
    return undefined;
  }
  try {
    const raw: unknown = JSON.parse(text);
    if (isStateFile(raw)) return raw;
  } catch {
    // Reported below like any other unreadable content.
  }
  log.warn(`${path} is not what this version writes: starting afresh (no event for earlier backups)`);
  return undefined;
}

function isStateFile(raw: unknown): raw is StateFile {
  if (typeof raw !== "object" || raw === null) return false;
  const { version, clusters } = raw as Record<string, unknown>;
  if (version !== 1 || typeof clusters !== "object" || clusters === null) return false;
  return Object.values(clusters).every(
    (m) =>
      typeof m === "object" &&
      m !== null &&
      Object.values(m).every((v) => typeof v === "number" && Number.isFinite(v)),
  );
}
