import type { App } from "../app.js";
import type { Config } from "../config/schema.js";
import type { Logger } from "../log.js";
import { type DsmClient, dsmClientFor } from "./client.js";
import { type NasView, readNasView } from "./view.js";

/**
 * The service's NAS reader: after a refresh it reads the NAS again when `intervalMs` has passed
 * since the last read (Hyper Backup runs nightly; DSM need not be asked every minute), in the
 * background, one read at a time; a finished read asks for a refresh so the entities get it.
 * A failed read is a view with its error (off-NAS copies unknown), never a crash.
 */
export interface NasWatch {
  /** The last view of the (first) cluster's NAS, undefined before the first read. */
  latest(): { readonly cluster: string; readonly view: NasView } | undefined;
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
  const cluster = config.clusters[0];
  if (!nas || !config.storage || !cluster) return undefined;
  const storage = config.storage;
  const dsm = deps.dsm ?? dsmClientFor(config, log);
  const intervalMs = deps.intervalMs ?? NAS_READ_INTERVAL_MS;
  let last: { cluster: string; view: NasView } | undefined;
  let lastReadAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | undefined;
  let closed = false;

  async function read(): Promise<void> {
    const api = deps.app.apis.get(cluster?.name ?? "");
    if (!api || !cluster) return;
    try {
      const view = await readNasView({
        dsm,
        api,
        facts: deps.app.monitor.facts(cluster.name),
        storage,
        nas: nas as NonNullable<typeof nas>,
        haBackupsPath: config.haBackups?.sharePath,
        keepOf: (vmid) => config.tiers.find((t) => t.guests.includes(vmid))?.keepLast,
        nowMs: deps.nowMs(),
      });
      if (view.error) log.warn(`NAS: ${view.error}`);
      last = { cluster: cluster.name, view };
      if (!closed) deps.onChange();
    } catch (err) {
      // readNasView turns DSM failures into the view; anything else is logged and tried next time.
      log.warn(`NAS: reading failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  return {
    latest: () => last,
    afterRefresh() {
      if (closed || reading || performance.now() - lastReadAt < intervalMs) return;
      lastReadAt = performance.now();
      reading = read().finally(() => {
        reading = undefined;
      });
    },
    async close() {
      closed = true;
      await reading;
      await dsm.close();
    },
  };
}
