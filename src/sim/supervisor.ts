import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import WebSocket, { WebSocketServer } from "ws";
import { createSupervisorStorage, type StorageOptions } from "./supervisor-storage.js";

/**
 * A stand-in for the Home Assistant Supervisor, as an add-on container sees it at
 * `http://supervisor` (reference home-assistant.md §2), in front of a real Home Assistant Core:
 *
 * - token: `X-Supervisor-Token`, `X-Hassio-Key`, or `Authorization: Bearer` (its last word); a
 *   missing or wrong one gets the security middleware's bare `401: Unauthorized`;
 * - envelope: `{"result":"ok","data":…}` / `{"result":"error","message":…}` (400, 403, 404);
 * - `GET /info`, `GET /addons/self/info`, `GET /addons/self/options/config`,
 *   `POST /addons/self/options` (validated as an object, kept until "restart"), `POST /discovery`
 *   (403 unless the service is in the add-on's `discovery:` list), `DELETE /discovery/<uuid>`;
 * - `/core/api/*` (GET, POST, DELETE only; `hassio*` paths 403) proxied to Core with Core's token,
 *   forwarding only Content-Type and Accept; an unreachable Core is a 502;
 * - `/core/websocket` and `/core/api/websocket`: the stand-in runs the auth phase itself
 *   (`auth_required` with Core's version, ≤10 s for `auth`, `auth_invalid` "Invalid access"), then
 *   opens its own connection to Core and pipes frames both ways; messages typed `supervisor/…` or
 *   `hassio/…` are refused locally as `unauthorized`.
 *
 * - `/mounts…` and `/backups…` (supervisor-storage.ts) behind the security middleware's role check:
 *   `hassio_api` and role `manager`/`admin` for mounts, `backup` too for backups; `…/info` for any.
 *
 * The stand-in never interprets what goes through the proxy: Home Assistant is the real one.
 */
export interface SupervisorStandInOptions {
  /** The add-on's SUPERVISOR_TOKEN. */
  readonly token: string;
  readonly core: {
    /** `http://127.0.0.1:PORT` of the real Home Assistant Core. */
    readonly url: string;
    /** A token Core accepts (the Supervisor's own user in a real install). */
    readonly token: string;
  };
  readonly addon: {
    readonly slug: string;
    readonly name: string;
    readonly version: string;
    readonly hostname?: string;
    readonly discovery: readonly string[];
    readonly homeassistantApi: boolean;
    /** `hassio_api` and `hassio_role` from config.yaml (default false / `default`). */
    readonly hassioApi?: boolean;
    readonly hassioRole?: "default" | "homeassistant" | "backup" | "manager" | "admin";
    readonly ingressEntry?: string;
    readonly ingressPort?: number;
    readonly options: Record<string, unknown>;
  };
  /** What Core's hassio integration does with a discovery message (start a config flow). */
  readonly onDiscovery?: (d: DiscoveryMessage) => Promise<void> | void;
  /** Network storage and backups; without it `/mounts` and `/backups` answer 404. */
  readonly storage?: StorageOptions;
  readonly port?: number;
}

export interface DiscoveryMessage {
  readonly uuid: string;
  readonly service: string;
  readonly config: Record<string, unknown>;
  readonly addon: string;
  readonly slug: string;
}

export interface SupervisorRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface SupervisorStandIn {
  readonly url: string;
  readonly requests: readonly SupervisorRequest[];
  readonly discoveries: ReadonlyMap<string, DiscoveryMessage>;
  /** Options as saved through `POST /addons/self/options`. */
  options(): Record<string, unknown>;
  /** Open proxied websockets (the add-on's connections to Core). */
  sockets(): number;
  close(): Promise<void>;
}

const AUTH_PHASE_MS = 10_000;

export async function startSupervisorStandIn(opts: SupervisorStandInOptions): Promise<SupervisorStandIn> {
  const requests: SupervisorRequest[] = [];
  const discoveries = new Map<string, DiscoveryMessage>();
  let options = structuredClone(opts.addon.options);
  let coreVersion = "";
  const open = new Set<WebSocket>();
  const storage = opts.storage ? createSupervisorStorage(opts.storage) : undefined;
  const role = opts.addon.hassioRole ?? "default";
  /** The security middleware's role patterns (reference home-assistant.md §2.2). */
  const allowed = (path: string): boolean => {
    if (/^\/.+\/info$/.test(path) && opts.addon.hassioApi) return true;
    if (!opts.addon.hassioApi) return false;
    if (role === "admin" || role === "manager") return true;
    return role === "backup" && path.startsWith("/backups");
  };

  const tokenOf = (req: IncomingMessage): string | undefined => {
    const h = req.headers;
    const direct = h["x-supervisor-token"] ?? h["x-hassio-key"];
    if (typeof direct === "string") return direct;
    const auth = h.authorization;
    return typeof auth === "string" ? auth.trim().split(/\s+/).pop() : undefined;
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://supervisor");
    const path = url.pathname;
    const done = (status: number) => requests.push({ method: req.method ?? "", path, status });
    const reply = (status: number, body: unknown) => {
      done(status);
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const ok = (data: unknown = {}) => reply(200, { result: "ok", data });
    const error = (status: number, message: string) => reply(status, { result: "error", message });
    const bare = (status: number, text: string) => {
      done(status);
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(`${status}: ${text}`);
    };

    if (path.startsWith("/core/api/") || path === "/core/api") {
      if (tokenOf(req) !== opts.token || !opts.addon.homeassistantApi) return bare(401, "Unauthorized");
      const rest = path.replace(/^\/core\/api\/?/, "");
      if (/^hassio(\/|_)/.test(rest)) return bare(403, "Forbidden");
      if (!["GET", "POST", "DELETE"].includes(req.method ?? "")) return bare(405, "Method Not Allowed");
      void proxyRest(req, res, `${opts.core.url}/api/${rest}${url.search}`, opts.core.token).then(done);
      return;
    }
    if (tokenOf(req) !== opts.token) return bare(401, "Unauthorized");

    void readJson(req).then((body) => {
      if (body === INVALID) return error(400, "Invalid json");
      if (req.method === "GET" && path === "/info")
        return ok({ supervisor: "2026.11.0", homeassistant: coreVersion, arch: "amd64", timezone: "UTC" });
      if (req.method === "GET" && path === "/addons/self/info")
        return ok({
          name: opts.addon.name,
          slug: opts.addon.slug,
          hostname: opts.addon.hostname ?? opts.addon.slug.replace(/_/g, "-"),
          version: opts.addon.version,
          state: "started",
          ingress: opts.addon.ingressEntry !== undefined,
          ingress_entry: opts.addon.ingressEntry ?? null,
          ingress_url: opts.addon.ingressEntry ? `${opts.addon.ingressEntry}/` : null,
          ingress_port: opts.addon.ingressPort ?? 8099,
          homeassistant_api: opts.addon.homeassistantApi,
          hassio_api: opts.addon.hassioApi ?? false,
          hassio_role: role,
          options,
        });
      if (req.method === "GET" && path === "/addons/self/options/config") return ok(options);
      if (req.method === "POST" && path === "/addons/self/options") {
        const given = (body as { options?: unknown }).options;
        if (typeof given !== "object" || given === null || Array.isArray(given))
          return error(400, "expected a dictionary for dictionary value @ data['options']");
        options = structuredClone(given as Record<string, unknown>);
        return ok();
      }
      if (req.method === "POST" && path === "/discovery") {
        const { service, config } = body as { service?: unknown; config?: unknown };
        if (typeof service !== "string" || typeof config !== "object" || config === null)
          return error(400, "required key not provided @ data['service']");
        if (!opts.addon.discovery.includes(service))
          return error(403, "Apps must list services they provide via discovery in their config!");
        // One message per add-on and service: announcing again replaces it (same uuid).
        const existing = [...discoveries.values()].find((d) => d.service === service);
        const message: DiscoveryMessage = {
          uuid: existing?.uuid ?? randomUUID().replace(/-/g, ""),
          service,
          config: config as Record<string, unknown>,
          addon: opts.addon.name,
          slug: opts.addon.slug,
        };
        discoveries.set(message.uuid, message);
        return Promise.resolve(opts.onDiscovery?.(message)).then(
          () => ok({ uuid: message.uuid }),
          (err: unknown) => error(400, `Home Assistant did not take the discovery: ${String(err)}`),
        );
      }
      if (storage && (path.startsWith("/mounts") || path.startsWith("/backups"))) {
        if (!allowed(path)) return bare(403, "Forbidden");
        return storage
          .handle(req.method ?? "GET", path, body as Record<string, unknown>)
          .then((a) =>
            a === undefined
              ? error(404, `no such endpoint: ${req.method} ${path}`)
              : a.status === 200
                ? ok(a.data)
                : error(a.status, a.message ?? "error"),
          );
      }
      const gone = /^\/discovery\/([0-9a-f]+)$/.exec(path);
      if (req.method === "DELETE" && gone) {
        if (!discoveries.delete(gone[1] as string)) return error(404, "Discovery message not found");
        return ok();
      }
      return error(404, `no such endpoint: ${req.method} ${path}`);
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? "/", "http://supervisor").pathname;
    if (path !== "/core/websocket" && path !== "/core/api/websocket") {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (client) => proxyWebsocket(client));
  });

  /** The auth phase with the add-on, then a pipe to Core over the stand-in's own connection. */
  function proxyWebsocket(client: WebSocket): void {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => client.terminate());
    client.send(JSON.stringify({ type: "auth_required", ha_version: coreVersion }));
    const authTimer = setTimeout(() => client.close(), AUTH_PHASE_MS);
    client.once("message", (raw) => {
      clearTimeout(authTimer);
      let msg: { type?: string; access_token?: string; api_password?: string };
      try {
        msg = JSON.parse(String(raw));
      } catch {
        client.close();
        return;
      }
      const given = msg.access_token ?? msg.api_password;
      if (msg.type !== "auth" || given !== opts.token || !opts.addon.homeassistantApi) {
        client.send(JSON.stringify({ type: "auth_invalid", message: "Invalid access" }));
        client.close();
        return;
      }
      const upstream = new WebSocket(`${opts.core.url.replace(/^http/, "ws")}/api/websocket`);
      const pending: string[] = [];
      let ready = false;
      upstream.on("error", () => client.terminate());
      upstream.on("close", () => client.close());
      client.on("close", () => upstream.terminate());
      client.on("message", (data) => {
        const text = String(data);
        const type = typeOf(text);
        if (type?.startsWith("supervisor/") || type?.startsWith("hassio/")) {
          client.send(
            JSON.stringify({
              id: idOf(text),
              type: "result",
              success: false,
              error: { code: "unauthorized", message: "Unauthorized" },
            }),
          );
          return;
        }
        if (ready) upstream.send(text);
        else pending.push(text);
      });
      upstream.on("message", (data) => {
        const text = String(data);
        if (ready) {
          client.send(text);
          return;
        }
        const m = JSON.parse(text) as { type?: string; ha_version?: string };
        if (m.type === "auth_required")
          upstream.send(JSON.stringify({ type: "auth", access_token: opts.core.token }));
        else if (m.type === "auth_ok") {
          ready = true;
          coreVersion = m.ha_version ?? coreVersion;
          client.send(JSON.stringify({ type: "auth_ok", ha_version: coreVersion }));
          for (const p of pending.splice(0)) upstream.send(p);
        } else client.close();
      });
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", resolve);
  });
  // Core's version, as the real Supervisor reports it in auth_required.
  coreVersion = await fetch(`${opts.core.url}/api/config`, {
    headers: { authorization: `Bearer ${opts.core.token}` },
  })
    .then((r) => r.json() as Promise<{ version?: string }>)
    .then((c) => c.version ?? "")
    .catch(() => "");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    discoveries,
    options: () => structuredClone(options),
    sockets: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const INVALID = Symbol("invalid json");

/** The body as JSON; empty is `{}` (as the Supervisor's `json_loads`). */
function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8").trim();
      if (text === "") return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        resolve(INVALID);
      }
    });
  });
}

async function proxyRest(
  req: IncomingMessage,
  res: ServerResponse,
  target: string,
  token: string,
): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  for (const h of ["content-type", "accept"]) {
    const v = req.headers[h];
    if (typeof v === "string") headers[h] = v;
  }
  try {
    const answer = await fetch(target, {
      method: req.method,
      headers,
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      signal: AbortSignal.timeout(300_000),
    });
    const body = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" });
    res.end(body);
    return answer.status;
  } catch {
    res.writeHead(502, { "content-type": "text/plain" });
    res.end("502: Bad Gateway");
    return 502;
  }
}

function typeOf(text: string): string | undefined {
  try {
    const t = (JSON.parse(text) as { type?: unknown }).type;
    return typeof t === "string" ? t : undefined;
  } catch {
    return undefined;
  }
}

function idOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { id?: unknown }).id ?? null;
  } catch {
    return null;
  }
}
