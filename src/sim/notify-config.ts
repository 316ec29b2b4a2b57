import { createHash } from "node:crypto";

/**
 * The notification configuration of the simulated cluster (`/etc/pve/notifications.cfg` plus its
 * private half, reference §7): targets and matchers as proxmox-notify keeps them. The built-in
 * `mail-to-root` sendmail target and `default-matcher` exist from the start (`origin: builtin`);
 * editing one makes it `modified-builtin`, deleting it brings the built-in back.
 */

export type Origin = "user-created" | "builtin" | "modified-builtin";

/** `name=<n>,value=<base64>` as stored; a secret's value never leaves the private config. */
export interface KeyAndBase64Value {
  readonly name: string;
  readonly value?: string;
}

export interface SimWebhook {
  readonly name: string;
  method: "post" | "put" | "get";
  /** Handlebars template. */
  url: string;
  /** Values base64-encoded templates. */
  header: KeyAndBase64Value[];
  /** Base64 of the body template. */
  body?: string;
  /** The private config: values base64-encoded. */
  secret: KeyAndBase64Value[];
  comment?: string;
  disable?: boolean;
  origin: Origin;
}

export interface SimSendmail {
  readonly name: string;
  mailto: string[];
  mailtoUser: string[];
  comment?: string;
  disable?: boolean;
  origin: Origin;
}

export interface SimMatcher {
  readonly name: string;
  /** `exact:<field>=<v>[,<v>…]` or `regex:<field>=<re>`. */
  matchField: string[];
  /** Each a comma list of severities. */
  matchSeverity: string[];
  /** Daily durations, e.g. `mon-fri 9:00-17:00`. */
  matchCalendar: string[];
  mode?: "all" | "any";
  invertMatch?: boolean;
  target: string[];
  comment?: string;
  disable?: boolean;
  origin: Origin;
}

export interface SimNotificationConfig {
  webhooks: SimWebhook[];
  sendmail: SimSendmail[];
  matchers: SimMatcher[];
}

/** proxmox-notify `context/pve.rs` DEFAULT_CONFIG. */
export function builtinSendmail(): SimSendmail {
  return {
    name: "mail-to-root",
    mailto: [],
    mailtoUser: ["root@pam"],
    comment: "Send mails to root@pam's email address",
    origin: "builtin",
  };
}

export function builtinMatcher(): SimMatcher {
  return {
    name: "default-matcher",
    matchField: [],
    matchSeverity: [],
    matchCalendar: [],
    mode: "all",
    target: ["mail-to-root"],
    comment: "Route all notifications to mail-to-root",
    origin: "builtin",
  };
}

export function builtinNotificationConfig(): SimNotificationConfig {
  return { webhooks: [], sendmail: [builtinSendmail()], matchers: [builtinMatcher()] };
}

/** Every entity name (targets and matchers share one namespace in notifications.cfg). */
export function entityNames(config: SimNotificationConfig): string[] {
  return [...config.sendmail, ...config.webhooks, ...config.matchers].map((e) => e.name);
}

/** The config digest (sha256 hex), as `GET …/{name}` reports and `digest=` compares. */
export function notificationDigest(config: SimNotificationConfig): string {
  return createHash("sha256").update(JSON.stringify(config)).digest("hex");
}
