import { ProxmoxEngine } from "proxmox-api";
import type { ClusterConfig } from "../config/schema.js";
import { UpstreamError } from "../errors.js";
import { createTransport, NO_ANSWER_STATUS, OUTCOME_UNKNOWN_STATUS } from "./transport.js";

type Params = Record<string, string | number | boolean | readonly (string | number)[] | undefined>;

/** The raw PVE API: paths below `/api2/json`, answers are the envelope's `data`, unchecked. */
export interface PveApi {
  get(path: string, params?: Params): Promise<unknown>;
  post(path: string, params?: Params): Promise<unknown>;
  put(path: string, params?: Params): Promise<unknown>;
  delete(path: string, params?: Params): Promise<unknown>;
  close(): Promise<void>;
}

/** `proxmox-api`'s engine over our transport (TLS pinning, timeouts, no repeated writes). */
export function createPveApi(cluster: ClusterConfig, opts: { readonly timeoutMs: number }): PveApi {
  const url = new URL(cluster.baseUrl);
  const transport = createTransport({
    fingerprint: cluster.fingerprint,
    verifyTls: cluster.verifyTls,
    timeoutMs: opts.timeoutMs,
  });
  const engine = new ProxmoxEngine({
    host: url.hostname,
    // PVE serves its API on 8006; a URL without a port means that, not 443.
    port: url.port ? Number(url.port) : 8006,
    schema: url.protocol === "http:" ? "http" : "https",
    tokenID: cluster.tokenId,
    tokenSecret: cluster.tokenSecret,
    queryTimeout: opts.timeoutMs,
    fetch: transport.fetch as ConstructorParameters<typeof ProxmoxEngine>[0]["fetch"],
  });
  const call = (method: string) => async (path: string, params?: Params) => {
    try {
      return await engine.doRequest(method, `/api2/json${path}`, path, params ? { ...params } : undefined);
    } catch (err) {
      throw toUpstreamError(method, path, err);
    }
  };
  return {
    get: call("GET"),
    post: call("POST"),
    put: call("PUT"),
    delete: call("DELETE"),
    close: transport.close,
  };
}

/**
 * proxmox-api reports failures as plain Errors whose message carries the HTTP status, reason
 * and body (reference §8); turn them into UpstreamErrors a caller can act on.
 */
export function toUpstreamError(method: string, path: string, err: unknown): UpstreamError {
  const message = err instanceof Error ? err.message : String(err);
  const m = /(?:return Error|connection failed with) (\d{3}) ([^:]*?)(?::| return:) (.*)$/s.exec(message);
  if (!m) {
    return new UpstreamError(`${method} ${path}: ${networkCause(err) ?? message}`, {
      retryable: true,
      cause: err,
    });
  }
  const status = Number(m[1]);
  const reason = (m[2] ?? "").trim();
  const body = m[3] ?? "";
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
    return new UpstreamError(`${method} ${path}: ${detail}`, { status, retryable: true, cause: err });
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
    cause: err,
  });
}

function networkCause(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    if (
      /fingerprint mismatch|certificate|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|aborted|timeout/i.test(
        e.message,
      )
    )
      return e.message;
    e = e.cause;
  }
  return undefined;
}

/** A one-line account of a failed call, for reports and logs. */
export function describeFailure(err: unknown, what: string): string {
  if (err instanceof UpstreamError) return err.message;
  if (err instanceof Error && err.name === "ZodError") return `unexpected answer from PVE for ${what}`;
  return err instanceof Error ? err.message : String(err);
}
