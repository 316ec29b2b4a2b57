import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { type ClusterConfig, parseOptions } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import { UpstreamError } from "../../src/errors.js";
import { createPveApi, type PveApi } from "../../src/pve/api.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { seed } from "../support/scenarios.js";

/**
 * The PVE client on Node's own HTTP stack: what it sends, how it reads answers (whole or item by
 * item), and how every failure becomes an UpstreamError — against a scripted plain-HTTP server,
 * and the TLS pinning against the simulated PVE.
 */

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server | undefined;
let api: PveApi | undefined;
let lab: SimLab | undefined;
afterEach(async () => {
  await api?.close();
  server?.closeAllConnections();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  await lab?.stop();
  server = api = lab = undefined;
});

/** A server answering every request with `reply`; returns the API pointed at it and what it saw. */
async function serve(reply: (req: Seen, res: ServerResponse) => void, timeoutMs = 5_000) {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(r);
      reply(r, res);
    });
  });
  await new Promise<void>((ok) => server?.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  const cluster: ClusterConfig = {
    name: "t",
    baseUrl: `http://127.0.0.1:${port}`,
    tokenId: "root@pam!t",
    tokenSecret: "11111111-2222-4333-8444-555555555555",
    verifyTls: true,
  };
  api = createPveApi(cluster, { timeoutMs });
  return { api, seen };
}

/** PVE's way of answering: JSON, gzipped when over 1 KiB and accepted, optionally in pieces. */
function answer(res: ServerResponse, status: number, body: unknown, opts: { pieces?: number } = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  let payload = Buffer.from(text);
  res.statusCode = status;
  res.statusMessage = status === 200 ? "OK" : `Reason ${status}`;
  res.setHeader("Content-Type", "application/json;charset=UTF-8");
  if (payload.length > 1024) {
    payload = gzipSync(payload);
    res.setHeader("Content-Encoding", "gzip");
  }
  res.setHeader("Content-Length", payload.length);
  const pieces = opts.pieces ?? 1;
  const size = Math.ceil(payload.length / pieces);
  const write = (at: number) => {
    if (at + size >= payload.length) return void res.end(payload.subarray(at));
    res.write(payload.subarray(at, at + size));
    setTimeout(() => write(at + size), 2);
  };
  write(0);
}

const rows = Array.from({ length: 500 }, (_, i) => ({
  volid: `nas:backup/${i}`,
  vmid: 100 + i,
  notes: "},{",
}));

describe("the PVE API client", () => {
  it("sends the token, and parameters in the query: 1/0 for booleans, lists as repeated keys", async () => {
    const { api, seen } = await serve((_r, res) => answer(res, 200, { data: { ok: 1 } }));
    expect(
      await api.get("/nodes/pve/tasks", { vmid: 100, errors: true, all: false, skip: undefined, id: [1, 2] }),
    ).toEqual({
      ok: 1,
    });
    expect(seen[0]?.method).toBe("GET");
    expect(seen[0]?.url).toBe("/api2/json/nodes/pve/tasks?vmid=100&errors=1&all=0&id=1&id=2");
    expect(seen[0]?.headers.authorization).toBe(
      "PVEAPIToken=root@pam!t=11111111-2222-4333-8444-555555555555",
    );
    expect(seen[0]?.headers["accept-encoding"]).toContain("gzip");
  });

  it("sends a write's parameters as a form", async () => {
    const { api, seen } = await serve((_r, res) => answer(res, 200, { data: "UPID:pve:1" }));
    expect(await api.post("/nodes/pve/vzdump", { vmid: "100,101", storage: "nas" })).toBe("UPID:pve:1");
    expect(seen[0]?.url).toBe("/api2/json/nodes/pve/vzdump");
    expect(seen[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(seen[0]?.body).toBe("vmid=100%2C101&storage=nas");
  });

  it("reads a gzipped answer", async () => {
    const { api } = await serve((_r, res) => answer(res, 200, { data: rows }, { pieces: 7 }));
    expect(await api.get("/x")).toEqual(rows);
  });

  it("hands the items of a long list on one by one, the same as `get` reads them", async () => {
    const { api } = await serve((_r, res) => answer(res, 200, { data: rows }, { pieces: 5 }));
    const items: unknown[] = [];
    await api.getEach("/x", { content: "backup" }, (item) => items.push(item));
    expect(items).toEqual(rows);
  });

  it.each<[string, number, unknown, RegExp, boolean]>([
    [
      "a parameter error",
      400,
      { data: null, errors: { vmid: "bad" } },
      /400 Reason 400 \{"vmid":"bad"\}/,
      false,
    ],
    ["a failed token", 401, "", /401 Reason 401 \(check token_id and token_secret\)/, false],
    [
      "a permission error",
      403,
      { data: null, message: "Permission check failed\n" },
      /403 Permission check failed$/,
      false,
    ],
    [
      "a die",
      500,
      { data: null, message: "storage 'nas' is not online\n" },
      /500 storage 'nas' is not online$/,
      true,
    ],
    ["an offline node", 595, "", /595 Reason 595 \(the node does not answer\)/, true],
  ])(
    "turns %s into an UpstreamError, whole or item by item",
    async (_name, status, body, message, retryable) => {
      const { api } = await serve((_r, res) => answer(res, status, body));
      for (const call of [() => api.get("/x"), () => api.getEach("/x", undefined, () => {})]) {
        const err = await call().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UpstreamError);
        expect((err as UpstreamError).message).toMatch(message);
        expect((err as UpstreamError).details.status).toBe(status);
        expect((err as UpstreamError).retryable).toBe(retryable);
      }
    },
  );

  it("refuses an answer that is not what it says, whole or item by item", async () => {
    const { api } = await serve((_r, res) => answer(res, 200, `{"data":[{"a":1},{"b":`));
    await expect(api.get("/x")).rejects.toThrow(/unexpected answer from PVE \(not JSON\)/);
    const items: unknown[] = [];
    await expect(api.getEach("/x", undefined, (i) => items.push(i))).rejects.toThrow(
      /GET \/x: unexpected answer from PVE \(malformed answer: incomplete answer\)/,
    );
  });

  it("names the path and the cap of an answer it refused as too large, whole or item by item", async () => {
    const big = `{"data":[{"n":1,"t":"${"a".repeat(2 * 1024 * 1024)}"}]}`;
    const { api } = await serve((_r, res) => answer(res, 200, big));
    const capped = (await api
      .getEach("/nodes/pve/tasks/x/log", undefined, () => {}, { maxBytes: 1024 * 1024 })
      .catch((e: unknown) => e)) as UpstreamError;
    expect(capped.message).toBe("GET /nodes/pve/tasks/x/log: answer larger than 1 MiB; not read");
    expect(capped.details.status).toBe(598);
    const item = (await api
      .getEach("/nodes/pve/tasks/x/log", undefined, () => {})
      .catch((e: unknown) => e)) as UpstreamError;
    expect(item).toBeInstanceOf(UpstreamError);
    expect(item.message).toBe(
      "GET /nodes/pve/tasks/x/log: an item of the answer larger than 1 MiB; not read",
    );
  });

  it("gives up on a read that gets no answer in time, as a retryable 598", async () => {
    const { api } = await serve(() => {}, 200);
    const err = (await api.get("/x").catch((e: unknown) => e)) as UpstreamError;
    expect(err.message).toMatch(/GET \/x: no answer: timeout after 200 ms/);
    expect(err.details.status).toBe(598);
    expect(err.retryable).toBe(true);
  });

  it("never sends a write twice: one that got no answer is a 599, outcome unknown", async () => {
    const { api, seen } = await serve(() => {}, 200);
    const err = (await api
      .post("/nodes/pve/vzdump", { vmid: 100 })
      .catch((e: unknown) => e)) as UpstreamError;
    expect(err.message).toMatch(/599 outcome unknown: timeout/);
    expect(err.retryable).toBe(false);
    expect(seen.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("reports an answer cut off half-way as no answer, also while streaming it", async () => {
    const { api } = await serve((_r, res) => {
      res.setHeader("Content-Type", "application/json;charset=UTF-8");
      res.setHeader("Content-Length", 1000);
      res.write('{"data":[{"a":1},');
      setTimeout(() => res.destroy(), 20);
    });
    await expect(api.get("/x")).rejects.toThrow(/no answer: /);
    await expect(api.getEach("/x", undefined, () => {})).rejects.toThrow(/no answer: /);
  });
});

describe("TLS pinned to the certificate's fingerprint", () => {
  const clusterOf = (l: SimLab, fingerprint: string): ClusterConfig => ({
    ...(parseOptions(demoOptions(l), { defaultTimeZone: "UTC" }).clusters[0] as ClusterConfig),
    fingerprint,
  });

  it("talks to the server that shows that certificate", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    api = createPveApi(clusterOf(lab, lab.fingerprint), { timeoutMs: 5_000 });
    await expect(api.get("/version")).resolves.toMatchObject({ version: expect.any(String) });
  });

  it("sends nothing, not even the token, to a server showing another", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    api = createPveApi(clusterOf(lab, `${"AB:".repeat(31)}AB`), { timeoutMs: 5_000 });
    const err = (await api.get("/version").catch((e: unknown) => e)) as UpstreamError;
    expect(err.message).toMatch(/no answer: certificate fingerprint mismatch: expected AB:AB/);
    expect(lab.requestLog).toEqual([]);
  });
});
