import {
  type Connection,
  createConnection,
  ERR_CANNOT_CONNECT,
  type HaWebSocket,
  type MessageBase,
} from "home-assistant-js-websocket";
import WebSocket from "ws";
import { UpstreamError } from "../errors.js";
import type { Logger } from "../log.js";

/**
 * A connection to Home Assistant's websocket API with `home-assistant-js-websocket` (HAWS) over
 * `ws` (Node 20 has no global WebSocket): through the Supervisor (`ws://supervisor/core/websocket`,
 * `SUPERVISOR_TOKEN`) or straight to `HA_URL` with a long-lived token.
 *
 * HAWS retries by itself only around its own socket factory: with ours (which does the auth
 * phase over `ws`) a failed first connection rejects `createConnection`, and a refused token
 * during a reconnect ends its retries for good. So the factory here never gives up: it tries
 * again with back-off (1 s doubling to 60 s) and says why in one log line, whether Home
 * Assistant is not up yet, refuses the token, or does not finish the login. The link is usable
 * at once; commands fail fast while it is down, and every command has a timeout. HAWS never
 * notices a silently dead socket, so a heartbeat pings and forces a reconnect when no pong comes
 * (reference home-assistant.md §4).
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

/** Home Assistant answered a command with an error (`unknown_command`, `not_found`, …). */
export class HaCommandError extends UpstreamError {
  constructor(
    readonly type: string,
    readonly code: string,
    message: string,
  ) {
    super(`${type}: ${message} (${code})`, { retryable: code !== "unknown_command" });
  }
}

/** The websocket side of Home Assistant as the bridge uses it. */
export interface HaLink {
  /** True while a socket is up and authenticated. */
  readonly connected: boolean;
  /**
   * One command. Rejects at once with an UpstreamError while not connected, with a
   * HaCommandError when Home Assistant answers an error, and after `timeoutMs` without an
   * answer (the connection is then taken down and opened again).
   */
  send<T = unknown>(msg: MessageBase, timeoutMs?: number): Promise<T>;
  /** A subscription (not renewed after a reconnect); resolves to its unsubscribe function. */
  subscribe<T>(
    onEvent: (event: T) => void,
    msg: MessageBase,
    timeoutMs?: number,
  ): Promise<() => Promise<void>>;
  /** Called after each successful (re)connection. */
  onReady(listener: () => void): void;
  close(): void;
}

export interface HaConnectionOptions {
  readonly heartbeatMs?: number;
  readonly pongTimeoutMs?: number;
  readonly authTimeoutMs?: number;
  /** Default time a command may take. */
  readonly callTimeoutMs?: number;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

export const HA_CALL_TIMEOUT_MS = 30_000;

/** Connect in the background (never throws, never waits for Home Assistant). */
export function connectToHa(target: HaTarget, log: Logger, opts: HaConnectionOptions = {}): HaLink {
  const authTimeoutMs = opts.authTimeoutMs ?? 30_000;
  const callTimeoutMs = opts.callTimeoutMs ?? HA_CALL_TIMEOUT_MS;
  const retryMinMs = opts.retryMinMs ?? 1_000;
  const retryMaxMs = opts.retryMaxMs ?? 60_000;
  const readyListeners: (() => void)[] = [];
  let connection: Connection | undefined;
  let closed = false;
  let failures = 0;
  let wake: (() => void) | undefined;

  /** HAWS's socket factory: tries until it has an authenticated socket, or the link is closed. */
  async function openWithRetry(): Promise<HaWebSocket> {
    for (;;) {
      if (closed) throw ERR_CANNOT_CONNECT;
      try {
        const socket = await openSocket(target, log, authTimeoutMs);
        failures = 0;
        log.info(`connected to Home Assistant ${socket.haVersion} at ${target.wsUrl}`);
        return socket;
      } catch (err) {
        const waitMs = Math.min(retryMinMs * 2 ** failures, retryMaxMs);
        failures++;
        log.warn(`${describeConnectFailure(target, err)}; retrying in ${formatSeconds(waitMs)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  }

  const fireReady = () => {
    for (const l of readyListeners) l();
  };

  createConnection({ createSocket: openWithRetry }).then(
    (c) => {
      if (closed) return c.close();
      connection = c;
      c.addEventListener("disconnected", () =>
        log.warn(`lost the connection to Home Assistant at ${target.wsUrl}; reconnecting`),
      );
      // HAWS fires `ready` on every reconnect; the first one fired before we could listen.
      c.addEventListener("ready", fireReady);
      fireReady();
    },
    // Only when closed before the first connection.
    () => undefined,
  );

  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const pongTimeoutMs = opts.pongTimeoutMs ?? 5_000;
  const heartbeat = setInterval(() => {
    const c = connection;
    if (!c?.connected) return;
    let answered = false;
    const watchdog = setTimeout(() => {
      if (answered) return;
      log.warn("Home Assistant did not answer a ping: reconnecting");
      c.reconnect(true);
    }, pongTimeoutMs);
    c.ping().then(
      () => {
        answered = true;
        clearTimeout(watchdog);
      },
      // The connection dropped while pinging: HAWS is already reconnecting.
      () => clearTimeout(watchdog),
    );
  }, heartbeatMs);
  heartbeat.unref();

  function live(type: string): Connection {
    const c = connection;
    if (!c?.connected)
      throw new UpstreamError(`Home Assistant is not connected (${type} not sent)`, { retryable: true });
    return c;
  }

  /** Bound a command; a command Home Assistant never answers takes the connection down. */
  async function bounded<T>(c: Connection, type: string, call: Promise<T>, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        log.warn(`Home Assistant did not answer ${type} within ${formatSeconds(timeoutMs)}: reconnecting`);
        reject(
          new UpstreamError(`Home Assistant did not answer ${type} within ${formatSeconds(timeoutMs)}`, {
            retryable: true,
          }),
        );
        // Drops HAWS's pending commands (they would wait forever) and opens a fresh socket.
        if (connection === c && c.connected) c.reconnect(true);
      }, timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([call, timeout]);
    } catch (err) {
      throw asUpstream(type, err);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    get connected() {
      return connection?.connected === true;
    },
    async send<T>(msg: MessageBase, timeoutMs = callTimeoutMs): Promise<T> {
      const type = String(msg.type);
      const c = live(type);
      return bounded(c, type, c.sendMessagePromise<T>(msg), timeoutMs);
    },
    async subscribe<T>(onEvent: (event: T) => void, msg: MessageBase, timeoutMs = callTimeoutMs) {
      const type = String(msg.type);
      const c = live(type);
      const unsubscribe = await bounded(
        c,
        type,
        c.subscribeMessage<T>(onEvent, msg, { resubscribe: false }),
        timeoutMs,
      );
      return () => bounded(c, "unsubscribe_events", unsubscribe(), callTimeoutMs);
    },
    onReady(listener) {
      readyListeners.push(listener);
    },
    close() {
      closed = true;
      clearInterval(heartbeat);
      wake?.();
      connection?.close();
    },
  };
}

function asUpstream(type: string, err: unknown): Error {
  if (err instanceof UpstreamError) return err;
  if (typeof err === "object" && err !== null && "code" in err) {
    const e = err as { code: unknown; message?: unknown };
    return new HaCommandError(type, String(e.code), String(e.message ?? e.code));
  }
  // HAWS rejects with bare numbers (ERR_CONNECTION_LOST = 3).
  return new UpstreamError(`the connection to Home Assistant dropped during ${type}`, {
    retryable: true,
    cause: err,
  });
}

/** Why opening the socket failed, as the user can act on it. */
class ConnectFailure extends Error {
  constructor(
    readonly kind: "auth_invalid" | "unreachable" | "login",
    detail: string,
  ) {
    super(detail);
  }
}

export function describeConnectFailure(target: HaTarget, err: unknown): string {
  const at = `Home Assistant at ${target.wsUrl}`;
  if (err instanceof ConnectFailure) {
    switch (err.kind) {
      case "auth_invalid":
        return `${at} refused the token (auth_invalid): check SUPERVISOR_TOKEN/HA_TOKEN`;
      case "unreachable":
        return `${at} is not reachable (${err.message})`;
      case "login":
        return `${at} did not finish the login (${err.message})`;
    }
  }
  return `${at} could not be reached (${err instanceof Error ? err.message : String(err)})`;
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Open a socket and do the auth phase (auth_required → auth → auth_ok), as HAWS expects. */
function openSocket(target: HaTarget, log: Logger, authTimeoutMs: number): Promise<HaWebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target.wsUrl, { handshakeTimeout: 15_000 });
    const timer = setTimeout(
      () => fail(new ConnectFailure("login", `no answer within ${formatSeconds(authTimeoutMs)}`)),
      authTimeoutMs,
    );
    const fail = (why: ConnectFailure) => {
      clearTimeout(timer);
      log.debug(`Home Assistant websocket: ${why.kind}: ${why.message}`);
      ws.removeAllListeners();
      ws.on("error", () => {});
      ws.terminate();
      reject(why);
    };
    ws.on("error", (err: Error & { code?: string }) =>
      fail(new ConnectFailure("unreachable", err.code ?? err.message)),
    );
    ws.on("close", () => fail(new ConnectFailure("login", "closed during authentication")));
    ws.on("message", (data) => {
      let msg: { type?: string; ha_version?: string; message?: string };
      try {
        msg = JSON.parse(String(data));
      } catch {
        return fail(new ConnectFailure("login", "not JSON during authentication"));
      }
      if (msg.type === "auth_required") ws.send(JSON.stringify({ type: "auth", access_token: target.token }));
      else if (msg.type === "auth_invalid")
        fail(new ConnectFailure("auth_invalid", msg.message ?? "invalid"));
      else if (msg.type === "auth_ok") {
        clearTimeout(timer);
        ws.removeAllListeners();
        // A socket error is followed by `close`, which HAWS handles; unhandled it would crash.
        ws.on("error", (err) => log.debug(`Home Assistant websocket: ${err.message}`));
        const socket = ws as unknown as HaWebSocket;
        socket.haVersion = msg.ha_version ?? "";
        resolve(socket);
      }
    });
  });
}
