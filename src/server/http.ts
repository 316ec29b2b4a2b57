import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../log.js";
import type { StatusJson } from "../report.js";

/** The service's own HTTP face: `GET /api/status` (the JSON of `pve-backup status --json`). */
export interface ApiServerDeps {
  readonly status: () => StatusJson | undefined;
  readonly log: Logger;
}

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
    if (path !== "/api/status") return send(404, { error: `no such resource: ${path}; try GET /api/status` });
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return send(405, { error: `${req.method} not allowed on /api/status; use GET` });
    }
    const status = deps.status();
    if (!status) return send(503, { error: "no refresh has completed yet; try again in a few seconds" });
    send(200, status);
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
