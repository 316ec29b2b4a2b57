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
/** Status of the synthetic answer for a read that never got an answer (refused, timed out, TLS). */
export const NO_ANSWER_STATUS = 598;

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
      // proxmox-api repeats any request whose fetch threw, and leaves its own timeout timer
      // running. A POST that timed out may already have started a vzdump task, so every failure
      // becomes an answer instead: nothing is sent twice. A write's caller resolves the outcome
      // by looking (e.g. for the task it started); a read is tried again at the next refresh.
      const cause =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      const write = method !== "GET";
      const message = `${write ? "outcome unknown" : "no answer"}: ${cause}\n`;
      return new Response(JSON.stringify({ data: null, message }), {
        status: write ? OUTCOME_UNKNOWN_STATUS : NO_ANSWER_STATUS,
        statusText: write ? "Outcome unknown" : "No answer",
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
