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
  readonly fetch?: typeof fetch;
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
  const doFetch = opts.fetch ?? fetch;

  async function call(method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
    const what = `${method} ${path}`;
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${opts.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const why = err instanceof Error && err.name === "TimeoutError" ? `no answer in ${timeoutMs} ms` : err;
      throw new UpstreamError(`Supervisor ${what}: ${describe(why)}`, { retryable: true, cause: err });
    }
    const text = await res.text();
    if (res.status === 401 || res.status === 403) {
      // The security middleware answers bare 401/403; the API itself a JSON envelope.
      throw new UpstreamError(
        `Supervisor ${what}: ${res.status} ${messageOf(text) ?? "refused"} (is this running as the add-on, with SUPERVISOR_TOKEN?)`,
        { status: res.status, retryable: false },
      );
    }
    let envelope: z.infer<typeof Envelope>;
    try {
      envelope = Envelope.parse(JSON.parse(text));
    } catch (err) {
      throw new UpstreamError(`Supervisor ${what}: ${res.status}, not a Supervisor answer`, {
        status: res.status,
        retryable: res.status >= 500,
        cause: err,
      });
    }
    if (envelope.result === "error" || !res.ok) {
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
    const code = (err.cause as { code?: string } | undefined)?.code;
    return code ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
