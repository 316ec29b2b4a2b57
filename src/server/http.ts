import type { IncomingMessage, ServerResponse } from "node:http";
import type { BridgeStats } from "../ha/bridge.js";
import type { Logger } from "../log.js";
import type { StatusJson } from "../report.js";
import {
  allowOnly,
  createGuardedServer,
  DEFAULT_LIMITS,
  type Listening,
  listen,
  type ServerLimits,
} from "./guard.js";

/**
 * The service's own HTTP face, on loopback only:
 * - `GET /api/status`: the JSON of `pve-backup status --json`;
 * - `GET /api/bridge`: how the service is doing: refreshes so far, PVE notifications taken by
 *   the webhook listener, and the Home Assistant bridge (mode, batches and states sent).
 * PVE's webhook has a listener of its own (`webhook.ts`), the one port that faces the network.
 */
export interface ApiServerDeps {
  readonly status: () => StatusJson | undefined;
  readonly bridge: () => BridgeStats | undefined;
  readonly refreshes: () => number;
  /** PVE notifications the webhook listener accepted; undefined when it is off. */
  readonly pveNotifications?: () => number | undefined;
  readonly log: Logger;
  readonly limits?: Partial<ServerLimits>;
  /** Everything else (the panel, an express app), when given; else a 404. */
  readonly fallback?: (req: IncomingMessage, res: ServerResponse) => void;
}

export async function startApiServer(
  deps: ApiServerDeps,
  port: number,
  host = "127.0.0.1",
): Promise<Listening> {
  const server = createGuardedServer(
    (req, path, send, res) => {
      switch (path) {
        case "/api/status": {
          if (!allowOnly(req, "GET", path, send)) return;
          const status = deps.status();
          return status
            ? send(200, status)
            : send(503, { error: "no refresh has completed yet; try again in a few seconds" });
        }
        case "/api/bridge":
          if (!allowOnly(req, "GET", path, send)) return;
          return send(200, {
            refreshes: deps.refreshes(),
            pveNotifications: deps.pveNotifications?.() ?? null,
            bridge: deps.bridge() ?? null,
          });
        case "/api/pve-webhook":
          return send(404, {
            error: "PVE's webhook has a port of its own: webhook_port (with push.secret set), not api_port",
          });
        default:
          if (deps.fallback) return deps.fallback(req, res);
          return send(404, { error: `no such resource: ${path}; try GET /api/status` });
      }
    },
    { ...DEFAULT_LIMITS, ...deps.limits },
    deps.log,
  );
  const listening = await listen(server, port, host, "api_port (or --port)");
  deps.log.info(`serving ${listening.url}/api/status`);
  return listening;
}
