import type { ClusterConfig } from "../config/schema.js";
import { UpstreamError } from "../errors.js";
import { createDataItemParser, type DataItemParser } from "./json-items.js";
import {
  AnswerTooLargeError,
  createTransport,
  NO_ANSWER_STATUS,
  OUTCOME_UNKNOWN_STATUS,
  type PveAnswer,
  type PveRequest,
} from "./transport.js";

type Params = Record<string, string | number | boolean | readonly (string | number)[] | undefined>;

/** The raw PVE API: paths below `/api2/json`, answers are the envelope's `data`, unchecked. */
export interface PveApi {
  get(path: string, params?: Params): Promise<unknown>;
  /**
   * A GET whose `data` is a (long) array: each item, unchecked, handed to `onItem` as the answer
   * streams in, never the whole answer at once (json-items.ts). Resolves when all items are in;
   * rejects like `get` (items handed on before a failure are then not the whole list), and when
   * the answer is over `maxBytes` (default: the transport's `STREAMED_MAX_BYTES`) or one item over
   * json-items' `MAX_ITEM_CHARS`.
   */
  getEach(
    path: string,
    params: Params | undefined,
    onItem: (item: unknown) => void,
    opts?: { readonly maxBytes?: number },
  ): Promise<void>;
  post(path: string, params?: Params): Promise<unknown>;
  put(path: string, params?: Params): Promise<unknown>;
  delete(path: string, params?: Params): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * PVE's REST API with an API token over our transport (TLS pinning, timeouts, no repeated
 * writes): parameters in the query (GET, DELETE) or a form body (POST, PUT), booleans as 1/0,
 * lists as repeated keys; a 200 answer's `data`, or an UpstreamError.
 */
export function createPveApi(cluster: ClusterConfig, opts: { readonly timeoutMs: number }): PveApi {
  const base = new URL(cluster.baseUrl);
  // PVE serves its API on 8006; a URL without a port means that, not 443.
  const origin = `${base.protocol === "http:" ? "http:" : "https:"}//${base.hostname}:${base.port || 8006}`;
  const transport = createTransport({
    fingerprint: cluster.fingerprint,
    verifyTls: cluster.verifyTls,
    timeoutMs: opts.timeoutMs,
  });
  const authorization = `PVEAPIToken=${cluster.tokenId}=${cluster.tokenSecret}`;
  const request = (method: string, path: string, params: Params | undefined): PveRequest => {
    const url = new URL(`${origin}/api2/json${path}`);
    const form = encodeParams(params);
    const write = method === "POST" || method === "PUT";
    const headers: Record<string, string> = { Authorization: authorization, Accept: "application/json" };
    if (write && form.size > 0) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      return { method, url, headers, body: form.toString() };
    }
    for (const [k, v] of form) url.searchParams.append(k, v);
    return { method, url, headers };
  };
  const call = (method: string) => async (path: string, params?: Params) => {
    try {
      return dataOf(method, path, await transport.request(request(method, path, params)));
    } catch (err) {
      throw err instanceof UpstreamError ? err : toUpstreamError(method, path, err);
    }
  };
  const getEach = async (
    path: string,
    params: Params | undefined,
    onItem: (item: unknown) => void,
    opts?: { readonly maxBytes?: number },
  ) => {
    const unexpected = (err: unknown) =>
      new UpstreamError(
        `GET ${path}: unexpected answer from PVE (${err instanceof Error ? err.message : err})`,
        {
          status: 200,
          retryable: true,
          cause: err,
        },
      );
    // A 200 JSON answer streams into the parser; any other is collected and reported as by `get`.
    let parser: DataItemParser | undefined;
    let bad: { err: unknown } | undefined;
    try {
      const answer = await transport.request({
        ...request("GET", path, params),
        maxBodyBytes: opts?.maxBytes,
        streamBody: (head) => {
          if (head.status !== 200 || !head.contentType?.startsWith("application/json")) return undefined;
          const items = createDataItemParser(onItem);
          parser = items;
          return (piece) => {
            try {
              items.write(piece);
            } catch (err) {
              bad = { err };
              throw err;
            }
          };
        },
      });
      if (bad) {
        // An item too long to wait for is refused as such; anything else is PVE's answer malformed.
        throw bad.err instanceof AnswerTooLargeError
          ? toUpstreamError("GET", path, bad.err)
          : unexpected(bad.err);
      }
      if (!parser || answer.status !== 200) {
        // An error answer, or one cut off while streaming (the transport's 598).
        dataOf("GET", path, answer);
        throw unexpected(`status ${answer.status}`);
      }
      try {
        parser.end();
      } catch (err) {
        throw unexpected(err);
      }
    } catch (err) {
      throw err instanceof UpstreamError ? err : toUpstreamError("GET", path, err);
    }
  };
  return {
    get: call("GET"),
    getEach,
    post: call("POST"),
    put: call("PUT"),
    delete: call("DELETE"),
    close: transport.close,
  };
}

function encodeParams(params: Params | undefined): URLSearchParams {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) continue;
    if (typeof value === "boolean") form.append(key, value ? "1" : "0");
    else if (Array.isArray(value)) for (const v of value) form.append(key, String(v));
    else form.append(key, String(value));
  }
  return form;
}

/** A 200 answer's `data`; anything else as an UpstreamError. */
function dataOf(method: string, path: string, answer: PveAnswer): unknown {
  if (answer.status !== 200) {
    throw upstreamError(method, path, answer.status, answer.statusText, answer.text);
  }
  if (!answer.contentType?.startsWith("application/json")) {
    throw new UpstreamError(
      `${method} ${path}: unexpected answer from PVE (content-type '${answer.contentType ?? ""}')`,
      { status: 200, retryable: true },
    );
  }
  let envelope: unknown;
  try {
    envelope = JSON.parse(answer.text);
  } catch (err) {
    throw new UpstreamError(`${method} ${path}: unexpected answer from PVE (not JSON)`, {
      status: 200,
      retryable: true,
      cause: err,
    });
  }
  return typeof envelope === "object" && envelope !== null
    ? (envelope as { data?: unknown }).data
    : undefined;
}

/** A failure that is not an answer (a guard that refused a row, a broken stream) as an UpstreamError. */
export function toUpstreamError(method: string, path: string, err: unknown): UpstreamError {
  const message = err instanceof Error ? err.message : String(err);
  return new UpstreamError(`${method} ${path}: ${message}`, { retryable: true, cause: err });
}

/** An answer other than 200: status, reason phrase and body (PVE's `{errors}` or `{message}`). */
function upstreamError(
  method: string,
  path: string,
  status: number,
  statusText: string,
  body: string,
  cause?: unknown,
): UpstreamError {
  const reason = statusText.trim();
  let detail = reason;
  try {
    const parsed = JSON.parse(body) as { errors?: unknown; message?: string };
    if (parsed.errors && typeof parsed.errors === "object")
      detail = `${reason} ${JSON.stringify(parsed.errors)}`;
    else if (parsed.message) detail = parsed.message.trim();
  } catch {
    // Not JSON (an empty 401/595 body): the reason phrase is all PVE said.
  }
  if (status === NO_ANSWER_STATUS) {
    return new UpstreamError(`${method} ${path}: ${detail}`, { status, retryable: true, cause });
  }
  const hint =
    status === 401
      ? " (check token_id and token_secret)"
      : status === 595 || status === 596
        ? " (the node does not answer)"
        : "";
  return new UpstreamError(`${method} ${path}: ${status} ${detail}${hint}`, {
    status,
    retryable: status >= 500 && status !== OUTCOME_UNKNOWN_STATUS,
    cause,
  });
}

/** A one-line account of a failed call, for reports and logs. */
export function describeFailure(err: unknown, what: string): string {
  if (err instanceof UpstreamError) return err.message;
  if (err instanceof Error && err.name === "ZodError") return `unexpected answer from PVE for ${what}`;
  return err instanceof Error ? err.message : String(err);
}
