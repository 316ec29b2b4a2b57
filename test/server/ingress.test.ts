import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import type { StatusJson } from "../../src/report.js";
import { renderStatusPage, startIngressServer } from "../../src/server/ingress.js";

const status: StatusJson = {
  guests: [
    {
      cluster: "home",
      vmid: 100,
      name: "<script>alert(1)</script>",
      type: "qemu",
      node: "pve",
      tier: "P0",
      status: "late",
      lastBackup: { time: "2026-02-11T03:00:02.000Z", volid: "x", storage: "nas", size: 1 },
      lastAttempt: null,
      expectedBy: null,
      reason: "older than the 03:00 run",
    },
  ],
  clusters: [{ cluster: "home", reachable: true, problems: [] }],
};

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(allowedPeers: string[], allowLoopback = true) {
  const server = await startIngressServer(
    {
      status: () => status,
      bridge: () => undefined,
      refreshes: () => 3,
      allowedPeers,
      allowLoopback,
      log: silentLogger,
    },
    0,
    "127.0.0.1",
  );
  close = server.close;
  return Number(new URL(server.url).port);
}

/** A GET from a chosen loopback source address, the way the ingress proxy's own address differs. */
function get(port: number, path: string, from: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, localAddress: from, headers }, (res) => {
      let body = "";
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the ingress page", () => {
  it("answers the ingress proxy and refuses every other peer", async () => {
    const port = await serve(["127.0.0.2"], false);
    expect((await get(port, "/api/status", "127.0.0.2")).status).toBe(200);
    const other = await get(port, "/api/status", "127.0.0.3");
    expect(other.status).toBe(403);
    expect(other.body).toMatch(/sidebar/);
  });

  it("makes every link under X-Ingress-Path, and ignores a header that is not a plain path", async () => {
    const port = await serve([]);
    const page = await get(port, "/", "127.0.0.1", { "x-ingress-path": "/api/hassio_ingress/tok-123" });
    expect(page.body).toContain('href="/api/hassio_ingress/tok-123/api/status"');
    const hostile = await get(port, "/", "127.0.0.1", { "x-ingress-path": '/x"><script>' });
    expect(hostile.body).toContain('href="/api/status"');
    expect(hostile.body).not.toContain("<script>");
  });

  it("escapes what PVE calls its guests", () => {
    const html = renderStatusPage(status, "");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>alert");
  });

  it("says it is still reading before the first refresh, and serves JSON of the bridge", async () => {
    expect(renderStatusPage(undefined, "")).toMatch(/after the first refresh/);
    const port = await serve([]);
    expect(JSON.parse((await get(port, "/api/bridge", "127.0.0.1")).body)).toEqual({
      refreshes: 3,
      bridge: null,
    });
    expect((await get(port, "/nope", "127.0.0.1")).status).toBe(404);
  });

  it("answers a malformed request target with an error, not a crash", async () => {
    const port = await serve([]);
    const { Socket } = await import("node:net");
    const answer = await new Promise<string>((resolve) => {
      const s = new Socket();
      let text = "";
      s.connect(port, "127.0.0.1", () => s.write("GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n"));
      s.on("data", (c) => {
        text += c;
        s.end();
      });
      s.on("close", () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 (400|404)/);
    expect((await get(port, "/api/status", "127.0.0.1")).status).toBe(200);
  });
});
