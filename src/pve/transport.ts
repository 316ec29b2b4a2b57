import { Agent as HttpAgent, request as httpRequest, type RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Duplex, Readable } from "node:stream";
import { type ConnectionOptions, connect as tlsConnect } from "node:tls";
import { createGunzip, gunzipSync } from "node:zlib";

/**
 * HTTP(S) to PVE over Node's own `http`/`https` (no fetch, no undici: their HTTP parser is a
 * WebAssembly module whose optimising compile alone lifts the process's peak memory by ~25 MB):
 * TLS verified by the system CAs, or pinned to the SHA-256 fingerprint of a self-signed PVE
 * certificate (reference §1.5), never by switching verification off process-wide; kept-alive
 * connections; gzip bodies; a timeout per request; and no second attempt at a write.
 */
export interface TransportOptions {
  /** `AB:CD:…`: accept exactly this certificate, whoever signed it. */
  readonly fingerprint?: string;
  /** false without a fingerprint: accept any certificate (the user asked for it). */
  readonly verifyTls: boolean;
  readonly timeoutMs: number;
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
  /** Never throws: a request that got no answer gets a synthetic one (598 or 599). */
  request(req: PveRequest): Promise<PveAnswer>;
  close(): Promise<void>;
}

/** Idle kept-alive connections are closed after this long. */
const IDLE_MS = 10_000;

export function createTransport(opts: TransportOptions): Transport {
  const httpsAgent = createHttpsAgent(opts);
  const httpAgent = new HttpAgent({ keepAlive: true, timeout: IDLE_MS });

  /** One request and its answer, or why there is none (and whether a kept-alive connection failed). */
  const exchange = (req: PveRequest): Promise<{ answer: PveAnswer } | { error: Error; reused: boolean }> =>
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
      const done = (result: { answer: PveAnswer } | { error: Error; reused: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const fail = (error: Error) => {
        if (settled) return;
        outgoing.destroy();
        done({ error, reused: outgoing.reusedSocket });
      };
      const timer = setTimeout(() => fail(new Error(`timeout after ${opts.timeoutMs} ms`)), opts.timeoutMs);
      outgoing.on("error", fail);
      outgoing.on("response", (res) => {
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
          return fail(err instanceof Error ? err : new Error(String(err)));
        }
        if (sink) {
          // Streamed: inflated as it arrives, in pieces big enough to keep hand-overs few.
          const take = sink;
          const body: Readable = gzip ? res.pipe(createGunzip({ chunkSize: 64 * 1024 })) : res;
          if (gzip) body.on("error", fail);
          body.on("data", (piece: Buffer) => {
            if (settled) return;
            try {
              take(piece);
            } catch (err) {
              fail(err instanceof Error ? err : new Error(String(err)));
            }
          });
          body.on("end", () => done({ answer: { ...head, text: "" } }));
          return;
        }
        // Collected, then inflated in one go: answers read whole are small (tens of KB gzipped).
        const pieces: Buffer[] = [];
        res.on("data", (piece: Buffer) => pieces.push(piece));
        res.on("end", () => {
          if (settled) return;
          try {
            const raw = Buffer.concat(pieces);
            done({ answer: { ...head, text: (gzip ? gunzipSync(raw) : raw).toString("utf8") } });
          } catch (err) {
            fail(err instanceof Error ? err : new Error(String(err)));
          }
        });
      });
      outgoing.end(req.body);
    });

  return {
    async request(req) {
      let result = await exchange(req);
      // PVE may close a kept-alive connection just as a request goes out on it: a read is then
      // sent once more, on a new connection. A write never is.
      if ("error" in result && result.reused && req.method === "GET") result = await exchange(req);
      if ("answer" in result) return result.answer;
      // Every failure becomes an answer: a POST that timed out may already have started a vzdump
      // task, so nothing is sent twice. A write's caller resolves the outcome by looking (e.g. for
      // the task it started); a read is tried again at the next refresh.
      const write = req.method !== "GET";
      const message = `${write ? "outcome unknown" : "no answer"}: ${result.error.message}\n`;
      return {
        status: write ? OUTCOME_UNKNOWN_STATUS : NO_ANSWER_STATUS,
        statusText: write ? "Outcome unknown" : "No answer",
        contentType: "application/json;charset=UTF-8",
        text: JSON.stringify({ data: null, message }),
      };
    },
    async close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

function createHttpsAgent(opts: TransportOptions): HttpsAgent {
  if (!opts.fingerprint) {
    return new HttpsAgent({ keepAlive: true, timeout: IDLE_MS, rejectUnauthorized: opts.verifyTls });
  }
  return new PinnedAgent(opts.fingerprint.toUpperCase());
}

/**
 * Connections whose certificate has exactly the expected fingerprint. The socket is handed to a
 * request only after the check, so nothing (no token) is sent to another server. No session
 * cache: a resumed TLS session may not present the certificate to compare.
 */
class PinnedAgent extends HttpsAgent {
  constructor(private readonly expected: string) {
    super({ keepAlive: true, timeout: IDLE_MS, maxCachedSessions: 0, rejectUnauthorized: false });
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
