import { z } from "zod";
import { UpstreamError } from "../errors.js";
import type { PveApi } from "./api.js";

/**
 * Push: a PVE webhook notification target and a matcher for `type=vzdump` (reference §7), so
 * PVE tells the product the moment a backup task ends. Header values and the body are base64 on
 * the wire; the shared secret is stored as a PVE webhook *secret* (kept in PVE's private
 * config, never returned) and only referenced from the header template.
 */

export const WEBHOOK_NAME = "pve-backup";
export const MATCHER_NAME = "pve-backup-vzdump";
export const SECRET_HEADER = "X-PVE-Backup-Secret";

/** What the product reads from a notification: who and how it went; the rest comes from the API. */
const BODY_TEMPLATE =
  '{"title":"{{ escape title }}","severity":"{{ severity }}","timestamp":{{ timestamp }},"fields":{{ json fields }}}';

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

const Named = z.array(z.looseObject({ name: z.string() }));

export interface PushTarget {
  /** Where PVE posts: this service's `/api/pve-webhook`, or Home Assistant's webhook. */
  readonly url: string;
  /** Sent back in `X-PVE-Backup-Secret`; omitted for Home Assistant's webhook (its id is the secret). */
  readonly secret?: string;
}

export interface PushSetupReport {
  readonly webhook: "created" | "updated";
  readonly matcher: "created" | "updated";
}

/** Create or update the webhook target and its matcher; idempotent. */
export async function setUpPush(api: PveApi, target: PushTarget): Promise<PushSetupReport> {
  if (!/^https?:\/\//.test(target.url))
    throw new UpstreamError(`push URL must be http(s), got '${target.url}'`, { retryable: false });
  const headers = [`name=Content-Type,value=${b64("application/json")}`];
  if (target.secret) headers.push(`name=${SECRET_HEADER},value=${b64("{{ secrets.token }}")}`);
  const webhook = {
    url: target.url,
    // PVE wants the method in lower case (reference §7.3).
    method: "post",
    header: headers,
    body: b64(BODY_TEMPLATE),
    comment: "PVE Backup: vzdump results, pushed",
    ...(target.secret ? { secret: [`name=token,value=${b64(target.secret)}`] } : {}),
  };
  const existing = Named.parse(await api.get("/cluster/notifications/endpoints/webhook")).some(
    (w) => w.name === WEBHOOK_NAME,
  );
  if (existing) {
    await api.put(`/cluster/notifications/endpoints/webhook/${WEBHOOK_NAME}`, {
      ...webhook,
      ...(target.secret ? {} : { delete: ["secret"] }),
    });
  } else {
    await api.post("/cluster/notifications/endpoints/webhook", { name: WEBHOOK_NAME, ...webhook });
  }
  const matcher = {
    target: [WEBHOOK_NAME],
    "match-field": ["exact:type=vzdump"],
    mode: "all",
    comment: "PVE Backup: every vzdump result",
  };
  const hasMatcher = Named.parse(await api.get("/cluster/notifications/matchers")).some(
    (m) => m.name === MATCHER_NAME,
  );
  if (hasMatcher) await api.put(`/cluster/notifications/matchers/${MATCHER_NAME}`, matcher);
  else await api.post("/cluster/notifications/matchers", { name: MATCHER_NAME, ...matcher });
  return { webhook: existing ? "updated" : "created", matcher: hasMatcher ? "updated" : "created" };
}

/**
 * Has PVE send a test notification through the webhook target (`POST
 * /cluster/notifications/targets/{name}/test`, reference §7.3). It carries the secret header like
 * any other; whether it arrived is for the receiving end to tell.
 */
export async function sendTestNotification(api: PveApi): Promise<void> {
  await api.post(`/cluster/notifications/targets/${WEBHOOK_NAME}/test`, {});
}
