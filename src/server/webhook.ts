import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Logger } from "../log.js";
import {
  allowOnly,
  createGuardedServer,
  DEFAULT_LIMITS,
  type Listening,
  listen,
  type ServerLimits,
} from "./guard.js";
import { createRateLimiter, type RateLimit } from "./rate-limit.js";

/**
 * PVE's webhook notification target: `POST /api/pve-webhook` and nothing else, on its own port
 * (`webhook_port`, all interfaces by default) so that PVE can reach it while the status and bridge
 * endpoints stay on loopback. A request must carry `push.secret` in `X-PVE-Backup-Secret`; every
 * client address gets a token bucket (429 with `Retry-After` past it), checked before anything
 * else. An accepted notification asks for a refresh (the runtime coalesces them).
 */
export interface WebhookDeps {
  readonly secret: string;
  readonly onPveNotification: (payload: unknown) => void;
  readonly log: Logger;
  readonly limits?: Partial<ServerLimits>;
  readonly rateLimit?: RateLimit;
  /** Clock of the rate limiter; default `Date.now`. */
  readonly nowMs?: () => number;
}

export interface WebhookListener extends Listening {
  /** Notifications accepted so far. */
  readonly received: () => number;
  /** Requests refused so far (wrong secret, too many, too large). */
  readonly refused: () => number;
}

export const WEBHOOK_PATH = "/api/pve-webhook";
/** One PVE notification per vzdump task and node: a burst of 20 covers a cluster finishing at once. */
export const DEFAULT_WEBHOOK_RATE: RateLimit = { burst: 20, perSecond: 1 };
const MAX_BODY_BYTES = 1 << 20;
const MAX_DRAIN_BYTES = 16 << 20;
/** At most one warning a minute about refused requests: a flood must not become a log flood. */
const WARN_EVERY_MS = 60_000;

export async function startWebhookServer(
  deps: WebhookDeps,
  port: number,
  host = "0.0.0.0",
): Promise<WebhookListener> {
  const nowMs = deps.nowMs ?? Date.now;
  const limiter = createRateLimiter(deps.rateLimit ?? DEFAULT_WEBHOOK_RATE);
  let received = 0;
  let refused = 0;
  let warnedAtMs = -Infinity;
  const warnRefused = (why: string, client: string) => {
    refused++;
    if (nowMs() - warnedAtMs < WARN_EVERY_MS) return;
    warnedAtMs = nowMs();
    deps.log.warn(`PVE webhook: refused a request from ${client} (${why}); ${refused} refused so far`);
  };
  const server = createGuardedServer(
    (req, path, send) => {
      const client = req.socket.remoteAddress ?? "unknown";
      const admission = limiter.take(client, nowMs());
      if (!admission.ok) {
        warnRefused("too many requests", client);
        return send(
          429,
          { error: `too many requests; try again in ${admission.retryAfterS} s` },
          { "retry-after": String(admission.retryAfterS), connection: "close" },
        );
      }
      if (path !== WEBHOOK_PATH) return send(404, { error: `no such resource: ${path}` });
      if (!allowOnly(req, "POST", path, send)) return;
      if (!secretMatches(req, deps.secret)) {
        warnRefused("wrong or missing secret", client);
        return send(401, { error: "missing or wrong X-PVE-Backup-Secret header" }, { connection: "close" });
      }
      readBody(req).then(
        (text) => {
          let payload: unknown = text;
          try {
            payload = JSON.parse(text);
          } catch {
            // PVE's body is a user template: plain text is fine, the refresh is what matters.
          }
          received++;
          deps.onPveNotification(payload);
          send(202, { accepted: true });
        },
        (err: Error) => {
          refused++;
          send(413, { error: err.message });
        },
      );
    },
    { ...DEFAULT_LIMITS, ...deps.limits },
    deps.log,
  );
  const listening = await listen(server, port, host, "webhook_port");
  deps.log.info(`PVE webhook: listening on ${listening.url}${WEBHOOK_PATH}`);
  return { ...listening, received: () => received, refused: () => refused };
}

function secretMatches(req: IncomingMessage, secret: string): boolean {
  const given = Buffer.from(String(req.headers["x-pve-backup-secret"] ?? ""));
  const want = Buffer.from(secret);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * The request body as text, at most MAX_BODY_BYTES. A larger one is read to its end and dropped
 * before the refusal is sent (a server that closes on unread data makes TCP reset the connection,
 * and the sender never sees the answer); past MAX_DRAIN_BYTES the connection is cut.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
      else if (size > MAX_DRAIN_BYTES) req.destroy();
    });
    req.on("end", () =>
      size > MAX_BODY_BYTES
        ? reject(new Error("notification body larger than 1 MiB"))
        : resolve(Buffer.concat(chunks).toString("utf8")),
    );
    req.on("error", reject);
  });
}
