import { z } from "zod";
import { ALERT_STATUSES, type AlertStatus } from "../core/alerts.js";
import type { VerifyScheduleEntry } from "../core/verify-schedule.js";
import { ConfigError } from "../errors.js";

/**
 * The add-on options (snake_case, as Home Assistant stores them in `/data/options.json`)
 * and their mapping to the frozen camelCase `Config` the rest of the code uses.
 */

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN_ID_RE = /^[^\s@!]+@[^\s@!]+![A-Za-z][A-Za-z0-9.\-_]+$/;
const FINGERPRINT_RE = /^([0-9a-f]{2}:?){31}[0-9a-f]{2}$/i;
const STORAGE_ID_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;

/** `user:pass@` in a URL: a password that would travel into logs, PVE's config and HA's device page. */
const hasUserInfo = (u: string) => /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(u);
const NO_USERINFO = "must not carry a user name or password (user:pass@): remove them";

const ClusterOptions = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/i, "use letters, digits, '-' and '_' (it becomes part of entity ids)"),
  url: z
    .string()
    .refine((u) => !hasUserInfo(u), `${NO_USERINFO}; the API token is what authenticates`)
    .refine(
      (u) => hasUserInfo(u) || !/^http:\/\//i.test(u),
      "PVE serves its API over HTTPS only: write https://, like https://192.168.1.10:8006",
    )
    .refine(
      (u) => hasUserInfo(u) || /^http:\/\//i.test(u) || /^https:\/\/[^/\s]+\/?$/.test(u),
      "must be the base URL of the PVE API, like https://192.168.1.10:8006",
    ),
  token_id: z.string().regex(TOKEN_ID_RE, "must look like user@realm!tokenname, e.g. pve-backup@pve!addon"),
  // The secret is never echoed back in a message, not even partially.
  token_secret: z.string().regex(UUID_RE, "must be the token secret PVE showed at creation (a UUID)"),
  fingerprint: z
    .string()
    .regex(FINGERPRINT_RE, "must be the SHA-256 fingerprint of the PVE certificate, AB:CD:… (32 bytes)")
    .optional(),
  verify_tls: z.boolean().default(true),
});

/** Home Assistant's own backups on the NAS share, checked over SFTP (one self-contained block). */
const HaBackupsOptions = z.strictObject({
  // Optional one by one because the Supervisor writes the block as `{}` when unused; given at all,
  // host, username and share_path are required (checked below).
  host: z.string().min(1, "must be the NAS's host name or address, e.g. 10.0.0.150").optional(),
  port: z.number().int().min(1).max(65535).default(22),
  username: z.string().min(1, "must be the NAS user that may read the share over SFTP").optional(),
  // Neither is ever echoed back in a message.
  password: z.string().optional(),
  private_key: z.string().optional(),
  host_key_fingerprint: z
    .string()
    .regex(
      /^SHA256:[A-Za-z0-9+/]{43}=?$/,
      "must be the NAS's SSH host key fingerprint as ssh-keygen -lf prints it, SHA256:… (leave it out once to be told the key the NAS offers)",
    )
    .optional(),
  share_path: z
    .string()
    .regex(
      /^\//,
      "must be the share's absolute path as SFTP shows it, e.g. /volume1/backups/homeassistant_backups",
    )
    .optional(),
  mount_name: z
    .string()
    .regex(/^[A-Za-z0-9_]+$/, "use letters, digits and '_' (the Supervisor's rule)")
    .default("nas_backups"),
  schedule: z
    .string()
    .regex(
      /^(never|daily|(mon|tue|wed|thu|fri|sat|sun)(,(mon|tue|wed|thu|fri|sat|sun))*)$/,
      "must be daily, never, or weekdays like mon,thu",
    )
    .default("daily"),
  copies: z.number().int().min(1, "must be at least 1").default(3),
});

/** The Synology NAS behind the backup storage, read over DSM's Web API (Hyper Backup, free space). */
const NasOptions = z.strictObject({
  // Optional one by one because the Supervisor writes the block as `{}` when unused; given at all,
  // url, username and password are required (checked below).
  url: z
    .string()
    .refine((u) => !hasUserInfo(u), `${NO_USERINFO}; username and password are options of their own`)
    .refine(
      (u) => hasUserInfo(u) || /^https:\/\/[^/\s]+\/?$/i.test(u),
      "must be the DSM address over HTTPS, like https://10.0.0.150:5001 (the password travels to it)",
    )
    .optional(),
  username: z.string().min(1, "must be the NAS user the add-on logs in as").optional(),
  // Neither is ever echoed back in a message.
  password: z.string().optional(),
  device_token: z.string().optional(),
  fingerprint: z
    .string()
    .regex(FINGERPRINT_RE, "must be the SHA-256 fingerprint of the NAS certificate, AB:CD:… (32 bytes)")
    .optional(),
  timezone: z
    .string()
    .refine(
      isTimeZone,
      "must be an IANA time zone like Europe/Berlin (the NAS's zone in DSM's Regional Options)",
    )
    .optional(),
  min_free_gb: z.number().min(0).default(100),
  fill_warn_days: z.number().int().min(0).default(30),
  nfs_server: z.string().optional(),
});

/** One scheduled verification: tier, when (after its job's run, or every N days), and `full`. */
export const VERIFY_SCHEDULE_RE = /^(\S+) (after_run|every ([1-9]\d{0,2}) days?)( full)?$/;
/** One scheduled test restore: tier, every N days, optionally the one guest to restore. */
export const TEST_RESTORE_SCHEDULE_RE =
  /^(\S+) test_restore every ([1-9]\d{0,2}) days?(?: guest ([1-9]\d{2,8}))?$/;

/**
 * Verification of the vzdump archives: the full check reads them over SFTP from the NAS that
 * `ha_backups` logs in to (same host, user and pinned host key), in the backup storage's `dump/`
 * directory; test restores go to a spare VMID. `{}` (the Supervisor's empty block) is the defaults.
 */
const VerifyOptions = z.strictObject({
  dump_path: z
    .string()
    .regex(
      /^\//,
      "must be the backup storage's dump directory as SFTP on the NAS shows it, e.g. /volume1/pve-backups/dump",
    )
    .optional(),
  max_mb_per_s: z.number().min(0, "must be 0 (unlimited) or more").default(20),
  spare_vmid: z.number().int().min(100, "must be a vmid (100 or more)").max(999_999_999).optional(),
  restore_storage: z
    .string()
    .regex(STORAGE_ID_RE, "must be a PVE storage id for disks, e.g. local-lvm")
    .default("local-lvm"),
  boot_timeout_s: z.number().int().min(10).max(3600).default(300),
  /** Scheduled verification per tier: `P0 after_run`, `P2 every 7 days full` (core/verify-schedule.ts). */
  schedule: z
    .array(
      z
        .string()
        .refine(
          (entry) => VERIFY_SCHEDULE_RE.test(entry) || TEST_RESTORE_SCHEDULE_RE.test(entry),
          "must be '<tier> after_run' or '<tier> every <N> days', optionally followed by ' full', e.g. 'P0 after_run' or 'P2 every 7 days full'; or '<tier> test_restore every <N> days', optionally followed by ' guest <vmid>'",
        ),
    )
    .default([]),
});

const TierOptions = z.strictObject({
  name: z.string().min(1, "must not be empty"),
  schedule: z.string().min(1, "must be a PVE calendar event, e.g. 03:00 or sun 04:00"),
  keep_last: z.number().int().min(1, "must be at least 1"),
  guests: z.array(z.number().int().min(100, "must be a vmid (100 or more)").max(999_999_999)),
  grace_min: z.number().int().min(0).optional(),
});

/**
 * Both or neither: the add-on's options page keeps `push: {}` when nothing is filled in (the
 * Supervisor never leaves a nested block out), which means push is off.
 */
const PushOptions = z.strictObject({
  url: z
    .string()
    .regex(
      /^https?:\/\/\S+$/,
      "must be the URL PVE can reach this service's webhook at, e.g. http://192.168.1.20:8098/api/pve-webhook",
    )
    .refine((u) => !hasUserInfo(u), NO_USERINFO)
    .optional(),
  // Never echoed back: only its length is checked.
  secret: z.string().min(16, "must be at least 16 characters").optional(),
});

const CLOCK_RE = /^([01]\d|2[0-3]):[0-5]\d$/;

/** `105`, `home/105`, `105: retired, data moved to the NAS`: an archived guest and why. */
const ARCHIVED_RE = /^\s*(?:([a-z0-9][a-z0-9_-]*)\/)?(\d{3,9})\s*(?::([\s\S]*))?$/i;
const ARCHIVED_REASON_MAX = 200;

/** An `archived` entry's parts; the reason on one line (newlines and runs of blanks become one space). */
function archivedEntry(entry: string): { cluster?: string; vmid: string; reason: string } {
  const m = ARCHIVED_RE.exec(entry) ?? [];
  return { cluster: m[1], vmid: m[2] ?? "", reason: (m[3] ?? "").replace(/\s+/g, " ").trim() };
}

/** Alerts on the phone and as persistent notifications (one self-contained block; `{}` is off). */
const AlertsOptions = z.strictObject({
  targets: z
    .array(
      z
        .string()
        .regex(
          /^(notify\.[a-z0-9_]+|persistent_notification)$/,
          "must be a notify service like notify.mobile_app_pixel_8, or persistent_notification",
        ),
    )
    .default([]),
  statuses: z
    .array(
      z
        .string()
        .refine(
          (s): s is AlertStatus => (ALERT_STATUSES as readonly string[]).includes(s),
          `must be one of ${ALERT_STATUSES.join(", ")}`,
        ),
    )
    .default([...ALERT_STATUSES]),
  grace_min: z.number().int().min(0, "must be 0 or more minutes").default(60),
  quiet_hours: z
    .string()
    .refine(
      (s) => s === "" || /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/.test(s),
      "must be a span of local time like 22:00-07:00 (or empty for none)",
    )
    .optional(),
  digest_time: z
    .string()
    .refine((s) => s === "" || CLOCK_RE.test(s), "must be a local time like 08:00 (or empty for no digest)")
    .optional(),
  immediate_tiers: z.array(z.string().min(1, "must be a tier name")).default([]),
  archived: z
    .array(
      z
        .string()
        .regex(
          ARCHIVED_RE,
          "must be a guest's vmid like 105 or cluster/vmid like home/105, optionally with a reason: 105: retired, data moved to the NAS",
        )
        .refine(
          (s) => archivedEntry(s).reason.length <= ARCHIVED_REASON_MAX,
          `the reason must be at most ${ARCHIVED_REASON_MAX} characters`,
        ),
    )
    .default([]),
  dashboard_path: z
    .string()
    .regex(/^\/\S*$/, "must be a path in Home Assistant, like /lovelace/backups")
    .default("/lovelace"),
});

const TopOptions = z.strictObject({
  clusters: z.array(ClusterOptions).min(1, "add at least one Proxmox VE cluster"),
  storage: z.string().regex(STORAGE_ID_RE, "must be a PVE storage id, e.g. nas-backups").optional(),
  manual_keep: z
    .number()
    .int()
    .min(1, "must be at least 1: the newest manual backup always stays protected")
    .max(100)
    .default(3),
  tiers: z.array(TierOptions).default([]),
  grace_min: z.number().int().min(0).default(60),
  timezone: z
    .string()
    .refine(isTimeZone, "must be an IANA time zone like Europe/Berlin (the PVE nodes' zone)")
    .optional(),
  refresh_interval_s: z.number().int().min(5, "must be at least 5 seconds").default(60),
  request_timeout_s: z.number().int().min(1).max(300).default(20),
  api_port: z.number().int().min(0).max(65535).default(8099),
  /** PVE's webhook listener (all interfaces); open only when `push` is set. */
  webhook_port: z.number().int().min(0).max(65535).default(8098),
  install_integration: z.boolean().default(false),
  /** Where PVE sends its vzdump notifications (a webhook target), when not through Home Assistant. */
  push: PushOptions.optional(),
  /** Home Assistant's own backups on the NAS share, checked over SFTP; `{}` (the Supervisor's empty block) is off. */
  ha_backups: HaBackupsOptions.optional(),
  /** The Synology NAS's own view (Hyper Backup, share space) over DSM; `{}` is off. */
  nas: NasOptions.optional(),
  /** Verification of the vzdump archives and test restores. */
  verify: VerifyOptions.optional(),
  /** Alerts on the phone (notify.mobile_app_*) and as persistent notifications; `{}` is off. */
  alerts: AlertsOptions.optional(),
});

export const OptionsSchema = TopOptions.superRefine((o, ctx) => {
  const ha = o.ha_backups;
  if (ha && (ha.host || ha.username || ha.share_path)) {
    for (const key of ["host", "username", "share_path"] as const)
      if (!ha[key])
        ctx.addIssue({
          code: "custom",
          path: ["ha_backups", key],
          message: "needed once ha_backups is filled in",
        });
  }
  const nas = o.nas;
  if (nas && (nas.url || nas.username || nas.password || nas.device_token || nas.fingerprint)) {
    for (const key of ["url", "username", "password"] as const)
      if (!nas[key])
        ctx.addIssue({ code: "custom", path: ["nas", key], message: "needed once nas is filled in" });
  }
  const seen = new Map<string, string>();
  o.tiers.forEach((t, i) => {
    const dup = o.tiers.findIndex((u) => u.name === t.name);
    if (dup !== i)
      ctx.addIssue({
        code: "custom",
        path: ["tiers", i, "name"],
        message: `duplicate tier name '${t.name}'`,
      });
    for (const vmid of t.guests) {
      const other = seen.get(String(vmid));
      if (other !== undefined && other !== t.name)
        ctx.addIssue({
          code: "custom",
          path: ["tiers", i, "guests"],
          message: `guest ${vmid} is already in tier '${other}'; a guest belongs to one tier`,
        });
      seen.set(String(vmid), t.name);
    }
  });
  if (o.push && (o.push.url === undefined) !== (o.push.secret === undefined))
    ctx.addIssue({
      code: "custom",
      path: ["push", o.push.url === undefined ? "url" : "secret"],
      message: `missing; ${MISSING[o.push.url === undefined ? "push.url" : "push.secret"]}`,
    });
  o.clusters.forEach((c, i) => {
    if (o.clusters.findIndex((d) => d.name === c.name) !== i)
      ctx.addIssue({
        code: "custom",
        path: ["clusters", i, "name"],
        message: `duplicate cluster name '${c.name}'`,
      });
  });
  const alerts = o.alerts;
  alerts?.immediate_tiers.forEach((t, i) => {
    if (!o.tiers.some((u) => u.name === t))
      ctx.addIssue({
        code: "custom",
        path: ["alerts", "immediate_tiers", i],
        message: `no tier named '${t}' (the tiers are ${o.tiers.map((u) => u.name).join(", ") || "not set"})`,
      });
  });
  o.verify?.schedule.forEach((entry, i) => {
    const m = VERIFY_SCHEDULE_RE.exec(entry);
    if (m && !o.tiers.some((u) => u.name === m[1]))
      ctx.addIssue({
        code: "custom",
        path: ["verify", "schedule", i],
        message: `no tier named '${m[1]}' (the tiers are ${o.tiers.map((u) => u.name).join(", ") || "not set"})`,
      });
    if (m?.[4] && (!o.verify?.dump_path || !o.ha_backups?.host))
      ctx.addIssue({
        code: "custom",
        path: ["verify", "schedule", i],
        message:
          "a full check reads the archives from the NAS: set verify.dump_path and the NAS login in ha_backups",
      });
  });
  o.verify?.schedule.forEach((entry, i) => {
    const m = TEST_RESTORE_SCHEDULE_RE.exec(entry);
    if (!m) return;
    const tier = o.tiers.find((u) => u.name === m[1]);
    const issue = (message: string) =>
      ctx.addIssue({ code: "custom", path: ["verify", "schedule", i], message });
    if (!tier)
      issue(`no tier named '${m[1]}' (the tiers are ${o.tiers.map((u) => u.name).join(", ") || "not set"})`);
    else if (m[3] !== undefined && !tier.guests.includes(Number(m[3])))
      issue(`guest ${m[3]} is not in tier ${tier.name} (its guests are ${tier.guests.join(", ") || "none"})`);
    if (o.verify?.spare_vmid === undefined)
      issue(
        "a test restore needs a spare VMID nothing else uses: set verify.spare_vmid (e.g. 9100), and verify.restore_storage if the disks should not go to local-lvm",
      );
  });
  alerts?.archived.forEach((g, i) => {
    const { cluster } = archivedEntry(g);
    if (cluster === undefined ? o.clusters.length > 1 : !o.clusters.some((c) => c.name === cluster))
      ctx.addIssue({
        code: "custom",
        path: ["alerts", "archived", i],
        message:
          cluster === undefined
            ? "several clusters are configured: write cluster/vmid, like home/105"
            : `no cluster named '${cluster}'`,
      });
  });
  const archivedKeys = (alerts?.archived ?? []).map((g) => {
    const e = archivedEntry(g);
    return `${e.cluster ?? o.clusters[0]?.name}/${Number(e.vmid)}`;
  });
  archivedKeys.forEach((key, i) => {
    if (archivedKeys.indexOf(key) !== i)
      ctx.addIssue({
        code: "custom",
        path: ["alerts", "archived", i],
        message: `guest ${key} is archived twice: keep one entry`,
      });
  });
});

export type Options = z.input<typeof OptionsSchema>;

export interface ClusterConfig {
  readonly name: string;
  readonly baseUrl: string;
  readonly tokenId: string;
  readonly tokenSecret: string;
  readonly fingerprint?: string;
  readonly verifyTls: boolean;
}

export interface TierConfig {
  readonly name: string;
  readonly schedule: string;
  readonly keepLast: number;
  readonly guests: readonly number[];
  readonly graceMin: number;
}

export interface Config {
  readonly clusters: readonly ClusterConfig[];
  readonly storage?: string;
  /** Manual archives per guest that stay protected; older ones go back to the tier's retention. */
  readonly manualKeep: number;
  readonly tiers: readonly TierConfig[];
  readonly graceMin: number;
  readonly timeZone: string;
  readonly refreshIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly apiPort: number;
  /** Port of PVE's webhook listener; it listens only when `push` is set. */
  readonly webhookPort: number;
  readonly push?: { readonly url: string; readonly secret: string };
  /** Copy the companion integration into HA's config folder at start (a restart of HA follows). */
  readonly installIntegration: boolean;
  readonly haBackups?: HaBackupsConfig;
  readonly nas?: NasConfig;
  readonly verify: VerifyConfig;
  /** Set when alerts have at least one target. */
  readonly alerts?: AlertsConfig;
}

export interface NasConfig {
  /** `https://host:5001`, no trailing slash. */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  readonly deviceToken?: string;
  /** `AB:CD:…` */
  readonly fingerprint?: string;
  /** The NAS's zone (DSM's times carry none); the options' `timezone` unless set. */
  readonly timeZone: string;
  readonly minFreeBytes: number;
  readonly fillWarnDays: number;
  /** Other names or addresses PVE's NFS storages use for the NAS (`nfs_server`, comma-separated). */
  readonly nfsServers: readonly string[];
}

export interface VerifyConfig {
  /** The storage's `dump/` directory as SFTP on the NAS shows it; without it no full check. */
  readonly dumpPath?: string;
  /** Full-check read rate; 0 = unlimited. */
  readonly maxBytesPerSec: number;
  readonly spareVmid?: number;
  readonly restoreStorage: string;
  readonly bootTimeoutMs: number;
  /** Scheduled verification per tier (options `verify.schedule`). */
  readonly schedule: readonly VerifyScheduleEntry[];
}

export interface AlertsConfig {
  /** `notify.mobile_app_*` services and/or `persistent_notification`. */
  readonly targets: readonly string[];
  readonly statuses: readonly AlertStatus[];
  readonly graceMin: number;
  /** Minutes after local midnight. */
  readonly quietHours?: { readonly startMin: number; readonly endMin: number };
  readonly digestMin?: number;
  readonly immediateTiers: readonly string[];
  /** Guests as `cluster/vmid`. */
  readonly archived: readonly string[];
  readonly dashboardPath: string;
  /** Why a guest is archived, by `cluster/vmid` (only the entries that say why). */
  readonly archivedReasons: Readonly<Record<string, string>>;
}

type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

export interface HaBackupsConfig {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password?: string;
  readonly privateKey?: string;
  readonly hostKeyFingerprint?: string;
  readonly sharePath: string;
  readonly mountName: string;
  readonly schedule: {
    readonly recurrence: "never" | "daily" | "custom_days";
    readonly days: readonly Weekday[];
  };
  readonly copies: number;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    // RangeError is how Intl says the zone is unknown.
    return false;
  }
}

/** Validate raw options; throws ConfigError with one `path: message` line per problem. */
export function parseOptions(raw: unknown, env: { readonly defaultTimeZone: string }): Config {
  const result = OptionsSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(result.error.issues.flatMap((i) => describeIssue(i, raw)));
  }
  const o = result.data;
  const config: Config = {
    clusters: o.clusters.map((c) => ({
      name: c.name,
      baseUrl: c.url.replace(/\/$/, ""),
      tokenId: c.token_id,
      // PVE issues token secrets as lower-case UUIDs; a secret pasted in upper case still works.
      tokenSecret: c.token_secret.toLowerCase(),
      fingerprint: c.fingerprint ? normaliseFingerprint(c.fingerprint) : undefined,
      verifyTls: c.verify_tls,
    })),
    storage: o.storage,
    manualKeep: o.manual_keep,
    tiers: o.tiers.map((t) => ({
      name: t.name,
      schedule: t.schedule,
      keepLast: t.keep_last,
      guests: t.guests,
      graceMin: t.grace_min ?? o.grace_min,
    })),
    graceMin: o.grace_min,
    timeZone: o.timezone ?? env.defaultTimeZone,
    refreshIntervalMs: o.refresh_interval_s * 1000,
    requestTimeoutMs: o.request_timeout_s * 1000,
    apiPort: o.api_port,
    webhookPort: o.webhook_port,
    push:
      o.push?.url !== undefined && o.push.secret !== undefined
        ? { url: o.push.url, secret: o.push.secret }
        : undefined,
    installIntegration: o.install_integration,
    haBackups: haBackupsOf(o.ha_backups),
    nas: nasOf(o.nas, o.timezone ?? env.defaultTimeZone),
    verify: verifyOf(o.verify),
    alerts: alertsOf(o.alerts, o.clusters[0]?.name as string),
  };
  return deepFreeze(config);
}

/** What to write where an option is missing: the sentence after "missing;". */
const MISSING: Record<string, string> = {
  clusters:
    'add the Proxmox VE cluster(s) to watch: "clusters": [{"name": "home", "url": "https://192.168.1.10:8006", "token_id": "pve-backup@pve!addon", "token_secret": "<the UUID PVE showed>"}]',
  "clusters.name": 'name the cluster, e.g. "name": "home"',
  "clusters.url": 'add the PVE API URL, e.g. "url": "https://192.168.1.10:8006"',
  "clusters.token_id": 'add the API token id, e.g. "token_id": "pve-backup@pve!addon"',
  "clusters.token_secret":
    'add the token secret PVE showed when the token was created (a UUID): "token_secret": "…"',
  "tiers.name": 'name the tier, e.g. "name": "P0"',
  "tiers.schedule": 'add when it runs, a PVE calendar event, e.g. "schedule": "03:00"',
  "tiers.keep_last": 'add how many backups to keep, e.g. "keep_last": 3',
  "tiers.guests": 'list the guests\' vmids, e.g. "guests": [100, 101]',
  "push.url": 'add where PVE reaches the webhook, e.g. "url": "http://192.168.1.20:8098/api/pve-webhook"',
  "push.secret": 'add a shared secret of 16 or more characters, e.g. "secret": "<random text>"',
};

const KIND_WORDS: Record<string, string> = {
  array: "a list [ … ]",
  object: "an object { … }",
  string: 'text in quotes "…"',
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
};

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return "text";
  if (typeof value === "object") return "an object";
  return `${typeof value === "number" ? "a number" : typeof value === "boolean" ? "true/false" : typeof value}`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const key of path)
    v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** The valid keys of the object at `path` (`[]`, `["clusters", 0]`, `["tiers", 1]`, `["push"]`, …). */
function keysAt(path: readonly PropertyKey[]): readonly string[] {
  const where = path.filter((k) => typeof k === "string").join(".");
  const shape =
    where === ""
      ? TopOptions.shape
      : where === "clusters"
        ? ClusterOptions.shape
        : where === "tiers"
          ? TierOptions.shape
          : where === "push"
            ? PushOptions.shape
            : where === "ha_backups"
              ? HaBackupsOptions.shape
              : where === "nas"
                ? NasOptions.shape
                : where === "alerts"
                  ? AlertsOptions.shape
                  : {};
  return Object.keys(shape);
}

/**
 * One sentence per problem that says what to write, in place of zod's own wording. Values are
 * never quoted back (a misplaced token secret would be); the key of an unknown option is, unless
 * it looks like a secret.
 */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  const at = (path: readonly PropertyKey[]) => (path.length ? path.map(String).join(".") : "(options)");
  const here = at(issue.path);
  if (issue.code === "unrecognized_keys") {
    const valid = keysAt(issue.path);
    return issue.keys.map((key) => {
      if (UUID_RE.test(key))
        return `${at(issue.path)}: an unknown option whose name looks like a token secret`;
      const near = nearest(key, valid);
      return `${at([...issue.path, key])}: unknown option; ${near ? `did you mean ${near}?` : `the options here are ${valid.join(", ")}`}`;
    });
  }
  if (issue.code === "invalid_type") {
    const value = valueAt(raw, issue.path);
    const key = issue.path.filter((k) => typeof k === "string").join(".");
    if (value === undefined) return [`${here}: missing; ${MISSING[key] ?? "add it"}`];
    return [`${here}: must be ${KIND_WORDS[issue.expected] ?? issue.expected}, not ${kindOf(value)}`];
  }
  if (issue.code === "too_small" && issue.origin === "number" && !issue.message.startsWith("must"))
    return [`${here}: must be at least ${issue.minimum}`];
  if (issue.code === "too_big" && issue.origin === "number" && !issue.message.startsWith("must"))
    return [`${here}: must be at most ${issue.maximum}`];
  return [`${here}: ${issue.message}`];
}

/** The valid key closest to a typo (edit distance ≤ 3, and less than half its length). */
export function nearest(typo: string, valid: readonly string[]): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const key of valid) {
    const d = editDistance(typo.toLowerCase(), key);
    if (!best || d < best.d) best = { key, d };
  }
  return best && best.d <= Math.min(3, Math.ceil(best.key.length / 2)) ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = row;
  }
  return prev[b.length] as number;
}

function haBackupsOf(h: z.infer<typeof HaBackupsOptions> | undefined): HaBackupsConfig | undefined {
  if (!h?.host || !h.username || !h.share_path) return undefined;
  return {
    host: h.host,
    port: h.port,
    username: h.username,
    password: h.password || undefined,
    privateKey: h.private_key || undefined,
    hostKeyFingerprint: h.host_key_fingerprint,
    sharePath: h.share_path,
    mountName: h.mount_name,
    schedule:
      h.schedule === "never" || h.schedule === "daily"
        ? { recurrence: h.schedule, days: [] }
        : { recurrence: "custom_days", days: h.schedule.split(",") as Weekday[] },
    copies: h.copies,
  };
}

function nasOf(n: z.infer<typeof NasOptions> | undefined, timeZone: string): NasConfig | undefined {
  if (!n?.url || !n.username || !n.password) return undefined;
  return {
    baseUrl: n.url.replace(/\/$/, ""),
    username: n.username,
    password: n.password,
    deviceToken: n.device_token || undefined,
    fingerprint: n.fingerprint ? normaliseFingerprint(n.fingerprint) : undefined,
    timeZone: n.timezone ?? timeZone,
    minFreeBytes: Math.round(n.min_free_gb * 1e9),
    fillWarnDays: n.fill_warn_days,
    nfsServers: (n.nfs_server ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter((h) => h !== ""),
  };
}

function verifyOf(v: z.infer<typeof VerifyOptions> | undefined): VerifyConfig {
  const o = VerifyOptions.parse(v ?? {});
  return {
    dumpPath: o.dump_path,
    maxBytesPerSec: Math.round(o.max_mb_per_s * 1_000_000),
    spareVmid: o.spare_vmid,
    restoreStorage: o.restore_storage,
    bootTimeoutMs: o.boot_timeout_s * 1000,
    schedule: o.schedule.map((entry) => {
      const t = TEST_RESTORE_SCHEDULE_RE.exec(entry);
      if (t)
        return {
          tier: t[1] as string,
          afterRun: false,
          everyDays: Number(t[2]),
          full: false,
          testRestore: t[3] === undefined ? {} : { guest: Number(t[3]) },
        };
      const m = VERIFY_SCHEDULE_RE.exec(entry) as RegExpExecArray;
      return {
        tier: m[1] as string,
        afterRun: m[2] === "after_run",
        everyDays: m[3] === undefined ? undefined : Number(m[3]),
        full: m[4] !== undefined,
      };
    }),
  };
}

const minuteOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

function alertsOf(
  a: z.infer<typeof AlertsOptions> | undefined,
  firstCluster: string,
): AlertsConfig | undefined {
  if (!a || a.targets.length === 0) return undefined;
  const [start, end] = a.quiet_hours ? a.quiet_hours.split("-") : [];
  const archived = a.archived.map((g) => {
    const e = archivedEntry(g);
    return { key: `${e.cluster ?? firstCluster}/${Number(e.vmid)}`, reason: e.reason };
  });
  return {
    targets: [...new Set(a.targets)],
    statuses: a.statuses as AlertStatus[],
    graceMin: a.grace_min,
    quietHours: start && end ? { startMin: minuteOf(start), endMin: minuteOf(end) } : undefined,
    digestMin: a.digest_time ? minuteOf(a.digest_time) : undefined,
    immediateTiers: a.immediate_tiers,
    // A bare vmid belongs to the only cluster (checked in OptionsSchema).
    archived: archived.map((e) => e.key),
    dashboardPath: a.dashboard_path,
    archivedReasons: Object.fromEntries(archived.flatMap((e) => (e.reason ? [[e.key, e.reason]] : []))),
  };
}

/** `abcd…` or `AB:CD:…` → `AB:CD:…`, the form PVE shows and Node reports as `fingerprint256`. */
export function normaliseFingerprint(fp: string): string {
  const hex = fp.replace(/:/g, "").toUpperCase();
  return hex.match(/.{2}/g)?.join(":") ?? hex;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
