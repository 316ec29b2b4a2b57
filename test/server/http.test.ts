import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import type { StatusJson } from "../../src/report.js";
import type { ServerLimits } from "../../src/server/guard.js";
import { startApiServer } from "../../src/server/http.js";
import { call as callAt, raw, stall } from "./client.js";

/** The service's HTTP face on loopback, over real HTTP, with well-behaved and hostile clients. */

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(opts: { status?: StatusJson; limits?: Partial<ServerLimits>; received?: number } = {}) {
  const server = await startApiServer(
    {
      status: () => opts.status,
      bridge: () => undefined,
      refreshes: () => 3,
      pveNotifications: () => opts.received,
      log: silentLogger,
      limits: opts.limits,
    },
    0,
  );
  close = server.close;
  const call = (method: string, path: string, body?: string | Buffer) =>
    callAt(server.url, method, path, body);
  return { call, port: server.port };
}

describe("startApiServer", () => {
  it("answers /api/status with 503 until a refresh is done, then with the status JSON", async () => {
    const empty = await serve();
    expect((await empty.call("GET", "/api/status")).status).toBe(503);
    await close?.();
    const status: StatusJson = { guests: [], clusters: [{ cluster: "home", reachable: true, problems: [] }] };
    const { call } = await serve({ status, received: 2 });
    const r = await call("GET", "/api/status?pretty=1");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual(status);
    expect((await call("HEAD", "/api/status")).status).toBe(200);
    expect(JSON.parse((await call("GET", "/api/bridge")).body)).toEqual({
      refreshes: 3,
      pveNotifications: 2,
      bridge: null,
    });
  });

  it("says which method and which resources there are", async () => {
    const { call } = await serve({ status: { guests: [], clusters: [] } });
    const wrong = await call("POST", "/api/status", "{}");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe("GET, HEAD");
    expect(JSON.parse((await call("GET", "/nope")).body).error).toMatch(
      /no such resource: \/nope; try GET \/api\/status/,
    );
  });

  it("sends PVE's webhook to its own port", async () => {
    const { call } = await serve();
    const r = await call("POST", "/api/pve-webhook", "{}");
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).error).toMatch(/webhook_port/);
  });

  it("answers a request target that is not a path with 400 and keeps serving", async () => {
    const { call, port } = await serve({ status: { guests: [], clusters: [] } });
    for (const target of ["http://[", "*", "http://x/api/status"]) {
      const answer = await raw(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    }
    expect((await call("GET", "/api/status")).status).toBe(200);
  });

  it("drops a client that never finishes its request head (slowloris)", async () => {
    const { port } = await serve({ limits: { headersTimeoutMs: 300, checkIntervalMs: 100 } });
    const slow = stall(port, "GET /api/status HTTP/1.1\r\nHost: x\r\nX-Slow: 1");
    const idle = stall(port);
    expect(await slow.closed).toMatch(/^HTTP\/1\.1 408 /);
    await idle.closed;
  });

  it("holds no more connections than its limit and serves again once they are gone", async () => {
    const { call, port } = await serve({
      status: { guests: [], clusters: [] },
      limits: { maxConnections: 16 },
    });
    const crowd = Array.from({ length: 1000 }, () => stall(port, "GET /api/status HTTP/1.1\r\n"));
    let dropped = 0;
    for (const c of crowd) void c.closed.then(() => dropped++);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (dropped >= 1000 - 16) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    expect(dropped).toBeGreaterThanOrEqual(1000 - 16);
    for (const c of crowd) c.socket.destroy();
    await Promise.all(crowd.map((c) => c.closed));
    expect((await call("GET", "/api/status")).status).toBe(200);
  });
});
