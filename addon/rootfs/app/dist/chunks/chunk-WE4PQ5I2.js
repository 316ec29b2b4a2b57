#!/usr/bin/env node
import { createRequire as __pvebCreateRequire } from 'node:module';
const require = __pvebCreateRequire(import.meta.url);
import {
  NewestArchives,
  canSeeBackups,
  hasPrivilege,
  isNewer
} from "./chunk-WA6DBSGN.js";
import {
  nextOccurrence,
  parseCalendarEvent,
  previousOccurrence
} from "./chunk-YRDKFA6Q.js";

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

// src/service/monitor.ts
function createMonitor(deps) {
  let last = [];
  const lastFacts = /* @__PURE__ */ new Map();
  const lastListed = /* @__PURE__ */ new Map();
  let queue = Promise.resolve();
  async function refreshOnce(nowMs) {
    const reports = await Promise.all(
      [...deps.readers].map(async ([cluster, reader]) => {
        const facts = await reader.readFacts(nowMs);
        lastFacts.set(cluster, facts);
        const previous = last.find((r) => r.cluster === cluster)?.guests ?? [];
        const report = assessCluster(facts, deps.policy, nowMs, previous);
        if (!facts.reachable) return report;
        const listed = lastListed.get(cluster) ?? /* @__PURE__ */ new Map();
        lastListed.set(cluster, listed);
        return keepLastListed(report, facts, listed, deps.policy.timeZone);
      })
    );
    last = reports;
    return reports;
  }
  return {
    refresh(nowMs) {
      const run = queue.then(() => refreshOnce(nowMs));
      queue = run.catch(() => void 0);
      return run;
    },
    latest: () => last,
    facts: (cluster) => lastFacts.get(cluster)
  };
}
function keepLastListed(report, facts, listed, timeZone) {
  const readable = new Set(facts.listed.map((key) => key.replace(/@[^@]*$/, "")));
  for (const storage of readable)
    listed.set(
      storage,
      facts.archives.filter((a) => a.storage === storage)
    );
  const remembered = [];
  for (const [storage, archives] of listed) if (!readable.has(storage)) remembered.push(...archives);
  if (remembered.length === 0) return report;
  return { ...report, guests: report.guests.map((g) => withRemembered(g, remembered, timeZone)) };
}
function withRemembered(g, remembered, timeZone) {
  let best;
  for (const a of remembered)
    if (a.vmid === g.vmid && a.type === g.type && (!best || isNewer(a, best))) best = a;
  if (!best || g.lastBackup && g.lastBackup.timeMs >= best.timeMs) return g;
  return {
    ...g,
    lastBackup: {
      timeMs: best.timeMs,
      volid: best.volid,
      storage: best.storage,
      sizeBytes: best.sizeBytes,
      notes: best.notes ?? null
    },
    reason: `${g.reason}; the last backup seen on '${best.storage}' (unreadable now) is from ${formatWall(best.timeMs, timeZone)}`
  };
}
function policyFromConfig(config) {
  const tierByVmid = /* @__PURE__ */ new Map();
  for (const t of config.tiers)
    for (const vmid of t.guests) tierByVmid.set(vmid, { tier: t.name, graceMin: t.graceMin });
  return {
    timeZone: config.timeZone,
    defaultGraceMin: config.graceMin,
    tierOf: (vmid) => tierByVmid.get(vmid)
  };
}

export {
  isProblem,
  assessCluster,
  formatWall,
  createMonitor,
  policyFromConfig
};
//# sourceMappingURL=chunk-WE4PQ5I2.js.map
