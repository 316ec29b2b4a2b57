import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { ClusterReport } from "../../src/core/status.js";
import { silentLogger } from "../../src/log.js";
import type { ServerLimits } from "../../src/server/guard.js";
import type { RateLimit } from "../../src/server/rate-limit.js";
import { startWebhookServer } from "../../src/server/webhook.js";
import type { Monitor } from "../../src/service/monitor.js";
import { createRuntime, type Runtime } from "../../src/service/runtime.js";
import { call as callAt, raw, stall } from "./client.js";

/** PVE's webhook listener, over real HTTP, against PVE and against whoever else finds the port. */

const SECRET = "s3cret-token-for-tests";
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

async function serve(
  opts: {
    onPveNotification?: (payload: unknown) => void;
    rateLimit?: RateLimit;
    limits?: Partial<ServerLimits>;
  } = {},
) {
  const notifications: unknown[] = [];
  const server = await startWebhookServer(
    {
      secret: SECRET,
      onPveNotification: opts.onPveNotification ?? ((p) => notifications.push(p)),
      log: silentLogger,
      rateLimit: opts.rateLimit ?? { burst: 10_000, perSecond: 10_000 },
      limits: opts.limits,
    },
    0,
    "127.0.0.1",
  );
  cleanup.push(server.close);
  const call = (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) =>
    callAt(server.url, method, path, body, headers);
  const post = (body = "{}") => call("POST", "/api/pve-webhook", body, { "x-pve-backup-secret": SECRET });
  return { call, post, notifications, server };
}

/** A monitor whose refreshes take a few milliseconds, as against a quick PVE; counts them. */
class CountingMonitor implements Monitor {
  refreshes = 0;
  async refresh(): Promise<readonly ClusterReport[]> {
    this.refreshes++;
    await new Promise((r) => setTimeout(r, 5));
    return [];
  }
  latest = () => [];
  facts = () => undefined;
}

describe("startWebhookServer", () => {
  it("takes PVE notifications only with the secret, and counts them", async () => {
    const { call, post, notifications, server } = await serve();
    expect((await call("POST", "/api/pve-webhook", "{}")).status).toBe(401);
    expect(
      (await call("POST", "/api/pve-webhook", "{}", { "x-pve-backup-secret": `${SECRET}x` })).status,
    ).toBe(401);
    expect((await post('{"title":"vzdump backup status"}')).status).toBe(202);
    expect((await post("backup finished")).status).toBe(202);
    expect(notifications).toEqual([{ title: "vzdump backup status" }, "backup finished"]);
    expect(server.received()).toBe(2);
  });

  it("serves nothing but the webhook", async () => {
    const { call } = await serve();
    expect((await call("GET", "/api/status")).status).toBe(404);
    expect((await call("GET", "/api/bridge")).status).toBe(404);
    const get = await call("GET", "/api/pve-webhook");
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe("POST");
  });

  it("refuses a notification over 1 MiB with 413, and takes nothing of it", async () => {
    const { call, notifications } = await serve();
    const big = await call("POST", "/api/pve-webhook", Buffer.alloc(2 << 20, 0x61), {
      "x-pve-backup-secret": SECRET,
    });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).error).toBe("notification body larger than 1 MiB");
    expect(notifications).toEqual([]);
  });

  it("answers a bad request line with 400 and keeps taking notifications", async () => {
    const { post, server } = await serve();
    const answer = await raw(server.port, "GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect((await post()).status).toBe(202);
  });

  it("drops a client that never finishes its request head (slowloris)", async () => {
    const { server } = await serve({ limits: { headersTimeoutMs: 300, checkIntervalMs: 100 } });
    const slow = stall(server.port, "POST /api/pve-webhook HTTP/1.1\r\nHost: x\r\n");
    expect(await slow.closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("answers a client past its burst with 429 and Retry-After, secret or not", async () => {
    const { call, post } = await serve({ rateLimit: { burst: 5, perSecond: 0.5 } });
    const answers = [];
    for (let i = 0; i < 8; i++)
      answers.push(i % 2 ? await post() : await call("POST", "/api/pve-webhook", "{}"));
    expect(answers.map((a) => a.status)).toEqual([401, 202, 401, 202, 401, 429, 429, 429]);
    expect(answers[5]?.headers["retry-after"]).toBe("2");
    expect(JSON.parse(answers[5]?.body ?? "").error).toBe("too many requests; try again in 2 s");
  });

  it("turns a flood of 300 notifications into a handful of refreshes", async () => {
    const monitor = new CountingMonitor();
    const config = { refreshIntervalMs: 3_600_000, timeZone: "UTC" } as unknown as Config;
    const runtime: Runtime = createRuntime({ app: { monitor, config }, log: silentLogger, nowMs: () => 0 });
    cleanup.push(() => runtime.stop());
    await runtime.start();
    const { post } = await serve({ onPveNotification: () => runtime.soon(0) });
    for (let i = 0; i < 300; i++) expect((await post()).status).toBe(202);
    const refreshes = monitor.refreshes;
    process.stdout.write(`300 notifications → ${refreshes} refreshes (the first at start)\n`);
    expect(refreshes).toBeLessThanOrEqual(10);
    // None is lost: the last notifications still bring a refresh after them.
    while (monitor.refreshes === refreshes) await new Promise((r) => setTimeout(r, 50));
    expect(monitor.refreshes).toBe(refreshes + 1);
  });
});
