import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../log.js";

/**
 * What every HTTP listener of the service shares: limits against slow or greedy clients, a
 * request target that is parsed without throwing, a handler that cannot take the process down,
 * and a listen step that says in one sentence why a port cannot be had.
 */

export interface ServerLimits {
  /** A client must send its whole request head within this time (slowloris), else 408. */
  readonly headersTimeoutMs: number;
  /** … and its whole request, body included. */
  readonly requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Connections beyond this are closed as soon as they are accepted. */
  readonly maxConnections: number;
  /** How often Node looks for connections past their deadlines. */
  readonly checkIntervalMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 64,
  checkIntervalMs: 1_000,
};

export type JsonSender = (code: number, body: unknown, headers?: Record<string, string>) => void;

export type Handler = (req: IncomingMessage, path: string, send: JsonSender, res: ServerResponse) => void;

/** The path of an origin-form request target (`/api/status?x`), or undefined for anything else. */
export function requestPath(target: string | undefined): string | undefined {
  if (!target?.startsWith("/")) return undefined;
  const end = target.search(/[?#]/);
  return end < 0 ? target : target.slice(0, end);
}

export function createGuardedServer(handler: Handler, limits: ServerLimits, log: Logger): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    (req, res) => {
      const send: JsonSender = (code, body, headers = {}) => {
        if (res.headersSent) return;
        res.writeHead(code, {
          "content-type": "application/json; charset=utf-8",
          "cache-control": "no-store",
          ...headers,
        });
        res.end(`${JSON.stringify(body)}\n`);
      };
      const path = requestPath(req.url);
      // `GET http://[ HTTP/1.1` and friends: a target that is not a path is the client's mistake.
      if (path === undefined)
        return send(400, { error: "the request target must be a path, like /api/status" });
      try {
        handler(req, path, send, res);
      } catch (err) {
        log.error(`answering ${req.method} ${path}: ${err instanceof Error ? err.message : String(err)}`);
        send(500, { error: "internal error; the service log has the details" });
      }
    },
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  return server;
}

/** A port the service needs is taken or not allowed: nothing to retry, something to change. */
export class ListenError extends Error {
  override readonly name = "ListenError";
}

export interface Listening {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Listen on `host:port`; `what` names the option that sets the port, for the error sentence. */
export async function listen(server: Server, port: number, host: string, what: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      reject(
        err.code === "EADDRINUSE"
          ? new ListenError(
              `port ${where} is already in use (is pve-backup running already?): choose another ${what}`,
            )
          : err.code === "EACCES"
            ? new ListenError(`not allowed to listen on ${where}: choose a ${what} above 1023`)
            : err.code === "EADDRNOTAVAIL"
              ? new ListenError(`${host} is not an address of this machine: check ${what}`)
              : err,
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers 405 with `Allow` unless the request uses `method` (HEAD counts as GET). */
export function allowOnly(req: IncomingMessage, method: string, path: string, send: JsonSender): boolean {
  if (req.method === method || (method === "GET" && req.method === "HEAD")) return true;
  send(
    405,
    { error: `${req.method} not allowed on ${path}; use ${method}` },
    { allow: method === "GET" ? "GET, HEAD" : method },
  );
  return false;
}
