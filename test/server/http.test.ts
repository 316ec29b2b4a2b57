import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import type { StatusJson } from "../../src/report.js";
import { startApiServer } from "../../src/server/http.js";

/** The service's HTTP face, over real HTTP on loopback. */

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(opts: { status?: StatusJson; pushSecret?: string } = {}) {
  const notifications: unknown[] = [];
  const server = await startApiServer(
    {
      status: () => opts.status,
      bridge: () => undefined,
      refreshes: () => 3,
      onPveNotification: (p) => notifications.push(p),
      pushSecret: opts.pushSecret,
      log: silentLogger,
    },
    0,
  );
  close = server.close;
  const call = (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request(`${server.url}${path}`, { method, headers }, (res) => {
        let text = "";
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on("error", reject);
      req.end(body);
    });
  return { call, notifications };
}

const SECRET = "s3cret-token-for-tests";

describe("startApiServer", () => {
  it("answers /api/status with 503 until a refresh is done, then with the status JSON", async () => {
    const empty = await serve();
    expect((await empty.call("GET", "/api/status")).status).toBe(503);
    await close?.();
    const status: StatusJson = { guests: [], clusters: [{ cluster: "home", reachable: true, problems: [] }] };
    const { call } = await serve({ status });
    const r = await call("GET", "/api/status");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual(status);
    expect((await call("HEAD", "/api/status")).status).toBe(200);
    expect(JSON.parse((await call("GET", "/api/bridge")).body)).toEqual({ refreshes: 3, bridge: null });
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

  it("takes PVE notifications only with the secret", async () => {
    const off = await serve();
    expect((await off.call("POST", "/api/pve-webhook", "{}")).status).toBe(404);
    await close?.();
    const { call, notifications } = await serve({ pushSecret: SECRET });
    expect((await call("POST", "/api/pve-webhook", "{}")).status).toBe(401);
    expect(
      (await call("POST", "/api/pve-webhook", "{}", { "x-pve-backup-secret": `${SECRET}x` })).status,
    ).toBe(401);
    const json = await call("POST", "/api/pve-webhook", '{"title":"vzdump backup status"}', {
      "x-pve-backup-secret": SECRET,
    });
    expect(json.status).toBe(202);
    const text = await call("POST", "/api/pve-webhook", "backup finished", { "x-pve-backup-secret": SECRET });
    expect(text.status).toBe(202);
    expect(notifications).toEqual([{ title: "vzdump backup status" }, "backup finished"]);
  });

  it("refuses a notification over 1 MiB with 413, and takes nothing of it", async () => {
    const { call, notifications } = await serve({ pushSecret: SECRET });
    const big = await call("POST", "/api/pve-webhook", Buffer.alloc(2 << 20, 0x61), {
      "x-pve-backup-secret": SECRET,
    });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).error).toBe("notification body larger than 1 MiB");
    expect(notifications).toEqual([]);
  });
});
