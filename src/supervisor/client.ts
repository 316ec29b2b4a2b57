import { request } from "node:http";
import { z } from "zod";
import { UpstreamError } from "../errors.js";

/**
 * The Supervisor's API as an add-on sees it (reference home-assistant.md §2): `http://supervisor`,
 * the container's `SUPERVISOR_TOKEN` in `Authorization: Bearer`, answers in the envelope
 * `{"result":"ok","data":{…}}` or `{"result":"error","message":"…"}`. Every call used here is one
 * the Supervisor lets any add-on make without `hassio_api` (`/addons/self/*`, `/discovery`), so the
 * add-on asks for no role beyond the default.
 */
export interface SupervisorClient {
  /** `GET /addons/self/info`: the add-on's own slug, hostname, ingress entry and version. */
  selfInfo(): Promise<AddonSelfInfo>;
  /**
   * `POST /discovery`: announce the add-on so Home Assistant offers its integration (a config flow
   * with source `hassio`). The service must be listed in config.yaml `discovery:`. Returns the uuid.
   */
  announce(service: string, config: Readonly<Record<string, unknown>>): Promise<string>;
}

export interface AddonSelfInfo {
  readonly slug: string;
  readonly hostname: string;
  readonly version: string;
  readonly ingressEntry?: string;
  readonly ingressUrl?: string;
  readonly ingressPort?: number;
}

export interface SupervisorClientOptions {
  /** `http://supervisor` in the container; the stand-in's URL in tests. */
  readonly baseUrl: string;
  readonly token: string;
  readonly timeoutMs?: number;
}

const Envelope = z.union([
  z.object({ result: z.literal("ok"), data: z.unknown() }),
  z.object({ result: z.literal("error"), message: z.string().optional() }),
]);

const SelfInfo = z.object({
  slug: z.string(),
  hostname: z.string(),
  version: z.string(),
  ingress_entry: z.string().nullish(),
  ingress_url: z.string().nullish(),
  ingress_port: z.number().int().nullish(),
});

const Discovery = z.object({ uuid: z.string() });

export function createSupervisorClient(opts: SupervisorClientOptions): SupervisorClient {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const timeoutMs = opts.timeoutMs ?? 10_000;

  async function call(method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
    const what = `${method} ${path}`;
    let res: { status: number; text: string };
    try {
      res = await exchange(method, `${base}${path}`, opts.token, body, timeoutMs);
    } catch (err) {
      throw new UpstreamError(`Supervisor ${what}: ${describe(err)}`, { retryable: true, cause: err });
    }
    const ok = res.status >= 200 && res.status < 300;
    if (res.status === 401 || res.status === 403) {
      // The security middleware answers bare 401/403; the API itself a JSON envelope.
      const hint = res.status === 401 ? " (is this running as the add-on, with its SUPERVISOR_TOKEN?)" : "";
      throw new UpstreamError(
        `Supervisor ${what}: ${res.status} ${messageOf(res.text) ?? "refused"}${hint}`,
        {
          status: res.status,
          retryable: false,
        },
      );
    }
    let envelope: z.infer<typeof Envelope>;
    try {
      envelope = Envelope.parse(JSON.parse(res.text));
    } catch (err) {
      throw new UpstreamError(`Supervisor ${what}: ${res.status}, not a Supervisor answer`, {
        status: res.status,
        retryable: res.status >= 500,
        cause: err,
      });
    }
    if (envelope.result === "error" || !ok) {
      const message = envelope.result === "error" ? envelope.message : undefined;
      throw new UpstreamError(`Supervisor ${what}: ${res.status} ${message ?? "error"}`, {
        status: res.status,
        retryable: res.status >= 500,
      });
    }
    return envelope.data;
  }

  return {
    async selfInfo() {
      const info = SelfInfo.parse(await call("GET", "/addons/self/info"));
      return {
        slug: info.slug,
        hostname: info.hostname,
        version: info.version,
        ingressEntry: info.ingress_entry ?? undefined,
        ingressUrl: info.ingress_url ?? undefined,
        ingressPort: info.ingress_port ?? undefined,
      };
    },
    async announce(service, config) {
      return Discovery.parse(await call("POST", "/discovery", { service, config })).uuid;
    },
  };
}

/**
 * One request over Node's own `http` (the Supervisor is plain HTTP on the container network); not
 * `fetch`, whose undici parser costs the process ~25 MB the first time it is used.
 */
function exchange(
  method: string,
  url: string,
  token: string,
  body: unknown,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(payload === undefined
          ? {}
          : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
      },
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        // The Supervisor's answers here are small; anything larger is not one.
        if (size > MAX_ANSWER_BYTES) req.destroy(new Error("answer larger than 1 MiB"));
        else chunks.push(c);
      });
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    req.end(payload);
  });
}

const MAX_ANSWER_BYTES = 1 << 20;

function messageOf(text: string): string | undefined {
  try {
    const m = (JSON.parse(text) as { message?: unknown }).message;
    return typeof m === "string" ? m : undefined;
  } catch {
    // A bare aiohttp 401/403 has a plain-text body.
    return text.trim().slice(0, 200) || undefined;
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
