import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { createTransport, type PveAnswer, type Transport } from "../../src/pve/transport.js";

/**
 * The transport's limits, against a scripted plain-HTTP server: the size of an answer (raw and
 * inflated, read whole or streamed), the deadline over the whole body, and how many requests it
 * has in flight at once.
 */

let server: Server | undefined;
let transport: Transport | undefined;
afterEach(async () => {
  await transport?.close();
  server?.closeAllConnections();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  server = transport = undefined;
});

interface Served {
  readonly get: (path: string, stream?: boolean) => Promise<PveAnswer>;
  readonly post: (path: string) => Promise<PveAnswer>;
  readonly origin: string;
  /** Requests received, in order, and how many connections closed. */
  readonly seen: { paths: string[]; closed: number; inFlight: number; maxInFlight: number };
}

async function serve(
  reply: (req: IncomingMessage, res: ServerResponse) => void,
  opts: { timeoutMs?: number; maxConnections?: number } = {},
): Promise<Served> {
  const seen = { paths: [] as string[], closed: 0, inFlight: 0, maxInFlight: 0 };
  server = createServer((req, res) => {
    seen.paths.push(`${req.method} ${req.url}`);
    seen.maxInFlight = Math.max(seen.maxInFlight, ++seen.inFlight);
    res.on("close", () => seen.inFlight--);
    reply(req, res);
  });
  server.on("connection", (socket) => socket.on("close", () => seen.closed++));
  await new Promise<void>((ok) => server?.listen(0, "127.0.0.1", ok));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const t = createTransport({
    verifyTls: true,
    timeoutMs: opts.timeoutMs ?? 5_000,
    maxConnections: opts.maxConnections,
  });
  transport = t;
  return {
    seen,
    origin,
    get: (path, stream = false) =>
      t.request({
        method: "GET",
        url: new URL(path, origin),
        headers: {},
        streamBody: stream ? () => () => {} : undefined,
      }),
    post: (path) => t.request({ method: "POST", url: new URL(path, origin), headers: {}, body: "a=1" }),
  };
}

const json = { "Content-Type": "application/json;charset=UTF-8" };
const MiB = 1024 * 1024;

/** Writes `piece` until the client hangs up. */
function endless(res: ServerResponse, piece: Buffer) {
  res.writeHead(200, json);
  let closed = false;
  res.on("close", () => {
    closed = true;
  });
  const write = () => {
    while (!closed) if (!res.write(piece)) return void res.once("drain", write);
  };
  write();
}

const messageOf = (a: PveAnswer) => (JSON.parse(a.text) as { message: string }).message.trim();

describe("the size of an answer", () => {
  it.each([
    ["read whole", false, "answer larger than 8 MiB; not read"],
    ["streamed", true, "answer larger than 64 MiB; not read"],
  ])("refuses a gzip answer that inflates past its cap, %s", async (_how, stream, message) => {
    // 80 MiB of spaces: ~80 KB of gzip.
    const bomb = gzipSync(Buffer.alloc(80 * MiB, 0x20), { level: 9 });
    const { get } = await serve((_req, res) => {
      res.writeHead(200, { ...json, "Content-Encoding": "gzip" });
      res.end(bomb);
    });
    const a = await get("/bomb", stream);
    expect(a.status).toBe(598);
    expect(messageOf(a)).toBe(message);
  });

  it.each([
    ["read whole", false, "answer larger than 8 MiB; not read"],
    ["streamed", true, "answer larger than 64 MiB; not read"],
  ])("closes the connection of an endless answer at its cap, %s", async (_how, stream, message) => {
    const { get, seen } = await serve((_req, res) => endless(res, Buffer.alloc(64 * 1024, 0x20)));
    const a = await get("/endless", stream);
    expect(a.status).toBe(598);
    expect(messageOf(a)).toBe(message);
    await expect.poll(() => seen.closed).toBe(1);
  });

  it("takes a request's own cap for a streamed answer", async () => {
    const { seen, origin } = await serve((_req, res) => endless(res, Buffer.alloc(1024, 0x20)));
    const a = await transport?.request({
      method: "GET",
      url: new URL("/log", origin),
      headers: {},
      streamBody: () => () => {},
      maxBodyBytes: 4096,
    });
    expect(a && messageOf(a)).toBe("answer larger than 4 KiB; not read");
    await expect.poll(() => seen.closed).toBe(1);
  });

  it("reads an answer just under its cap", async () => {
    const body = Buffer.alloc(8 * MiB, 0x20);
    const { get } = await serve((_req, res) => {
      res.writeHead(200, { ...json, "Content-Encoding": "gzip" });
      res.end(gzipSync(body));
    });
    expect((await get("/big")).text).toHaveLength(8 * MiB);
  });

  it("never sends a write twice: one whose answer is over its cap is a 599, outcome unknown", async () => {
    const { post, seen } = await serve((_req, res) => endless(res, Buffer.alloc(64 * 1024, 0x20)));
    const a = await post("/nodes/pve/vzdump");
    expect(a.status).toBe(599);
    expect(messageOf(a)).toBe("outcome unknown: answer larger than 8 MiB; not read");
    expect(seen.paths).toEqual(["POST /nodes/pve/vzdump"]);
  });
});

describe("the deadline", () => {
  it.each([
    ["read whole", false],
    ["streamed", true],
  ])("covers the whole body: one that trickles in is cut off, %s", async (_how, stream) => {
    const { get, seen } = await serve(
      (_req, res) => {
        res.writeHead(200, json);
        const timer = setInterval(() => res.write(" "), 20);
        res.on("close", () => clearInterval(timer));
      },
      { timeoutMs: 300 },
    );
    const a = await get("/slow", stream);
    expect(a.status).toBe(598);
    expect(messageOf(a)).toBe("no answer: timeout after 300 ms");
    // Not sent again on another connection: it did get an answer's head.
    expect(seen.paths).toHaveLength(1);
  });
});

describe("requests in flight", () => {
  it("keeps at most maxConnections in flight, and serves a write before the waiting reads", async () => {
    const held: ServerResponse[] = [];
    const { get, post, seen } = await serve(
      (_req, res) => {
        held.push(res);
      },
      { maxConnections: 3 },
    );
    const reads = Array.from({ length: 20 }, (_, i) => get(`/r${i}`));
    await expect.poll(() => held.length).toBe(3);
    const write = post("/w");
    const answered: Promise<PveAnswer>[] = [...reads, write];
    // Each request answered lets exactly one waiting request in.
    while (seen.paths.length < 21 || held.length > 0) {
      await expect.poll(() => held.length).toBeGreaterThan(0);
      expect(seen.inFlight).toBeLessThanOrEqual(3);
      const res = held.shift() as ServerResponse;
      res.writeHead(200, json);
      res.end('{"data":null}');
    }
    expect((await Promise.all(answered)).every((a) => a.status === 200)).toBe(true);
    expect(seen.maxInFlight).toBe(3);
    // The write went out as soon as a connection was free, ahead of 17 reads that waited longer.
    expect(seen.paths[3]).toBe("POST /w");
    expect(seen.paths).toHaveLength(21);
  });

  it("gives up the waiting requests, unsent, when PVE completes no answer for the deadline", async () => {
    const { get, post, seen } = await serve(() => {}, { maxConnections: 2, timeoutMs: 300 });
    const answers = await Promise.all([get("/a"), get("/b"), get("/c"), post("/d"), get("/e")]);
    expect(answers.map((a) => a.status)).toEqual([598, 598, 598, 598, 598]);
    expect(answers.slice(0, 2).map(messageOf)).toEqual([
      "no answer: timeout after 300 ms",
      "no answer: timeout after 300 ms",
    ]);
    // A write that waited was never sent: a 598 (it did not happen), not a 599.
    for (const a of answers.slice(2))
      expect(messageOf(a)).toMatch(/^no answer: not sent: PVE completed no answer/);
    expect(seen.paths).toEqual(["GET /a", "GET /b"]);
  });
});
