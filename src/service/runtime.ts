import type { App } from "../app.js";
import type { ClusterReport } from "../core/status.js";
import type { Logger } from "../log.js";
import { renderStatusTable, type StatusExtras, type StatusJson, toStatusJson } from "../report.js";

/**
 * The service loop: refresh on an interval (the safety net), and soon when something says PVE
 * changed (a PVE notification, a backup that started or ended). Refreshes never overlap: at most
 * one runs and one waits, which every request made meanwhile shares, and one starts no sooner
 * than `minGapMs` after the previous one started, so a flood of notifications costs a handful of
 * refreshes, not one each. Listeners get every report.
 */
export interface Runtime {
  /** Refresh as soon as possible (after `delayMs`), coalescing requests. */
  soon(delayMs?: number): void;
  /**
   * Refresh now and wait for it (and its listeners). During a refresh, that one began before the
   * request and may have read PVE before the change the caller made: the caller then waits for
   * the next one, which all requests made meanwhile share.
   */
  refreshNow(): Promise<void>;
  status(): StatusJson | undefined;
  onReports(listener: (reports: readonly ClusterReport[]) => Promise<void> | void): void;
  start(): Promise<void>;
  stop(): void;
  /** Refreshes done so far. */
  readonly count: () => number;
}

/** Least time between the starts of two refreshes. */
export const DEFAULT_MIN_GAP_MS = 2_000;

export function createRuntime(deps: {
  app: Pick<App, "monitor" | "config">;
  log: Logger;
  nowMs: () => number;
  /** Default DEFAULT_MIN_GAP_MS. */
  minGapMs?: number;
  /** Data kept beside the monitor's (the verification ledger), read at each refresh. */
  statusExtras?: () => StatusExtras;
}): Runtime {
  const { app, log } = deps;
  const minGapMs = deps.minGapMs ?? DEFAULT_MIN_GAP_MS;
  /** Wall time of the last start, for the gap (the lab's clock may stand still). */
  let startedAtMs = -Infinity;
  let gapTimer: NodeJS.Timeout | undefined;
  let endGap: (() => void) | undefined;
  const listeners: ((r: readonly ClusterReport[]) => Promise<void> | void)[] = [];
  let status: StatusJson | undefined;
  let shown = "";
  let timer: NodeJS.Timeout | undefined;
  /** When `timer` fires (wall ms); a later request never pushes it back. */
  let timerDueMs = Number.POSITIVE_INFINITY;
  let running: Promise<void> | undefined;
  /** The refresh that starts when the running one ends, if one was asked for meanwhile. */
  let queued: Promise<void> | undefined;
  let stopped = false;
  let refreshes = 0;

  async function once(): Promise<void> {
    const reports = await app.monitor.refresh(deps.nowMs());
    refreshes++;
    status = toStatusJson(reports, deps.statusExtras?.());
    const summary = JSON.stringify(
      status.guests.map((g) => [g.cluster, g.vmid, g.status, g.lastBackup?.volid]),
    );
    if (summary !== shown) {
      shown = summary;
      log.info(`status changed:\n${renderStatusTable(reports, app.config.timeZone, app.config.clusters)}`);
    }
    for (const l of listeners) {
      try {
        await l(reports);
      } catch (err) {
        // Publishing must not stop refreshing: the next round tries again.
        log.warn(`publishing the status: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  const gapLeftMs = () => startedAtMs + minGapMs - performance.now();

  /** Resolves when the gap since the last start has passed, or at once when stopped. */
  function gap(): Promise<void> {
    const ms = gapLeftMs();
    if (ms <= 0 || stopped) return Promise.resolve();
    return new Promise((resolve) => {
      endGap = resolve;
      gapTimer = setTimeout(resolve, ms);
    });
  }

  function refreshNow(): Promise<void> {
    if (queued) return queued;
    if (!running && gapLeftMs() <= 0) return begin();
    queued = (running ?? Promise.resolve()).then(gap).then(() => {
      queued = undefined;
      return stopped ? undefined : begin();
    });
    return queued;
  }

  function cancelTimer(): void {
    clearTimeout(timer);
    timer = undefined;
    timerDueMs = Number.POSITIVE_INFINITY;
  }

  function begin(): Promise<void> {
    cancelTimer();
    startedAtMs = performance.now();
    running = once()
      .catch((err) => log.error(`refresh failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        running = undefined;
        if (!queued) schedule(app.config.refreshIntervalMs);
      });
    return running;
  }

  function schedule(ms: number): void {
    const dueMs = performance.now() + ms;
    // A steady trickle of requests must not postpone the refresh for ever.
    if (stopped || (timer && dueMs >= timerDueMs)) return;
    cancelTimer();
    timerDueMs = dueMs;
    timer = setTimeout(() => {
      cancelTimer();
      void refreshNow();
    }, ms);
  }

  return {
    soon(delayMs = 300) {
      if (running || queued) void refreshNow();
      else schedule(delayMs);
    },
    refreshNow,
    status: () => status,
    onReports: (l) => listeners.push(l),
    start: () => refreshNow(),
    stop() {
      stopped = true;
      cancelTimer();
      clearTimeout(gapTimer);
      endGap?.();
    },
    count: () => refreshes,
  };
}
