import type { TLSSocket } from "node:tls";
import { Agent, buildConnector, type Dispatcher, fetch, type RequestInit, Response } from "undici";

/**
 * The `fetch` handed to `proxmox-api`: TLS verified by the system CAs, or pinned to the SHA-256
 * fingerprint of a self-signed PVE certificate (reference §1.5), never by switching verification
 * off process-wide; a timeout per request; and no second attempt at a write.
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

export type PveFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

export function createTransport(opts: TransportOptions): { fetch: PveFetch; close(): Promise<void> } {
  const dispatcher = createDispatcher(opts);
  const pveFetch: PveFetch = async (url, init = {}) => {
    const method = (init.method ?? "GET").toUpperCase();
    const signal = init.signal
      ? AbortSignal.any([init.signal as AbortSignal, AbortSignal.timeout(opts.timeoutMs)])
      : AbortSignal.timeout(opts.timeoutMs);
    try {
      return await fetch(url, { ...init, dispatcher, signal });
    } catch (err) {
      if (method === "GET") throw err; // reads are safe to repeat; proxmox-api retries them once
      // proxmox-api repeats any request whose fetch threw. A POST that timed out may already
      // have started a vzdump task: answer instead, so nothing is sent twice and the caller
      // resolves the outcome by looking (e.g. for the task it started).
      const message =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      return new Response(JSON.stringify({ data: null, message: `outcome unknown: ${message}\n` }), {
        status: OUTCOME_UNKNOWN_STATUS,
        statusText: "Outcome unknown",
        headers: { "content-type": "application/json;charset=UTF-8" },
      });
    }
  };
  return { fetch: pveFetch, close: () => dispatcher.close() };
}

function createDispatcher(opts: TransportOptions): Dispatcher {
  if (!opts.fingerprint) {
    return new Agent({ connect: { rejectUnauthorized: opts.verifyTls }, keepAliveTimeout: 10_000 });
  }
  const expected = opts.fingerprint.toUpperCase();
  // No session cache: a resumed TLS session may not present the certificate to compare.
  const base = buildConnector({ rejectUnauthorized: false, maxCachedSessions: 0 });
  return new Agent({
    keepAliveTimeout: 10_000,
    connect: (options, callback) => {
      base(options, (err, socket) => {
        if (err || !socket) return callback(err ?? new Error("TLS connection failed"), null);
        const actual = (socket as TLSSocket).getPeerCertificate?.().fingerprint256;
        if (actual !== expected) {
          socket.destroy();
          return callback(
            new Error(`certificate fingerprint mismatch: expected ${expected}, got ${actual ?? "none"}`),
            null,
          );
        }
        callback(null, socket);
      });
    },
  });
}
