import {
  type Connection,
  createConnection,
  ERR_CANNOT_CONNECT,
  ERR_INVALID_AUTH,
  type HaWebSocket,
} from "home-assistant-js-websocket";
import WebSocket from "ws";
import type { Logger } from "../log.js";

/**
 * A connection to Home Assistant's websocket API with `home-assistant-js-websocket` over `ws`
 * (Node 20 has no global WebSocket): through the Supervisor (`ws://supervisor/core/websocket`,
 * `SUPERVISOR_TOKEN`) or straight to `HA_URL` with a long-lived token. HAWS reconnects by
 * itself but never notices a silently dead socket, so a heartbeat pings and forces a reconnect
 * when no pong comes (reference home-assistant.md §4).
 */

export interface HaTarget {
  /** `ws://…/api/websocket` or the Supervisor's `ws://supervisor/core/websocket`. */
  readonly wsUrl: string;
  /** Base of the REST API, `http://…/api`. */
  readonly restUrl: string;
  readonly token: string;
}

/** Where Home Assistant is, from the environment; undefined when it is not configured. */
export function haTargetFromEnv(env: NodeJS.ProcessEnv): HaTarget | undefined {
  if (env.SUPERVISOR_TOKEN) {
    // `SUPERVISOR_URL` only in tests (the Supervisor stand-in); the container has http://supervisor.
    const supervisor = (env.SUPERVISOR_URL ?? "http://supervisor").replace(/\/+$/, "");
    return {
      wsUrl: `${supervisor.replace(/^http/, "ws")}/core/websocket`,
      restUrl: `${supervisor}/core/api`,
      token: env.SUPERVISOR_TOKEN,
    };
  }
  if (env.HA_URL && env.HA_TOKEN) {
    const base = env.HA_URL.replace(/\/+$/, "");
    return {
      wsUrl: `${base.replace(/^http/, "ws")}/api/websocket`,
      restUrl: `${base}/api`,
      token: env.HA_TOKEN,
    };
  }
  return undefined;
}

export interface HaConnectionOptions {
  readonly heartbeatMs?: number;
  readonly pongTimeoutMs?: number;
  readonly authTimeoutMs?: number;
}

export async function connectToHa(
  target: HaTarget,
  log: Logger,
  opts: HaConnectionOptions = {},
): Promise<{ connection: Connection; close(): void }> {
  const authTimeoutMs = opts.authTimeoutMs ?? 30_000;
  const connection = await createConnection({
    // Keep trying at start-up: Home Assistant may still be booting.
    setupRetry: -1,
    createSocket: () => openSocket(target, log, authTimeoutMs),
  });
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const pongTimeoutMs = opts.pongTimeoutMs ?? 5_000;
  const timer = setInterval(() => {
    if (!connection.connected) return;
    let answered = false;
    const watchdog = setTimeout(() => {
      if (answered) return;
      log.warn("Home Assistant did not answer a ping: reconnecting");
      connection.reconnect(true);
    }, pongTimeoutMs);
    connection.ping().then(
      () => {
        answered = true;
        clearTimeout(watchdog);
      },
      // The connection dropped while pinging: HAWS is already reconnecting.
      () => clearTimeout(watchdog),
    );
  }, heartbeatMs);
  timer.unref();
  connection.addEventListener("disconnected", () =>
    log.warn("lost the connection to Home Assistant; reconnecting"),
  );
  connection.addEventListener("ready", () => log.debug("connected to Home Assistant"));
  return {
    connection,
    close() {
      clearInterval(timer);
      connection.close();
    },
  };
}

/** Open a socket and do the auth phase (auth_required → auth → auth_ok), as HAWS expects. */
function openSocket(target: HaTarget, log: Logger, authTimeoutMs: number): Promise<HaWebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target.wsUrl, { handshakeTimeout: 15_000 });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(ERR_CANNOT_CONNECT);
    }, authTimeoutMs);
    const fail = (code: number, why: string) => {
      clearTimeout(timer);
      log.debug(`Home Assistant websocket: ${why}`);
      ws.removeAllListeners();
      ws.on("error", () => {});
      ws.terminate();
      reject(code);
    };
    ws.on("error", (err) => fail(ERR_CANNOT_CONNECT, err.message));
    ws.on("close", () => fail(ERR_CANNOT_CONNECT, "closed during authentication"));
    ws.on("message", (data) => {
      let msg: { type?: string; ha_version?: string; message?: string };
      try {
        msg = JSON.parse(String(data));
      } catch {
        return fail(ERR_CANNOT_CONNECT, "not JSON during authentication");
      }
      if (msg.type === "auth_required") ws.send(JSON.stringify({ type: "auth", access_token: target.token }));
      else if (msg.type === "auth_invalid") {
        log.error(`Home Assistant refused the token: ${msg.message ?? "invalid"}`);
        fail(ERR_INVALID_AUTH, "auth_invalid");
      } else if (msg.type === "auth_ok") {
        clearTimeout(timer);
        ws.removeAllListeners();
        const socket = ws as unknown as HaWebSocket;
        socket.haVersion = msg.ha_version ?? "";
        resolve(socket);
      }
    });
  });
}
