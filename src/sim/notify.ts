import { ApiError } from "./api-error.js";
import { jobRunOptions } from "./jobs.js";
import type { LocalClock } from "./local-time.js";
import type { SimMatcher, SimNotificationConfig, SimWebhook } from "./notify-config.js";
import type { Route } from "./route.js";
import type { SimState, SimTask } from "./state.js";
import { renderTemplate, TemplateError } from "./template.js";
import type { ParamValue } from "./validate.js";

/**
 * The notification system of the simulated cluster (reference §7): a finished vzdump task whose
 * `notification-mode` resolves to the notification system becomes a notification (severity,
 * metadata fields, title and plain-text body as PVE's vzdump templates render them, §7.2), every
 * enabled matcher decides which targets get it, and each target is "delivered": a webhook really
 * sends its rendered HTTP request (§7.3), a sendmail target is only recorded. Deliveries are logged
 * for tests; their failures never touch the task.
 */

export type Severity = "info" | "notice" | "warning" | "error" | "unknown";
export const SEVERITIES: readonly Severity[] = ["info", "notice", "warning", "error", "unknown"];

export interface SimNotification {
  readonly severity: Severity;
  /** The rendered subject. */
  readonly title: string;
  /** The rendered plain-text body. */
  readonly message: string;
  /** Epoch seconds. */
  readonly timestamp: number;
  /** Metadata fields (`type`, `hostname`, `job-id`), all strings. */
  readonly fields: Readonly<Record<string, string>>;
}

/** One delivery to one target, logged when it starts; `status`/`error` are filled in when it ends. */
export interface NotificationDelivery {
  readonly target: string;
  /** The rendered webhook URL (secrets masked), or `mailto:<recipients>` for a sendmail target. */
  readonly url: string;
  /** The HTTP method sent (`POST`, `PUT`, `GET`), or `sendmail`. */
  readonly method: string;
  /** The HTTP status of the answer. */
  status?: number;
  /** Why the delivery failed: rendering, connection, or an HTTP status ≥ 400 (secrets masked). */
  error?: string;
}

export interface Notifier {
  /** Every delivery, in the order they started. */
  readonly log: NotificationDelivery[];
  /** Wraps `POST /nodes/{node}/vzdump` to remember each run's options (by UPID) for its notification. */
  instrument(routes: readonly Route[]): Route[];
  /** The task engine's hook: a finished vzdump task may notify. */
  taskFinished(task: SimTask): void;
  /** Routes a notification through the matchers to their targets. */
  send(notification: SimNotification): void;
  /** `POST …/targets/{name}/test`: a test notification to one target (throws 404 if unknown). */
  testTarget(name: string, nowMs: number): void;
  /** Resolves when every delivery started so far has finished. */
  settle(): Promise<void>;
}

export interface NotifierDeps {
  readonly state: SimState;
  readonly local: LocalClock;
}

const VZDUMP_ROUTE = "POST /nodes/{node}/vzdump";
const FETCH_TIMEOUT_MS = 10_000;

export function createNotifier(deps: NotifierDeps): Notifier {
  const { state } = deps;
  const log: NotificationDelivery[] = [];
  const pending = new Set<Promise<void>>();
  const runOptions = new Map<string, Readonly<Record<string, ParamValue>>>();

  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const deliver = (name: string, n: SimNotification) => {
    const config = state.notifications;
    const webhook = config.webhooks.find((w) => w.name === name);
    const sendmail = config.sendmail.find((s) => s.name === name);
    if (!webhook && !sendmail) {
      log.push({ target: name, url: "", method: "", error: `target '${name}' does not exist` });
      return;
    }
    if ((webhook ?? sendmail)?.disable) return;
    if (sendmail) {
      // The sim knows no user mail addresses: a user id stands for its address.
      const recipients = [...sendmail.mailto, ...sendmail.mailtoUser];
      const entry: NotificationDelivery = {
        target: name,
        url: `mailto:${recipients.join(",")}`,
        method: "sendmail",
      };
      if (recipients.length === 0) entry.error = "no recipients provided for the mail, cannot send it.";
      log.push(entry);
      return;
    }
    sendWebhook(webhook as SimWebhook, n);
  };

  const sendWebhook = (w: SimWebhook, n: SimNotification) => {
    const method = w.method.toUpperCase();
    const secrets: Record<string, string> = {};
    const secretValues: string[] = [];
    const mask = (text: string) =>
      secretValues.reduce((t, s) => (s === "" ? t : t.split(s).join("<masked>")), text);
    let request: { url: string; headers: [string, string][]; body: string };
    try {
      for (const s of w.secret) {
        const value = decodeKeyed(s.name, s.value ?? "");
        secrets[s.name] = value;
        secretValues.push(value);
      }
      request = buildRequest(w, { ...n, fields: { ...n.fields }, secrets });
    } catch (err) {
      log.push({ target: w.name, url: mask(w.url), method, error: mask(errorText(err)) });
      return;
    }
    const entry: NotificationDelivery = { target: w.name, url: mask(request.url), method };
    log.push(entry);
    track(
      (async () => {
        try {
          const res = await fetch(request.url, {
            method,
            headers: request.headers,
            // A Buffer body adds no Content-Type of its own; GET carries none at all in fetch.
            body: method === "GET" ? undefined : Buffer.from(request.body, "utf8"),
            signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
          });
          await res.arrayBuffer().catch(() => undefined);
          entry.status = res.status;
          if (res.status >= 400) entry.error = mask(`${request.url}: status code ${res.status}`);
        } catch (err) {
          entry.error = mask(errorText(err));
        }
      })(),
    );
  };

  const send = (n: SimNotification) => {
    for (const target of matchingTargets(state.notifications, n, deps.local)) deliver(target, n);
  };

  const notifyFinished = (task: SimTask) => {
    // vzdump that exits without a status line (lock timeout) never reaches its notification.
    if (!task.log.at(-1)?.startsWith("TASK ")) return;
    const job = task.jobId === undefined ? undefined : state.jobs.find((j) => j.id === task.jobId);
    const options = runOptions.get(task.upid) ?? (job ? jobRunOptions(job) : {});
    runOptions.delete(task.upid);
    if (!usesNotificationSystem(options)) return;
    send(vzdumpNotification(state, task));
  };

  return {
    log,
    instrument(routes) {
      return routes.map((route) => {
        if (`${route.method} ${route.path}` !== VZDUMP_ROUTE) return route;
        return {
          ...route,
          handle: (ctx, params) => {
            const result = route.handle(ctx, params);
            if (typeof result === "string" && result.startsWith("UPID:")) runOptions.set(result, params);
            return result;
          },
        };
      });
    },
    taskFinished(task) {
      if (task.type !== "vzdump") return;
      // Deferred: a run that fails at once ends inside its own POST, before its UPID is known here.
      queueMicrotask(() => {
        try {
          notifyFinished(task);
        } catch (err) {
          log.push({ target: "", url: "", method: "", error: `simulator bug: ${errorText(err)}` });
        }
      });
    },
    send,
    testTarget(name, nowMs) {
      const config = state.notifications;
      const exists = [...config.webhooks, ...config.sendmail].some((t) => t.name === name);
      if (!exists) throw new ApiError(404, `endpoint '${name}' does not exist`);
      deliver(name, {
        severity: "info",
        title: "Test notification",
        message: `This is a test of the notification target '${name}'.\n`,
        timestamp: Math.floor(nowMs / 1000),
        fields: {},
      });
    },
    async settle() {
      // The first await also lets notifications of just-finished tasks (deferred) get going.
      do await Promise.allSettled([...pending]);
      while (pending.size > 0);
    },
  };
}

/** §7.1: `notification-system`, or `auto` (the default) without `mailto`. */
export function usesNotificationSystem(options: Readonly<Record<string, ParamValue>>): boolean {
  const mode = String(options["notification-mode"] ?? "auto");
  if (mode === "notification-system") return true;
  if (mode === "legacy-sendmail") return false;
  const mailto = options.mailto;
  return mailto === undefined || String(mailto).trim() === "";
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
}

/** Strict standard base64 (padding required) of UTF-8 text, as the `base64` crate decodes it. */
export function decodeBase64Text(text: string): string | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(text, "base64"));
  } catch {
    return undefined;
  }
}

function decodeKeyed(name: string, value: string): string {
  const decoded = decodeBase64Text(value);
  if (decoded === undefined) throw new Error(`could not decode base64 value with key '${name}'`);
  return decoded;
}

/** proxmox-notify `WebhookEndpoint::build_request`: body, URL and header values rendered. */
function buildRequest(
  w: SimWebhook,
  data: SimNotification & { secrets: Record<string, string> },
): { url: string; headers: [string, string][]; body: string } {
  const render = (template: string, what: string) => {
    try {
      return renderTemplate(template, data);
    } catch (err) {
      if (err instanceof TemplateError) throw new Error(`${what}: ${err.message}`);
      throw err;
    }
  };
  const bodyTemplate = decodeBase64Text(w.body ?? "");
  if (bodyTemplate === undefined) throw new Error("could not decode base64 value: invalid base64 data");
  const body = render(bodyTemplate, "failed to render webhook body");
  const url = render(w.url, "failed to render webhook url");
  const headers: [string, string][] = [];
  for (const h of w.header) {
    const value = decodeKeyed(h.name, h.value ?? "");
    headers.push([h.name, render(value, `failed to render header value template: ${value}`)]);
  }
  return { url, headers, body };
}

// ---------------------------------------------------------------------------------------------
// Matchers (proxmox-notify `matcher.rs`)

/** Parses a `match-field` entry; throws with proxmox-notify's message when malformed. */
export function parseFieldMatcher(
  text: string,
): { kind: "exact"; field: string; values: string[] } | { kind: "regex"; field: string; regex: RegExp } {
  const m = /^(exact|regex):([A-Za-z0-9_][A-Za-z0-9._-]*)=(.*)$/s.exec(text);
  if (!m) throw new Error(`invalid match-field statement: ${text}`);
  const field = m[2] as string;
  const rest = m[3] as string;
  if (m[1] === "exact") return { kind: "exact", field, values: rest.split(",").map((v) => v.trim()) };
  try {
    return { kind: "regex", field, regex: new RegExp(rest) };
  } catch (err) {
    throw new Error(`invalid regex: ${errorText(err)}`);
  }
}

/** Parses a `match-severity` entry (comma list); throws on an unknown severity. */
export function parseSeverityMatcher(text: string): Severity[] {
  return text.split(",").map((s) => {
    const sev = s.trim();
    if (!(SEVERITIES as readonly string[]).includes(sev)) throw new Error(`invalid severity ${sev}`);
    return sev as Severity;
  });
}

const DAY_INDEX: Readonly<Record<string, number>> = {
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
  sun: 7,
};

/** A daily duration (`mon..fri 9:00-17:00`, `8-12`): weekdays (ISO numbers) and a minute range. */
export function parseCalendarMatcher(text: string): { days?: Set<number>; from: number; to: number } {
  const m = /^(?:([a-z.,-]+)\s+)?(\d{1,2})(?::(\d{2}))?-(\d{1,2})(?::(\d{2}))?$/.exec(text.trim());
  const bad = () => new Error(`could not parse schedule: unable to parse daily duration '${text}'`);
  if (!m) throw bad();
  let days: Set<number> | undefined;
  if (m[1]) {
    days = new Set();
    for (const part of m[1].split(",")) {
      const [a, b] = part.split(/\.\.|-/) as [string, string | undefined];
      const from = DAY_INDEX[a];
      const to = b === undefined ? from : DAY_INDEX[b];
      if (from === undefined || to === undefined) throw bad();
      for (let d = from; ; d = (d % 7) + 1) {
        days.add(d);
        if (d === to) break;
      }
    }
  }
  const minutes = (h: string | undefined, mm: string | undefined) => Number(h) * 60 + Number(mm ?? 0);
  const from = minutes(m[2], m[3]);
  const to = minutes(m[4], m[5]);
  if (from > 24 * 60 || to > 24 * 60) throw bad();
  return { days, from, to };
}

function matcherMatches(m: SimMatcher, n: SimNotification, local: LocalClock): boolean {
  const any = m.mode === "any";
  const combine = (acc: boolean, v: boolean) => (any ? acc || v : acc && v);
  const group = (checks: boolean[]) => checks.reduce(combine, !any);
  let isMatch = !any;
  let noRules = true;
  if (m.matchSeverity.length) {
    noRules = false;
    isMatch = combine(
      isMatch,
      group(m.matchSeverity.map((s) => parseSeverityMatcher(s).includes(n.severity))),
    );
  }
  if (m.matchField.length) {
    noRules = false;
    isMatch = combine(
      isMatch,
      group(
        m.matchField.map((f) => {
          const fm = parseFieldMatcher(f);
          const value = n.fields[fm.field];
          if (value === undefined) return false;
          return fm.kind === "exact" ? fm.values.includes(value) : fm.regex.test(value);
        }),
      ),
    );
  }
  if (m.matchCalendar.length) {
    noRules = false;
    const t = local(n.timestamp * 1000);
    const minute = t.hour * 60 + t.minute;
    isMatch = combine(
      isMatch,
      group(
        m.matchCalendar.map((c) => {
          const cal = parseCalendarMatcher(c);
          return (!cal.days || cal.days.has(t.isoWeekday)) && minute >= cal.from && minute < cal.to;
        }),
      ),
    );
  }
  return noRules || isMatch !== (m.invertMatch ?? false);
}

/** Targets of every enabled matcher that matches, each once (a broken matcher is skipped, as logged by PVE). */
export function matchingTargets(
  config: SimNotificationConfig,
  n: SimNotification,
  local: LocalClock,
): string[] {
  const targets = new Set<string>();
  for (const m of config.matchers) {
    if (m.disable) continue;
    let matched = false;
    try {
      matched = matcherMatches(m, n, local);
    } catch {
      matched = false;
    }
    if (matched) for (const t of m.target) targets.add(t);
  }
  return [...targets];
}

// ---------------------------------------------------------------------------------------------
// The vzdump notification (MGR `VZDump.pm::send_notification`, templates `vzdump-*.hbs`)

interface GuestRow {
  vmid: number;
  name: string;
  ok: boolean;
  seconds: number;
  sizeBytes: number;
  filename: string;
  lines: string[];
  startedAt?: string;
  endedAt?: string;
}

/** `YYYY-MM-DD HH:MM:SS` (node-local) → seconds on a common scale (only differences matter). */
function wallSeconds(text: string): number | undefined {
  const ms = Date.parse(`${text.replace(" ", "T")}Z`);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

/** The per-guest blocks of a vzdump task log. */
function guestRows(state: SimState, task: SimTask): GuestRow[] {
  const rows: GuestRow[] = [];
  let current: GuestRow | undefined;
  const open = (vmid: number) => {
    const guest = state.guests.find((g) => g.vmid === vmid);
    current = { vmid, name: guest?.name ?? "", ok: false, seconds: 0, sizeBytes: 0, filename: "", lines: [] };
    rows.push(current);
    return current;
  };
  for (const line of task.log) {
    let m = /^INFO: Starting Backup of VM (\d+) \((?:qemu|lxc)\)$/.exec(line);
    if (m) open(Number(m[1]));
    m = /^ERROR: Backup of VM (\d+) failed - /.exec(line);
    if (m && current?.vmid !== Number(m[1])) open(Number(m[1]));
    if (/^INFO: Backup job finished/.test(line) || line.startsWith("TASK ")) {
      current = undefined;
      continue;
    }
    if (!current) continue;
    const row: GuestRow = current;
    row.lines.push(line);
    const grab = (re: RegExp) => re.exec(line) ?? undefined;
    const name = grab(/^INFO: (?:VM|CT) Name: (.*)$/);
    const archive = grab(/^INFO: creating (?:vzdump|Proxmox Backup Server) archive '(.*)'$/);
    const started = grab(/^INFO: Backup started at (.*)$/);
    const ended = grab(/^INFO: (?:Backup finished|Failed) at (.*)$/);
    const finished = grab(/^INFO: Finished Backup of VM \d+ \((\d+):(\d\d):(\d\d)\)$/);
    if (name) row.name = name[1] as string;
    if (archive) row.filename = archive[1] as string;
    if (started) row.startedAt = started[1];
    if (ended) row.endedAt = ended[1];
    if (finished) {
      row.ok = true;
      row.seconds = Number(finished[1]) * 3600 + Number(finished[2]) * 60 + Number(finished[3]);
    }
  }
  for (const row of rows) {
    if (!row.ok && row.startedAt && row.endedAt) {
      const a = wallSeconds(row.startedAt);
      const b = wallSeconds(row.endedAt);
      if (a !== undefined && b !== undefined) row.seconds = Math.max(0, Math.round(b - a));
    }
    if (row.ok) {
      const base = row.filename.slice(row.filename.lastIndexOf("/") + 1);
      const archive = state.archives.find(
        (a) => a.vmid === row.vmid && (a.fileName === row.filename || a.fileName === base),
      );
      row.sizeBytes = archive?.sizeBytes ?? 0;
    }
  }
  return rows;
}

/** proxmox-time `TimeSpan` display: `1h 2m 3s`, `0s`. */
export function renderTimeSpan(seconds: number): string {
  let s = Math.max(0, Math.floor(seconds));
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
  ] as const) {
    const n = Math.floor(s / size);
    s -= n * size;
    if (n) parts.push(`${n}${unit}`);
  }
  if (s || parts.length === 0) parts.push(`${s}s`);
  return parts.join(" ");
}

/** proxmox-human-byte binary display: up to three decimals, `1 KiB`, `3.166 GiB`. */
export function renderHumanBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let unit = 0;
  while (unit < units.length - 1 && bytes >= 1024 ** (unit + 1)) unit++;
  const value = Math.round((bytes / 1024 ** unit) * 1000) / 1000;
  return `${value} ${units[unit]}`;
}

/** The plain-text `table` helper: every column as wide as its widest cell plus four. */
function renderTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? "").length)) + 4);
  const line = (cells: readonly string[]) => `${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("")}\n`;
  return line(columns) + rows.map(line).join("");
}

/** Job-level errors as `PVE::VZDump->new` collects them (the task log joined them into one line). */
function splitJobErrors(text: string): string[] {
  return text.split(/ (?=could not (?:activate storage|get storage information) ')/);
}

/** The notification a finished vzdump task sends (§7.2). */
export function vzdumpNotification(state: SimState, task: SimTask): SimNotification {
  const last = task.log.at(-1) ?? "";
  const taskError = /^TASK ERROR: (.*)$/.exec(last)?.[1];
  const jobErrors = taskError !== undefined && taskError !== "job errors" ? splitJobErrors(taskError) : [];
  const rows = jobErrors.length ? [] : guestRows(state, task);
  const failed = jobErrors.length > 0 || taskError !== undefined || rows.some((r) => !r.ok);
  const statusText =
    jobErrors.length > 1
      ? "backup failed: multiple problems"
      : jobErrors.length === 1
        ? `backup failed: ${jobErrors[0]}`
        : failed
          ? "backup failed"
          : "backup successful";
  const endMs = task.endMs ?? task.startMs;
  const totalSize = rows.filter((r) => r.ok).reduce((sum, r) => sum + r.sizeBytes, 0);
  const table = renderTable(
    ["VMID", "Name", "Status", "Time", "Size", "Filename"],
    rows.map((r) => [
      String(r.vmid),
      r.name,
      r.ok ? "ok" : "err",
      renderTimeSpan(r.seconds),
      renderHumanBytes(r.sizeBytes),
      r.filename,
    ]),
  );
  const cmdline = /^INFO: starting new backup job: (.*)$/.exec(
    task.log.find((l) => l.includes("starting new backup job")) ?? "",
  )?.[1];
  let logs = `${cmdline ?? "vzdump"}\n\n`;
  for (const r of rows) logs += `${r.lines.map((l) => `${r.vmid}: ${l}\n`).join("")}\n`;
  const message =
    `${jobErrors.join("\n")}\nDetails\n=======\n${table}\n` +
    `Total running time: ${renderTimeSpan((endMs - task.startMs) / 1000)}\n` +
    `Total size: ${renderHumanBytes(totalSize)}\n\nLogs\n====\n${logs}\n`;
  const fields: Record<string, string> = { type: "vzdump", hostname: task.node };
  if (task.jobId !== undefined) fields["job-id"] = task.jobId;
  return {
    severity: failed ? "error" : "info",
    title: `vzdump backup status (${task.node}.lab): ${statusText}`.replace(/\n/g, " "),
    message,
    timestamp: Math.floor(endMs / 1000),
    fields,
  };
}
