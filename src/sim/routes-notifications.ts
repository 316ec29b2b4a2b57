import { ApiError, died, paramError } from "./api-error.js";
import {
  decodeBase64Text,
  type Notifier,
  parseCalendarMatcher,
  parseFieldMatcher,
  parseSeverityMatcher,
} from "./notify.js";
import {
  builtinMatcher,
  entityNames,
  type KeyAndBase64Value,
  notificationDigest,
  type SimMatcher,
  type SimNotificationConfig,
  type SimWebhook,
} from "./notify-config.js";
import type { Caller, Route, SimDeps } from "./route.js";
import { checkFormat, type ParamSchema, type ParamValue } from "./validate.js";

/**
 * `/cluster/notifications/…` (MGR `API2/Cluster/Notifications.pm` over proxmox-notify, reference
 * §7): webhook targets, matchers, the target list and test sends, plus the read-only index,
 * sendmail and matcher-field endpoints. Errors from the Rust side keep their HTTP codes (404 for
 * unknown entities, 400 for conflicts and bad values).
 */

const MAPPING = "/mapping/notifications";
const NAME: ParamSchema = { name: { type: "string", format: "pve-configid" } };
const DIGEST = { type: "string", maxLength: 64, optional: true } as const;
const ARRAY = { type: "array", optional: true } as const;

const WEBHOOK_PROPS: ParamSchema = {
  ...NAME,
  url: { type: "string" },
  method: { type: "string", enum: ["post", "put", "get"] },
  header: ARRAY,
  body: { type: "string", optional: true },
  secret: ARRAY,
  comment: { type: "string", optional: true },
  disable: { type: "boolean", optional: true },
};

const WEBHOOK_UPDATE: ParamSchema = {
  ...NAME,
  url: { type: "string", optional: true },
  method: { type: "string", enum: ["post", "put", "get"], optional: true },
  header: ARRAY,
  body: { type: "string", optional: true },
  secret: ARRAY,
  comment: { type: "string", optional: true },
  disable: { type: "boolean", optional: true },
  delete: ARRAY,
  digest: DIGEST,
};

const MATCHER_PROPS: ParamSchema = {
  ...NAME,
  "match-field": ARRAY,
  "match-severity": ARRAY,
  "match-calendar": ARRAY,
  target: ARRAY,
  mode: { type: "string", enum: ["all", "any"], optional: true },
  "invert-match": { type: "boolean", optional: true },
  comment: { type: "string", optional: true },
  disable: { type: "boolean", optional: true },
};

const MATCHER_UPDATE: ParamSchema = { ...MATCHER_PROPS, delete: ARRAY, digest: DIGEST };

const WEBHOOK_DELETABLE = ["comment", "disable", "header", "body", "secret"];
const MATCHER_DELETABLE = [
  "comment",
  "disable",
  "invert-match",
  "match-calendar",
  "match-field",
  "match-severity",
  "mode",
  "target",
];

/** An `['or', ['perm', MAPPING, [a]], ['perm', MAPPING, [b]], …]` check: PVE reports no detail. */
function checkMappingAny(caller: Caller, privs: readonly string[]): void {
  if (!privs.some((p) => caller.has(MAPPING, p))) throw new ApiError(403, "Permission check failed");
}

/** The second half of the webhook write check: `or(Sys.Audit+Sys.Modify on /, Sys.AccessNetwork on /)`. */
function checkNetworkWrite(caller: Caller): void {
  const sys = caller.has("/", "Sys.Audit") && caller.has("/", "Sys.Modify");
  if (!sys && !caller.has("/", "Sys.AccessNetwork")) throw new ApiError(403, "Permission check failed");
}

const list = (v: ParamValue | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? [...v] : [String(v)];
const bool = (v: ParamValue | undefined): boolean | undefined => (v === undefined ? undefined : v === 1);
const flag = (v: boolean | undefined) => (v === undefined ? undefined : v ? 1 : 0);

/** `name=<n>[,value=<base64>]` → its parts; a 400 naming `param` when malformed. */
function parseKeyValue(text: string, param: string): KeyAndBase64Value {
  const out: { name?: string; value?: string } = {};
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? "" : part.slice(0, eq);
    if (key !== "name" && key !== "value") {
      throw paramError({ [param]: `invalid property string '${text}': expected name=<name>,value=<base64>` });
    }
    if (out[key] !== undefined) {
      throw paramError({ [param]: `invalid property string '${text}': duplicate key '${key}'` });
    }
    out[key] = part.slice(eq + 1);
  }
  if (out.name === undefined || out.name === "") {
    throw paramError({ [param]: `invalid property string '${text}': property 'name' is missing` });
  }
  return out.value === undefined ? { name: out.name } : { name: out.name, value: out.value };
}

const keyValueString = (kv: KeyAndBase64Value) =>
  kv.value === undefined ? `name=${kv.name}` : `name=${kv.name},value=${kv.value}`;

function webhookForApi(w: SimWebhook): Record<string, unknown> {
  const out: Record<string, unknown> = { name: w.name, method: w.method, url: w.url };
  if (w.header.length) out.header = w.header.map(keyValueString);
  if (w.body !== undefined) out.body = w.body;
  if (w.comment !== undefined) out.comment = w.comment;
  if (w.disable !== undefined) out.disable = flag(w.disable);
  out.origin = w.origin;
  // Secrets: only their names ever leave the private config.
  if (w.secret.length) out.secret = w.secret.map((s) => `name=${s.name}`);
  return out;
}

function matcherForApi(m: SimMatcher): Record<string, unknown> {
  const out: Record<string, unknown> = { name: m.name };
  if (m.matchField.length) out["match-field"] = [...m.matchField];
  if (m.matchSeverity.length) out["match-severity"] = [...m.matchSeverity];
  if (m.matchCalendar.length) out["match-calendar"] = [...m.matchCalendar];
  if (m.mode !== undefined) out.mode = m.mode;
  if (m.invertMatch !== undefined) out["invert-match"] = flag(m.invertMatch);
  if (m.target.length) out.target = [...m.target];
  if (m.comment !== undefined) out.comment = m.comment;
  if (m.disable !== undefined) out.disable = flag(m.disable);
  out.origin = m.origin;
  return out;
}

function verifyDigest(config: SimNotificationConfig, digest: ParamValue | undefined): void {
  if (digest !== undefined && String(digest) !== notificationDigest(config)) {
    throw new ApiError(400, "detected modified configuration - file changed by other user? Try again.");
  }
}

function ensureUnique(config: SimNotificationConfig, name: string): void {
  if (entityNames(config).includes(name)) {
    throw new ApiError(400, `Cannot create '${name}', an entity with the same name already exists`);
  }
}

function ensureTargetsExist(config: SimNotificationConfig, targets: readonly string[]): void {
  const known = [...config.webhooks, ...config.sendmail].map((t) => t.name);
  for (const t of targets) {
    if (!known.includes(t)) throw new ApiError(404, `endpoint '${t}' does not exist`);
  }
}

/** Item formats of array parameters the generic validator does not check. */
function checkItems(p: Readonly<Record<string, ParamValue>>, key: string, format: string): void {
  for (const item of list(p[key])) {
    const err = checkFormat(format, item);
    if (err) throw paramError({ [key]: `invalid format - ${err}\n` });
  }
}

function checkDeletable(p: Readonly<Record<string, ParamValue>>, allowed: readonly string[]): string[] {
  const keys = list(p.delete);
  for (const key of keys) {
    if (!allowed.includes(key))
      throw paramError({ delete: `invalid value '${key}': not a deletable property` });
  }
  return keys;
}

/** Validates the match rules of a matcher the way proxmox-notify parses them. */
function checkMatchRules(p: Readonly<Record<string, ParamValue>>): void {
  const parsers: [string, (s: string) => unknown][] = [
    ["match-field", parseFieldMatcher],
    ["match-severity", parseSeverityMatcher],
    ["match-calendar", parseCalendarMatcher],
  ];
  for (const [key, parse] of parsers) {
    for (const item of list(p[key])) {
      try {
        parse(item);
      } catch (err) {
        throw paramError({ [key]: (err as Error).message });
      }
    }
  }
}

/** Normalised as proxmox-notify writes them back (`exact:` values trimmed). */
function normalizeField(text: string): string {
  const fm = parseFieldMatcher(text);
  return fm.kind === "exact" ? `exact:${fm.field}=${fm.values.join(",")}` : text;
}

export function notificationRoutes(deps: SimDeps, notifier: Notifier): Route[] {
  const { state } = deps;
  const cfg = () => state.notifications;
  const modify = { path: MAPPING, privs: ["Mapping.Modify"] } as const;

  const webhookOr404 = (name: string) => {
    const w = cfg().webhooks.find((x) => x.name === name);
    if (!w) throw new ApiError(404, `endpoint '${name}' not found`);
    return w;
  };
  const matcherOr404 = (name: string) => {
    const m = cfg().matchers.find((x) => x.name === name);
    if (!m) throw new ApiError(404, `matcher '${name}' not found`);
    return m;
  };

  return [
    {
      method: "GET",
      path: "/cluster/notifications",
      params: {},
      handle: () =>
        ["endpoints", "matchers", "targets", "matcher-fields", "matcher-field-values"].map((name) => ({
          name,
        })),
    },
    {
      method: "GET",
      path: "/cluster/notifications/endpoints",
      params: {},
      handle: () => ["gotify", "sendmail", "smtp", "webhook"].map((name) => ({ name })),
    },
    {
      method: "GET",
      path: "/cluster/notifications/matcher-fields",
      params: {},
      handle: ({ caller }) => {
        checkMappingAny(caller, ["Mapping.Modify", "Mapping.Audit"]);
        return [{ name: "type" }, { name: "hostname" }, { name: "job-id" }];
      },
    },
    {
      method: "GET",
      path: "/cluster/notifications/matcher-field-values",
      params: {},
      handle: ({ caller }) => {
        checkMappingAny(caller, ["Mapping.Modify", "Mapping.Audit"]);
        const values: Record<string, unknown>[] = [
          "package-updates",
          "fencing",
          "replication",
          "vzdump",
          "system-mail",
        ].map((value) => ({ value, field: "type" }));
        if (caller.has("/", "Sys.Audit")) {
          for (const job of state.jobs.filter((j) => (j.type ?? "vzdump") === "vzdump")) {
            values.push({
              value: job.id,
              field: "job-id",
              ...(job.comment === undefined ? {} : { comment: String(job.comment) }),
            });
          }
        }
        for (const n of state.nodes) values.push({ value: n.name, field: "hostname" });
        return values;
      },
    },
    {
      method: "GET",
      path: "/cluster/notifications/targets",
      params: {},
      handle: ({ caller }) => {
        checkMappingAny(caller, ["Mapping.Modify", "Mapping.Audit", "Mapping.Use"]);
        const targets = [
          ...cfg().sendmail.map((s) => ({ t: s, type: "sendmail" })),
          ...cfg().webhooks.map((w) => ({ t: w, type: "webhook" })),
        ];
        return targets
          .sort((a, b) => (a.t.name < b.t.name ? -1 : a.t.name > b.t.name ? 1 : 0))
          .map(({ t, type }) => {
            const out: Record<string, unknown> = { name: t.name, type };
            if (t.comment !== undefined) out.comment = t.comment;
            if (t.disable !== undefined) out.disable = flag(t.disable);
            out.origin = t.origin;
            return out;
          });
      },
    },
    {
      method: "POST",
      path: "/cluster/notifications/targets/{name}/test",
      params: NAME,
      handle: ({ caller, nowMs }, p) => {
        checkMappingAny(caller, ["Mapping.Modify", "Mapping.Audit", "Mapping.Use"]);
        // Delivered in the background: the outcome shows in the lab's notification log.
        notifier.testTarget(String(p.name), nowMs);
        return null;
      },
    },
    {
      method: "GET",
      path: "/cluster/notifications/endpoints/sendmail",
      params: {},
      handle: ({ caller }) => {
        checkMappingAny(caller, ["Mapping.Modify", "Mapping.Audit"]);
        return cfg().sendmail.map((s) => {
          const out: Record<string, unknown> = { name: s.name };
          if (s.mailto.length) out.mailto = [...s.mailto];
          if (s.mailtoUser.length) out["mailto-user"] = [...s.mailtoUser];
          if (s.comment !== undefined) out.comment = s.comment;
          if (s.disable !== undefined) out.disable = flag(s.disable);
          out.origin = s.origin;
          return out;
        });
      },
    },
    {
      method: "GET",
      path: "/cluster/notifications/endpoints/webhook",
      params: {},
      // The handler declares `check` twice in one hash: only the Mapping.Audit one is in effect.
      permission: { path: MAPPING, privs: ["Mapping.Audit"] },
      handle: () => cfg().webhooks.map(webhookForApi),
    },
    {
      method: "POST",
      path: "/cluster/notifications/endpoints/webhook",
      params: WEBHOOK_PROPS,
      permission: modify,
      handle: ({ caller }, p) => {
        checkNetworkWrite(caller);
        const name = String(p.name);
        const header = list(p.header).map((h) => parseKeyValue(h, "header"));
        const secret = list(p.secret).map((s) => parseKeyValue(s, "secret"));
        ensureUnique(cfg(), name);
        const webhook: SimWebhook = {
          name,
          method: p.method as SimWebhook["method"],
          url: String(p.url),
          header,
          secret,
          origin: "user-created",
        };
        if (p.body !== undefined) webhook.body = String(p.body);
        if (p.comment !== undefined) webhook.comment = String(p.comment);
        if (p.disable !== undefined) webhook.disable = bool(p.disable);
        cfg().webhooks.push(webhook);
        return null;
      },
    },
    {
      method: "GET",
      path: "/cluster/notifications/endpoints/webhook/{name}",
      params: NAME,
      handle: ({ caller }, p) => {
        checkMappingAny(caller, ["Mapping.Modify", "Mapping.Audit"]);
        return { ...webhookForApi(webhookOr404(String(p.name))), digest: notificationDigest(cfg()) };
      },
    },
    {
      method: "PUT",
      path: "/cluster/notifications/endpoints/webhook/{name}",
      params: WEBHOOK_UPDATE,
      permission: modify,
      handle: ({ caller }, p) => {
        checkNetworkWrite(caller);
        const deletes = checkDeletable(p, WEBHOOK_DELETABLE);
        const header =
          p.header === undefined ? undefined : list(p.header).map((h) => parseKeyValue(h, "header"));
        const secret =
          p.secret === undefined ? undefined : list(p.secret).map((s) => parseKeyValue(s, "secret"));
        verifyDigest(cfg(), p.digest);
        const old = webhookOr404(String(p.name));
        // proxmox-notify `api/webhook.rs::update_endpoint`: every check before anything changes.
        for (const h of header ?? []) {
          if (h.value === undefined) throw new ApiError(400, `header '${h.name}' has empty value`);
          if (decodeBase64Text(h.value) === undefined)
            throw new ApiError(400, `header '${h.name}' does not have valid base64 encoded data`);
        }
        let secrets = deletes.includes("secret") ? [] : old.secret;
        if (secret !== undefined) {
          const next: KeyAndBase64Value[] = [];
          for (const s of secret) {
            let kept: KeyAndBase64Value | undefined;
            if (s.value !== undefined) {
              if (decodeBase64Text(s.value) === undefined)
                throw new ApiError(400, `secret '${s.name}' does not have valid base64 encoded data`);
              kept = s;
            } else {
              kept = old.secret.find((o) => o.name === s.name);
              if (!kept) throw new ApiError(400, `secret '${s.name}' not known`);
            }
            if (next.some((n) => n.name === kept.name))
              throw new ApiError(400, `secret '${kept.name}' defined multiple times`);
            next.push(kept);
          }
          secrets = next;
        }
        const w: SimWebhook = { ...old, header: [...old.header], secret: secrets };
        for (const key of deletes) {
          if (key === "comment") delete w.comment;
          if (key === "disable") delete w.disable;
          if (key === "header") w.header = [];
          if (key === "body") delete w.body;
        }
        if (p.url !== undefined) w.url = String(p.url);
        if (p.body !== undefined) w.body = String(p.body);
        if (header !== undefined) w.header = header;
        if (p.method !== undefined) w.method = p.method as SimWebhook["method"];
        if (p.disable !== undefined) w.disable = bool(p.disable);
        if (p.comment !== undefined) w.comment = String(p.comment);
        const webhooks = cfg().webhooks;
        webhooks[webhooks.indexOf(old)] = w;
        return null;
      },
    },
    {
      method: "DELETE",
      path: "/cluster/notifications/endpoints/webhook/{name}",
      params: NAME,
      permission: modify,
      handle: (_ctx, p) => {
        const name = String(p.name);
        const w = webhookOr404(name);
        const referrers = cfg()
          .matchers.filter((m) => m.target.includes(name))
          .map((m) => m.name);
        if (referrers.length) {
          throw new ApiError(400, `cannot delete '${name}', referenced by: ${referrers.join(", ")}`);
        }
        cfg().webhooks = cfg().webhooks.filter((x) => x !== w);
        return null;
      },
    },
    {
      method: "GET",
      path: "/cluster/notifications/matchers",
      params: {},
      handle: ({ caller }) => {
        checkMappingAny(caller, ["Mapping.Modify", "Mapping.Audit", "Mapping.Use"]);
        return cfg().matchers.map(matcherForApi);
      },
    },
    {
      method: "POST",
      path: "/cluster/notifications/matchers",
      params: MATCHER_PROPS,
      permission: modify,
      handle: (_ctx, p) => {
        const name = String(p.name);
        checkItems(p, "target", "pve-configid");
        checkMatchRules(p);
        ensureUnique(cfg(), name);
        const target = list(p.target);
        ensureTargetsExist(cfg(), target);
        const matcher: SimMatcher = {
          name,
          matchField: list(p["match-field"]).map(normalizeField),
          matchSeverity: list(p["match-severity"]),
          matchCalendar: list(p["match-calendar"]),
          target,
          origin: "user-created",
        };
        if (p.mode !== undefined) matcher.mode = p.mode as SimMatcher["mode"];
        if (p["invert-match"] !== undefined) matcher.invertMatch = bool(p["invert-match"]);
        if (p.comment !== undefined) matcher.comment = String(p.comment);
        if (p.disable !== undefined) matcher.disable = bool(p.disable);
        cfg().matchers.push(matcher);
        return null;
      },
    },
    {
      method: "GET",
      path: "/cluster/notifications/matchers/{name}",
      params: NAME,
      handle: ({ caller }, p) => {
        checkMappingAny(caller, ["Mapping.Modify", "Mapping.Audit"]);
        return { ...matcherForApi(matcherOr404(String(p.name))), digest: notificationDigest(cfg()) };
      },
    },
    {
      method: "PUT",
      path: "/cluster/notifications/matchers/{name}",
      params: MATCHER_UPDATE,
      permission: modify,
      handle: (_ctx, p) => {
        checkItems(p, "target", "pve-configid");
        checkMatchRules(p);
        const deletes = checkDeletable(p, MATCHER_DELETABLE);
        verifyDigest(cfg(), p.digest);
        const old = matcherOr404(String(p.name));
        const m: SimMatcher = {
          ...old,
          matchField: [...old.matchField],
          matchSeverity: [...old.matchSeverity],
          matchCalendar: [...old.matchCalendar],
          target: [...old.target],
        };
        for (const key of deletes) {
          if (key === "match-severity") m.matchSeverity = [];
          if (key === "match-field") m.matchField = [];
          if (key === "match-calendar") m.matchCalendar = [];
          if (key === "target") m.target = [];
          if (key === "mode") delete m.mode;
          if (key === "invert-match") delete m.invertMatch;
          if (key === "comment") delete m.comment;
          if (key === "disable") delete m.disable;
        }
        if (p["match-severity"] !== undefined) m.matchSeverity = list(p["match-severity"]);
        if (p["match-field"] !== undefined) m.matchField = list(p["match-field"]).map(normalizeField);
        if (p["match-calendar"] !== undefined) m.matchCalendar = list(p["match-calendar"]);
        if (p.mode !== undefined) m.mode = p.mode as SimMatcher["mode"];
        if (p["invert-match"] !== undefined) m.invertMatch = bool(p["invert-match"]);
        if (p.comment !== undefined) m.comment = String(p.comment);
        if (p.disable !== undefined) m.disable = bool(p.disable);
        if (p.target !== undefined) {
          const target = list(p.target);
          ensureTargetsExist(cfg(), target);
          m.target = target;
        }
        if (m.origin === "builtin") m.origin = "modified-builtin";
        const matchers = cfg().matchers;
        matchers[matchers.indexOf(old)] = m;
        return null;
      },
    },
    {
      method: "DELETE",
      path: "/cluster/notifications/matchers/{name}",
      params: NAME,
      permission: modify,
      handle: (_ctx, p) => {
        const old = matcherOr404(String(p.name));
        const matchers = cfg().matchers;
        // A built-in is never removed, only reset to its default.
        if (old.origin !== "user-created") {
          if (old.name !== "default-matcher") throw died(`cannot reset built-in matcher '${old.name}'`);
          matchers[matchers.indexOf(old)] = builtinMatcher();
        } else {
          cfg().matchers = matchers.filter((m) => m !== old);
        }
        return null;
      },
    },
  ];
}
