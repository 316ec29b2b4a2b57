import { Agent as HttpAgent, request as httpRequest, type RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Duplex, Readable } from "node:stream";
import { type ConnectionOptions, connect as tlsConnect } from "node:tls";
import { createGunzip, gunzipSync } from "node:zlib";

/**
 * HTTP(S) to PVE over Node's own `http`/`https` (no fetch, no undici: their HTTP parser is a
 * WebAssembly module whose optimising compile alone lifts the process's peak memory by ~25 MB):
 * TLS verified by the system CAs, or pinned to the SHA-256 fingerprint of a self-signed PVE
 * certificate (reference §1.5), never by switching verification off process-wide; a few
 * kept-alive connections, with at most as many requests in flight; gzip bodies; a deadline per
 * request that covers its whole answer; a cap on every answer's size; and no second attempt at a
 * write.
 */
export interface TransportOptions {
  /** `AB:CD:…`: accept exactly this certificate, whoever signed it. */
  readonly fingerprint?: string;
  /** false without a fingerprint: accept any certificate (the user asked for it). */
  readonly verifyTls: boolean;
  /** From the moment a request is sent until its answer is complete, body included. */
  readonly timeoutMs: number;
  /** Connections to PVE, and requests in flight on them; default `MAX_CONNECTIONS`. */
  readonly maxConnections?: number;
}

/**
 * Requests in flight to one PVE cluster at a time (and connections kept to it). A refresh sends
 * ~10 requests at once and, after a night of failures, one log read per failed task: hundreds.
 * All of them land on the one pveproxy of the node in the URL (which proxies reads of other nodes'
 * logs on), where hundreds at once would only queue, each having cost a connection and a TLS
 * handshake on both sides. Six keeps a refresh's first two rounds (5 and ~10 requests) close to
 * parallel; in the simulated lab 300 log reads take no longer over six connections than over 300.
 */
export const MAX_CONNECTIONS = 6;

/**
 * Largest answer read whole (raw and inflated). The largest such answer is
 * `/cluster/resources?type=vm`, ~300 bytes a guest: 8 MiB is ~28,000 guests, ten times a big
 * cluster. Read whole, an answer exists at once as bytes, as a string and as parsed values, so
 * this bounds the memory of each of the (at most `MAX_CONNECTIONS`) answers in flight.
 */
export const COLLECTED_MAX_BYTES = 8 * 1024 * 1024;
/**
 * Largest answer streamed to a sink (raw and inflated), unless the request sets its own. The
 * largest is a storage content listing: ~200 bytes an archive, 30,000 archives ~6 MB; 64 MiB is
 * ten times that. Streamed, an answer is never held whole; the cap ends an endless one.
 */
export const STREAMED_MAX_BYTES = 64 * 1024 * 1024;

/** An answer (or a piece of one) over its cap: the request is abandoned, its connection closed. */
export class AnswerTooLargeError extends Error {
  constructor(
    readonly maxBytes: number,
    what = "answer",
  ) {
    super(`${what} larger than ${formatBytes(maxBytes)}; not read`);
    this.name = "AnswerTooLargeError";
  }
}

/** `64 MiB`, `512 KiB`, `100 bytes`. */
function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** Status of the synthetic answer that stands for "the write may or may not have reached PVE". */
export const OUTCOME_UNKNOWN_STATUS = 599;
/** Status of the synthetic answer for a read that never got an answer (refused, timed out, TLS). */
export const NO_ANSWER_STATUS = 598;

export interface PveRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** A form-encoded body (POST, PUT). */
  readonly body?: string;
  /**
   * Asked once the answer's head is in: a sink that takes the (decompressed) body piece by piece
   * as it arrives, instead of it being collected into `body`; undefined to collect it. A sink
   * that throws fails the request.
   */
  readonly streamBody?: (head: AnswerHead) => ((piece: Buffer) => void) | undefined;
  /**
   * Cap on the body, counted raw and inflated; default `COLLECTED_MAX_BYTES` when collected,
   * `STREAMED_MAX_BYTES` when streamed.
   */
  readonly maxBodyBytes?: number;
}

export interface AnswerHead {
  readonly status: number;
  readonly statusText: string;
  readonly contentType: string | undefined;
}

/** An answer, its body decompressed and decoded (empty when it went to a `streamBody` sink). */
export interface PveAnswer extends AnswerHead {
  readonly text: string;
}

export interface Transport {
  /**
   * Never throws: a request that got no answer gets a synthetic one (598 or 599), and so does one
   * whose answer was over its cap (598 for a read; 599 for a write, which PVE did receive).
   * A request waits for one of the connections; its deadline starts when it is sent. While it
   * waits, a request fails as 598 without being sent (a write too: it never reached PVE) once
   * PVE has completed no answer for `timeoutMs`: what waits behind requests that are timing out
   * would only time out in turn.
   */
  request(req: PveRequest): Promise<PveAnswer>;
  close(): Promise<void>;
}

/** How early a Node timer may run against `performance.now()`. */
const TIMER_SLACK_MS = 2;

/** Idle kept-alive connections are closed after this long. */
const IDLE_MS = 10_000;

type Exchange = { answer: PveAnswer } | { error: Error; retry: boolean };

export function createTransport(opts: TransportOptions): Transport {
  const maxConnections = opts.maxConnections ?? MAX_CONNECTIONS;
  const httpsAgent = createHttpsAgent(opts, maxConnections);
  const httpAgent = new HttpAgent({
    keepAlive: true,
    timeout: IDLE_MS,
    maxSockets: maxConnections,
    maxFreeSockets: maxConnections,
  });
  const line = new RequestLine(maxConnections, opts.timeoutMs);

  /** One request and its answer, or why there is none (and whether sending it again is safe). */
  const exchange = (req: PveRequest): Promise<Exchange> =>
    new Promise((resolve) => {
      const headers: Record<string, string | number> = { ...req.headers, "Accept-Encoding": "gzip" };
      if (req.body !== undefined) headers["Content-Length"] = Buffer.byteLength(req.body);
      const https = req.url.protocol === "https:";
      const outgoing = (https ? httpsRequest : httpRequest)(req.url, {
        method: req.method,
        headers,
        agent: https ? httpsAgent : httpAgent,
      });
      let settled = false;
      let headIn = false;
      /** The inflating stream of a streamed gzip answer: stopped with the request. */
      let inflating: Readable | undefined;
      const done = (result: Exchange) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const fail = (error: Error) => {
        if (settled) return;
        outgoing.destroy();
        inflating?.destroy();
        // PVE may close a kept-alive connection just as a request goes out on it: that one is
        // worth sending again. Not one that got an answer, ran out of time or was over its cap.
        const retry = outgoing.reusedSocket && !headIn && error !== timeout;
        done({ error, retry });
      };
      const timeout = new Error(`timeout after ${opts.timeoutMs} ms`);
      // The deadline covers the whole answer: a body trickling in is cut off like a silent head.
      const timer = setTimeout(() => fail(timeout), opts.timeoutMs);
      outgoing.on("error", fail);
      outgoing.on("response", (res) => {
        headIn = true;
        const head: AnswerHead = {
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? "",
          contentType: res.headers["content-type"],
        };
        res.on("error", fail);
        res.on("close", () => {
          if (!res.complete) fail(new Error("connection closed before the answer was complete"));
        });
        const encoding = res.headers["content-encoding"];
        const gzip = encoding === "gzip";
        if (!gzip && encoding !== undefined && encoding !== "identity") {
          return fail(new Error(`unsupported content-encoding '${encoding}'`));
        }
        let sink: ((piece: Buffer) => void) | undefined;
        try {
          sink = req.streamBody?.(head);
        } catch (err) {
          return fail(asError(err));
        }
        const maxBytes = req.maxBodyBytes ?? (sink ? STREAMED_MAX_BYTES : COLLECTED_MAX_BYTES);
        // Raw bytes are counted as they arrive: past the cap the connection is closed at once.
        let rawBytes = 0;
        const pieces: Buffer[] = [];
        res.on("data", (piece: Buffer) => {
          rawBytes += piece.length;
          if (rawBytes > maxBytes) fail(new AnswerTooLargeError(maxBytes));
          else if (!sink) pieces.push(piece);
        });
        if (sink) {
          // Streamed: inflated as it arrives, in pieces big enough to keep hand-overs few, and
          // counted inflated too (a small gzip body can inflate a thousandfold).
          const take = sink;
          let inflatedBytes = 0;
          const body: Readable = gzip ? res.pipe(createGunzip({ chunkSize: 64 * 1024 })) : res;
          if (gzip) {
            inflating = body;
            body.on("error", fail);
          }
          body.on("data", (piece: Buffer) => {
            if (settled) return;
            inflatedBytes += piece.length;
            if (inflatedBytes > maxBytes) return fail(new AnswerTooLargeError(maxBytes));
            try {
              take(piece);
            } catch (err) {
              fail(asError(err));
            }
          });
          body.on("end", () => done({ answer: { ...head, text: "" } }));
          return;
        }
        // Collected, then inflated in one go, the inflated size capped too: answers read whole
        // are small (tens of KB gzipped).
        res.on("end", () => {
          if (settled) return;
          try {
            const raw = Buffer.concat(pieces);
            const text = (gzip ? inflateCapped(raw, maxBytes) : raw).toString("utf8");
            done({ answer: { ...head, text } });
          } catch (err) {
            fail(asError(err));
          }
        });
      });
      outgoing.end(req.body);
    });

  return {
    async request(req) {
      const write = req.method !== "GET";
      if (!(await line.enter(write))) return failureAnswer(false, new Error(line.stalledReason()));
      let result = await exchange(req);
      // A read is sent once more, on a new connection; a write never is.
      if ("error" in result && result.retry && !write) result = await exchange(req);
      line.leave("answer" in result);
      if ("answer" in result) return result.answer;
      // Every failure becomes an answer: a POST that timed out may already have started a vzdump
      // task, so nothing is sent twice. A write's caller resolves the outcome by looking (e.g. for
      // the task it started); a read is tried again at the next refresh.
      return failureAnswer(write, result.error);
    },
    async close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

/** The synthetic answer for a request without one: 599 for a write that may have reached PVE. */
function failureAnswer(write: boolean, error: Error): PveAnswer {
  // An answer over its cap is an answer refused, not a silence: its message says so on its own.
  const what = write ? "outcome unknown" : "no answer";
  const message =
    error instanceof AnswerTooLargeError && !write ? error.message : `${what}: ${error.message}`;
  return {
    status: write ? OUTCOME_UNKNOWN_STATUS : NO_ANSWER_STATUS,
    statusText: write ? "Outcome unknown" : "No answer",
    contentType: "application/json;charset=UTF-8",
    text: JSON.stringify({ data: null, message: `${message}\n` }),
  };
}

/** `gunzipSync` that stops inflating at `maxBytes` of output. */
function inflateCapped(raw: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw new AnswerTooLargeError(maxBytes);
    throw err;
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * The line requests wait in for one of `max` slots: at most `max` in flight, writes served before
 * waiting reads (a "backup now" does not wait behind a refresh's hundreds of log reads). A
 * request's own deadline starts when it is sent: waiting is this side's doing, not PVE's. What
 * bounds the wait is progress: a waiting request gives up, unsent, once no answer has completed
 * for `stallMs` since it began to wait.
 */
class RequestLine {
  private active = 0;
  private readonly waiting: {
    readonly write: boolean;
    readonly since: number;
    readonly go: () => void;
    readonly giveUp: () => void;
  }[] = [];
  private lastAnswerAt = 0;

  constructor(
    private readonly max: number,
    private readonly stallMs: number,
  ) {}

  /** True when the request may be sent; false when it gave up waiting. */
  enter(write: boolean): Promise<boolean> {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(true);
    }
    const since = performance.now();
    return new Promise((resolve) => {
      const waiter = {
        write,
        since,
        go: () => {
          clearTimeout(timer);
          resolve(true);
        },
        giveUp: () => {
          clearTimeout(timer);
          resolve(false);
        },
      };
      const check = () => {
        if (!this.stalled(since)) {
          timer = setTimeout(check, this.stallMs - this.quietMs(since));
          return;
        }
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        resolve(false);
      };
      let timer = setTimeout(check, this.stallMs);
      const firstRead = write ? this.waiting.findIndex((w) => !w.write) : -1;
      if (firstRead < 0) this.waiting.push(waiter);
      else this.waiting.splice(firstRead, 0, waiter);
    });
  }

  /** A request is over (`answered`: PVE completed an answer); its slot goes to the next in line. */
  leave(answered: boolean): void {
    if (answered) this.lastAnswerAt = performance.now();
    let next = this.waiting.shift();
    // A slot freed by a timeout, at the moment a waiter's own wait ran out: the waiter gives up
    // as its timer would have a moment later, rather than be sent behind it.
    while (next && this.stalled(next.since)) {
      next.giveUp();
      next = this.waiting.shift();
    }
    if (next) next.go();
    else this.active--;
  }

  private quietMs(since: number): number {
    return performance.now() - Math.max(since, this.lastAnswerAt);
  }

  /**
   * Waited out, give or take the timers' own granularity: a timer set for the stall can run a
   * fraction of a millisecond before `performance.now()` says it is due, and a request timing out
   * in that moment would otherwise hand its slot to a waiter that is as stalled as it was.
   */
  private stalled(since: number): boolean {
    return this.quietMs(since) + TIMER_SLACK_MS >= this.stallMs;
  }

  stalledReason(): string {
    return `not sent: PVE completed no answer for ${this.stallMs} ms to the ${this.max} requests before it`;
  }
}

function createHttpsAgent(opts: TransportOptions, maxConnections: number): HttpsAgent {
  if (!opts.fingerprint) {
    return new HttpsAgent({
      keepAlive: true,
      timeout: IDLE_MS,
      maxSockets: maxConnections,
      maxFreeSockets: maxConnections,
      rejectUnauthorized: opts.verifyTls,
    });
  }
  return new PinnedAgent(opts.fingerprint.toUpperCase(), maxConnections);
}

/**
 * Connections whose certificate has exactly the expected fingerprint. The socket is handed to a
 * request only after the check, so nothing (no token) is sent to another server. No session
 * cache: a resumed TLS session may not present the certificate to compare. The agent counts a
 * connection only once the check is done, so its `maxSockets` alone would let a burst of requests
 * open one each: the transport's request line (never more requests in flight than connections)
 * is what keeps them few.
 */
class PinnedAgent extends HttpsAgent {
  constructor(
    private readonly expected: string,
    maxConnections: number,
  ) {
    super({
      keepAlive: true,
      timeout: IDLE_MS,
      maxSockets: maxConnections,
      maxFreeSockets: maxConnections,
      maxCachedSessions: 0,
      rejectUnauthorized: false,
    });
  }

  override createConnection(
    options: RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const socket = tlsConnect({ ...(options as ConnectionOptions), rejectUnauthorized: false });
    const onError = (err: Error) => callback?.(err, socket);
    socket.once("error", onError);
    socket.once("secureConnect", () => {
      const actual = socket.getPeerCertificate().fingerprint256;
      if (actual !== this.expected) {
        socket.removeListener("error", onError);
        socket.destroy();
        callback?.(
          new Error(`certificate fingerprint mismatch: expected ${this.expected}, got ${actual ?? "none"}`),
          socket,
        );
        return;
      }
      socket.removeListener("error", onError);
      callback?.(null, socket);
    });
    return undefined;
  }
}
