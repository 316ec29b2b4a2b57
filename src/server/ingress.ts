import express, { type NextFunction, type Request, type Response } from "express";
import type { BridgeStats } from "../ha/bridge.js";
import type { Logger } from "../log.js";
import type { StatusJson } from "../report.js";
import { listenApp } from "./panel/listen.js";
import { createPanelRouter, type PanelDeps } from "./panel/router.js";

/**
 * The add-on's page in Home Assistant's sidebar, behind the Supervisor's ingress proxy
 * (reference home-assistant.md §1.2: `ingress: true`, `ingress_port`). The proxy connects from
 * its own address (172.30.32.2 on a Supervisor host) and tells the path it serves the page under
 * in `X-Ingress-Path` (`/api/hassio_ingress/<token>`): every link and asset is made under it, so
 * the page works in the sidebar and nowhere else. Any other peer is refused: the status and
 * bridge JSON never leave Home Assistant's ingress (loopback is allowed for the container's
 * healthcheck).
 */
export interface IngressDeps {
  readonly status: () => StatusJson | undefined;
  readonly bridge: () => BridgeStats | undefined;
  readonly refreshes: () => number;
  /** Peers allowed besides loopback; the Supervisor's ingress proxy is 172.30.32.2. */
  readonly allowedPeers: readonly string[];
  /** Loopback peers (the container's healthcheck); default true. */
  readonly allowLoopback?: boolean;
  readonly log: Logger;
  /** The panel (guests, timeline, plan and apply, doctor); without it, the plain status page. */
  readonly panel?: PanelDeps;
}

export const SUPERVISOR_INGRESS_PEER = "172.30.32.2";

/** `/api/hassio_ingress/<token>`-like: a path of safe characters only, never a URL or markup. */
const INGRESS_PATH_RE = /^(\/[A-Za-z0-9._~-]+)+$/;

export function createIngressApp(deps: IngressDeps): express.Express {
  const allowed = new Set([
    ...(deps.allowLoopback === false ? [] : ["127.0.0.1", "::1"]),
    ...deps.allowedPeers,
  ]);
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const peer = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    if (!allowed.has(peer)) {
      res.status(403).json({ error: "open PVE Backup from Home Assistant's sidebar (ingress)" });
      return;
    }
    res.setHeader("cache-control", "no-store");
    res.setHeader("x-content-type-options", "nosniff");
    next();
  });

  app.get("/api/status", (_req, res) => {
    const status = deps.status();
    if (status) res.json(status);
    else res.status(503).json({ error: "no refresh has completed yet; try again in a few seconds" });
  });
  app.get("/api/bridge", (_req, res) => {
    res.json({ refreshes: deps.refreshes(), bridge: deps.bridge() ?? null });
  });
  if (deps.panel) app.use(createPanelRouter(deps.panel, ingressBase));
  else
    app.get("/", (req, res) => {
      res
        .type("html")
        .setHeader("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
        .send(renderStatusPage(deps.status(), ingressBase(req)));
    });
  app.use((req, res) => {
    res.status(404).json({ error: `no such page: ${req.path}` });
  });
  return app;
}

/** The base path the proxy serves this page under; empty when called directly. */
export function ingressBase(req: Pick<Request, "get">): string {
  const given = req.get("x-ingress-path") ?? "";
  return INGRESS_PATH_RE.test(given) ? given : "";
}

export async function startIngressServer(
  deps: IngressDeps,
  port: number,
  host = "0.0.0.0",
): Promise<{ url: string; close(): Promise<void> }> {
  const { port: bound, close } = await listenApp(createIngressApp(deps), port, host);
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${bound}`;
  deps.log.info(`ingress page on port ${bound} (Home Assistant sidebar)`);
  return { url, close };
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/** Until the panel exists: the status table as a page, links made under the ingress path. */
export function renderStatusPage(status: StatusJson | undefined, base: string): string {
  const rows = (status?.guests ?? [])
    .map(
      (g) =>
        `<tr class="${escapeHtml(g.status)}"><td>${g.vmid}</td><td>${escapeHtml(g.name)}</td><td>${escapeHtml(g.tier ?? "")}</td><td>${escapeHtml(g.status)}</td><td>${escapeHtml(g.lastBackup?.time.replace("T", " ").slice(0, 16) ?? "")}${g.lastBackup ? " UTC" : ""}</td><td>${escapeHtml(g.reason)}</td></tr>`,
    )
    .join("\n");
  const clusters = (status?.clusters ?? [])
    .filter((c) => !c.reachable || c.problems.length > 0)
    .map(
      (c) =>
        `<p class="problem">${escapeHtml(c.cluster)}: ${c.reachable ? "" : "unreachable. "}${escapeHtml(c.problems.join("; "))}</p>`,
    )
    .join("\n");
  const body = status
    ? `${clusters}<table><thead><tr><th>VMID</th><th>Guest</th><th>Tier</th><th>Status</th><th>Last backup</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table>`
    : "<p>Reading Proxmox VE… this page shows the status after the first refresh.</p>";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>PVE Backup</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1c1c1c}
table{border-collapse:collapse;width:100%}td,th{padding:.35rem .6rem;border-bottom:1px solid #ddd;text-align:left}
tr.failed td,tr.late td,tr.never td,tr.not_in_job td{color:#b00020}tr.unknown td{color:#8a6d00}
.problem{color:#b00020}
@media (prefers-color-scheme: dark){body{background:#111;color:#e1e1e1}td,th{border-color:#333}}
</style></head>
<body><h1>PVE Backup</h1>
${body}
<p><a href="${escapeHtml(base)}/api/status">status as JSON</a></p>
</body></html>
`;
}
