import type { BridgeStats } from "./ha/bridge.js";
import type { Logger } from "./log.js";
import type { StatusJson } from "./report.js";
import { SUPERVISOR_INGRESS_PEER, startIngressServer } from "./server/ingress.js";
import type { PanelDeps } from "./server/panel/router.js";
import { createSupervisorClient, type SupervisorClient } from "./supervisor/client.js";

/**
 * What the service does when it runs as the add-on (the Supervisor set `SUPERVISOR_TOKEN`): serve
 * its page on the ingress port for the Supervisor's ingress proxy, and announce itself through
 * the Supervisor's discovery so Home Assistant offers the companion integration (a config flow
 * with source `hassio`). Neither may stop monitoring: a Supervisor that does not answer is retried
 * with back-off, and said so once.
 */
export interface AddonSurfaceDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
  readonly status: () => StatusJson | undefined;
  readonly bridge: () => BridgeStats | undefined;
  readonly refreshes: () => number;
  readonly addonVersion: string;
  /** The panel in the sidebar; without it the ingress page is the plain status table. */
  readonly panel?: PanelDeps;
}

export interface AddonSurface {
  readonly supervisor: SupervisorClient;
  close(): Promise<void>;
}

/** `http://supervisor` in the container; `SUPERVISOR_URL` points elsewhere (the tests' stand-in). */
export function supervisorUrlFromEnv(env: NodeJS.ProcessEnv): string {
  return (env.SUPERVISOR_URL ?? "http://supervisor").replace(/\/+$/, "");
}

const DEFAULT_INGRESS_PORT = 8099;

export async function startAddonSurface(deps: AddonSurfaceDeps): Promise<AddonSurface> {
  const { log } = deps;
  const supervisor = createSupervisorClient({
    baseUrl: supervisorUrlFromEnv(deps.env),
    token: deps.env.SUPERVISOR_TOKEN as string,
  });
  let ingressPort = DEFAULT_INGRESS_PORT;
  let slug = "pve_backup";
  try {
    const info = await supervisor.selfInfo();
    ingressPort = info.ingressPort ?? DEFAULT_INGRESS_PORT;
    slug = info.slug;
  } catch (err) {
    log.warn(
      `could not read the add-on's own info from the Supervisor (${describe(err)}); ingress on port ${ingressPort}`,
    );
  }
  const ingress = await startIngressServer(
    {
      status: deps.status,
      bridge: deps.bridge,
      refreshes: deps.refreshes,
      allowedPeers: [SUPERVISOR_INGRESS_PEER],
      log,
      panel: deps.panel,
    },
    ingressPort,
  );

  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let waitMs = 5_000;
  const announce = async () => {
    try {
      await supervisor.announce("pve_backup", { addon: slug, version: deps.addonVersion });
      log.info(
        "announced to Home Assistant: the PVE Backup integration is offered under Settings → Devices & services",
      );
    } catch (err) {
      if (closed) return;
      log.warn(
        `could not announce the add-on to Home Assistant (${describe(err)}); trying again in ${waitMs / 1000} s`,
      );
      timer = setTimeout(() => void announce(), waitMs);
      timer.unref();
      waitMs = Math.min(waitMs * 2, 300_000);
    }
  };
  void announce();

  return {
    supervisor,
    async close() {
      closed = true;
      clearTimeout(timer);
      await ingress.close();
    },
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
