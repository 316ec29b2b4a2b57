import type { App } from "../app.js";
import type { Config } from "../config/schema.js";
import type { HyperBackupTask } from "../core/coverage.js";
import type { Logger } from "../log.js";
import { type DsmClient, dsmClientFor } from "./client.js";
import { type ClusterNasView, readNasViews } from "./view.js";

/**
 * The service's NAS reader: after a refresh it reads the NAS again when `intervalMs` has passed
 * since the last read (Hyper Backup runs nightly; DSM need not be asked every minute), in the
 * background, one read at a time; a finished read asks for a refresh so the entities get it.
 * Every cluster is judged against the NAS (its storage on it, or its copies off it unknown). A
 * failed read is a view with its error (off-NAS copies unknown), never a crash.
 */
export interface NasWatch {
  /** The last view of the first cluster, undefined before the first read. */
  latest(): ClusterNasView | undefined;
  /** The last view of every cluster, in the options' order; empty before the first read. */
  views(): readonly ClusterNasView[];
  /**
   * The Hyper Backup tasks DSM last listed: kept through an outage (their next runs are DSM's
   * plan, not a fact the outage changes); undefined before DSM was first read.
   */
  lastTasks(): readonly HyperBackupTask[] | undefined;
  /** A refresh ended: read the NAS when due. */
  afterRefresh(): void;
  close(): Promise<void>;
}

export const NAS_READ_INTERVAL_MS = 15 * 60_000;

export function createNasWatch(deps: {
  readonly config: Config;
  readonly app: Pick<App, "monitor" | "apis">;
  readonly log: Logger;
  readonly nowMs: () => number;
  readonly onChange: () => void;
  readonly intervalMs?: number;
  readonly dsm?: DsmClient;
}): NasWatch | undefined {
  const { config, log } = deps;
  const nas = config.nas;
  if (!nas || !config.storage || config.clusters.length === 0) return undefined;
  const storage = config.storage;
  const dsm = deps.dsm ?? dsmClientFor(config, log);
  const intervalMs = deps.intervalMs ?? NAS_READ_INTERVAL_MS;
  let last: ClusterNasView[] = [];
  let tasks: readonly HyperBackupTask[] | undefined;
  let lastReadAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | undefined;
  let closed = false;

  async function read(): Promise<void> {
    const clusters = config.clusters.flatMap((c) => {
      const api = deps.app.apis.get(c.name);
      return api ? [{ cluster: c.name, api, facts: deps.app.monitor.facts(c.name) }] : [];
    });
    try {
      const views = await readNasViews({
        dsm,
        clusters,
        storage,
        nas: nas as NonNullable<typeof nas>,
        haBackupsPath: config.haBackups?.sharePath,
        keepOf: (vmid) => config.tiers.find((t) => t.guests.includes(vmid))?.keepLast,
        nowMs: deps.nowMs(),
      });
      const first = views[0]?.view;
      if (first?.error) log.warn(`NAS: ${first.error}`);
      if (first?.tasks) tasks = first.tasks;
      else if (first?.hyperBackup === "not_installed") tasks = [];
      last = views;
      if (!closed) deps.onChange();
    } catch (err) {
      // readNasView turns DSM failures into the view; anything else is logged and tried next time.
      log.warn(`NAS: reading failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  return {
    latest: () => last[0],
    views: () => last,
    lastTasks: () => tasks,
    afterRefresh() {
      if (closed || reading || performance.now() - lastReadAt < intervalMs) return;
      lastReadAt = performance.now();
      reading = read().finally(() => {
        reading = undefined;
      });
    },
    async close() {
      closed = true;
      // The client first: a read under way on a slow NAS (a status request per task) then fails at
      // its next request instead of holding the add-on's stop until every task was asked.
      await dsm.close();
      await reading;
    },
  };
}
