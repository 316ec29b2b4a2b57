#!/usr/bin/env node
import { createRequire as __pvebCreateRequire } from 'node:module';
const require = __pvebCreateRequire(import.meta.url); const __dirname = import.meta.dirname;
import {
  nextOccurrence,
  parseCalendarEvent,
  previousOccurrence
} from "./chunk-OSAFXUH4.js";
import {
  ConfigError,
  UpstreamError
} from "./chunk-ELGWSNVL.js";
import {
  external_exports
} from "./chunk-EPHA2CMM.js";

// src/core/newest.ts
var NewestArchives = class {
  byType = { qemu: /* @__PURE__ */ new Map(), lxc: /* @__PURE__ */ new Map() };
  offer(archive) {
    const map = this.byType[archive.type];
    const best = map.get(archive.vmid);
    if (!best || isNewer(archive, best)) map.set(archive.vmid, archive);
  }
  /** Every kept archive of `other` offered to this one. */
  merge(other) {
    for (const map of Object.values(other.byType)) for (const a of map.values()) this.offer(a);
  }
  get(vmid, type) {
    return this.byType[type].get(vmid);
  }
  values() {
    return [...this.byType.qemu.values(), ...this.byType.lxc.values()];
  }
};
function isNewer(a, than) {
  return a.timeMs !== than.timeMs ? a.timeMs > than.timeMs : a.volid < than.volid;
}

// src/core/permissions.ts
function hasPrivilege(perms, path, priv) {
  const exact = perms[path];
  if (exact) return priv in exact;
  for (let p = parentPath(path); p !== void 0; p = parentPath(p)) {
    const listed = perms[p];
    if (listed) return listed[priv] === 1;
  }
  return false;
}
function parentPath(path) {
  if (path === "/") return void 0;
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}
function canSeeBackups(perms, storage, vmid) {
  const s = `/storage/${storage}`;
  return hasPrivilege(perms, s, "Datastore.Allocate") || hasPrivilege(perms, s, "Datastore.AllocateSpace") && hasPrivilege(perms, `/vms/${vmid}`, "VM.Backup");
}

// src/core/selection.ts
function jobSelects(job, guest) {
  if (job.node !== void 0 && job.node !== guest.node) return false;
  return selectionIncludes(job, guest);
}
function selectionIncludes(job, guest) {
  const s = job.selection;
  switch (s.kind) {
    case "vmids":
      return s.vmids.includes(guest.vmid);
    case "all":
      return !s.exclude.includes(guest.vmid);
    case "pool":
      return guest.pool === s.pool;
  }
}

// src/core/status.ts
function isProblem(status) {
  return status === "failed" || status === "late" || status === "never" || status === "not_in_job";
}
function assessCluster(facts, policy, nowMs, previous = []) {
  if (!facts.reachable) {
    const reason = `cluster unreachable: ${facts.error}`;
    return {
      cluster: facts.cluster,
      reachable: false,
      problems: [reason],
      guests: previous.filter((g) => g.cluster === facts.cluster).map((g) => ({ ...g, status: "unknown", reason, expectedByMs: null }))
    };
  }
  const problems = [...facts.problems];
  if (facts.jobsError) problems.push(facts.jobsError);
  if (facts.guests.length === 0 && !hasPrivilege(facts.permissions, "/vms", "VM.Audit")) {
    problems.push("the token sees no guests: grant it VM.Audit on /vms (e.g. the PVEAuditor role on /)");
  }
  const index = indexByVmid(facts);
  const guests = facts.guests.filter((g) => !g.template || facts.jobs.some((j) => j.enabled && jobSelects(j, g))).map((g) => assessGuest(g, facts, index, policy, nowMs, previous)).sort((a, b) => a.vmid - b.vmid);
  return { cluster: facts.cluster, reachable: true, problems, guests };
}
function indexByVmid(facts) {
  const newest = new NewestArchives();
  for (const a of facts.archives) newest.offer(a);
  const group = (items) => {
    const map = /* @__PURE__ */ new Map();
    for (const item of items) {
      const list = map.get(item.vmid);
      if (list) list.push(item);
      else map.set(item.vmid, [item]);
    }
    return map;
  };
  return { newest, attempts: group(facts.attempts), windows: /* @__PURE__ */ new Map() };
}
function assessGuest(guest, facts, index, policy, nowMs, previous) {
  const tier = policy.tierOf(guest.vmid);
  const covering = facts.jobs.filter((j) => j.enabled && jobSelects(j, guest));
  const newest = index.newest.get(guest.vmid, guest.type);
  const attempts = [...index.attempts.get(guest.vmid) ?? []].sort((a, b) => b.startMs - a.startMs);
  const lastAttempt = attempts[0];
  const name = guest.name || previous.find((p) => p.vmid === guest.vmid)?.name || `${guest.type === "qemu" ? "VM" : "CT"} ${guest.vmid}`;
  const verdict = judge(guest, covering, newest, attempts, facts, index, policy, tier, nowMs);
  return {
    cluster: facts.cluster,
    vmid: guest.vmid,
    name,
    type: guest.type,
    node: guest.node,
    tier: tier?.tier ?? null,
    lastBackup: newest ? toLastBackup(newest) : null,
    lastAttempt: lastAttempt ? toLastAttempt(lastAttempt) : null,
    jobs: covering.map((j) => j.id),
    // One literal, in the key order reports always had: one object shape for all of them.
    status: verdict.status,
    reason: verdict.reason,
    expectedByMs: verdict.expectedByMs
  };
}
function judge(guest, covering, newest, attempts, facts, index, policy, tier, nowMs) {
  const tz = policy.timeZone;
  if (facts.jobsError) return { status: "unknown", reason: facts.jobsError, expectedByMs: null };
  const active = attempts.find((a) => a.outcome === "running" || a.outcome === "waiting");
  if (active) {
    const reason = active.outcome === "waiting" ? `queued in backup task on ${active.node}, waiting for its turn` : `backup running on ${active.node} since ${formatWall(active.startMs, tz)}`;
    return { status: "running", reason, expectedByMs: null };
  }
  if (guest.lock === "backup") {
    return { status: "running", reason: `PVE holds a backup lock on ${guest.vmid}`, expectedByMs: null };
  }
  const finished = attempts[0];
  if (finished?.outcome === "failed" && (!newest || finished.startMs > newest.timeMs)) {
    return {
      status: "failed",
      reason: `backup on ${formatWall(finished.startMs, tz)} failed: ${finished.error ?? "no error line in the task log"}`,
      expectedByMs: null
    };
  }
  if (covering.length === 0)
    return { status: "not_in_job", reason: notInJobReason(guest, facts), expectedByMs: null };
  const graceMs = (tier?.graceMin ?? policy.defaultGraceMin) * 6e4;
  const windowKey = `${covering.map((j) => j.id).join(",")}@${graceMs}`;
  const schedule = index.windows.get(windowKey) ?? dueWindow(covering, nowMs - graceMs, tz);
  index.windows.set(windowKey, schedule);
  const hidden = hiddenStorages(guest, covering, facts);
  if (!newest) {
    if (hidden.length > 0) return unknown(hidden, "no backup visible");
    const missing = covering.filter((j) => !facts.storages.some((s) => s.storage === targetStorage(j)));
    const why = missing.length ? `; job ${missing[0]?.id} targets storage '${targetStorage(missing[0])}', which does not exist` : "";
    return {
      status: "never",
      reason: `in job ${covering.map((j) => j.id).join(", ")} but no backup on any backup storage${why}`,
      expectedByMs: schedule.nextMs === void 0 ? null : schedule.nextMs + graceMs
    };
  }
  if (schedule.dueMs === void 0 && schedule.nextMs === void 0) {
    return {
      status: "unknown",
      reason: `cannot evaluate the schedule of job ${covering.map((j) => `${j.id} ('${j.schedule ?? ""}')`).join(", ")}`,
      expectedByMs: null
    };
  }
  if (schedule.dueMs !== void 0 && newest.timeMs < schedule.dueMs) {
    if (hidden.length > 0) return unknown(hidden, "newest visible backup is late");
    return {
      status: "late",
      reason: `newest backup is from ${formatWall(newest.timeMs, tz)}; the run due ${formatWall(schedule.dueMs, tz)} left none${guestNodeNote(guest, facts)}`,
      expectedByMs: schedule.dueMs + graceMs
    };
  }
  return {
    status: "ok",
    reason: `backed up ${formatWall(newest.timeMs, tz)} to ${newest.storage}`,
    expectedByMs: schedule.nextMs === void 0 ? null : schedule.nextMs + graceMs
  };
}
function unknown(hidden, what) {
  return { status: "unknown", reason: `${what}, and ${hidden.join("; ")}`, expectedByMs: null };
}
function dueWindow(jobs, cutoffMs, tz) {
  let dueMs;
  let nextMs;
  for (const job of jobs) {
    const parsed = parseCalendarEvent(job.schedule ?? "");
    if (!parsed.ok) continue;
    const due = previousOccurrence(parsed.event, cutoffMs, tz);
    const next = nextOccurrence(parsed.event, cutoffMs, tz);
    if (due !== void 0 && (dueMs === void 0 || due > dueMs)) dueMs = due;
    if (next !== void 0 && (nextMs === void 0 || next < nextMs)) nextMs = next;
  }
  return { dueMs, nextMs };
}
function targetStorage(job) {
  return job.storage ?? "local";
}
function hiddenStorages(guest, covering, facts) {
  const reasons = /* @__PURE__ */ new Set();
  for (const storage of new Set(covering.map(targetStorage))) {
    const views = facts.storages.filter((s) => s.storage === storage);
    if (views.length === 0) continue;
    const shared = views.some((v) => v.shared);
    const key = shared ? storage : `${storage}@${guest.node}`;
    if (!facts.listed.includes(key)) {
      const nodeDown = facts.nodes.find((n) => n.name === guest.node && !n.online);
      if (!shared && nodeDown)
        reasons.add(`node ${guest.node} is offline, so its storage '${storage}' cannot be read`);
      else if (views.every((v) => !v.active))
        reasons.add(`storage '${storage}' is not active (PVE cannot mount it: is the NAS up?)`);
      else reasons.add(`storage '${storage}' could not be listed`);
    } else if (!canSeeBackups(facts.permissions, storage, guest.vmid)) {
      reasons.add(
        `the token may not see backups on '${storage}' (PVE then lists none): grant Datastore.Allocate on /storage/${storage}, or Datastore.AllocateSpace there and VM.Backup on /vms/${guest.vmid}`
      );
    }
  }
  return [...reasons];
}
function notInJobReason(guest, facts) {
  const pinned = facts.jobs.find((j) => j.enabled && selectionIncludes(j, guest));
  if (pinned) return `job ${pinned.id} runs only on node ${pinned.node}, but the guest is on ${guest.node}`;
  const disabled = facts.jobs.filter((j) => !j.enabled && selectionIncludes(j, guest));
  if (disabled.length > 0) return `only in disabled job ${disabled.map((j) => j.id).join(", ")}`;
  return "no backup job selects this guest";
}
function guestNodeNote(guest, facts) {
  return facts.nodes.some((n) => n.name === guest.node && !n.online) ? ` (node ${guest.node} is offline)` : "";
}
function toLastBackup(a) {
  return {
    timeMs: a.timeMs,
    volid: a.volid,
    storage: a.storage,
    sizeBytes: a.sizeBytes,
    notes: a.notes ?? null
  };
}
function toLastAttempt(a) {
  return { upid: a.upid, startMs: a.startMs, endMs: a.endMs, outcome: a.outcome, error: a.error };
}
var wallFormats = /* @__PURE__ */ new Map();
function formatWall(ms, timeZone) {
  let f = wallFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("sv-SE", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23"
    });
    wallFormats.set(timeZone, f);
  }
  return f.format(ms);
}

// src/core/alerts.ts
var ALERT_STATUSES = [
  "failed",
  "late",
  "never",
  "not_in_job",
  "unknown",
  "verify_failed",
  "ha_backup"
];
var EMPTY_ALERT_STATE = { guests: {} };
var DIGEST_TAG = "pve_backup_digest";
var alertKey = (cluster, vmid) => `${cluster}/${vmid}`;
var alertTag = (cluster, vmid) => `pve_backup_${cluster}_${vmid}`;
var haBackupKey = (cluster) => `${cluster}/ha_backup`;
var tagOfKey = (key) => `pve_backup_${key.replace("/", "_")}`;
function localTime(nowMs, timeZone) {
  const wall = formatWall(nowMs, timeZone);
  return { day: wall.slice(0, 10), minute: Number(wall.slice(11, 13)) * 60 + Number(wall.slice(14, 16)) };
}
function inQuietHours(minute, quiet) {
  if (!quiet || quiet.startMin === quiet.endMin) return false;
  return quiet.startMin < quiet.endMin ? minute >= quiet.startMin && minute < quiet.endMin : minute >= quiet.startMin || minute < quiet.endMin;
}
function guestSubject(g, opts) {
  const key = alertKey(g.cluster, g.vmid);
  const chosen = (s) => opts.statuses.includes(s);
  const check = chosen(g.status) || !chosen("verify_failed") ? void 0 : g.failedCheck;
  const status = check ? "verify_failed" : g.status;
  const reason = check ? checkReason(check) : g.reason;
  const line = (nowMs) => check ? `${g.name}: ${reason}` : problemLine(g, nowMs);
  return {
    key,
    status,
    alerting: chosen(status) && !opts.archived.has(key),
    problem: `${status}: ${reason}`,
    immediate: opts.immediateTiers.length === 0 || g.tier !== null && opts.immediateTiers.includes(g.tier),
    note: (nowMs) => ({
      tag: alertTag(g.cluster, g.vmid),
      group: `pve_backup_${g.cluster}`,
      title: `${g.name} (${g.vmid}): ${check ? CHECK_WORDS[check.kind] : STATUS_WORDS[g.status]}`,
      message: line(nowMs),
      guest: { cluster: g.cluster, vmid: g.vmid },
      key
    }),
    line
  };
}
function haBackupSubject(h, opts) {
  const key = haBackupKey(h.cluster);
  const line = `Home Assistant backup: ${h.problems.join("; ")}`;
  return {
    key,
    status: "ha_backup",
    alerting: h.problems.length > 0 && opts.statuses.includes("ha_backup"),
    problem: `ha_backup: ${h.problems.join("; ")}`,
    // Not a guest, so in no tier: told at once.
    immediate: true,
    note: () => ({
      tag: tagOfKey(key),
      group: `pve_backup_${h.cluster}`,
      title: "Home Assistant backup needs attention",
      message: line,
      key
    }),
    line: () => line
  };
}
function planAlerts(input) {
  const { previous, guests, options: opts, nowMs, haBackup } = input;
  const local = localTime(nowMs, opts.timeZone);
  const quiet = inQuietHours(local.minute, opts.quietHours);
  const next = {};
  const deliveries = [];
  const held = [];
  const problems = [];
  const seen = /* @__PURE__ */ new Set();
  const subjects = guests.flatMap((g) => {
    const key = alertKey(g.cluster, g.vmid);
    seen.add(key);
    if (g.status !== "running") return [guestSubject(g, opts)];
    const before = previous.guests[key];
    if (before) next[key] = before;
    return [];
  });
  if (haBackup) subjects.push(haBackupSubject(haBackup, opts));
  else if (haBackup === void 0) {
    for (const [key, before] of Object.entries(previous.guests))
      if (key.endsWith("/ha_backup")) {
        seen.add(key);
        next[key] = before;
      }
  }
  for (const subject of subjects) {
    const { key } = subject;
    seen.add(key);
    const before = previous.guests[key] ?? {};
    const snoozed = before.snoozedUntilMs !== void 0 && before.snoozedUntilMs > nowMs;
    const snooze = snoozed ? { snoozedUntilMs: before.snoozedUntilMs } : {};
    if (!subject.alerting) {
      if (before.sent !== void 0) deliveries.push({ kind: "clear", tag: tagOfKey(key) });
      if (snoozed) next[key] = snooze;
      continue;
    }
    const sinceMs = before.sinceMs ?? nowMs;
    const due = subject.status !== "unknown" || nowMs - sinceMs >= opts.graceMin * 6e4;
    if (!snoozed && due) problems.push(subject);
    let sent = before.sent;
    if (snoozed && sent !== void 0) {
      deliveries.push({ kind: "clear", tag: tagOfKey(key) });
      sent = void 0;
    }
    if (!snoozed && due && subject.immediate && sent !== subject.problem) {
      if (quiet) held.push(key);
      else {
        deliveries.push({ kind: "send", note: subject.note(nowMs) });
        sent = subject.problem;
      }
    }
    next[key] = { sinceMs, ...sent === void 0 ? {} : { sent }, ...snooze };
  }
  for (const [key, before] of Object.entries(previous.guests))
    if (!seen.has(key) && before.sent !== void 0) deliveries.push({ kind: "clear", tag: tagOfKey(key) });
  let digestDay = previous.digestDay;
  if (opts.digestMin !== void 0 && !quiet && local.minute >= opts.digestMin && digestDay !== local.day) {
    digestDay = local.day;
    if (problems.length > 0) deliveries.push({ kind: "send", note: digestMessage(problems, nowMs) });
  }
  return {
    state: { guests: next, ...digestDay === void 0 ? {} : { digestDay } },
    deliveries,
    held
  };
}
function splitKey(key) {
  const at = key.lastIndexOf("/");
  return [key.slice(0, at), Number(key.slice(at + 1))];
}
function snoozeGuests(state, keys, untilMs) {
  const guests = { ...state.guests };
  const deliveries = [];
  for (const key of keys) {
    const { sent: _sent, ...rest } = guests[key] ?? {};
    if (_sent !== void 0) deliveries.push({ kind: "clear", tag: tagOfKey(key) });
    guests[key] = { ...rest, snoozedUntilMs: untilMs };
  }
  return { state: { ...state, guests }, deliveries };
}
function guestAlertInfo(state, key, archive, nowMs) {
  const until = state.guests[key]?.snoozedUntilMs;
  const archived = archive.archived.has(key);
  return {
    snoozedUntil: until !== void 0 && until > nowMs ? new Date(until).toISOString() : null,
    archived,
    archivedReason: archived && archive.archivedReasons?.[key] || null
  };
}
function archiveNote(key, archive) {
  if (!archive.archived.has(key)) return void 0;
  const why = archive.archivedReasons?.[key];
  return why ? `archived: ${why}` : "archived";
}
function withArchiveNotes(reports, archive) {
  return reports.map((r) => ({
    ...r,
    guests: r.guests.map((g) => {
      const note = archiveNote(alertKey(g.cluster, g.vmid), archive);
      return note === void 0 ? g : { ...g, reason: `${g.reason}; ${note}` };
    })
  }));
}
function unknownArchived(archived, clusters) {
  return [...archived].filter((key) => {
    const [cluster, vmid] = splitKey(key);
    const c = clusters.find((r) => r.cluster === cluster);
    return c?.reachable === true && !c.guests.some((g) => g.vmid === vmid);
  });
}
function statusChanges(previous, guests) {
  const statuses = new Map(previous);
  const changes = [];
  for (const g of guests) {
    const key = alertKey(g.cluster, g.vmid);
    const before = previous.get(key);
    statuses.set(key, g.status);
    if (before !== void 0 && before !== g.status) changes.push({ ...g, previousStatus: before });
  }
  return { changes, statuses };
}
var ACTION_PREFIX = { backup_now: "PVE_BACKUP_NOW", snooze: "PVE_BACKUP_SNOOZE" };
function actionId(a) {
  return `${ACTION_PREFIX[a.kind]}:${a.cluster}:${a.vmid}`;
}
function parseActionId(id) {
  if (typeof id !== "string") return void 0;
  const m = /^(PVE_BACKUP_NOW|PVE_BACKUP_SNOOZE):([a-z0-9][a-z0-9_-]*):(\d{3,9})$/i.exec(id);
  if (!m) return void 0;
  return {
    kind: m[1] === ACTION_PREFIX.backup_now ? "backup_now" : "snooze",
    cluster: m[2],
    vmid: Number(m[3])
  };
}
var STATUS_WORDS = {
  failed: "backup failed",
  late: "backup late",
  never: "never backed up",
  not_in_job: "not in a backup job",
  unknown: "backup state unknown"
};
function ago(ms) {
  const min = Math.max(0, Math.floor(ms / 6e4));
  if (min < 60) return `${min} minute${min === 1 ? "" : "s"} ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} hour${h === 1 ? "" : "s"} ago`;
  return `${Math.floor(h / 24)} days ago`;
}
var CHECK_WORDS = {
  verify: "archive check failed",
  test_restore: "test restore failed"
};
function checkReason(c) {
  return `the newest archive failed its ${c.kind === "verify" ? "check" : "test restore"} \u2014 ${c.message}`;
}
function problemLine(g, nowMs) {
  const last = g.lastBackupMs === null ? "no backup yet" : `last backup ${ago(nowMs - g.lastBackupMs)}`;
  return `${g.name}: ${last} \u2014 ${g.reason}`;
}
function digestMessage(problems, nowMs) {
  const n = problems.length;
  return {
    tag: DIGEST_TAG,
    group: "pve_backup",
    title: `PVE Backup: ${n} problem${n === 1 ? " needs" : "s need"} attention`,
    message: problems.map((p) => `\u2022 ${p.line(nowMs)}`).join("\n")
  };
}

// src/config/schema.ts
var UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
var TOKEN_ID_RE = /^[^\s@!]+@[^\s@!]+![A-Za-z][A-Za-z0-9.\-_]+$/;
var FINGERPRINT_RE = /^([0-9a-f]{2}:?){31}[0-9a-f]{2}$/i;
var STORAGE_ID_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
var hasUserInfo = (u) => /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(u);
var NO_USERINFO = "must not carry a user name or password (user:pass@): remove them";
var ClusterOptions = external_exports.strictObject({
  name: external_exports.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, "use letters, digits, '-' and '_' (it becomes part of entity ids)"),
  url: external_exports.string().refine((u) => !hasUserInfo(u), `${NO_USERINFO}; the API token is what authenticates`).refine(
    (u) => hasUserInfo(u) || !/^http:\/\//i.test(u),
    "PVE serves its API over HTTPS only: write https://, like https://192.168.1.10:8006"
  ).refine(
    (u) => hasUserInfo(u) || /^http:\/\//i.test(u) || /^https:\/\/[^/\s]+\/?$/.test(u),
    "must be the base URL of the PVE API, like https://192.168.1.10:8006"
  ),
  token_id: external_exports.string().regex(TOKEN_ID_RE, "must look like user@realm!tokenname, e.g. pve-backup@pve!addon"),
  // The secret is never echoed back in a message, not even partially.
  token_secret: external_exports.string().regex(UUID_RE, "must be the token secret PVE showed at creation (a UUID)"),
  fingerprint: external_exports.string().regex(FINGERPRINT_RE, "must be the SHA-256 fingerprint of the PVE certificate, AB:CD:\u2026 (32 bytes)").optional(),
  verify_tls: external_exports.boolean().default(true)
});
var HaBackupsOptions = external_exports.strictObject({
  // Optional one by one because the Supervisor writes the block as `{}` when unused; given at all,
  // host, username and share_path are required (checked below).
  host: external_exports.string().min(1, "must be the NAS's host name or address, e.g. 10.0.0.150").optional(),
  port: external_exports.number().int().min(1).max(65535).default(22),
  username: external_exports.string().min(1, "must be the NAS user that may read the share over SFTP").optional(),
  // Neither is ever echoed back in a message.
  password: external_exports.string().optional(),
  private_key: external_exports.string().optional(),
  host_key_fingerprint: external_exports.string().regex(
    /^SHA256:[A-Za-z0-9+/]{43}=?$/,
    "must be the NAS's SSH host key fingerprint as ssh-keygen -lf prints it, SHA256:\u2026 (leave it out once to be told the key the NAS offers)"
  ).optional(),
  share_path: external_exports.string().regex(
    /^\//,
    "must be the share's absolute path as SFTP shows it, e.g. /volume1/backups/homeassistant_backups"
  ).optional(),
  mount_name: external_exports.string().regex(/^[A-Za-z0-9_]+$/, "use letters, digits and '_' (the Supervisor's rule)").default("nas_backups"),
  schedule: external_exports.string().regex(
    /^(never|daily|(mon|tue|wed|thu|fri|sat|sun)(,(mon|tue|wed|thu|fri|sat|sun))*)$/,
    "must be daily, never, or weekdays like mon,thu"
  ).default("daily"),
  copies: external_exports.number().int().min(1, "must be at least 1").default(3)
});
var NasOptions = external_exports.strictObject({
  // Optional one by one because the Supervisor writes the block as `{}` when unused; given at all,
  // url, username and password are required (checked below).
  url: external_exports.string().refine((u) => !hasUserInfo(u), `${NO_USERINFO}; username and password are options of their own`).refine(
    (u) => hasUserInfo(u) || /^https:\/\/[^/\s]+\/?$/i.test(u),
    "must be the DSM address over HTTPS, like https://10.0.0.150:5001 (the password travels to it)"
  ).optional(),
  username: external_exports.string().min(1, "must be the NAS user the add-on logs in as").optional(),
  // Neither is ever echoed back in a message.
  password: external_exports.string().optional(),
  device_token: external_exports.string().optional(),
  fingerprint: external_exports.string().regex(FINGERPRINT_RE, "must be the SHA-256 fingerprint of the NAS certificate, AB:CD:\u2026 (32 bytes)").optional(),
  timezone: external_exports.string().refine(
    isTimeZone,
    "must be an IANA time zone like Europe/Berlin (the NAS's zone in DSM's Regional Options)"
  ).optional(),
  min_free_gb: external_exports.number().min(0).default(100),
  fill_warn_days: external_exports.number().int().min(0).default(30),
  nfs_server: external_exports.string().optional()
});
var VERIFY_SCHEDULE_RE = /^(\S+) (after_run|every ([1-9]\d{0,2}) days?)( full)?$/;
var TEST_RESTORE_SCHEDULE_RE = /^(\S+) test_restore every ([1-9]\d{0,2}) days?(?: guest ([1-9]\d{2,8}))?$/;
var VerifyOptions = external_exports.strictObject({
  dump_path: external_exports.string().regex(
    /^\//,
    "must be the backup storage's dump directory as SFTP on the NAS shows it, e.g. /volume1/pve-backups/dump"
  ).optional(),
  max_mb_per_s: external_exports.number().min(0, "must be 0 (unlimited) or more").default(20),
  spare_vmid: external_exports.number().int().min(100, "must be a vmid (100 or more)").max(999999999).optional(),
  restore_storage: external_exports.string().regex(STORAGE_ID_RE, "must be a PVE storage id for disks, e.g. local-lvm").default("local-lvm"),
  boot_timeout_s: external_exports.number().int().min(10).max(3600).default(300),
  /** Scheduled verification per tier: `P0 after_run`, `P2 every 7 days full` (core/verify-schedule.ts). */
  schedule: external_exports.array(
    external_exports.string().refine(
      (entry) => VERIFY_SCHEDULE_RE.test(entry) || TEST_RESTORE_SCHEDULE_RE.test(entry),
      "must be '<tier> after_run' or '<tier> every <N> days', optionally followed by ' full', e.g. 'P0 after_run' or 'P2 every 7 days full'; or '<tier> test_restore every <N> days', optionally followed by ' guest <vmid>'"
    )
  ).default([])
});
var TierOptions = external_exports.strictObject({
  name: external_exports.string().min(1, "must not be empty"),
  schedule: external_exports.string().min(1, "must be a PVE calendar event, e.g. 03:00 or sun 04:00"),
  keep_last: external_exports.number().int().min(1, "must be at least 1"),
  guests: external_exports.array(external_exports.number().int().min(100, "must be a vmid (100 or more)").max(999999999)),
  grace_min: external_exports.number().int().min(0).optional()
});
var PushOptions = external_exports.strictObject({
  url: external_exports.string().regex(
    /^https?:\/\/\S+$/,
    "must be the URL PVE can reach this service's webhook at, e.g. http://192.168.1.20:8098/api/pve-webhook"
  ).refine((u) => !hasUserInfo(u), NO_USERINFO).optional(),
  // Never echoed back: only its length is checked.
  secret: external_exports.string().min(16, "must be at least 16 characters").optional()
});
var CLOCK_RE = /^([01]\d|2[0-3]):[0-5]\d$/;
var ARCHIVED_RE = /^\s*(?:([a-z0-9][a-z0-9_-]*)\/)?(\d{3,9})\s*(?::([\s\S]*))?$/i;
var ARCHIVED_REASON_MAX = 200;
function archivedEntry(entry) {
  const m = ARCHIVED_RE.exec(entry) ?? [];
  return { cluster: m[1], vmid: m[2] ?? "", reason: (m[3] ?? "").replace(/\s+/g, " ").trim() };
}
var AlertsOptions = external_exports.strictObject({
  targets: external_exports.array(
    external_exports.string().regex(
      /^(notify\.[a-z0-9_]+|persistent_notification)$/,
      "must be a notify service like notify.mobile_app_pixel_8, or persistent_notification"
    )
  ).default([]),
  statuses: external_exports.array(
    external_exports.string().refine(
      (s) => ALERT_STATUSES.includes(s),
      `must be one of ${ALERT_STATUSES.join(", ")}`
    )
  ).default([...ALERT_STATUSES]),
  grace_min: external_exports.number().int().min(0, "must be 0 or more minutes").default(60),
  quiet_hours: external_exports.string().refine(
    (s) => s === "" || /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/.test(s),
    "must be a span of local time like 22:00-07:00 (or empty for none)"
  ).optional(),
  digest_time: external_exports.string().refine((s) => s === "" || CLOCK_RE.test(s), "must be a local time like 08:00 (or empty for no digest)").optional(),
  immediate_tiers: external_exports.array(external_exports.string().min(1, "must be a tier name")).default([]),
  archived: external_exports.array(
    external_exports.string().regex(
      ARCHIVED_RE,
      "must be a guest's vmid like 105 or cluster/vmid like home/105, optionally with a reason: 105: retired, data moved to the NAS"
    ).refine(
      (s) => archivedEntry(s).reason.length <= ARCHIVED_REASON_MAX,
      `the reason must be at most ${ARCHIVED_REASON_MAX} characters`
    )
  ).default([]),
  dashboard_path: external_exports.string().regex(/^\/\S*$/, "must be a path in Home Assistant, like /lovelace/backups").default("/lovelace")
});
var TopOptions = external_exports.strictObject({
  clusters: external_exports.array(ClusterOptions).min(1, "add at least one Proxmox VE cluster"),
  storage: external_exports.string().regex(STORAGE_ID_RE, "must be a PVE storage id, e.g. nas-backups").optional(),
  manual_keep: external_exports.number().int().min(1, "must be at least 1: the newest manual backup always stays protected").max(100).default(3),
  tiers: external_exports.array(TierOptions).default([]),
  grace_min: external_exports.number().int().min(0).default(60),
  timezone: external_exports.string().refine(isTimeZone, "must be an IANA time zone like Europe/Berlin (the PVE nodes' zone)").optional(),
  refresh_interval_s: external_exports.number().int().min(5, "must be at least 5 seconds").default(60),
  request_timeout_s: external_exports.number().int().min(1).max(300).default(20),
  api_port: external_exports.number().int().min(0).max(65535).default(8099),
  /** PVE's webhook listener (all interfaces); open only when `push` is set. */
  webhook_port: external_exports.number().int().min(0).max(65535).default(8098),
  install_integration: external_exports.boolean().default(false),
  /** Where PVE sends its vzdump notifications (a webhook target), when not through Home Assistant. */
  push: PushOptions.optional(),
  /** Home Assistant's own backups on the NAS share, checked over SFTP; `{}` (the Supervisor's empty block) is off. */
  ha_backups: HaBackupsOptions.optional(),
  /** The Synology NAS's own view (Hyper Backup, share space) over DSM; `{}` is off. */
  nas: NasOptions.optional(),
  /** Verification of the vzdump archives and test restores. */
  verify: VerifyOptions.optional(),
  /** Alerts on the phone (notify.mobile_app_*) and as persistent notifications; `{}` is off. */
  alerts: AlertsOptions.optional()
});
var OptionsSchema = TopOptions.superRefine((o, ctx) => {
  const ha = o.ha_backups;
  if (ha && (ha.host || ha.username || ha.share_path)) {
    for (const key of ["host", "username", "share_path"])
      if (!ha[key])
        ctx.addIssue({
          code: "custom",
          path: ["ha_backups", key],
          message: "needed once ha_backups is filled in"
        });
  }
  const nas = o.nas;
  if (nas && (nas.url || nas.username || nas.password || nas.device_token || nas.fingerprint)) {
    for (const key of ["url", "username", "password"])
      if (!nas[key])
        ctx.addIssue({ code: "custom", path: ["nas", key], message: "needed once nas is filled in" });
  }
  const seen = /* @__PURE__ */ new Map();
  o.tiers.forEach((t, i) => {
    const dup = o.tiers.findIndex((u) => u.name === t.name);
    if (dup !== i)
      ctx.addIssue({
        code: "custom",
        path: ["tiers", i, "name"],
        message: `duplicate tier name '${t.name}'`
      });
    for (const vmid of t.guests) {
      const other = seen.get(String(vmid));
      if (other !== void 0 && other !== t.name)
        ctx.addIssue({
          code: "custom",
          path: ["tiers", i, "guests"],
          message: `guest ${vmid} is already in tier '${other}'; a guest belongs to one tier`
        });
      seen.set(String(vmid), t.name);
    }
  });
  if (o.push && o.push.url === void 0 !== (o.push.secret === void 0))
    ctx.addIssue({
      code: "custom",
      path: ["push", o.push.url === void 0 ? "url" : "secret"],
      message: `missing; ${MISSING[o.push.url === void 0 ? "push.url" : "push.secret"]}`
    });
  o.clusters.forEach((c, i) => {
    if (o.clusters.findIndex((d) => d.name === c.name) !== i)
      ctx.addIssue({
        code: "custom",
        path: ["clusters", i, "name"],
        message: `duplicate cluster name '${c.name}'`
      });
  });
  const alerts = o.alerts;
  alerts?.immediate_tiers.forEach((t, i) => {
    if (!o.tiers.some((u) => u.name === t))
      ctx.addIssue({
        code: "custom",
        path: ["alerts", "immediate_tiers", i],
        message: `no tier named '${t}' (the tiers are ${o.tiers.map((u) => u.name).join(", ") || "not set"})`
      });
  });
  o.verify?.schedule.forEach((entry, i) => {
    const m = VERIFY_SCHEDULE_RE.exec(entry);
    if (m && !o.tiers.some((u) => u.name === m[1]))
      ctx.addIssue({
        code: "custom",
        path: ["verify", "schedule", i],
        message: `no tier named '${m[1]}' (the tiers are ${o.tiers.map((u) => u.name).join(", ") || "not set"})`
      });
    if (m?.[4] && (!o.verify?.dump_path || !o.ha_backups?.host))
      ctx.addIssue({
        code: "custom",
        path: ["verify", "schedule", i],
        message: "a full check reads the archives from the NAS: set verify.dump_path and the NAS login in ha_backups"
      });
  });
  o.verify?.schedule.forEach((entry, i) => {
    const m = TEST_RESTORE_SCHEDULE_RE.exec(entry);
    if (!m) return;
    const tier = o.tiers.find((u) => u.name === m[1]);
    const issue = (message) => ctx.addIssue({ code: "custom", path: ["verify", "schedule", i], message });
    if (!tier)
      issue(`no tier named '${m[1]}' (the tiers are ${o.tiers.map((u) => u.name).join(", ") || "not set"})`);
    else if (m[3] !== void 0 && !tier.guests.includes(Number(m[3])))
      issue(`guest ${m[3]} is not in tier ${tier.name} (its guests are ${tier.guests.join(", ") || "none"})`);
    if (o.verify?.spare_vmid === void 0)
      issue(
        "a test restore needs a spare VMID nothing else uses: set verify.spare_vmid (e.g. 9100), and verify.restore_storage if the disks should not go to local-lvm"
      );
  });
  alerts?.archived.forEach((g, i) => {
    const { cluster } = archivedEntry(g);
    if (cluster === void 0 ? o.clusters.length > 1 : !o.clusters.some((c) => c.name === cluster))
      ctx.addIssue({
        code: "custom",
        path: ["alerts", "archived", i],
        message: cluster === void 0 ? "several clusters are configured: write cluster/vmid, like home/105" : `no cluster named '${cluster}'`
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
        message: `guest ${key} is archived twice: keep one entry`
      });
  });
});
function isTimeZone(tz) {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
function parseOptions(raw, env) {
  const result = OptionsSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(result.error.issues.flatMap((i) => describeIssue(i, raw)));
  }
  const o = result.data;
  const config = {
    clusters: o.clusters.map((c) => ({
      name: c.name,
      baseUrl: c.url.replace(/\/$/, ""),
      tokenId: c.token_id,
      // PVE issues token secrets as lower-case UUIDs; a secret pasted in upper case still works.
      tokenSecret: c.token_secret.toLowerCase(),
      fingerprint: c.fingerprint ? normaliseFingerprint(c.fingerprint) : void 0,
      verifyTls: c.verify_tls
    })),
    storage: o.storage,
    manualKeep: o.manual_keep,
    tiers: o.tiers.map((t) => ({
      name: t.name,
      schedule: t.schedule,
      keepLast: t.keep_last,
      guests: t.guests,
      graceMin: t.grace_min ?? o.grace_min
    })),
    graceMin: o.grace_min,
    timeZone: o.timezone ?? env.defaultTimeZone,
    refreshIntervalMs: o.refresh_interval_s * 1e3,
    requestTimeoutMs: o.request_timeout_s * 1e3,
    apiPort: o.api_port,
    webhookPort: o.webhook_port,
    push: o.push?.url !== void 0 && o.push.secret !== void 0 ? { url: o.push.url, secret: o.push.secret } : void 0,
    installIntegration: o.install_integration,
    haBackups: haBackupsOf(o.ha_backups),
    nas: nasOf(o.nas, o.timezone ?? env.defaultTimeZone),
    verify: verifyOf(o.verify),
    alerts: alertsOf(o.alerts, o.clusters[0]?.name)
  };
  return deepFreeze(config);
}
var MISSING = {
  clusters: 'add the Proxmox VE cluster(s) to watch: "clusters": [{"name": "home", "url": "https://192.168.1.10:8006", "token_id": "pve-backup@pve!addon", "token_secret": "<the UUID PVE showed>"}]',
  "clusters.name": 'name the cluster, e.g. "name": "home"',
  "clusters.url": 'add the PVE API URL, e.g. "url": "https://192.168.1.10:8006"',
  "clusters.token_id": 'add the API token id, e.g. "token_id": "pve-backup@pve!addon"',
  "clusters.token_secret": 'add the token secret PVE showed when the token was created (a UUID): "token_secret": "\u2026"',
  "tiers.name": 'name the tier, e.g. "name": "P0"',
  "tiers.schedule": 'add when it runs, a PVE calendar event, e.g. "schedule": "03:00"',
  "tiers.keep_last": 'add how many backups to keep, e.g. "keep_last": 3',
  "tiers.guests": `list the guests' vmids, e.g. "guests": [100, 101]`,
  "push.url": 'add where PVE reaches the webhook, e.g. "url": "http://192.168.1.20:8098/api/pve-webhook"',
  "push.secret": 'add a shared secret of 16 or more characters, e.g. "secret": "<random text>"'
};
var KIND_WORDS = {
  array: "a list [ \u2026 ]",
  object: "an object { \u2026 }",
  string: 'text in quotes "\u2026"',
  number: "a number",
  int: "a whole number",
  boolean: "true or false"
};
function kindOf(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return "text";
  if (typeof value === "object") return "an object";
  return `${typeof value === "number" ? "a number" : typeof value === "boolean" ? "true/false" : typeof value}`;
}
function valueAt(raw, path) {
  let v = raw;
  for (const key of path)
    v = v && typeof v === "object" ? v[key] : void 0;
  return v;
}
function keysAt(path) {
  const where = path.filter((k) => typeof k === "string").join(".");
  const shape = where === "" ? TopOptions.shape : where === "clusters" ? ClusterOptions.shape : where === "tiers" ? TierOptions.shape : where === "push" ? PushOptions.shape : where === "ha_backups" ? HaBackupsOptions.shape : where === "nas" ? NasOptions.shape : where === "alerts" ? AlertsOptions.shape : {};
  return Object.keys(shape);
}
function describeIssue(issue, raw) {
  const at = (path) => path.length ? path.map(String).join(".") : "(options)";
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
    if (value === void 0) return [`${here}: missing; ${MISSING[key] ?? "add it"}`];
    return [`${here}: must be ${KIND_WORDS[issue.expected] ?? issue.expected}, not ${kindOf(value)}`];
  }
  if (issue.code === "too_small" && issue.origin === "number" && !issue.message.startsWith("must"))
    return [`${here}: must be at least ${issue.minimum}`];
  if (issue.code === "too_big" && issue.origin === "number" && !issue.message.startsWith("must"))
    return [`${here}: must be at most ${issue.maximum}`];
  return [`${here}: ${issue.message}`];
}
function nearest(typo, valid) {
  let best;
  for (const key of valid) {
    const d = editDistance(typo.toLowerCase(), key);
    if (!best || d < best.d) best = { key, d };
  }
  return best && best.d <= Math.min(3, Math.ceil(best.key.length / 2)) ? best.key : void 0;
}
function editDistance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        prev[j] + 1,
        row[j - 1] + 1,
        prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)
      );
    prev = row;
  }
  return prev[b.length];
}
function haBackupsOf(h) {
  if (!h?.host || !h.username || !h.share_path) return void 0;
  return {
    host: h.host,
    port: h.port,
    username: h.username,
    password: h.password || void 0,
    privateKey: h.private_key || void 0,
    hostKeyFingerprint: h.host_key_fingerprint,
    sharePath: h.share_path,
    mountName: h.mount_name,
    schedule: h.schedule === "never" || h.schedule === "daily" ? { recurrence: h.schedule, days: [] } : { recurrence: "custom_days", days: h.schedule.split(",") },
    copies: h.copies
  };
}
function nasOf(n, timeZone) {
  if (!n?.url || !n.username || !n.password) return void 0;
  return {
    baseUrl: n.url.replace(/\/$/, ""),
    username: n.username,
    password: n.password,
    deviceToken: n.device_token || void 0,
    fingerprint: n.fingerprint ? normaliseFingerprint(n.fingerprint) : void 0,
    timeZone: n.timezone ?? timeZone,
    minFreeBytes: Math.round(n.min_free_gb * 1e9),
    fillWarnDays: n.fill_warn_days,
    nfsServers: (n.nfs_server ?? "").split(",").map((h) => h.trim()).filter((h) => h !== "")
  };
}
function verifyOf(v) {
  const o = VerifyOptions.parse(v ?? {});
  return {
    dumpPath: o.dump_path,
    maxBytesPerSec: Math.round(o.max_mb_per_s * 1e6),
    spareVmid: o.spare_vmid,
    restoreStorage: o.restore_storage,
    bootTimeoutMs: o.boot_timeout_s * 1e3,
    schedule: o.schedule.map((entry) => {
      const t = TEST_RESTORE_SCHEDULE_RE.exec(entry);
      if (t)
        return {
          tier: t[1],
          afterRun: false,
          everyDays: Number(t[2]),
          full: false,
          testRestore: t[3] === void 0 ? {} : { guest: Number(t[3]) }
        };
      const m = VERIFY_SCHEDULE_RE.exec(entry);
      return {
        tier: m[1],
        afterRun: m[2] === "after_run",
        everyDays: m[3] === void 0 ? void 0 : Number(m[3]),
        full: m[4] !== void 0
      };
    })
  };
}
var minuteOf = (clock) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
function alertsOf(a, firstCluster) {
  if (!a || a.targets.length === 0) return void 0;
  const [start, end] = a.quiet_hours ? a.quiet_hours.split("-") : [];
  const archived = a.archived.map((g) => {
    const e = archivedEntry(g);
    return { key: `${e.cluster ?? firstCluster}/${Number(e.vmid)}`, reason: e.reason };
  });
  return {
    targets: [...new Set(a.targets)],
    statuses: a.statuses,
    graceMin: a.grace_min,
    quietHours: start && end ? { startMin: minuteOf(start), endMin: minuteOf(end) } : void 0,
    digestMin: a.digest_time ? minuteOf(a.digest_time) : void 0,
    immediateTiers: a.immediate_tiers,
    // A bare vmid belongs to the only cluster (checked in OptionsSchema).
    archived: archived.map((e) => e.key),
    dashboardPath: a.dashboard_path,
    archivedReasons: Object.fromEntries(archived.flatMap((e) => e.reason ? [[e.key, e.reason]] : []))
  };
}
function normaliseFingerprint(fp) {
  const hex = fp.replace(/:/g, "").toUpperCase();
  return hex.match(/.{2}/g)?.join(":") ?? hex;
}
function deepFreeze(value) {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// src/pve/transport.ts
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { connect as tlsConnect } from "node:tls";
import { createGunzip, gunzipSync } from "node:zlib";
var MAX_CONNECTIONS = 6;
var COLLECTED_MAX_BYTES = 8 * 1024 * 1024;
var STREAMED_MAX_BYTES = 64 * 1024 * 1024;
var AnswerTooLargeError = class extends Error {
  constructor(maxBytes, what = "answer") {
    super(`${what} larger than ${formatBytes(maxBytes)}; not read`);
    this.maxBytes = maxBytes;
    this.name = "AnswerTooLargeError";
  }
  maxBytes;
};
function formatBytes(bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
var OUTCOME_UNKNOWN_STATUS = 599;
var NO_ANSWER_STATUS = 598;
var TIMER_SLACK_MS = 2;
var IDLE_MS = 1e4;
function createTransport(opts) {
  const maxConnections = opts.maxConnections ?? MAX_CONNECTIONS;
  const httpsAgent = createHttpsAgent(opts, maxConnections);
  const httpAgent = new HttpAgent({
    keepAlive: true,
    timeout: IDLE_MS,
    maxSockets: maxConnections,
    maxFreeSockets: maxConnections
  });
  const line = new RequestLine(maxConnections, opts.timeoutMs);
  const exchange = (req) => new Promise((resolve) => {
    const headers = { ...req.headers, "Accept-Encoding": "gzip" };
    if (req.body !== void 0) headers["Content-Length"] = Buffer.byteLength(req.body);
    const https = req.url.protocol === "https:";
    const outgoing = (https ? httpsRequest : httpRequest)(req.url, {
      method: req.method,
      headers,
      agent: https ? httpsAgent : httpAgent
    });
    let settled = false;
    let headIn = false;
    let inflating;
    const done = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const fail = (error) => {
      if (settled) return;
      outgoing.destroy();
      inflating?.destroy();
      const retry = outgoing.reusedSocket && !headIn && error !== timeout;
      done({ error, retry });
    };
    const timeout = new Error(`timeout after ${opts.timeoutMs} ms`);
    const timer = setTimeout(() => fail(timeout), opts.timeoutMs);
    outgoing.on("error", fail);
    outgoing.on("response", (res) => {
      headIn = true;
      const head = {
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? "",
        contentType: res.headers["content-type"]
      };
      res.on("error", fail);
      res.on("close", () => {
        if (!res.complete) fail(new Error("connection closed before the answer was complete"));
      });
      const encoding = res.headers["content-encoding"];
      const gzip = encoding === "gzip";
      if (!gzip && encoding !== void 0 && encoding !== "identity") {
        return fail(new Error(`unsupported content-encoding '${encoding}'`));
      }
      let sink;
      try {
        sink = req.streamBody?.(head);
      } catch (err) {
        return fail(asError(err));
      }
      const maxBytes = req.maxBodyBytes ?? (sink ? STREAMED_MAX_BYTES : COLLECTED_MAX_BYTES);
      let rawBytes = 0;
      const pieces = [];
      res.on("data", (piece) => {
        rawBytes += piece.length;
        if (rawBytes > maxBytes) fail(new AnswerTooLargeError(maxBytes));
        else if (!sink) pieces.push(piece);
      });
      if (sink) {
        const take = sink;
        let inflatedBytes = 0;
        const body = gzip ? res.pipe(createGunzip({ chunkSize: 64 * 1024 })) : res;
        if (gzip) {
          inflating = body;
          body.on("error", fail);
        }
        body.on("data", (piece) => {
          if (settled) return;
          inflatedBytes += piece.length;
          if (inflatedBytes > maxBytes) return fail(new AnswerTooLargeError(maxBytes));
          try {
            take(piece);
          } catch (err) {
            fail(asError(err));
          }
        });
        body.on("end", () => done({ answer: { ...head, text: "" } }));
        return;
      }
      res.on("end", () => {
        if (settled) return;
        try {
          const raw = Buffer.concat(pieces);
          const text = (gzip ? inflateCapped(raw, maxBytes) : raw).toString("utf8");
          done({ answer: { ...head, text } });
        } catch (err) {
          fail(asError(err));
        }
      });
    });
    outgoing.end(req.body);
  });
  return {
    async request(req) {
      const write = req.method !== "GET";
      if (!await line.enter(write)) return failureAnswer(false, new Error(line.stalledReason()));
      let result = await exchange(req);
      if ("error" in result && result.retry && !write) result = await exchange(req);
      line.leave("answer" in result);
      if ("answer" in result) return result.answer;
      return failureAnswer(write, result.error);
    },
    async close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    }
  };
}
function failureAnswer(write, error) {
  const what = write ? "outcome unknown" : "no answer";
  const message = error instanceof AnswerTooLargeError && !write ? error.message : `${what}: ${error.message}`;
  return {
    status: write ? OUTCOME_UNKNOWN_STATUS : NO_ANSWER_STATUS,
    statusText: write ? "Outcome unknown" : "No answer",
    contentType: "application/json;charset=UTF-8",
    text: JSON.stringify({ data: null, message: `${message}
` })
  };
}
function inflateCapped(raw, maxBytes) {
  try {
    return gunzipSync(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    if (err.code === "ERR_BUFFER_TOO_LARGE") throw new AnswerTooLargeError(maxBytes);
    throw err;
  }
}
function asError(err) {
  return err instanceof Error ? err : new Error(String(err));
}
var RequestLine = class {
  constructor(max, stallMs) {
    this.max = max;
    this.stallMs = stallMs;
  }
  max;
  stallMs;
  active = 0;
  waiting = [];
  lastAnswerAt = 0;
  /** True when the request may be sent; false when it gave up waiting. */
  enter(write) {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(true);
    }
    const since = performance.now();
    return new Promise((resolve) => {
      const waiter = {
        write,
        since,
        go: () => {
          clearTimeout(timer);
          resolve(true);
        },
        giveUp: () => {
          clearTimeout(timer);
          resolve(false);
        }
      };
      const check = () => {
        if (!this.stalled(since)) {
          timer = setTimeout(check, this.stallMs - this.quietMs(since));
          return;
        }
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        resolve(false);
      };
      let timer = setTimeout(check, this.stallMs);
      const firstRead = write ? this.waiting.findIndex((w) => !w.write) : -1;
      if (firstRead < 0) this.waiting.push(waiter);
      else this.waiting.splice(firstRead, 0, waiter);
    });
  }
  /** A request is over (`answered`: PVE completed an answer); its slot goes to the next in line. */
  leave(answered) {
    if (answered) this.lastAnswerAt = performance.now();
    let next = this.waiting.shift();
    while (next && this.stalled(next.since)) {
      next.giveUp();
      next = this.waiting.shift();
    }
    if (next) next.go();
    else this.active--;
  }
  quietMs(since) {
    return performance.now() - Math.max(since, this.lastAnswerAt);
  }
  /**
   * Waited out, give or take the timers' own granularity: a timer set for the stall can run a
   * fraction of a millisecond before `performance.now()` says it is due, and a request timing out
   * in that moment would otherwise hand its slot to a waiter that is as stalled as it was.
   */
  stalled(since) {
    return this.quietMs(since) + TIMER_SLACK_MS >= this.stallMs;
  }
  stalledReason() {
    return `not sent: PVE completed no answer for ${this.stallMs} ms to the ${this.max} requests before it`;
  }
};
function createHttpsAgent(opts, maxConnections) {
  if (!opts.fingerprint) {
    return new HttpsAgent({
      keepAlive: true,
      timeout: IDLE_MS,
      maxSockets: maxConnections,
      maxFreeSockets: maxConnections,
      rejectUnauthorized: opts.verifyTls
    });
  }
  return new PinnedAgent(opts.fingerprint.toUpperCase(), maxConnections);
}
var PinnedAgent = class extends HttpsAgent {
  constructor(expected, maxConnections) {
    super({
      keepAlive: true,
      timeout: IDLE_MS,
      maxSockets: maxConnections,
      maxFreeSockets: maxConnections,
      maxCachedSessions: 0,
      rejectUnauthorized: false
    });
    this.expected = expected;
  }
  expected;
  createConnection(options, callback) {
    const socket = tlsConnect({ ...options, rejectUnauthorized: false });
    const onError = (err) => callback?.(err, socket);
    socket.once("error", onError);
    socket.once("secureConnect", () => {
      const actual = socket.getPeerCertificate().fingerprint256;
      if (actual !== this.expected) {
        socket.removeListener("error", onError);
        socket.destroy();
        callback?.(
          new Error(`certificate fingerprint mismatch: expected ${this.expected}, got ${actual ?? "none"}`),
          socket
        );
        return;
      }
      socket.removeListener("error", onError);
      callback?.(null, socket);
    });
    return void 0;
  }
};

// src/pve/json-items.ts
import { StringDecoder } from "node:string_decoder";
var MAX_ITEM_CHARS = 1024 * 1024;
var QUOTE = 34;
var BACKSLASH = 92;
var COMMA = 44;
var OPEN_OBJECT = 123;
var CLOSE_OBJECT = 125;
var OPEN_ARRAY = 91;
var CLOSE_ARRAY = 93;
var SPACE = 32;
var TAB = 9;
var LF = 10;
var CR = 13;
function createDataItemParser(onItem) {
  const decoder = new StringDecoder("utf8");
  let text = "";
  let pos = 0;
  const closers = [];
  let lastKey = "";
  let inData = false;
  let sawData = false;
  let itemStart = -1;
  let itemDue = false;
  let done = false;
  let batches = true;
  const malformed = (what) => new SyntaxError(`malformed answer: ${what}`);
  const closingQuote = (s, open) => {
    let at = open;
    for (; ; ) {
      at = s.indexOf('"', at + 1);
      if (at < 0) return -1;
      let backslashes = 0;
      while (s.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return at;
    }
  };
  const scan = () => {
    const s = text;
    const n = s.length;
    let i = pos;
    let depth = closers.length;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        if (depth === 0) throw malformed(done ? "text after the answer object" : "not an object");
        if (depth === 2 && inData && itemStart < 0) {
          itemStart = i;
          itemDue = false;
        }
        const close = closingQuote(s, i);
        if (close < 0) break;
        if (depth === 1) lastKey = s.slice(i + 1, close);
        i = close;
        continue;
      }
      if (depth >= 3) {
        if (c === OPEN_OBJECT || c === OPEN_ARRAY)
          depth = closers.push(c + 2);
        else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
          if (closers.pop() !== c) throw malformed("unbalanced brackets");
          depth--;
        }
        continue;
      }
      if (c === SPACE || c === TAB || c === LF || c === CR) continue;
      if (depth === 2 && inData && itemStart < 0 && c !== CLOSE_ARRAY && c !== COMMA) {
        itemStart = i;
        itemDue = false;
      }
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (done) throw malformed("text after the answer object");
        if (depth === 0 && c !== OPEN_OBJECT) throw malformed("not an object");
        depth = closers.push(c + 2);
        if (depth === 2 && c === OPEN_ARRAY && lastKey === "data" && !sawData) {
          inData = true;
          sawData = true;
          if (batches) {
            pos = i + 1;
            return;
          }
        }
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (closers.pop() !== c) throw malformed("unbalanced brackets");
        if (depth === 2 && inData) {
          if (itemStart >= 0) emitItem(s, i);
          else if (itemDue) throw malformed("missing item");
          inData = false;
        }
        depth--;
        if (depth === 0) done = true;
      } else if (depth === 2 && inData && c === COMMA) {
        if (itemStart < 0) throw malformed("missing item");
        emitItem(s, i);
        itemDue = true;
      } else if (depth === 0) {
        throw malformed(done ? "text after the answer object" : "not an object");
      }
    }
    pos = i;
  };
  const emitItem = (s, end) => {
    const start = itemStart;
    itemStart = -1;
    onItem(JSON.parse(s.slice(start, end)));
  };
  const batch = () => {
    const cut = text.lastIndexOf("},{");
    if (cut < pos) return;
    let items;
    try {
      items = JSON.parse(`[${text.slice(pos, cut + 1)}]`);
    } catch {
      batches = false;
      return;
    }
    pos = cut + 2;
    itemDue = true;
    for (const item of items) onItem(item);
  };
  const take = (piece, last) => {
    text = text.length === 0 ? piece : text + piece;
    if (!inData || !batches) scan();
    if (inData && batches) {
      batch();
      if (last || !batches) scan();
    }
    const keep = itemStart >= 0 ? itemStart : Math.min(pos, text.length);
    if (keep > 0) {
      text = text.slice(keep);
      pos -= keep;
      if (itemStart >= 0) itemStart -= keep;
    }
    if (text.length > MAX_ITEM_CHARS) throw new AnswerTooLargeError(MAX_ITEM_CHARS, "an item of the answer");
  };
  return {
    write(piece) {
      take(decoder.write(piece), false);
    },
    end() {
      take(decoder.end(), true);
      if (!done || pos < text.length) throw malformed("incomplete answer");
      if (!sawData) throw malformed("no data array");
    }
  };
}

// src/pve/api.ts
function createPveApi(cluster, opts) {
  const base = new URL(cluster.baseUrl);
  const origin = `${base.protocol === "http:" ? "http:" : "https:"}//${base.hostname}:${base.port || 8006}`;
  const transport = createTransport({
    fingerprint: cluster.fingerprint,
    verifyTls: cluster.verifyTls,
    timeoutMs: opts.timeoutMs
  });
  const authorization = `PVEAPIToken=${cluster.tokenId}=${cluster.tokenSecret}`;
  const request = (method, path, params) => {
    const url = new URL(`${origin}/api2/json${path}`);
    const form = encodeParams(params);
    const write = method === "POST" || method === "PUT";
    const headers = { Authorization: authorization, Accept: "application/json" };
    if (write && form.size > 0) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      return { method, url, headers, body: form.toString() };
    }
    for (const [k, v] of form) url.searchParams.append(k, v);
    return { method, url, headers };
  };
  const call = (method) => async (path, params) => {
    try {
      return dataOf(method, path, await transport.request(request(method, path, params)));
    } catch (err) {
      throw err instanceof UpstreamError ? err : toUpstreamError(method, path, err);
    }
  };
  const getEach = async (path, params, onItem, opts2) => {
    const unexpected = (err) => new UpstreamError(
      `GET ${path}: unexpected answer from PVE (${err instanceof Error ? err.message : err})`,
      {
        status: 200,
        retryable: true,
        cause: err
      }
    );
    let parser;
    let bad;
    try {
      const answer = await transport.request({
        ...request("GET", path, params),
        maxBodyBytes: opts2?.maxBytes,
        streamBody: (head) => {
          if (head.status !== 200 || !head.contentType?.startsWith("application/json")) return void 0;
          const items = createDataItemParser(onItem);
          parser = items;
          return (piece) => {
            try {
              items.write(piece);
            } catch (err) {
              bad = { err };
              throw err;
            }
          };
        }
      });
      if (bad) {
        throw bad.err instanceof AnswerTooLargeError ? toUpstreamError("GET", path, bad.err) : unexpected(bad.err);
      }
      if (!parser || answer.status !== 200) {
        dataOf("GET", path, answer);
        throw unexpected(`status ${answer.status}`);
      }
      try {
        parser.end();
      } catch (err) {
        throw unexpected(err);
      }
    } catch (err) {
      throw err instanceof UpstreamError ? err : toUpstreamError("GET", path, err);
    }
  };
  return {
    get: call("GET"),
    getEach,
    post: call("POST"),
    put: call("PUT"),
    delete: call("DELETE"),
    close: transport.close
  };
}
function encodeParams(params) {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === void 0 || value === null) continue;
    if (typeof value === "boolean") form.append(key, value ? "1" : "0");
    else if (Array.isArray(value)) for (const v of value) form.append(key, String(v));
    else form.append(key, String(value));
  }
  return form;
}
function dataOf(method, path, answer) {
  if (answer.status !== 200) {
    throw upstreamError(method, path, answer.status, answer.statusText, answer.text);
  }
  if (!answer.contentType?.startsWith("application/json")) {
    throw new UpstreamError(
      `${method} ${path}: unexpected answer from PVE (content-type '${answer.contentType ?? ""}')`,
      { status: 200, retryable: true }
    );
  }
  let envelope;
  try {
    envelope = JSON.parse(answer.text);
  } catch (err) {
    throw new UpstreamError(`${method} ${path}: unexpected answer from PVE (not JSON)`, {
      status: 200,
      retryable: true,
      cause: err
    });
  }
  return typeof envelope === "object" && envelope !== null ? envelope.data : void 0;
}
function toUpstreamError(method, path, err) {
  const message = err instanceof Error ? err.message : String(err);
  return new UpstreamError(`${method} ${path}: ${message}`, { retryable: true, cause: err });
}
function upstreamError(method, path, status, statusText, body, cause) {
  const reason = statusText.trim();
  let detail = reason;
  try {
    const parsed = JSON.parse(body);
    if (parsed.errors && typeof parsed.errors === "object")
      detail = `${reason} ${JSON.stringify(parsed.errors)}`;
    else if (parsed.message) detail = parsed.message.trim();
  } catch {
  }
  if (status === NO_ANSWER_STATUS) {
    return new UpstreamError(`${method} ${path}: ${detail}`, { status, retryable: true, cause });
  }
  const hint = status === 401 ? " (check token_id and token_secret)" : status === 595 || status === 596 ? " (the node does not answer)" : "";
  return new UpstreamError(`${method} ${path}: ${status} ${detail}${hint}`, {
    status,
    retryable: status >= 500 && status !== OUTCOME_UNKNOWN_STATUS,
    cause
  });
}
function describeFailure(err, what) {
  if (err instanceof UpstreamError) return err.message;
  if (err instanceof Error && err.name === "ZodError") return `unexpected answer from PVE for ${what}`;
  return err instanceof Error ? err.message : String(err);
}

// src/core/scheduled-run.ts
var SCHEDULER_START_SLACK_MS = 6e4;
function isUnattributedFailure(summary) {
  return summary.jobOutcome === "failed" && summary.guests.length === 0 && summary.requestedVmids.length === 0;
}
function scheduledRunGuests(run, jobs, guests, timeZone) {
  if (!isUnattributedFailure(run.summary)) return [];
  const storage = /storage '([^']+)'/.exec(run.summary.jobError ?? "")?.[1];
  const vmids = /* @__PURE__ */ new Set();
  for (const job of jobs) {
    if (!job.enabled || job.node !== void 0 && job.node !== run.node) continue;
    if (storage !== void 0 && targetStorage(job) !== storage) continue;
    if (!dueAt(job, run.startMs, timeZone)) continue;
    for (const guest of guests) if (guest.node === run.node && jobSelects(job, guest)) vmids.add(guest.vmid);
  }
  return [...vmids].sort((a, b) => a - b);
}
function dueAt(job, startMs, timeZone) {
  const parsed = parseCalendarEvent(job.schedule ?? "");
  if (!parsed.ok) return false;
  const due = previousOccurrence(parsed.event, startMs, timeZone);
  return due !== void 0 && due >= startMs - SCHEDULER_START_SLACK_MS;
}

// src/core/size.ts
var UNIT_BYTES = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4
};
var SIZE_RE = /^\s*(\d+(?:\.\d+)?) ?(B|[KMGT]B|[KMGT]iB)\s*$/;
function parseHumanSize(text) {
  const m = SIZE_RE.exec(text);
  if (!m) return void 0;
  const bytes = Math.round(Number(m[1]) * UNIT_BYTES[m[2]]);
  return Number.isSafeInteger(bytes) ? bytes : void 0;
}
var MIB = 1024n ** 2n;
var GIB = 1024n ** 3n;
var TIB = 1024n ** 4n;

// src/core/task-log.ts
var PREFIXED_RE = /^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d )?(INFO|WARN|ERROR): ?(.*)$/;
var TASK_OK_RE = /^TASK OK$/;
var TASK_WARNINGS_RE = /^TASK WARNINGS: (\d+)$/;
var TASK_ERROR_RE = /^TASK ERROR: ?(.*)$/;
var JOB_START_RE = /^starting new backup job: vzdump(?:\s+(.*))?$/;
var SKIP_EXTERNAL_RE = /^skip external VMs: (.*)$/;
var LOCK_WAIT_RE = /^trying to get global lock - waiting\.\.\.$/;
var LOCK_GOT_RE = /^got global lock$/;
var START_RE = /^Starting Backup of VM (\d+) \((qemu|lxc)\)$/;
var FINISHED_RE = /^Finished Backup of VM (\d+) \((\d+):(\d\d):(\d\d)\)$/;
var FAILED_RE = /^Backup of VM (\d+) failed - (.*)$/;
var ARCHIVE_RE = /^creating (?:vzdump|Proxmox Backup Server) archive '(.*)'$/;
var SIZE_RE2 = /^archive file size: (\S+)$/;
var PROGRESS_RE = /^\s*(\d{1,3})% \([^)]*\) in \d+[wdhms](?: \d+[wdhms])*(?:, read: [^,]+)?(?:, write: ([^,]+))?(?:,.*)?$/;
var MESSAGE_STARTS = "SstgFca";
function vmidList(text) {
  return text.split(/[\s,]+/).filter((word) => /^\d+$/.test(word)).map(Number);
}
function requestedFromCommandLine(args) {
  const words = args.split(/\s+/);
  const firstOption = words.findIndex((word) => word.startsWith("--"));
  return vmidList((firstOption < 0 ? words : words.slice(0, firstOption)).join(" "));
}
function parseTaskLog(lines, context = {}) {
  const blocks = [];
  let current;
  let requestedVmids;
  let skippedExternal = [];
  let lockWait = false;
  let jobOutcome = "running";
  let jobError;
  let taskWarnings;
  let warnLines = 0;
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line.startsWith("TASK ")) {
      if (TASK_OK_RE.test(line)) {
        jobOutcome = "ok";
        continue;
      }
      const taskWarn = TASK_WARNINGS_RE.exec(line);
      if (taskWarn) {
        jobOutcome = "warnings";
        taskWarnings = Number(taskWarn[1]);
        continue;
      }
      const taskError = TASK_ERROR_RE.exec(line);
      if (taskError) {
        jobOutcome = "failed";
        jobError = taskError[1];
        continue;
      }
    }
    let level;
    let msg;
    if (line.startsWith("INFO: ")) {
      level = "INFO";
      msg = line.slice(6);
    } else {
      const prefixed = PREFIXED_RE.exec(line);
      if (!prefixed) continue;
      level = prefixed[1];
      msg = prefixed[2];
    }
    if (level === "WARN") {
      warnLines += 1;
      if (current) current.result.warnings += 1;
      continue;
    }
    if (level === "ERROR") {
      const failed = FAILED_RE.exec(msg);
      if (!failed) continue;
      const vmid = Number(failed[1]);
      const error = failed[2];
      if (current && current.result.vmid === vmid) {
        current.result.outcome = "failed";
        current.result.error = error;
        current = void 0;
      } else {
        blocks.push({ result: { vmid, outcome: "failed", error, warnings: 0 } });
      }
      continue;
    }
    const first = msg.charAt(0);
    if (!MESSAGE_STARTS.includes(first) && !/[\s\d]/.test(first)) continue;
    const start = START_RE.exec(msg);
    if (start) {
      current = {
        result: { vmid: Number(start[1]), type: start[2], outcome: "running", warnings: 0 }
      };
      blocks.push(current);
      lockWait = false;
      continue;
    }
    const jobStart = JOB_START_RE.exec(msg);
    if (jobStart) {
      requestedVmids = requestedFromCommandLine(jobStart[1] ?? "");
      continue;
    }
    const skip = SKIP_EXTERNAL_RE.exec(msg);
    if (skip) {
      skippedExternal = vmidList(skip[1]);
      continue;
    }
    if (LOCK_WAIT_RE.test(msg)) {
      lockWait = true;
      continue;
    }
    if (LOCK_GOT_RE.test(msg)) {
      lockWait = false;
      continue;
    }
    if (!current) continue;
    const result = current.result;
    const finished = FINISHED_RE.exec(msg);
    if (finished) {
      if (Number(finished[1]) === result.vmid) {
        result.outcome = "ok";
        result.durationSec = Number(finished[2]) * 3600 + Number(finished[3]) * 60 + Number(finished[4]);
        current = void 0;
      }
      continue;
    }
    const archive = ARCHIVE_RE.exec(msg);
    if (archive) {
      result.archivePath = archive[1];
      continue;
    }
    const size = SIZE_RE2.exec(msg);
    if (size) {
      const sizeBytes = parseHumanSize(size[1]);
      if (sizeBytes !== void 0) result.sizeBytes = sizeBytes;
      continue;
    }
    const progress = PROGRESS_RE.exec(msg);
    if (progress) {
      current.progress = { percent: Number(progress[1]) };
      if (progress[2] !== void 0) current.progress.rateText = progress[2];
    }
  }
  for (const block of blocks) {
    if (block.result.outcome !== "running") continue;
    if (block === current && jobOutcome === "running") continue;
    block.result.outcome = "failed";
    block.result.error = jobError ?? "backup did not finish";
  }
  const requested = requestedVmids ?? [...context.requestedVmids ?? []];
  const guests = blocks.map((block) => block.result);
  if (jobOutcome === "failed") {
    const reported = new Set(guests.map((guest) => guest.vmid));
    for (const vmid of requested) {
      if (reported.has(vmid) || skippedExternal.includes(vmid)) continue;
      reported.add(vmid);
      guests.push({ vmid, outcome: "failed", error: jobError, warnings: 0 });
    }
  }
  const summary = {
    guests,
    requestedVmids: requested,
    skippedExternal,
    waitingForLock: lockWait && jobOutcome === "running",
    jobOutcome,
    warnings: taskWarnings ?? warnLines
  };
  if (current?.progress && current.result.outcome === "running") {
    summary.progress = { vmid: current.result.vmid, ...current.progress };
  }
  if (jobError !== void 0) summary.jobError = jobError;
  return summary;
}
var OK_TASK_HEAD_LINES = 20;
function summarizeOkTaskHead(head) {
  let requested;
  let skipped = [];
  for (const raw of head) {
    const line = raw.trimEnd();
    const prefixed = PREFIXED_RE.exec(line);
    if (prefixed?.[1] !== "INFO") continue;
    const msg = prefixed[2];
    const jobStart = JOB_START_RE.exec(msg);
    if (jobStart) requested = requestedFromCommandLine(jobStart[1] ?? "");
    const skip = SKIP_EXTERNAL_RE.exec(msg);
    if (skip) skipped = vmidList(skip[1]);
    if (!START_RE.test(msg)) continue;
    if (!requested || requested.length === 0) return void 0;
    return {
      guests: requested.filter((vmid) => !skipped.includes(vmid)).map((vmid) => ({ vmid, outcome: "ok", warnings: 0 })),
      requestedVmids: requested,
      skippedExternal: skipped,
      waitingForLock: false,
      jobOutcome: "ok",
      warnings: 0
    };
  }
  return void 0;
}

// src/pve/mapper.ts
function toGuests(rows) {
  const guests = [];
  for (const r of rows) {
    if (r.type !== "qemu" && r.type !== "lxc" || r.vmid === void 0 || r.node === void 0) continue;
    guests.push({
      vmid: r.vmid,
      // No name when the node has no RRD data (offline): reference §2.1.
      name: r.name ?? "",
      type: r.type,
      node: r.node,
      powerState: r.status ?? "unknown",
      template: r.template ?? false,
      pool: r.pool,
      lock: r.lock
    });
  }
  return guests;
}
function toNodes(rows) {
  return rows.filter((r) => r.type === "node" && r.node !== void 0).map((r) => ({ name: r.node, online: r.status === "online" }));
}
function parseVmidList(value) {
  if (value === void 0) return [];
  return String(value).split(/[,;\s]+/).filter((s) => s !== "").map(Number).filter((n) => Number.isInteger(n));
}
function toJob(row) {
  let selection;
  if (row.pool !== void 0) selection = { kind: "pool", pool: row.pool };
  else if (row.all || row.exclude !== void 0)
    selection = { kind: "all", exclude: parseVmidList(row.exclude) };
  else selection = { kind: "vmids", vmids: parseVmidList(row.vmid) };
  const nextRun = row["next-run"];
  return {
    id: row.id,
    // `enabled` defaults to 1 when the key is absent (reference §3.4).
    enabled: row.enabled ?? true,
    schedule: row.schedule,
    storage: row.storage,
    selection,
    node: row.node,
    comment: row.comment,
    nextRunMs: nextRun === void 0 ? void 0 : nextRun * 1e3
  };
}
function toStorageView(node, row) {
  return {
    storage: row.storage,
    node,
    type: row.type,
    shared: row.shared ?? false,
    enabled: row.enabled ?? true,
    active: row.active ?? false,
    totalBytes: row.total ?? 0,
    usedBytes: row.used ?? 0,
    availBytes: row.avail ?? 0
  };
}
function toArchive(row) {
  if (row.content !== void 0 && row.content !== "backup") return void 0;
  const type = row.subtype === "qemu" || row.format === "pbs-vm" ? "qemu" : row.subtype === "lxc" || row.format === "pbs-ct" ? "lxc" : void 0;
  if (type === void 0 || row.vmid === void 0 || row.ctime === void 0) return void 0;
  return {
    vmid: row.vmid,
    volid: row.volid,
    storage: row.volid.slice(0, row.volid.indexOf(":")),
    type,
    timeMs: row.ctime * 1e3,
    sizeBytes: row.size ?? 0,
    format: row.format ?? "",
    notes: row.notes,
    protected: row.protected ?? false
  };
}
function toAttempts(task, log) {
  const startMs = task.starttime * 1e3;
  const endMs = task.endtime === void 0 ? void 0 : task.endtime * 1e3;
  const running = task.status === void 0 || task.status === "RUNNING" || endMs === void 0;
  const attempt = (vmid, outcome, more = {}) => ({
    upid: task.upid,
    node: task.node,
    startMs,
    endMs: running ? void 0 : endMs,
    vmid,
    outcome,
    error: more.error,
    sizeBytes: more.sizeBytes,
    durationSec: more.durationSec
  });
  if (!log) {
    const vmid = Number(task.id);
    if (!task.id || !Number.isInteger(vmid)) return [];
    const { outcome, error } = outcomeFromStatus(running, task.status);
    return [attempt(vmid, outcome, { error })];
  }
  const attempts = log.guests.map(
    (g) => attempt(g.vmid, g.outcome === "ok" && g.warnings > 0 ? "warnings" : g.outcome, g)
  );
  if (running) {
    const started = new Set(log.guests.map((g) => g.vmid));
    const queued = log.requestedVmids.filter((v) => !started.has(v) && !log.skippedExternal.includes(v));
    if (queued.length === 0 && log.guests.length === 0 && task.id) queued.push(Number(task.id));
    for (const vmid of queued) attempts.push(attempt(vmid, "waiting"));
  }
  return attempts;
}
function outcomeFromStatus(running, status) {
  if (running) return { outcome: "running" };
  if (status === "OK") return { outcome: "ok" };
  if (status && /^WARNINGS: \d+$/.test(status)) return { outcome: "warnings" };
  return { outcome: "failed", error: status ?? "unknown exit status" };
}

// src/pve/wire.ts
var Bool01 = external_exports.union([external_exports.literal(0), external_exports.literal(1), external_exports.boolean()]).transform((v) => v === 1 || v === true);
var Num = external_exports.union([
  external_exports.number(),
  external_exports.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)
]);
var ResourceRow = external_exports.looseObject({
  id: external_exports.string(),
  type: external_exports.string(),
  node: external_exports.string().optional(),
  vmid: Num.optional(),
  name: external_exports.string().optional(),
  status: external_exports.string().optional(),
  template: Bool01.optional(),
  pool: external_exports.string().optional(),
  lock: external_exports.string().optional(),
  storage: external_exports.string().optional(),
  shared: Bool01.optional(),
  content: external_exports.string().optional(),
  plugintype: external_exports.string().optional()
});
var Resources = external_exports.array(ResourceRow);
var JobRow = external_exports.looseObject({
  id: external_exports.string(),
  type: external_exports.string().optional(),
  enabled: Bool01.optional(),
  schedule: external_exports.string().optional(),
  storage: external_exports.string().optional(),
  vmid: external_exports.union([external_exports.string(), external_exports.number()]).optional(),
  all: Bool01.optional(),
  exclude: external_exports.union([external_exports.string(), external_exports.number()]).optional(),
  pool: external_exports.string().optional(),
  node: external_exports.string().optional(),
  comment: external_exports.string().optional(),
  "next-run": Num.optional()
});
var Jobs = external_exports.array(JobRow);
var NodeStorageRow = external_exports.looseObject({
  storage: external_exports.string(),
  type: external_exports.string(),
  content: external_exports.string().optional(),
  shared: Bool01.optional(),
  enabled: Bool01.optional(),
  active: Bool01.optional(),
  total: Num.optional(),
  used: Num.optional(),
  avail: Num.optional()
});
var NodeStorages = external_exports.array(NodeStorageRow);
var ContentRow = external_exports.looseObject({
  volid: external_exports.string(),
  content: external_exports.string().optional(),
  format: external_exports.string().optional(),
  subtype: external_exports.string().optional(),
  vmid: Num.optional(),
  ctime: Num.optional(),
  size: Num.optional(),
  notes: external_exports.string().optional(),
  protected: Bool01.optional()
});
var Content = external_exports.array(ContentRow);
function checkContentRow(raw) {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return void 0;
  const row = raw;
  if (typeof row.volid !== "string") return void 0;
  for (const key of OPTIONAL_STRINGS) {
    if (row[key] !== void 0 && typeof row[key] !== "string") return void 0;
  }
  let normalised;
  for (const key of OPTIONAL_NUMBERS) {
    const value = row[key];
    if (value === void 0 || typeof value === "number" && Number.isFinite(value)) continue;
    if (typeof value !== "string" || !NUMERIC.test(value)) return void 0;
    normalised ??= { ...row };
    normalised[key] = Number(value);
  }
  const flag = row.protected;
  if (flag !== void 0 && typeof flag !== "boolean") {
    if (flag !== 0 && flag !== 1) return void 0;
    normalised ??= { ...row };
    normalised.protected = flag === 1;
  }
  return normalised ?? row;
}
var NUMERIC = /^-?\d+(\.\d+)?$/;
var OPTIONAL_STRINGS = ["content", "format", "subtype", "notes"];
var OPTIONAL_NUMBERS = ["vmid", "ctime", "size"];
var TaskRow = external_exports.looseObject({
  upid: external_exports.string(),
  node: external_exports.string(),
  type: external_exports.string(),
  id: external_exports.string().optional(),
  user: external_exports.string().optional(),
  starttime: Num,
  endtime: Num.optional(),
  status: external_exports.string().optional()
});
var Tasks = external_exports.array(TaskRow);
var LogLine = external_exports.looseObject({ n: Num, t: external_exports.string() });
var LogLines = external_exports.array(LogLine);
function logLineText(line) {
  if (typeof line !== "object" || line === null || Array.isArray(line)) return void 0;
  const { n, t } = line;
  if (typeof t !== "string") return void 0;
  if (!(typeof n === "number" ? Number.isFinite(n) : typeof n === "string" && NUMERIC.test(n)))
    return void 0;
  return t;
}
var PermissionMap = external_exports.record(external_exports.string(), external_exports.record(external_exports.string(), Num));

// src/pve/reader.ts
var DEFAULT_TASK_WINDOW_MS = 14 * 864e5;
var TASK_LOG_MAX_BYTES = 8 * 1024 * 1024;
function createPveReader(deps) {
  const { api, cluster, log } = deps;
  const windowMs = deps.taskWindowMs ?? DEFAULT_TASK_WINDOW_MS;
  const timeZone = deps.timeZone ?? "UTC";
  const finishedLogs = /* @__PURE__ */ new Map();
  return {
    async readFacts(nowMs) {
      const seenUpids = /* @__PURE__ */ new Set();
      const nodesAnswer = settle(
        api.get("/cluster/resources", { type: "node" }).then((d) => Resources.parse(d))
      );
      const storagesAnswer = settle(
        api.get("/cluster/resources", { type: "storage" }).then((d) => Resources.parse(d))
      );
      const guestsAnswer = settle(api.get("/cluster/resources", { type: "vm" }));
      const jobsAnswer = settle(api.get("/cluster/backup"));
      const permsAnswer = settle(api.get("/access/permissions"));
      const round1 = [nodesAnswer, storagesAnswer, guestsAnswer, jobsAnswer, permsAnswer];
      const [nodesRes, storagesRes] = await Promise.all([nodesAnswer, storagesAnswer]);
      if (nodesRes.status === "rejected" || storagesRes.status === "rejected") {
        await Promise.all(round1);
        const reason = nodesRes.status === "rejected" ? nodesRes.reason : storagesRes.reason;
        return { cluster, reachable: false, error: describeFailure(reason, "/cluster/resources") };
      }
      const nodes = toNodes(nodesRes.value);
      const online = nodes.filter((n) => n.online).map((n) => n.name);
      const sinceSec = Math.floor((nowMs - windowMs) / 1e3);
      const toList = backupStoragesToList(storagesRes.value, online);
      const listings = toList.map(
        ({ key, storage, node }) => settle(
          listArchives(`/nodes/${node}/storage/${storage}/content`).then((archives) => ({ key, archives }))
        )
      );
      const storageRound = online.map(
        (node) => settle(
          api.get(`/nodes/${node}/storage`, { content: "backup" }).then((d) => NodeStorages.parse(d).map((r) => toStorageView(node, r)))
        )
      );
      const taskRound = online.map(
        (node) => settle(
          api.get(`/nodes/${node}/tasks`, {
            typefilter: "vzdump",
            source: "all",
            since: sinceSec,
            limit: 1e3
          }).then((d) => readTaskLogs(Tasks.parse(d), seenUpids))
        )
      );
      let guests;
      try {
        const guestsRes = await guestsAnswer;
        if (guestsRes.status === "rejected") throw guestsRes.reason;
        guests = toGuests(await checkInSlices(guestsRes.value));
      } catch (err) {
        await Promise.all([...round1, ...storageRound, ...taskRound, ...listings]);
        return { cluster, reachable: false, error: describeFailure(err, "/cluster/resources") };
      }
      const problems = [];
      const permsRes = checked(await permsAnswer, (d) => PermissionMap.parse(d));
      const permissions = permsRes.status === "fulfilled" ? permsRes.value : {};
      if (permsRes.status === "rejected") {
        problems.push(
          `cannot read the token's permissions: ${describeFailure(permsRes.reason, "/access/permissions")}`
        );
      }
      const jobsRes = checked(await jobsAnswer, (d) => Jobs.parse(d));
      const jobs = jobsRes.status === "fulfilled" ? jobsRes.value.map(toJob) : [];
      const jobsError = jobsRes.status === "rejected" ? `cannot read backup jobs: ${describeFailure(jobsRes.reason, "/cluster/backup")} (the token needs Sys.Audit on /)` : void 0;
      const [storageRes, taskRes, listingRes] = await Promise.all([
        Promise.all(storageRound),
        Promise.all(taskRound),
        Promise.all(listings)
      ]);
      const storages = [];
      storageRes.forEach((r, i) => {
        if (r.status === "fulfilled") storages.push(...r.value);
        else
          problems.push(`cannot read storages of node ${online[i]}: ${describeFailure(r.reason, "storage")}`);
      });
      const listed = [];
      const newest = new NewestArchives();
      listingRes.forEach((r, i) => {
        if (r.status === "rejected") {
          problems.push(
            `cannot list the backups on storage ${toList[i]?.key}: ${describeFailure(r.reason, "storage content")}`
          );
          return;
        }
        listed.push(r.value.key);
        newest.merge(r.value.archives);
      });
      const attempts = [];
      taskRes.forEach((r, i) => {
        const node = online[i];
        if (r.status === "fulfilled") {
          for (const { task, log: log2 } of r.value.runs)
            attempts.push(...toAttempts(task, attributed(task, log2, jobs, guests)));
          const [first] = r.value.unreadLogs;
          if (first)
            problems.push(
              `cannot read ${r.value.unreadLogs.length === 1 ? "the log of 1 backup task" : `the logs of ${r.value.unreadLogs.length} backup tasks`} on node ${node}, so the outcome of their guests may be missing (${first})`
            );
        } else
          problems.push(`cannot read backup tasks of node ${node}: ${describeFailure(r.reason, "tasks")}`);
        if (permsRes.status === "fulfilled" && !hasPrivilege(permissions, `/nodes/${node}`, "Sys.Audit"))
          problems.push(
            `the token cannot see scheduled backup tasks on node ${node}: grant Sys.Audit on /nodes/${node}`
          );
      });
      forgetLogsNotIn(seenUpids);
      return {
        cluster,
        reachable: true,
        nodes,
        guests,
        jobs,
        jobRows: jobsRes.status === "fulfilled" ? jobsRes.value : [],
        storages,
        listed,
        archives: newest.values(),
        attempts,
        permissions,
        jobsError,
        problems
      };
    }
  };
  function attributed(task, log2, jobs, guests) {
    if (!log2?.lines || task.id) return log2?.summary;
    const run = { node: task.node, startMs: task.starttime * 1e3, summary: log2.summary };
    const requestedVmids = scheduledRunGuests(run, jobs, guests, timeZone);
    return requestedVmids.length > 0 ? parseTaskLog(log2.lines, { requestedVmids }) : log2.summary;
  }
  function forgetLogsNotIn(seen) {
    for (const upid of finishedLogs.keys()) if (!seen.has(upid)) finishedLogs.delete(upid);
  }
  async function listArchives(path) {
    const newest = new NewestArchives();
    let odd = 0;
    await api.getEach(path, { content: "backup" }, (raw) => {
      const row = checkContentRow(raw);
      const a = row ? toArchive(row) : void 0;
      if (a) newest.offer(a);
      else if (!row) odd++;
    });
    if (odd > 0) log.warn(`${cluster}: skipped ${odd} storage content rows of unexpected shape`);
    return newest;
  }
  async function readLog(t, { limit }) {
    const lines = [];
    let odd = false;
    await api.getEach(
      `/nodes/${t.node}/tasks/${encodeURIComponent(t.upid)}/log`,
      { limit },
      (item) => {
        const text = logLineText(item);
        if (text === void 0) odd = true;
        else lines.push(text);
      },
      { maxBytes: TASK_LOG_MAX_BYTES }
    );
    if (odd) throw new UpstreamError("unexpected answer from PVE for task log", { retryable: true });
    return lines;
  }
  async function readTaskLogs(tasks, seen) {
    for (const t of tasks) seen.add(t.upid);
    const unreadLogs = [];
    const logs = await Promise.all(
      tasks.map(async (t) => {
        const cached = finishedLogs.get(t.upid);
        if (cached) return cached;
        try {
          const ok = t.endtime !== void 0 && t.status === "OK";
          if (ok) {
            if (t.id && /^\d+$/.test(t.id)) return void 0;
            const head = summarizeOkTaskHead(await readLog(t, { limit: OK_TASK_HEAD_LINES }));
            if (head) {
              finishedLogs.set(t.upid, { summary: head });
              return { summary: head };
            }
          }
          const lines = await readLog(t, { limit: 0 });
          const requestedVmids = t.id && /^\d+$/.test(t.id) ? [Number(t.id)] : [];
          const summary = parseTaskLog(lines, { requestedVmids });
          const read = isUnattributedFailure(summary) ? { summary, lines } : { summary };
          if (t.endtime !== void 0 && summary.jobOutcome !== "running") finishedLogs.set(t.upid, read);
          return read;
        } catch (err) {
          const reason = describeFailure(err, "task log");
          log.warn(`${cluster}: cannot read log of ${t.upid}: ${reason}`);
          unreadLogs.push(reason);
          return void 0;
        }
      })
    );
    return { runs: tasks.map((task, i) => ({ task, log: logs[i] })), unreadLogs };
  }
}
async function checkInSlices(data) {
  if (!Array.isArray(data)) return Resources.parse(data);
  const rows = data;
  const checked2 = [];
  for (let i = 0; i < rows.length; i += RESOURCE_SLICE) {
    await new Promise((resolve) => setImmediate(resolve));
    checked2.push(...Resources.parse(rows.slice(i, i + RESOURCE_SLICE)));
  }
  return checked2;
}
var RESOURCE_SLICE = 100;
function settle(p) {
  return p.then(
    (value) => ({ status: "fulfilled", value }),
    (reason) => ({ status: "rejected", reason })
  );
}
function checked(answer, check) {
  if (answer.status === "rejected") return answer;
  try {
    return { status: "fulfilled", value: check(answer.value) };
  } catch (reason) {
    return { status: "rejected", reason };
  }
}
function backupStoragesToList(resources, online) {
  const out = [];
  const sharedDone = /* @__PURE__ */ new Set();
  for (const r of resources) {
    if (r.type !== "storage" || !r.storage || !r.node || !online.includes(r.node)) continue;
    if (!(r.content ?? "").split(",").includes("backup") || r.status !== "available") continue;
    if (r.shared) {
      if (sharedDone.has(r.storage)) continue;
      sharedDone.add(r.storage);
      out.push({ key: r.storage, storage: r.storage, node: r.node });
    } else {
      out.push({ key: `${r.storage}@${r.node}`, storage: r.storage, node: r.node });
    }
  }
  return out;
}

export {
  isNewer,
  hasPrivilege,
  canSeeBackups,
  isProblem,
  assessCluster,
  formatWall,
  EMPTY_ALERT_STATE,
  alertKey,
  tagOfKey,
  planAlerts,
  snoozeGuests,
  guestAlertInfo,
  withArchiveNotes,
  unknownArchived,
  statusChanges,
  actionId,
  parseActionId,
  parseOptions,
  nearest,
  OUTCOME_UNKNOWN_STATUS,
  NO_ANSWER_STATUS,
  createTransport,
  createPveApi,
  describeFailure,
  parseTaskLog,
  toGuests,
  toNodes,
  toStorageView,
  toArchive,
  Resources,
  Jobs,
  NodeStorages,
  checkContentRow,
  Tasks,
  LogLines,
  logLineText,
  PermissionMap,
  createPveReader
};
//# sourceMappingURL=chunk-ZMRAZS6O.js.map
