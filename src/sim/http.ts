import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync, constants as zlibConstants } from "node:zlib";
import { ApiError, died, paramError } from "./api-error.js";
import {
  createCaller,
  fillPath,
  JsonText,
  type Method,
  RawBody,
  type Route,
  type SimDeps,
  WithTotal,
} from "./route.js";
import { findNode } from "./state.js";
import { type RawParams, validateParams } from "./validate.js";

/**
 * The HTTP face of the sim: pveproxy's request handling for `/api2/json` (reference §1): token
 * auth, routing, PVE's envelope and error shapes, proxying to nodes, latency injection.
 */

export interface RequestLogEntry {
  readonly method: string;
  /** The request target as sent (path and query). */
  readonly path: string;
  readonly status: number;
}

export interface ApiHandlerDeps {
  readonly sim: SimDeps;
  readonly routes: readonly Route[];
  /** Brings the simulation up to the current sim time and returns it. */
  readonly sync: () => number;
  readonly latencyMs: () => number;
  /** PVE delays every 401 by ~3 s; tests keep this at 0. */
  readonly authFailDelayMs: number;
  readonly requestLog: RequestLogEntry[];
  /** Failures to inject, for tests of how a client copes; consumed as they fire. */
  readonly faults: Fault[];
}

/**
 * A PVE failure a test wants at a given request: `times` matching requests (after
 * authentication, before the handler runs, so nothing changes) get `status` with `message` as
 * PVE sends errors: reason phrase = first line, `{data:null,message}` body.
 */
export interface Fault {
  readonly method: string;
  readonly path: RegExp;
  /** Query parameters the request must carry too (e.g. `{ type: "vm" }`); default: any. */
  readonly query?: Readonly<Record<string, string>>;
  readonly status: number;
  readonly message: string;
  /** Matching requests to let through first. */
  skip: number;
  times: number;
}

interface Reply {
  readonly status: number;
  readonly reason: string;
  /** Undefined: no body at all (401, proxy failures, unexpected content). */
  readonly body?: unknown;
  /** A non-JSON body instead. */
  readonly raw?: RawBody;
  /** The envelope's `data` already serialized. */
  readonly json?: string;
  readonly extraDelayMs?: number;
}

const PREFIX = "/api2/json";

interface CompiledRoute {
  readonly route: Route;
  readonly segments: readonly string[];
}

function compile(routes: readonly Route[]): CompiledRoute[] {
  return routes.map((route) => ({ route, segments: route.path.split("/").filter(Boolean) }));
}

/**
 * Segment-wise match: `{x}` takes exactly one segment; a last `{x*}` takes the rest, slashes and
 * all (PVE's `fragmentDelimiter => ''`: a volume id such as `nas:backup/vzdump-…` is one parameter).
 */
function match(compiled: readonly CompiledRoute[], method: string, segments: readonly string[]) {
  for (const c of compiled) {
    const last = c.segments[c.segments.length - 1] ?? "";
    const rest = last.endsWith("*}");
    if (c.route.method !== method) continue;
    if (rest ? segments.length < c.segments.length : c.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    c.segments.forEach((seg, i) => {
      const given = segments[i] as string;
      if (rest && i === c.segments.length - 1) params[seg.slice(1, -2)] = segments.slice(i).join("/");
      else if (seg.startsWith("{")) params[seg.slice(1, -1)] = given;
      else if (seg !== given) ok = false;
    });
    if (ok) return { route: c.route, pathParams: params };
  }
  return undefined;
}

/**
 * pveproxy's `decode_urlencoded`: pairs split on `&` and `;`, key and value on `=` keeping only the
 * first two fields (so an unencoded `=` truncates the value), `+` is a space; repeated keys collect
 * into an array (reference §1.1).
 */
export function decodeUrlencoded(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const decode = (s: string) =>
    Buffer.from(
      s
        .replace(/\+/g, " ")
        .replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
      "latin1",
    ).toString("utf8");
  for (const pair of text.split(/[&;]/)) {
    if (pair === "") continue;
    const [rawKey = "", rawValue = ""] = pair.split("=");
    const key = decode(rawKey);
    const value = decode(rawValue);
    const old = out[key];
    out[key] = old === undefined ? value : Array.isArray(old) ? [...old, value] : [old, value];
  }
  return out;
}

/** `Authorization: PVEAPIToken=user@realm!name=secret` (a space may replace the first `=`). */
function tokenFrom(header: string | undefined): { id: string; secret: string } | "missing" | "malformed" {
  if (!header) return "missing";
  const m = /(?:^|\s)PVEAPIToken(?:=| )([^;]*)/.exec(header);
  if (!m) return "missing";
  let value: string;
  try {
    value = decodeURIComponent(m[1] as string);
  } catch {
    value = m[1] as string;
  }
  // Split at the last `=` (pve-access-control `verify_token`: /^(.*)=(.*)$/).
  const eq = value.lastIndexOf("=");
  if (eq < 0) return "malformed";
  return { id: value.slice(0, eq), secret: value.slice(eq + 1) };
}

function errorReply(err: unknown): Reply {
  if (err instanceof ApiError) {
    const message = err.message.endsWith("\n") ? err.message : `${err.message}\n`;
    const reason = message.split("\n")[0] as string;
    if (!err.withBody) return { status: err.status, reason };
    const body: Record<string, unknown> = { data: null };
    if (err.errors) body.errors = err.errors;
    body.message = message;
    return { status: err.status, reason, body };
  }
  // A plain exception in the sim: report it the way PVE reports a `die` (500).
  return errorReply(died(`simulator error: ${err instanceof Error ? err.message : String(err)}`));
}

export function createApiHandler(deps: ApiHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const compiled = compile(deps.routes);
  const { state } = deps.sim;

  const answer = (
    method: string,
    target: string,
    headers: IncomingMessage["headers"],
    body: Buffer,
  ): Reply => {
    const url = new URL(target, "https://sim.invalid");
    if (url.pathname !== PREFIX && !url.pathname.startsWith(`${PREFIX}/`)) {
      return { status: 404, reason: "Not found" };
    }
    // GET and DELETE parameters come only from the query string; a body is refused outright.
    if ((method === "GET" || method === "DELETE") && body.length > 0) {
      return { status: 501, reason: `Unexpected content for method '${method}'` };
    }

    const token = tokenFrom(headers.authorization);
    if (token === "missing") return { status: 401, reason: "No ticket", extraDelayMs: deps.authFailDelayMs };
    const known = token === "malformed" ? undefined : state.tokens.find((t) => t.id === token.id);
    // Since pve-manager 9.1.5 every token failure reads the same (§1.4).
    if (!known || token === "malformed" || known.secret !== token.secret) {
      return { status: 401, reason: "Authentication failed!", extraDelayMs: deps.authFailDelayMs };
    }

    const nowMs = deps.sync();
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname.slice(PREFIX.length));
    } catch {
      rel = url.pathname.slice(PREFIX.length);
    }
    const segments = rel.split("/").filter(Boolean);
    const found = match(compiled, method, segments);
    if (!found) throw new ApiError(501, `Method '${method} /${segments.join("/")}' not implemented`);
    const { route, pathParams } = found;
    const fault = deps.faults.find(
      (f) =>
        f.times > 0 &&
        f.method === method &&
        f.path.test(`/${segments.join("/")}`) &&
        Object.entries(f.query ?? {}).every(([k, v]) => url.searchParams.get(k) === v),
    );
    if (fault && fault.skip > 0) fault.skip--;
    else if (fault) {
      fault.times--;
      throw new ApiError(fault.status, fault.message);
    }

    // Query parameters are merged on top of the body; path parameters must not conflict.
    let raw: RawParams = {};
    let source: "form" | "json" = "form";
    if ((method === "POST" || method === "PUT") && body.length > 0) {
      if (String(headers["content-type"] ?? "").startsWith("application/json")) {
        source = "json";
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString("utf8"));
        } catch {
          throw died("malformed JSON string");
        }
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
          throw died("JSON body must be an object");
        }
        raw = { ...(parsed as RawParams) };
      } else {
        raw = decodeUrlencoded(body.toString("latin1"));
      }
    }
    Object.assign(raw, decodeUrlencoded(url.search.slice(1)));
    for (const [key, value] of Object.entries(pathParams)) {
      if (raw[key] !== undefined && raw[key] !== value) {
        throw paramError({ [key]: "duplicate parameter (already defined in URI) with conflicting values!" });
      }
      raw[key] = value;
    }

    const caller = createCaller(known, state);
    if (route.permission) {
      caller.check(fillPath(route.permission.path, raw), route.permission.privs, route.permission.any);
    }

    let node = deps.sim.entryNode();
    if (route.proxyToNode) {
      const name = String(raw.node);
      // `localhost` is answered by the node the client is connected to.
      if (name !== "localhost") {
        const target = findNode(state, name);
        // pveproxy cannot resolve a name that is no cluster node (real-world: "500 hostname lookup
        // 'x' failed - failed to get address info for: x: ..."); a dead node fails the proxy
        // connection, which AnyEvent::HTTP reports as 595 (§1.1).
        if (!target) {
          throw died(
            `hostname lookup '${name}' failed - failed to get address info for: ${name}: Name or service not known`,
          );
        }
        if (!target.online) throw new ApiError(595, "Connection refused", undefined, false);
        node = target.name;
      }
    }

    const params = validateParams(route.params, raw, source);
    const result = route.handle({ caller, nowMs, node }, params);
    if (result instanceof RawBody) return { status: 200, reason: "OK", raw: result };
    if (result instanceof JsonText) return { status: 200, reason: "OK", json: result.json };
    if (result instanceof WithTotal) {
      // `total` only when truthy (HTTP `Formatter/Standard.pm`).
      return {
        status: 200,
        reason: "OK",
        body: result.total ? { data: result.data, total: result.total } : { data: result.data },
      };
    }
    return { status: 200, reason: "OK", body: { data: result ?? null } };
  };

  const send = (req: IncomingMessage, res: ServerResponse, reply: Reply) => {
    res.statusCode = reply.status;
    res.statusMessage = reply.reason;
    res.setHeader("Server", "pve-api-daemon/3.0");
    res.setHeader("Cache-Control", "max-age=0");
    res.setHeader("Pragma", "no-cache");
    res.setHeader("Expires", new Date().toUTCString());
    if (reply.status >= 400) res.setHeader("Connection", "close");
    if (reply.body === undefined && reply.raw === undefined && reply.json === undefined) {
      res.end();
      return;
    }
    res.setHeader("Content-Type", reply.raw ? reply.raw.contentType : "application/json;charset=UTF-8");
    const text = reply.raw
      ? reply.raw.text
      : reply.json !== undefined
        ? `{"data":${reply.json}}`
        : JSON.stringify(reply.body);
    let payload = Buffer.from(text, "utf8");
    // Bodies over 1 KiB are compressed when the client accepts it. At the fastest level: what
    // the body inflates to is what counts, and a 6 MB content listing takes a quarter of the time.
    if (payload.length > 1024 && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
      payload = gzipSync(payload, { level: zlibConstants.Z_BEST_SPEED });
      res.setHeader("Content-Encoding", "gzip");
    }
    res.setHeader("Content-Length", payload.length);
    res.end(payload);
  };

  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const method = (req.method ?? "GET").toUpperCase();
      const target = req.url ?? "/";
      let reply: Reply;
      try {
        reply = answer(method as Method, target, req.headers, Buffer.concat(chunks));
      } catch (err) {
        reply = errorReply(err);
      }
      deps.requestLog.push({ method, path: target, status: reply.status });
      const delayMs = deps.latencyMs() + (reply.extraDelayMs ?? 0);
      const write = () => {
        if (!res.destroyed) send(req, res, reply);
      };
      if (delayMs > 0) void sleep(delayMs).then(write);
      else write();
    });
  };
}
