import { mkdirSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Page } from "playwright-core";

export { launchChromium } from "../support/chromium.js";

export const SCREENSHOTS = join(import.meta.dirname, "screenshots");

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** `#db4437` → `rgb(219, 68, 55)`, as getComputedStyle writes a theme colour. */
export function rgb(hex: string): string {
  const n = Number.parseInt(hex.replace("#", ""), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

/** Collects page errors and console errors: a test fails on any. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** A dark Home Assistant theme, as the frontend sets it on its document. */
export const HA_THEME = {
  "--primary-background-color": "rgb(16, 32, 48)",
  "--card-background-color": "rgb(24, 40, 56)",
  "--primary-text-color": "rgb(230, 230, 230)",
  "--primary-color": "rgb(255, 152, 0)",
};

/**
 * What the Supervisor's ingress proxy does, in small: serve `target` under `prefix`, strip the
 * prefix and tell the add-on with `X-Ingress-Path`. `/ha.html` stands in for Home Assistant's
 * frontend: a themed page of the same origin with the panel in an iframe, as the sidebar has it.
 */
export async function startIngressProxy(
  target: string,
  prefix: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const t = new URL(target);
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    if (path === "/ha.html") {
      const vars = Object.entries(HA_THEME)
        .map(([k, v]) => `${k}: ${v}`)
        .join("; ");
      res.writeHead(200, { "content-type": "text/html" });
      res.end(
        `<!doctype html><html style="${vars}"><head><link rel="icon" href="data:,"></head><body style="margin:0"><iframe src="${prefix}/" style="border:0;width:100vw;height:100vh"></iframe></body></html>`,
      );
      return;
    }
    if (!path.startsWith(`${prefix}/`)) {
      res.writeHead(404).end("not under the ingress path");
      return;
    }
    const upstream = request(
      {
        host: t.hostname,
        port: t.port,
        method: req.method,
        path: path.slice(prefix.length),
        headers: { ...req.headers, host: t.host, "x-ingress-path": prefix },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
