import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BridgeStats } from "../ha/bridge.js";
import type { Logger } from "../log.js";
import type { StatusJson } from "../report.js";

/**
 * The service's own HTTP face:
 * - `GET /api/status`: the JSON of `pve-backup status --json`;
 * - `GET /api/bridge`: how the Home Assistant bridge is doing (mode, batches and states sent);
 * - `POST /api/pve-webhook`: PVE's webhook notification target, when `push.secret` is set; the
 *   request must carry that secret in `X-PVE-Backup-Secret`. A notification triggers a refresh.
 */
export interface ApiServerDeps {
  readonly status: () => StatusJson | undefined;
  readonly bridge: () => BridgeStats | undefined;
  readonly refreshes: () => number;
  readonly onPveNotification: (payload: unknown) => void;
  readonly pushSecret?: string;
  readonly log: Logger;
}

const MAX_BODY_BYTES = 1 << 20;
const MAX_DRAIN_BYTES = 16 << 20;

export async function startApiServer(
  deps: ApiServerDeps,
  port: number,
  host = "127.0.0.1",
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
      res.end(`${JSON.stringify(body)}\n`);
    };
    const only = (method: string) => {
      if (req.method === method || (method === "GET" && req.method === "HEAD")) return true;
      res.setHeader("allow", method === "GET" ? "GET, HEAD" : method);
      send(405, { error: `${req.method} not allowed on ${path}; use ${method}` });
      return false;
    };
    switch (path) {
      case "/api/status": {
        if (!only("GET")) return;
        const status = deps.status();
        return status
          ? send(200, status)
          : send(503, { error: "no refresh has completed yet; try again in a few seconds" });
      }
      case "/api/bridge":
        if (!only("GET")) return;
        return send(200, { refreshes: deps.refreshes(), bridge: deps.bridge() ?? null });
      case "/api/pve-webhook":
        if (!only("POST")) return;
        if (!deps.pushSecret)
          return send(404, { error: "push is not configured: set push.secret in the options" });
        if (!secretMatches(req, deps.pushSecret))
          return send(401, { error: "missing or wrong X-PVE-Backup-Secret header" });
        readBody(req).then(
          (text) => {
            let payload: unknown = text;
            try {
              payload = JSON.parse(text);
            } catch {
              // PVE's body is a user template: plain text is fine, the refresh is what matters.
            }
            deps.onPveNotification(payload);
            send(202, { accepted: true });
          },
          (err: Error) => send(413, { error: err.message }),
        );
        return;
      default:
        return send(404, { error: `no such resource: ${path}; try GET /api/status` });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${host}:${addr.port}`;
  deps.log.info(`serving ${url}/api/status`);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function secretMatches(req: IncomingMessage, secret: string): boolean {
  const given = Buffer.from(String(req.headers["x-pve-backup-secret"] ?? ""));
  const want = Buffer.from(secret);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * The request body as text, at most MAX_BODY_BYTES. A larger one is read to its end and dropped
 * before the refusal is sent (a server that closes on unread data makes TCP reset the connection,
 * and the sender never sees the answer); past MAX_DRAIN_BYTES the connection is cut.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
      else if (size > MAX_DRAIN_BYTES) req.destroy();
    });
    req.on("end", () =>
      size > MAX_BODY_BYTES
        ? reject(new Error("notification body larger than 1 MiB"))
        : resolve(Buffer.concat(chunks).toString("utf8")),
    );
    req.on("error", reject);
  });
}
