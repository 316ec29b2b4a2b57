import express, { type NextFunction, type Request, type Response } from "express";
import { listenApp } from "./listen.js";
import { createPanelRouter, type PanelDeps } from "./router.js";

/**
 * The panel outside the Supervisor: on loopback (`api_port`, 8099 on the demo lab). Only a
 * loopback `Host` is answered (a page elsewhere that rebinds its name to 127.0.0.1 gets a 421),
 * and a POST from a browser must come from this same origin.
 */
export function createPanelApp(deps: PanelDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(loopbackOnly);
  app.use(createPanelRouter(deps));
  return app;
}

const LOOPBACK_HOST_RE = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i;

function loopbackOnly(req: Request, res: Response, next: NextFunction): void {
  const host = req.get("host") ?? "";
  if (!LOOPBACK_HOST_RE.test(host)) {
    res
      .status(421)
      .json({ error: "open the panel at http://127.0.0.1 (this service answers loopback only)" });
    return;
  }
  const origin = req.get("origin");
  if (req.method !== "GET" && req.method !== "HEAD" && origin !== undefined && origin !== `http://${host}`) {
    res.status(403).json({ error: "cross-origin requests are refused" });
    return;
  }
  res.setHeader("cache-control", "no-store");
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("x-frame-options", "DENY");
  next();
}

/** Serve the panel on `host:port` (default loopback); `url` is what to print at start. */
export async function startPanelServer(
  deps: PanelDeps,
  port: number,
  host = "127.0.0.1",
): Promise<{ url: string; close(): Promise<void> }> {
  const { port: bound, close } = await listenApp(createPanelApp(deps), port, host);
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${bound}/`;
  deps.log.info(`panel on ${url}`);
  return { url, close };
}
