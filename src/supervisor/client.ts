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
  /** `GET /mounts` (role `manager`): the network mounts and the default backup mount. */
  mounts(): Promise<MountList>;
  /**
   * `POST /mounts` (role `manager`): create a network mount. The first backup mount becomes the
   * default backup location, and Core offers it as backup agent `hassio.<name>`.
   */
  createMount(mount: NewMount): Promise<void>;
  /** `POST /mounts/<name>/reload`: mount it again (after the NAS was away). */
  reloadMount(name: string): Promise<void>;
  /** `POST /mounts/options`: which mount backups go to when none is named. */
  setDefaultBackupMount(name: string | null): Promise<void>;
  /** `GET /backups` (role `backup` or `manager`): the backups the Supervisor knows, per location. */
  backups(): Promise<SupervisorBackup[]>;
}

export interface MountInfo {
  readonly name: string;
  readonly type: "cifs" | "nfs";
  readonly usage: "backup" | "media" | "share";
  readonly server: string;
  readonly share?: string;
  readonly path?: string;
  /** systemd's unit state: `active`, `failed`, … */
  readonly state?: string;
}

export interface MountList {
  readonly defaultBackupMount: string | null;
  readonly mounts: readonly MountInfo[];
}

/** A mount to create; NFS takes `path`, CIFS `share` (and credentials, both or none). */
export type NewMount =
  | {
      readonly type: "nfs";
      readonly name: string;
      readonly server: string;
      readonly path: string;
      readonly port?: number;
    }
  | {
      readonly type: "cifs";
      readonly name: string;
      readonly server: string;
      readonly share: string;
      readonly username?: string;
      readonly password?: string;
      readonly port?: number;
    };

export interface SupervisorBackup {
  readonly slug: string;
  readonly name: string;
  readonly dateMs: number;
  readonly sizeBytes: number;
  /** `null` is the Supervisor's local `/backup`. */
  readonly locations: readonly (string | null)[];
  readonly protected: boolean;
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

const Mounts = z.object({
  default_backup_mount: z.string().nullish(),
  mounts: z.array(
    z.object({
      name: z.string(),
      type: z.enum(["cifs", "nfs"]),
      usage: z.enum(["backup", "media", "share"]),
      server: z.string(),
      share: z.string().nullish(),
      path: z.string().nullish(),
      state: z.string().nullish(),
    }),
  ),
});

const Backups = z.object({
  backups: z.array(
    z.object({
      slug: z.string(),
      name: z.string(),
      date: z.string(),
      size_bytes: z.number().optional(),
      size: z.number().optional(),
      location: z.string().nullish(),
      locations: z.array(z.string().nullable()).optional(),
      protected: z.boolean().default(false),
    }),
  ),
});

export function createSupervisorClient(opts: SupervisorClientOptions): SupervisorClient {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const timeoutMs = opts.timeoutMs ?? 10_000;

  async function call(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<unknown> {
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
    async mounts() {
      const m = parseAnswer(Mounts, await call("GET", "/mounts"), "GET /mounts");
      return {
        defaultBackupMount: m.default_backup_mount ?? null,
        mounts: m.mounts.map((x) => ({
          name: x.name,
          type: x.type,
          usage: x.usage,
          server: x.server,
          share: x.share ?? undefined,
          path: x.path ?? undefined,
          state: x.state ?? undefined,
        })),
      };
    },
    async createMount(mount) {
      // Usage `backup` is what makes it a backup location; backup mounts cannot be read-only.
      await call("POST", "/mounts", { ...mount, usage: "backup", read_only: false });
    },
    async reloadMount(name) {
      await call("POST", `/mounts/${encodeURIComponent(name)}/reload`);
    },
    async setDefaultBackupMount(name) {
      await call("POST", "/mounts/options", { default_backup_mount: name });
    },
    async backups() {
      const b = parseAnswer(Backups, await call("GET", "/backups"), "GET /backups");
      return b.backups.map((x) => ({
        slug: x.slug,
        name: x.name,
        dateMs: Date.parse(x.date),
        sizeBytes: x.size_bytes ?? Math.round((x.size ?? 0) * 1048576),
        locations: x.locations ?? [x.location ?? null],
        protected: x.protected,
      }));
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

function parseAnswer<S extends z.ZodType>(schema: S, data: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success)
    throw new UpstreamError(`Supervisor ${what}: an answer this add-on does not understand`, {
      retryable: false,
      cause: parsed.error,
    });
  return parsed.data;
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
    const code = (err as { code?: string }).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
