import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import express, { type NextFunction, type Request, type Response } from "express";
import { InputError, UpstreamError } from "../../errors.js";
import type { Logger } from "../../log.js";
import type { StatusJson } from "../../report.js";
import {
  guestArchives,
  type PanelApp,
  panelOverview,
  type TaskGuestsJson,
  taskGuests,
  taskLog,
} from "../../service/panel.js";
import { applyPolicy, diagnoseToken, planPolicy } from "../../service/policy.js";
import { withStatusChecks } from "./overview.js";
import { renderPanelPage } from "./page.js";

/**
 * The panel: one page (`GET /`), its script (`GET /panel.js`, the bundle of lovelace/panel) and
 * the JSON it reads and writes under `/api/panel/`. Mounted by the ingress server (behind Home
 * Assistant's ingress proxy) and by `startPanelServer` on loopback. Every link the page makes is
 * under `base(req)`: the ingress path, or nothing.
 *
 * Plan, apply and doctor are the service functions the CLI and the HA services call
 * (service/policy.ts). Apply is a POST with a JSON body naming the plan the user confirmed (its
 * fingerprint per cluster): no form can send it from another site, a stale page cannot apply a
 * plan it did not show, and a second apply while one runs is refused.
 *
 * Every state-changing request must also carry `X-PVE-Backup: panel` (the page sends it; a page
 * on another site cannot without a CORS preflight, which is never granted), must not be marked
 * `Sec-Fetch-Site: cross-site`, and unless the browser marks it `same-origin`, an `Origin` it
 * carries must name this host: the `Host`, or behind Home Assistant's ingress proxies the
 * `X-Forwarded-Host` they set to the browser's host.
 *
 * The overview is polled: it carries an ETag over everything but the clock, and a poll with
 * `If-None-Match` that still matches gets a 304 without a body (the clock in `X-PVE-Backup-Now`).
 */
export interface PanelDeps {
  readonly app: PanelApp;
  readonly nowMs: () => number;
  /** Refresh now and wait for it: after an apply, the page shows what PVE has then. */
  readonly refreshNow: () => Promise<void>;
  readonly log: Logger;
  /**
   * The service's status JSON as `GET /api/status` serves it: the guests' copies, verification and
   * test restores and the NAS side join the overview from it (absent: the overview as PVE shows it).
   */
  readonly status?: () => StatusJson | undefined;
  /** The built script; default `panel/panel.js` beside the server bundle (dist/). */
  readonly bundlePath?: string;
}

export type BaseOf = (req: Request) => string;

const defaultBundlePath = () => fileURLToPath(new URL("./panel/panel.js", import.meta.url));

export function createPanelRouter(deps: PanelDeps, baseOf: BaseOf = () => ""): express.Router {
  const router = express.Router();
  const bundlePath = deps.bundlePath ?? defaultBundlePath();
  let bundle: string | undefined;
  const script = (): string | undefined => {
    if (bundle === undefined && existsSync(bundlePath)) bundle = readFileSync(bundlePath, "utf8");
    return bundle;
  };
  const json = express.json({ limit: "16kb", strict: true });

  router.get("/", (req, res) => {
    res
      .type("html")
      .setHeader(
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'",
      )
      .send(renderPanelPage({ base: baseOf(req), scriptMissing: script() === undefined }));
  });
  router.get("/panel.js", (_req, res) => {
    const text = script();
    if (text === undefined) {
      res.status(404).type("text/plain").send("the panel is not built: run npm run build\n");
      return;
    }
    res.type("text/javascript").send(text);
  });

  router.use("/api/panel", sameSiteWrites);

  router.get("/api/panel/overview", (req, res) => {
    // The NAS and the checks are in the hashed part: news there is a new ETag, not a 304.
    const { now, ...rest } = withStatusChecks(panelOverview(deps.app, deps.nowMs()), deps.status?.());
    const body = JSON.stringify(rest);
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
    res.setHeader("etag", etag);
    res.setHeader(NOW_HEADER, now);
    if (req.get("if-none-match") === etag) {
      res.status(304).end();
      return;
    }
    res.type("json").send(`{"now":${JSON.stringify(now)},${body.slice(1)}`);
  });
  router.get("/api/panel/plan", async (_req, res) => {
    res.json({ clusters: await planPolicy(deps.app, { nowMs: deps.nowMs() }) });
  });
  router.post("/api/panel/apply", requireJson, json, async (req, res) => {
    const confirmed = (req.body as { confirmed?: unknown } | undefined)?.confirmed;
    if (!isFingerprints(confirmed))
      throw new InputError("confirm the plan first: apply needs the fingerprint of the plan you reviewed");
    const clusters = await applyPolicy(deps.app, { nowMs: deps.nowMs(), confirmed });
    const applied = clusters.flatMap(
      (c) => c.applied?.applied.map((s) => `${c.cluster}: ${s.action} ${s.id}`) ?? [],
    );
    deps.log.info(`policy applied from the panel: ${applied.length ? applied.join(", ") : "nothing to do"}`);
    await deps.refreshNow();
    res.json({ clusters });
  });
  router.get("/api/panel/doctor", async (_req, res) => {
    const reports = [];
    for (const c of deps.app.config.clusters) {
      try {
        reports.push({ ...(await diagnoseToken(deps.app, { cluster: c.name })), error: null });
      } catch (err) {
        reports.push({ cluster: c.name, error: messageOf(err) });
      }
    }
    res.json({ clusters: reports });
  });
  router.get("/api/panel/task-log", async (req, res) => {
    res.json(await taskLog(deps.app, text(req.query.cluster, "cluster"), text(req.query.upid, "upid")));
  });
  // An ended task's guests no longer change: read its log once (at most the last 500 tasks kept).
  const spans = new Map<string, TaskGuestsJson>();
  router.get("/api/panel/task-guests", async (req, res) => {
    const cluster = text(req.query.cluster, "cluster");
    const upid = text(req.query.upid, "upid");
    const key = `${cluster}\n${upid}`;
    let found = spans.get(key);
    if (!found) {
      found = await taskGuests(deps.app, cluster, upid);
      if (found.ended) {
        spans.set(key, found);
        if (spans.size > 500) spans.delete(spans.keys().next().value as string);
      }
    }
    res.json(found);
  });
  router.get("/api/panel/archives", async (req, res) => {
    const vmid = Number(text(req.query.vmid, "vmid"));
    res.json({ storages: await guestArchives(deps.app, text(req.query.cluster, "cluster"), vmid) });
  });
  router.use("/api/panel", (req, res) => {
    res.status(404).json({ error: `no such panel resource: ${req.method} ${req.baseUrl}${req.path}` });
  });
  router.use(panelErrors(deps.log));
  return router;
}

/** The header the overview's clock travels in (also on a 304). */
export const NOW_HEADER = "x-pve-backup-now";
/** The header the panel's script sends with every request; a page elsewhere cannot send it. */
export const PANEL_HEADER = "x-pve-backup";

function sameSiteWrites(req: Request, res: Response, next: NextFunction): void {
  const why = req.method === "GET" || req.method === "HEAD" ? undefined : crossSite(req);
  if (why === undefined) next();
  else res.status(403).json({ error: `refused: ${why}; use the panel's own page` });
}

/** Why a state-changing request is not the panel's own, or undefined when it is. */
function crossSite(req: Request): string | undefined {
  if (req.get(PANEL_HEADER) !== "panel") return `the request lacks the ${PANEL_HEADER} header`;
  const site = req.get("sec-fetch-site");
  if (site === "cross-site") return "the request comes from another site";
  // Set by the browser itself (a page cannot): the page is on this origin, whatever the proxies say.
  if (site === "same-origin") return undefined;
  const origin = req.get("origin");
  if (origin === undefined) return undefined;
  let host = "";
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    // "null" (a sandboxed or privacy-sensitive context) or garbage: no host matches.
  }
  const forwarded = (req.get("x-forwarded-host") ?? "").split(",").map((h) => h.trim().toLowerCase());
  const hosts = new Set([...forwarded, (req.get("host") ?? "").toLowerCase()].filter(Boolean));
  return hosts.has(host) ? undefined : "the request comes from another origin";
}

/** A cross-site form can post only urlencoded, multipart or text: JSON needs a preflight we never grant. */
function requireJson(req: Request, res: Response, next: NextFunction): void {
  if (!req.is("application/json")) {
    res.status(415).json({ error: "send the request as application/json" });
    return;
  }
  next();
}

function isFingerprints(v: unknown): v is Record<string, string> {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === "string" && x.length <= 64)
  );
}

function text(v: unknown, name: string): string {
  if (typeof v !== "string" || v === "" || v.length > 200)
    throw new InputError(`give '${name}' once, as text`);
  return v;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

function panelErrors(log: Logger) {
  return (err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const e = err as { type?: string; status?: number };
    if (err instanceof InputError) res.status(400).json({ error: err.message });
    else if (e?.type === "entity.parse.failed" || e?.type === "entity.too.large")
      res.status(e.status ?? 400).json({ error: "the request body is not valid JSON (or too large)" });
    else if (err instanceof UpstreamError) res.status(502).json({ error: err.message });
    else {
      log.error(`panel: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      res.status(500).json({ error: "internal error; the add-on log has the details" });
    }
  };
}
