import type { App } from "../app.js";
import type { ClusterReport } from "../core/status.js";
import type { Logger } from "../log.js";
import { renderStatusTable, type StatusJson, toStatusJson } from "../report.js";

/**
 * The service loop: refresh on an interval (the safety net), and at once when something says
 * PVE changed (a PVE notification, a backup that started or ended). Refreshes never overlap; a
 * request during one runs right after it. Listeners get every report.
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

export function createRuntime(deps: {
  app: Pick<App, "monitor" | "config">;
  log: Logger;
  nowMs: () => number;
}): Runtime {
  const { app, log } = deps;
  const listeners: ((r: readonly ClusterReport[]) => Promise<void> | void)[] = [];
  let status: StatusJson | undefined;
  let shown = "";
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  /** The refresh that starts when the running one ends, if one was asked for meanwhile. */
  let queued: Promise<void> | undefined;
  let stopped = false;
  let refreshes = 0;

  async function once(): Promise<void> {
    const reports = await app.monitor.refresh(deps.nowMs());
    refreshes++;
    status = toStatusJson(reports);
    const summary = JSON.stringify(
      status.guests.map((g) => [g.cluster, g.vmid, g.status, g.lastBackup?.volid]),
    );
    if (summary !== shown) {
      shown = summary;
      log.info(`status changed:\n${renderStatusTable(reports, app.config.timeZone)}`);
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

  function refreshNow(): Promise<void> {
    if (queued) return queued;
    if (running) {
      queued = running.then(() => {
        queued = undefined;
        return stopped ? undefined : begin();
      });
      return queued;
    }
    return begin();
  }

  function begin(): Promise<void> {
    clearTimeout(timer);
    running = once()
      .catch((err) => log.error(`refresh failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        running = undefined;
        if (!queued) schedule(app.config.refreshIntervalMs);
      });
    return running;
  }

  function schedule(ms: number): void {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(() => void refreshNow(), ms);
  }

  return {
    soon(delayMs = 300) {
      if (running) void refreshNow();
      else schedule(delayMs);
    },
    refreshNow,
    status: () => status,
    onReports: (l) => listeners.push(l),
    start: () => refreshNow(),
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    count: () => refreshes,
  };
}
