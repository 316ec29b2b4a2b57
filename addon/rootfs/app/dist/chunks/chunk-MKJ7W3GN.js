#!/usr/bin/env node
import { createRequire as __pvebCreateRequire } from 'node:module';
const require = __pvebCreateRequire(import.meta.url); const __dirname = import.meta.dirname;
import {
  UNCHECKED_HA_BACKUPS,
  chooseBackupMinute,
  formatMinute,
  nextChecksums,
  pveBusyWindows,
  verifyHaBackup
} from "./chunk-4LAGW3RO.js";
import {
  fullCheckArchive,
  judgeExtractedConfig,
  parseBackupVolid,
  parseExtractedConfig
} from "./chunk-RS2T5GLY.js";
import {
  NasError,
  openNas
} from "./chunk-5S6S4M3N.js";
import {
  createMonitor,
  policyFromConfig
} from "./chunk-JJO62ICM.js";
import {
  EMPTY_ALERT_STATE,
  Jobs,
  LogLines,
  NO_ANSWER_STATUS,
  NodeStorages,
  OUTCOME_UNKNOWN_STATUS,
  PermissionMap,
  Resources,
  Tasks,
  alertKey,
  canSeeBackups,
  checkContentRow,
  createPveApi,
  createPveReader,
  createTransport,
  describeFailure,
  formatWall,
  guestAlertInfo,
  hasPrivilege,
  isProblem,
  logLineText,
  parseOptions,
  parseTaskLog,
  planAlerts,
  snoozeGuests,
  tagOfKey,
  toArchive,
  toGuests,
  toNodes,
  toStorageView,
  unknownArchived
} from "./chunk-ZMRAZS6O.js";
import {
  planErrors,
  planIsEmpty,
  planJobs,
  tierDurations
} from "./chunk-7M3KQP3A.js";
import {
  nextOccurrence,
  parseCalendarEvent,
  wallClockAt
} from "./chunk-OSAFXUH4.js";
import {
  wrapper_default
} from "./chunk-2HEAK642.js";
import {
  ConfigError,
  InputError,
  UpstreamError
} from "./chunk-ELGWSNVL.js";
import {
  external_exports
} from "./chunk-EPHA2CMM.js";

// src/app.ts
import { existsSync, readFileSync } from "node:fs";

// src/config/json-error.ts
function findJsonError(text) {
  let i = 0;
  const fail = (expected) => {
    throw new JsonStop(i, expected);
  };
  const ws = () => {
    while (i < text.length && " 	\n\r".includes(text[i])) i++;
  };
  const literal = (word) => {
    for (const ch of word) {
      if (text[i] !== ch) fail(`the word ${word}`);
      i++;
    }
  };
  const string = () => {
    i++;
    for (; ; ) {
      if (i >= text.length) fail("a closing quote");
      const ch = text[i];
      if (ch === '"') return void i++;
      if (ch < " ") fail("a closing quote before the end of the line");
      if (ch === "\\") {
        i++;
        const e = text[i] ?? "";
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail("four hex digits after \\u");
          i += 5;
        } else if ('"\\/bfnrt'.includes(e) && e !== "") i++;
        else fail("a valid escape after a backslash");
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail("a number");
    i += m[0].length;
  };
  const value = () => {
    ws();
    const ch = text[i];
    if (ch === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (; ; ) {
        ws();
        if (text[i] !== '"') fail('a key in double quotes, like "name"');
        string();
        ws();
        if (text[i] !== ":") fail("a colon after the key");
        i++;
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") return void i++;
        fail("a comma or a closing }");
      }
    }
    if (ch === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (; ; ) {
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") return void i++;
        fail("a comma or a closing ]");
      }
    }
    if (ch === '"') string();
    else if (ch === "t") literal("true");
    else if (ch === "f") literal("false");
    else if (ch === "n") literal("null");
    else if (ch === "-" || ch !== void 0 && ch >= "0" && ch <= "9") number();
    else
      fail(
        i >= text.length ? "a value, but the text ended" : "a value: text in double quotes, a number, true, false, [ or {"
      );
  };
  try {
    if (text.charCodeAt(0) === 65279) i = 1;
    value();
    ws();
    if (i < text.length) fail("nothing more after the end of the options");
    return void 0;
  } catch (err) {
    if (!(err instanceof JsonStop)) throw err;
    const before = text.slice(0, err.at).split("\n");
    return { line: before.length, column: before.at(-1).length + 1, expected: err.expected };
  }
}
var JsonStop = class {
  constructor(at, expected) {
    this.at = at;
    this.expected = expected;
  }
  at;
  expected;
};

// src/core/manual-keep.ts
var MANUAL_NOTES_MARK = "manual backup (PVE Backup)";
var MANUAL_NOTES_TEMPLATE = `{{guestname}}: ${MANUAL_NOTES_MARK}`;
function isManualArchive(notes) {
  return notes?.endsWith(`: ${MANUAL_NOTES_MARK}`) ?? false;
}
function planRelease(input) {
  const ours = input.archives.filter((a) => a.protected && isManualArchive(a.notes)).sort((a, b) => b.timeMs - a.timeMs || (a.volid < b.volid ? 1 : -1));
  const kept = ours.slice(0, Math.max(0, input.keep - 1));
  const release = ours.slice(kept.length);
  if (input.limit !== null) {
    const protectedCount = input.archives.filter((a) => a.protected).length;
    const excess = protectedCount - release.length - (input.limit - 1);
    if (excess > kept.length) {
      const others = protectedCount - ours.length;
      return {
        ok: false,
        error: `guest ${input.guest} has ${protectedCount} protected archive${protectedCount === 1 ? "" : "s"} on '${input.storage}' and PVE allows ${input.limit} (the storage's max-protected-backups); ${others} of them ${others === 1 ? "was" : "were"} protected outside PVE Backup and stay so. Lift the protection of one in PVE (Datacenter \u2192 Storage \u2192 Backups \u2192 Change Protection) or raise max-protected-backups on the storage`
      };
    }
    if (excess > 0) release.unshift(...kept.slice(kept.length - excess));
  }
  return { ok: true, release: release.reverse().map((a) => a.volid) };
}

// src/core/backup-now.ts
var GRANTING_ROLE = { "VM.Backup": "PVEVMUser", "Datastore.AllocateSpace": "PVEDatastoreUser" };
function missingPrivileges(access, guests, storage) {
  const { permissions, tokenId } = access;
  const grant = (path, priv) => {
    const user = tokenId.slice(0, tokenId.indexOf("!"));
    return `pveum acl modify ${path} --users ${user} --tokens '${tokenId}' --roles ${GRANTING_ROLE[priv]}`;
  };
  const problems = [];
  const unbackable = guests.filter((g) => !hasPrivilege(permissions, `/vms/${g.vmid}`, "VM.Backup"));
  if (unbackable.length > 0) {
    const which = unbackable.map((g) => `${g.vmid} (${g.name})`).join(", ");
    const path = unbackable.length === 1 ? `/vms/${unbackable[0].vmid}` : "/vms";
    problems.push(
      `the token ${tokenId} lacks VM.Backup on guest${unbackable.length === 1 ? "" : "s"} ${which}; grant it with: ${grant(path, "VM.Backup")}`
    );
  }
  if (storage !== void 0 && !hasPrivilege(permissions, `/storage/${storage}`, "Datastore.AllocateSpace"))
    problems.push(
      `the token ${tokenId} lacks Datastore.AllocateSpace on /storage/${storage}; grant it with: ${grant(`/storage/${storage}`, "Datastore.AllocateSpace")}`
    );
  return problems;
}
function requestedVmids(request2, tiers) {
  const wanted = new Set(request2.vmids);
  for (const name of request2.tiers)
    for (const v of tiers.find((t) => t.name === name)?.guests ?? []) wanted.add(v);
  return [...wanted].sort((a, b) => a - b);
}
function planBackupNow(input) {
  const { request: request2 } = input;
  const unknown2 = request2.tiers.find((name) => !input.tiers.some((t) => t.name === name));
  if (unknown2 !== void 0)
    return {
      ok: false,
      error: `unknown tier '${unknown2}'; tiers are: ${input.tiers.map((t) => t.name).join(", ") || "(none configured)"}`
    };
  const wanted = requestedVmids(request2, input.tiers);
  if (wanted.length === 0) return { ok: false, error: "name at least one guest (vmid) or tier to back up" };
  const problems = [];
  const byNode = /* @__PURE__ */ new Map();
  for (const vmid of wanted) {
    const guest = input.guests.find((g) => g.vmid === vmid);
    if (!guest) problems.push(`guest ${vmid} does not exist (or the token cannot see it)`);
    else if (guest.template)
      problems.push(`guest ${vmid} (${guest.name}) is a template; templates are not backed up on demand`);
    else if (guest.lock === "backup" || input.active.some((a) => a.vmid === vmid))
      problems.push(`guest ${vmid} (${guest.name}) is already being backed up`);
    else byNode.set(guest.node, [...byNode.get(guest.node) ?? [], guest]);
  }
  if (problems.length === 0 && input.access)
    problems.push(
      ...missingPrivileges(
        input.access,
        [...byNode.values()].flat().sort((a, b) => a.vmid - b.vmid),
        input.storage
      )
    );
  if (problems.length > 0) return { ok: false, error: `nothing started: ${problems.join("; ")}` };
  const calls = [];
  for (const [node, guests] of byNode) {
    const vmids = guests.map((g) => g.vmid);
    const params = {
      vmid: vmids.join(","),
      mode: "snapshot",
      compress: "zstd",
      remove: 0,
      "notification-mode": "notification-system"
    };
    if (input.storage) {
      params.storage = input.storage;
      params.protected = 1;
      params["notes-template"] = MANUAL_NOTES_TEMPLATE;
    }
    calls.push({ node, vmids, params });
  }
  return { ok: true, calls };
}

// src/core/upid.ts
var UPID_RE = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;
var TOKEN_USER_RE = /^([^!]+)!(.+)$/;
function parseUpid(text) {
  const m = UPID_RE.exec(text);
  if (!m) return void 0;
  const fullUser = m[8];
  const token = TOKEN_USER_RE.exec(fullUser);
  const upid = {
    upid: text,
    node: m[1],
    pid: Number.parseInt(m[3], 16),
    pstart: Number.parseInt(m[4], 16),
    startMs: Number.parseInt(m[5], 16) * 1e3,
    type: m[6],
    id: m[7],
    user: token ? token[1] : fullUser
  };
  if (token) upid.tokenId = token[2];
  return upid;
}

// src/pve/backup.ts
var UpidText = external_exports.string().regex(/^UPID:/);
async function startBackups(deps, calls) {
  const started = [];
  const failed = [];
  await Promise.all(
    calls.map(async (call) => {
      try {
        started.push(await startOne(deps, call, true));
      } catch (err) {
        failed.push({
          node: call.node,
          vmids: call.vmids,
          error: err instanceof Error ? err.message : String(err)
        });
      }
    })
  );
  return { started, failed };
}
async function startOne(deps, call, mayRelocate) {
  const postedAtMs = deps.nowMs();
  let answer;
  try {
    answer = await deps.api.post(`/nodes/${call.node}/vzdump`, call.params);
  } catch (err) {
    if (err instanceof UpstreamError && err.details.status === OUTCOME_UNKNOWN_STATUS) {
      deps.log.warn(
        `vzdump on ${call.node} for ${call.vmids.join(",")}: the answer was lost; looking for the task it started`
      );
      const upid2 = await findStartedTask(deps, call, postedAtMs);
      if (upid2) return { node: call.node, upid: upid2, vmids: call.vmids };
      throw new UpstreamError(
        `vzdump on ${call.node} for ${call.vmids.join(",")}: the answer was lost and no task appeared; check PVE's task list before trying again`,
        { retryable: false, cause: err }
      );
    }
    throw err;
  }
  if (answer === "OK") {
    if (!mayRelocate)
      throw new UpstreamError(`PVE started no backup for ${call.vmids.join(",")} on ${call.node}`, {
        retryable: false
      });
    const guests = toGuests(Resources.parse(await deps.api.get("/cluster/resources", { type: "vm" })));
    const nodes = new Set(call.vmids.map((v) => guests.find((g) => g.vmid === v)?.node));
    const [node] = [...nodes];
    if (nodes.size !== 1 || node === void 0 || node === call.node)
      throw new UpstreamError(
        `PVE started no backup for ${call.vmids.join(",")}: the guests are not on ${call.node} (they moved?); try again`,
        { retryable: true }
      );
    deps.log.info(`guests ${call.vmids.join(",")} moved to ${node}; backing up there`);
    return startOne(deps, { ...call, node }, false);
  }
  const upid = UpidText.safeParse(answer);
  if (!upid.success)
    throw new UpstreamError(`unexpected answer from PVE to vzdump: ${JSON.stringify(answer)}`, {
      retryable: false
    });
  return { node: call.node, upid: upid.data, vmids: call.vmids };
}
async function findStartedTask(deps, call, postedAtMs) {
  const sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const deadline = deps.nowMs() + (deps.lookForMs ?? 15e3);
  const user = deps.tokenId.split("!")[0];
  const want = [...call.vmids].sort((a, b) => a - b).join(",");
  for (; ; ) {
    try {
      const tasks = Tasks.parse(
        await deps.api.get(`/nodes/${call.node}/tasks`, {
          typefilter: "vzdump",
          source: "all",
          userfilter: user,
          since: Math.floor(postedAtMs / 1e3) - 60
        })
      );
      for (const t of tasks) {
        if (call.vmids.length === 1) {
          if (t.id === String(call.vmids[0])) return t.upid;
          continue;
        }
        if (t.id) continue;
        const log = LogLines.parse(
          await deps.api.get(`/nodes/${call.node}/tasks/${encodeURIComponent(t.upid)}/log`, { limit: 5 })
        );
        const summary = parseTaskLog(log.map((l) => l.t));
        if ([...summary.requestedVmids].sort((a, b) => a - b).join(",") === want) return t.upid;
      }
    } catch (err) {
      deps.log.warn(
        `looking for the lost vzdump task on ${call.node}: ${err instanceof Error ? err.message : String(err)}`
      );
    }
    if (deps.nowMs() >= deadline) return void 0;
    await sleep(1e3);
  }
}
var TaskStatus = external_exports.looseObject({
  status: external_exports.string(),
  exitstatus: external_exports.string().optional(),
  starttime: external_exports.number()
});
var DEFAULT_INTERVAL_MS = 2e3;
var DEFAULT_MAX_INTERVAL_MS = 15e3;
var DEFAULT_OUTAGE_MS = 10 * 6e4;
async function followTask(deps, upid, onUpdate, opts = {}) {
  const parsed = parseUpid(upid);
  if (!parsed) throw new UpstreamError(`not a task id: ${upid}`, { retryable: false });
  const node = parsed.node;
  const sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  const maxIntervalMs = Math.max(intervalMs, opts.maxIntervalMs ?? DEFAULT_MAX_INTERVAL_MS);
  const path = `/nodes/${node}/tasks/${encodeURIComponent(upid)}`;
  const lines = [];
  let waitMs = intervalMs;
  let previous;
  let outageSinceMs;
  let missed = 0;
  for (; ; ) {
    let status;
    let fresh;
    try {
      status = TaskStatus.parse(await deps.api.get(`${path}/status`));
      fresh = LogLines.parse(await deps.api.get(`${path}/log`, { start: lines.length, limit: 0 }));
    } catch (err) {
      if (!(err instanceof UpstreamError && err.retryable) || opts.signal?.aborted) throw err;
      const nowMs = deps.nowMs();
      if (outageSinceMs === void 0) {
        outageSinceMs = nowMs;
        deps.log.warn(`following ${upid}: ${err.message}; trying again (the task runs on in PVE)`);
      }
      const outageMs = opts.outageMs ?? DEFAULT_OUTAGE_MS;
      if (nowMs - outageSinceMs >= outageMs)
        throw new UpstreamError(
          `gave up following ${upid} after PVE did not answer for ${Math.round(outageMs / 6e4)} min: ${err.message}`,
          { retryable: true, cause: err }
        );
      missed++;
      await sleep(Math.min(intervalMs * 2 ** Math.min(missed, 5), 3e4));
      continue;
    }
    if (outageSinceMs !== void 0) {
      deps.log.info(`following ${upid}: PVE answers again`);
      outageSinceMs = void 0;
      missed = 0;
    }
    const empty = lines.length === 0 && fresh.length === 1 && fresh[0]?.t === "no content";
    const known = lines.length;
    if (!empty) {
      for (const l of fresh) if (l.n === lines.length + 1) lines.push(l.t);
    }
    const running = status.status === "running";
    const changed = previous === void 0 || lines.length > known || running !== previous.running;
    const progress = {
      upid,
      node,
      running,
      exitStatus: running ? void 0 : status.exitstatus,
      // A log that did not grow says what it said: its summary is the one already made.
      summary: previous !== void 0 && !changed ? previous.summary : parseTaskLog(lines),
      startMs: status.starttime * 1e3
    };
    previous = progress;
    onUpdate(progress);
    if (!running || opts.signal?.aborted) return progress;
    waitMs = changed ? intervalMs : Math.min(waitMs * 2, maxIntervalMs);
    await sleep(waitMs);
  }
}

// src/pve/storage.ts
var StorageStatus = external_exports.looseObject({
  type: external_exports.string(),
  content: external_exports.string().optional(),
  shared: external_exports.union([external_exports.literal(0), external_exports.literal(1)]).optional(),
  enabled: external_exports.union([external_exports.literal(0), external_exports.literal(1)]).optional(),
  active: external_exports.union([external_exports.literal(0), external_exports.literal(1)]).optional(),
  total: external_exports.number().optional(),
  used: external_exports.number().optional(),
  avail: external_exports.number().optional()
});
var StorageConfig = external_exports.looseObject({
  storage: external_exports.string(),
  type: external_exports.string(),
  server: external_exports.string().optional(),
  export: external_exports.string().optional()
});
var NfsExports = external_exports.array(external_exports.looseObject({ path: external_exports.string(), options: external_exports.string().optional() }));
var gib = (n) => `${(n / 1024 ** 3).toFixed(1)} GiB`;
async function checkStorage(api, storage) {
  const checks = [];
  const add = (level, text) => checks.push({ ok: level !== "fail", level, text });
  const nodes = toNodes(Resources.parse(await api.get("/cluster/resources", { type: "node" })));
  for (const node of nodes) {
    if (!node.online) {
      add("warn", `${node.name}: node is offline, not checked`);
      continue;
    }
    let status;
    try {
      status = StorageStatus.parse(await api.get(`/nodes/${node.name}/storage/${storage}/status`));
    } catch (err) {
      if (err instanceof UpstreamError && err.details.status === 400) {
        add("fail", `${node.name}: storage '${storage}' does not exist (pve-backup storage create makes it)`);
        continue;
      }
      throw err;
    }
    const content = (status.content ?? "").split(",");
    if (status.enabled === 0) add("fail", `${node.name}: '${storage}' is disabled`);
    else if (status.active !== 1)
      add(
        "fail",
        `${node.name}: '${storage}' is not active: PVE cannot mount it (is the NAS up, is the export allowed for this node?)`
      );
    else add("ok", `${node.name}: '${storage}' (${status.type}) is active`);
    if (!content.includes("backup"))
      add("fail", `${node.name}: '${storage}' does not hold backups: add 'backup' to its content`);
    if (status.active === 1 && status.total) {
      const free = (status.avail ?? 0) / status.total;
      add(
        free < 0.1 ? "warn" : "ok",
        `${node.name}: ${gib(status.avail ?? 0)} free of ${gib(status.total)} (${Math.round(free * 100)}%)`
      );
    }
  }
  const config = await readStorageConfig(api, storage);
  if (config?.type === "nfs" && config.server) {
    const online = nodes.find((n) => n.online);
    if (online) {
      try {
        const exports = NfsExports.parse(
          await api.get(`/nodes/${online.name}/scan/nfs`, { server: config.server })
        );
        if (exports.some((e) => e.path === config.export))
          add("ok", `NAS ${config.server} exports ${config.export}`);
        else
          add(
            "fail",
            `NAS ${config.server} does not export ${config.export} (it exports: ${exports.map((e) => e.path).join(", ") || "nothing"})`
          );
      } catch (err) {
        add(
          "warn",
          `cannot scan NFS exports of ${config.server}: ${err instanceof Error ? err.message : String(err)}`
        );
      }
    }
  }
  return { storage, checks, ok: checks.every((c) => c.ok) };
}
async function readStorageConfig(api, storage) {
  try {
    return StorageConfig.parse(await api.get(`/storage/${storage}`));
  } catch (err) {
    if (err instanceof UpstreamError && (err.details.status === 403 || /does not exist/.test(err.message)))
      return void 0;
    throw err;
  }
}
async function createNfsStorage(api, node, spec) {
  const exports = NfsExports.parse(await api.get(`/nodes/${node}/scan/nfs`, { server: spec.server }));
  if (!exports.some((e) => e.path === spec.export)) {
    throw new UpstreamError(
      `NAS ${spec.server} does not export ${spec.export}; it exports: ${exports.map((e) => e.path).join(", ") || "nothing"}`,
      { retryable: false }
    );
  }
  await api.post("/storage", {
    storage: spec.storage,
    type: "nfs",
    server: spec.server,
    export: spec.export,
    // Without it PVE defaults an NFS storage to `images` only (reference §11.10).
    content: "backup",
    options: spec.options,
    "prune-backups": spec.keepLast ? `keep-last=${spec.keepLast}` : void 0
  });
}

// src/pve/manual-keep.ts
async function releaseManualArchives(deps) {
  const { api, calls } = deps;
  const writes = [];
  const problems = [];
  const limits = /* @__PURE__ */ new Map();
  for (const call of calls) {
    if (call.params.protected !== 1) continue;
    const storage = String(call.params.storage);
    if (!limits.has(storage)) limits.set(storage, await protectedLimit(api, storage, deps.permissions));
    for (const vmid of call.vmids) {
      const guest = deps.guests.find((g) => g.vmid === vmid);
      if (!guest) continue;
      const label = `${vmid} (${guest.name})`;
      let raw;
      try {
        raw = await api.get(`/nodes/${call.node}/storage/${storage}/content`, { content: "backup", vmid });
      } catch (err) {
        deps.log.warn(
          `guest ${label}: its archives on '${storage}' could not be listed (${err instanceof Error ? err.message : String(err)}); older manual backups are not retired this time`
        );
        continue;
      }
      const archives = (Array.isArray(raw) ? raw : []).flatMap((item) => {
        const row = checkContentRow(item);
        if (!row || row.vmid !== vmid || row.subtype !== void 0 && row.subtype !== guest.type) return [];
        return [
          {
            volid: row.volid,
            timeMs: (row.ctime ?? 0) * 1e3,
            protected: row.protected === true,
            notes: row.notes
          }
        ];
      });
      const plan = planRelease({
        archives,
        keep: deps.keep,
        limit: limits.get(storage) ?? null,
        guest: label,
        storage
      });
      if (!plan.ok) problems.push(plan.error);
      else for (const volid of plan.release) writes.push({ node: call.node, storage, volid, guest: label });
    }
  }
  if (problems.length > 0) throw new InputError(`nothing started: ${problems.join("; ")}`);
  const done = [];
  for (const w of writes) {
    const path = `/nodes/${w.node}/storage/${w.storage}/content/${w.volid.split("/").map(encodeURIComponent).join("/")}`;
    try {
      await api.put(path, { protected: 0 });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new UpstreamError(
        `could not lift the protection of ${w.volid}, an older manual backup of guest ${w.guest}: ${why}; nothing started` + (done.length > 0 ? ` (already retired: ${done.join(", ")})` : ""),
        {
          retryable: false,
          status: err instanceof UpstreamError ? err.details.status : void 0,
          cause: err
        }
      );
    }
    done.push(w.volid);
    try {
      const answer = await api.delete(path, { delay: 30 });
      deps.log.info(
        `guest ${w.guest}: removed older manual backup ${w.volid}` + (typeof answer === "string" ? ` (task ${answer} still running)` : "")
      );
    } catch (err) {
      deps.log.warn(
        `guest ${w.guest}: older manual backup ${w.volid} is no longer protected but could not be removed (${err instanceof Error ? err.message : String(err)}); the tier's retention will remove it`
      );
    }
  }
}
async function protectedLimit(api, storage, permissions) {
  const config = await readStorageConfig(api, storage).catch(() => void 0);
  const configured = config?.["max-protected-backups"];
  if (configured !== void 0 && configured !== null && Number.isInteger(Number(configured))) {
    const n = Number(configured);
    return n < 0 ? null : n;
  }
  return hasPrivilege(permissions, `/storage/${storage}`, "Datastore.Allocate") ? null : 5;
}

// src/service/backups.ts
function createBackupService(deps) {
  const following = /* @__PURE__ */ new Map();
  const inFlight = /* @__PURE__ */ new Map();
  const guardKey = (cluster, vmid) => `${cluster}/${vmid}`;
  async function backupNow(req, opts = {}) {
    const cluster = pickCluster(deps.config, req.cluster);
    const guard = holdGuests(cluster, requestedVmids(req, deps.config.tiers));
    try {
      return await startAndFollow(cluster, req, opts, guard);
    } finally {
      guard.releaseUnfollowed();
    }
  }
  function holdGuests(cluster, vmids) {
    for (const vmid of vmids) {
      const busy = inFlight.get(guardKey(cluster, vmid));
      if (busy)
        throw new InputError(
          `guest ${vmid} is already being backed up (${busy.upid ? `task ${busy.upid}` : "its task is starting"}): nothing started`
        );
    }
    const held = new Set(vmids);
    const followed = /* @__PURE__ */ new Set();
    for (const vmid of held) inFlight.set(guardKey(cluster, vmid), {});
    const release = (released) => {
      for (const vmid of released) if (held.delete(vmid)) inFlight.delete(guardKey(cluster, vmid));
    };
    return {
      /** A task started for these guests: later presses name it. */
      started(task) {
        for (const vmid of task.vmids)
          if (held.has(vmid)) inFlight.set(guardKey(cluster, vmid), { upid: task.upid });
      },
      /** The task's follower releases these guests when the task ends. */
      followed(task) {
        for (const vmid of task.vmids) followed.add(vmid);
      },
      release,
      releaseUnfollowed: () => release([...held].filter((vmid) => !followed.has(vmid)))
    };
  }
  async function startAndFollow(cluster, req, opts, guard) {
    const api = deps.apis.get(cluster);
    await deps.monitor.refresh(deps.nowMs());
    const facts = deps.monitor.facts(cluster);
    if (!facts?.reachable) throw new InputError(`cluster ${cluster} cannot be reached: nothing started`);
    const tokenId = deps.config.clusters.find((c) => c.name === cluster)?.tokenId;
    const plan = planBackupNow({
      request: { vmids: req.vmids, tiers: req.tiers },
      guests: facts.guests,
      tiers: deps.config.tiers,
      active: facts.attempts.filter((a) => a.outcome === "running" || a.outcome === "waiting"),
      storage: deps.config.storage,
      // No privileges at all means they could not be read (a token without any sees no guest
      // either): then PVE decides, and a task it refuses fails visibly.
      access: Object.keys(facts.permissions).length > 0 ? { permissions: facts.permissions, tokenId } : void 0
    });
    if (!plan.ok) throw new InputError(plan.error);
    await releaseManualArchives({
      api,
      log: deps.log,
      calls: plan.calls,
      guests: facts.guests,
      keep: deps.config.manualKeep,
      permissions: facts.permissions
    });
    const result = await startBackups({ api, log: deps.log, tokenId, nowMs: deps.nowMs }, plan.calls);
    for (const task of result.started) guard.started(task);
    for (const task of result.started) deps.onEvent({ kind: "started", cluster, task });
    if (result.started.length > 0) deps.onChange();
    if (!opts.wait && opts.follow === false) return { cluster, ...result };
    const names = new Map(facts.guests.map((g) => [g.vmid, g.name]));
    const follows = result.started.map((task) => {
      guard.followed(task);
      return follow(cluster, api, task, names).finally(() => guard.release(task.vmids));
    });
    if (!opts.wait) {
      for (const f of follows)
        f.catch(
          (err) => deps.log.error(`following a backup task: ${err instanceof Error ? err.message : String(err)}`)
        );
      return { cluster, ...result };
    }
    const results = (await Promise.all(follows)).flat();
    return { cluster, ...result, results };
  }
  async function follow(cluster, api, task, names) {
    const reported = /* @__PURE__ */ new Set();
    const results = [];
    const report = (p) => {
      following.set(p.upid, p);
      deps.onEvent({ kind: "progress", cluster, progress: p });
      for (const g of p.summary.guests) {
        if (g.outcome === "running" || reported.has(g.vmid)) continue;
        reported.add(g.vmid);
        const result = {
          cluster,
          vmid: g.vmid,
          name: names.get(g.vmid) ?? String(g.vmid),
          status: g.outcome === "failed" ? "failed" : g.warnings > 0 ? "warnings" : "ok",
          sizeBytes: g.sizeBytes ?? null,
          durationSec: g.durationSec ?? null,
          error: g.error ?? null,
          upid: p.upid
        };
        results.push(result);
        deps.onEvent({ kind: "finished", result });
      }
    };
    const end = await followTask({ api, log: deps.log, nowMs: deps.nowMs }, task.upid, report, {
      intervalMs: deps.pollIntervalMs
    });
    following.delete(task.upid);
    for (const vmid of task.vmids) {
      if (reported.has(vmid)) continue;
      const result = {
        cluster,
        vmid,
        name: names.get(vmid) ?? String(vmid),
        status: "failed",
        sizeBytes: null,
        durationSec: null,
        error: end.summary.jobError ?? end.exitStatus ?? "the task ended without backing up this guest",
        upid: task.upid
      };
      results.push(result);
      deps.onEvent({ kind: "finished", result });
    }
    deps.onChange();
    return results;
  }
  return { backupNow, active: () => [...following.values()] };
}
function pickCluster(config, name) {
  if (name !== void 0) {
    if (!config.clusters.some((c) => c.name === name)) throw new InputError(`no cluster named '${name}'`);
    return name;
  }
  if (config.clusters.length !== 1)
    throw new InputError(
      `several clusters are configured: say which (${config.clusters.map((c) => c.name).join(", ")})`
    );
  return config.clusters[0].name;
}

// src/app.ts
var ADDON_OPTIONS_PATH = "/data/options.json";
function defaultTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
function loadConfig(path) {
  if (!existsSync(path)) throw new ConfigError([`${path}: no such options file`]);
  const text = readFileSync(path, "utf8");
  let raw;
  try {
    raw = JSON.parse(text);
  } catch {
    const place = findJsonError(text);
    throw new ConfigError([
      place ? `${path}: not valid JSON at line ${place.line}, column ${place.column}: expected ${place.expected}` : `${path}: not valid JSON`
    ]);
  }
  return parseOptions(raw, { defaultTimeZone: defaultTimeZone() });
}
function createApp(config, log, hooks = {}) {
  const apis = /* @__PURE__ */ new Map();
  const readers = /* @__PURE__ */ new Map();
  for (const cluster of config.clusters) {
    if (!cluster.fingerprint && !cluster.verifyTls)
      log.warn(
        `${cluster.name}: TLS verification is off; set 'fingerprint' to pin the PVE certificate instead`
      );
    const api = createPveApi(cluster, { timeoutMs: config.requestTimeoutMs });
    apis.set(cluster.name, api);
    readers.set(
      cluster.name,
      createPveReader({ cluster: cluster.name, api, log, timeZone: config.timeZone })
    );
  }
  const monitor = createMonitor({ readers, policy: policyFromConfig(config) });
  const backups = createBackupService({
    config,
    apis,
    monitor,
    log,
    nowMs: hooks.nowMs ?? Date.now,
    onEvent: (e) => hooks.onBackupEvent?.(e),
    onChange: () => hooks.onChange?.()
  });
  return {
    config,
    monitor,
    backups,
    apis,
    async close() {
      await Promise.all([...apis.values()].map((a) => a.close()));
    }
  };
}

// src/dsm/report.ts
var iso = (ms) => ms === null ? null : new Date(ms).toISOString();
function toCopiesJson(c) {
  return {
    pve: c.pve,
    nas: c.nas,
    offNas: c.offNas,
    offNasTime: iso(c.offNasMs),
    offNasReason: c.offNasReason
  };
}
function toNasJsonAll(views) {
  const primary = views.find((v) => v.view.placement.onNas) ?? views[0];
  if (!primary) return null;
  const clusters = views.map(({ cluster, view }) => {
    const json = toNasJson(view);
    return {
      cluster,
      storage: json.storage,
      onNas: view.placement.onNas ? "yes" : "unknown",
      reason: view.placement.onNas ? null : view.placement.reason,
      coverage: json.coverage,
      findings: json.findings
    };
  });
  const findings = [...new Map(clusters.flatMap((c) => c.findings).map((f) => [f.message, f])).values()];
  return { ...toNasJson(primary.view), findings, clusters };
}
function toNasJson(v) {
  return {
    url: v.url,
    reachable: v.error === null,
    error: v.error,
    hyperBackup: v.hyperBackup,
    storage: v.storage,
    tasks: v.tasks?.map((t) => ({
      id: t.id,
      name: t.name,
      state: t.state,
      status: t.status,
      health: t.health,
      lastResult: t.lastResult,
      lastError: t.lastError || null,
      lastRun: iso(t.lastRunMs),
      lastEnd: iso(t.lastEndMs),
      lastSuccess: iso(t.lastSuccessMs),
      nextRun: iso(t.nextRunMs),
      destination: t.destination,
      destinationKind: t.destinationKind,
      folders: t.folders.map((f) => f.path)
    })) ?? null,
    coverage: v.coverage.map((c) => ({
      label: c.label,
      folder: c.folder,
      task: c.task?.name ?? null,
      covered: c.covered,
      lastSuccess: iso(c.lastSuccessMs),
      nextRun: iso(c.nextRunMs)
    })),
    capacity: v.capacity ? {
      share: v.capacity.share,
      freeBytes: v.capacity.freeBytes,
      totalBytes: v.capacity.totalBytes,
      backupBytes: v.capacity.backupBytes,
      steadyBytes: v.capacity.steadyBytes,
      growthBytesPerWeek: v.capacity.growthBytesPerWeek,
      fillDate: v.capacity.fillMs === null ? null : new Date(v.capacity.fillMs).toISOString().slice(0, 10)
    } : null,
    findings: v.findings.map((f) => ({ kind: f.kind, folder: f.folder, task: f.task, message: f.message }))
  };
}
function nasExitCode(v) {
  if (v.findings.some((f) => f.kind !== "unknown")) return 1;
  return v.findings.length > 0 ? 2 : 0;
}
function renderNasText(v, guests, timeZone) {
  const at = (ms) => ms === null ? "-" : formatWall(ms, timeZone);
  const out = [
    `NAS ${v.url}${v.error ? " (not readable)" : ""}; storage ${v.storage.id}${v.storage.export ? ` = ${v.storage.server}:${v.storage.export}` : ""}`
  ];
  if (v.tasks === null)
    out.push(v.hyperBackup === "not_installed" ? "Hyper Backup: not installed" : "Hyper Backup: unknown");
  else if (v.tasks.length === 0) out.push("Hyper Backup: no tasks");
  else {
    out.push(`Hyper Backup tasks (${timeZone}):`);
    for (const t of v.tasks)
      out.push(
        `  ${t.id}  ${t.name}  ${t.health}  last ${t.lastResult || "-"} ${at(t.lastRunMs)}  success ${at(t.lastSuccessMs)}  next ${at(t.nextRunMs)}  \u2192 ${t.destinationKind}  [${t.folders.map((f) => f.path).join(", ")}]`
      );
  }
  for (const c of v.coverage)
    out.push(`${c.label} ${c.folder}: covered ${c.covered}${c.task ? ` by '${c.task.name}'` : ""}`);
  if (v.capacity) {
    const gb = (n) => `${(n / 1e9).toFixed(1)} GB`;
    out.push(
      `share ${v.capacity.share}: ${gb(v.capacity.freeBytes)} free of ${gb(v.capacity.totalBytes)}; archives ${gb(v.capacity.backupBytes)}, ${gb(v.capacity.growthBytesPerWeek)}/week; fills ${v.capacity.fillMs === null ? "not at this rate" : new Date(v.capacity.fillMs).toISOString().slice(0, 10)}`
    );
  }
  const rows = guests.flatMap((g) => {
    const c = v.copies.get(g.vmid);
    if (!c) return [];
    const off = c.offNas === "yes" ? `yes, ${at(c.offNasMs)}` : c.offNas === "no" ? "no off-NAS copy" : "unknown";
    return [[String(g.vmid), g.name, String(c.pve), c.nas === null ? "-" : String(c.nas), off]];
  });
  if (rows.length > 0) {
    const table = [["VMID", "NAME", "ON PVE", "ON NAS", "OFF NAS"], ...rows];
    const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] ?? "").length))) ?? [];
    for (const r of table)
      out.push(r.map((cell, i) => i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)).join("  "));
  }
  for (const f of v.findings) out.push(`! ${f.message}`);
  return `${out.map(terminalSafe).join("\n")}
`;
}
function terminalSafe(line) {
  return line.replace(new RegExp("\\p{Cc}", "gu"), (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
function toNasEntities(v) {
  if (!v) return null;
  const offsite = v.findings.filter((f) => f.kind !== "capacity");
  return {
    freeBytes: v.capacity?.freeBytes ?? null,
    totalBytes: v.capacity?.totalBytes ?? null,
    share: v.capacity?.share ?? null,
    growthBytesPerWeek: v.capacity?.growthBytesPerWeek ?? null,
    fillDate: v.capacity?.fillMs == null ? null : new Date(v.capacity.fillMs).toISOString().slice(0, 10),
    capacityProblems: v.capacity?.problems ?? [],
    offsiteProblem: offsite.some((f) => f.kind !== "unknown") ? true : offsite.length > 0 ? null : false,
    findings: v.findings.map((f) => f.message),
    copies: v.copies
  };
}
function statusWithNas(status, watching, views) {
  if (!status || !watching) return status;
  return {
    ...status,
    guests: status.guests.map((g) => {
      const c = views.find((v) => v.cluster === g.cluster)?.view.copies.get(g.vmid);
      return c ? { ...g, copies: toCopiesJson(c) } : g;
    }),
    nas: toNasJsonAll(views)
  };
}

// node_modules/home-assistant-js-websocket/dist/errors.js
var ERR_CANNOT_CONNECT = 1;
var ERR_INVALID_AUTH = 2;
var ERR_CONNECTION_LOST = 3;
var ERR_HASS_HOST_REQUIRED = 4;

// node_modules/home-assistant-js-websocket/dist/messages.js
function auth(accessToken) {
  return {
    type: "auth",
    access_token: accessToken
  };
}
function supportedFeatures() {
  return {
    type: "supported_features",
    id: 1,
    // Always the first message after auth
    features: { coalesce_messages: 1 }
  };
}
function subscribeEvents(eventType) {
  const message = {
    type: "subscribe_events"
  };
  if (eventType) {
    message.event_type = eventType;
  }
  return message;
}
function unsubscribeEvents(subscription) {
  return {
    type: "unsubscribe_events",
    subscription
  };
}
function ping() {
  return {
    type: "ping"
  };
}
function error(code, message) {
  return {
    type: "result",
    success: false,
    error: {
      code,
      message
    }
  };
}

// node_modules/home-assistant-js-websocket/dist/util.js
var atLeastHaVersion = (version, major, minor, patch) => {
  const [haMajor, haMinor, haPatch] = version.split(".", 3);
  return Number(haMajor) > major || Number(haMajor) === major && (patch === void 0 ? Number(haMinor) >= minor : Number(haMinor) > minor) || patch !== void 0 && Number(haMajor) === major && Number(haMinor) === minor && Number(haPatch) >= patch;
};

// node_modules/home-assistant-js-websocket/dist/socket.js
var DEBUG = false;
var DEFAULT_CONNECT_TIMEOUT = 1e4;
var MSG_TYPE_AUTH_REQUIRED = "auth_required";
var MSG_TYPE_AUTH_INVALID = "auth_invalid";
var MSG_TYPE_AUTH_OK = "auth_ok";
function createSocket(options) {
  var _a;
  if (!options.auth) {
    throw ERR_HASS_HOST_REQUIRED;
  }
  const auth2 = options.auth;
  let authRefreshTask = auth2.expired ? auth2.refreshAccessToken().then(() => {
    authRefreshTask = void 0;
  }, () => {
    authRefreshTask = void 0;
  }) : void 0;
  const url = auth2.wsUrl;
  const connectTimeout = (_a = options.connectTimeout) !== null && _a !== void 0 ? _a : DEFAULT_CONNECT_TIMEOUT;
  if (DEBUG) {
    console.log("[Auth phase] Initializing", url);
  }
  function connect(triesLeft, promResolve, promReject) {
    if (DEBUG) {
      console.log("[Auth Phase] New connection", url);
    }
    const socket = new WebSocket(url);
    let invalidAuth = false;
    const connectTimer = connectTimeout > 0 ? setTimeout(() => {
      if (DEBUG) {
        console.log("[Auth phase] Connect timed out", url);
      }
      socket.close();
    }, connectTimeout) : void 0;
    const clearConnectTimer = () => {
      if (connectTimer !== void 0) {
        clearTimeout(connectTimer);
      }
    };
    const closeMessage = () => {
      clearConnectTimer();
      socket.removeEventListener("close", closeMessage);
      if (invalidAuth) {
        promReject(ERR_INVALID_AUTH);
        return;
      }
      if (triesLeft === 0) {
        promReject(ERR_CANNOT_CONNECT);
        return;
      }
      const newTries = triesLeft === -1 ? -1 : triesLeft - 1;
      setTimeout(() => connect(newTries, promResolve, promReject), 1e3);
    };
    const handleOpen = async (event) => {
      clearConnectTimer();
      try {
        if (auth2.expired) {
          await (authRefreshTask ? authRefreshTask : auth2.refreshAccessToken());
        }
        socket.send(JSON.stringify(auth(auth2.accessToken)));
      } catch (err) {
        invalidAuth = err === ERR_INVALID_AUTH;
        socket.close();
      }
    };
    const handleMessage = async (event) => {
      const message = JSON.parse(event.data);
      if (DEBUG) {
        console.log("[Auth phase] Received", message);
      }
      switch (message.type) {
        case MSG_TYPE_AUTH_INVALID:
          invalidAuth = true;
          socket.close();
          break;
        case MSG_TYPE_AUTH_OK:
          socket.removeEventListener("open", handleOpen);
          socket.removeEventListener("message", handleMessage);
          socket.removeEventListener("close", closeMessage);
          socket.removeEventListener("error", closeMessage);
          socket.haVersion = message.ha_version;
          if (atLeastHaVersion(socket.haVersion, 2022, 9)) {
            socket.send(JSON.stringify(supportedFeatures()));
          }
          promResolve(socket);
          break;
        default:
          if (DEBUG) {
            if (message.type !== MSG_TYPE_AUTH_REQUIRED) {
              console.warn("[Auth phase] Unhandled message", message);
            }
          }
      }
    };
    socket.addEventListener("open", handleOpen);
    socket.addEventListener("message", handleMessage);
    socket.addEventListener("close", closeMessage);
    socket.addEventListener("error", closeMessage);
  }
  return new Promise((resolve, reject) => connect(options.setupRetry, resolve, reject));
}

// node_modules/home-assistant-js-websocket/dist/connection.js
var DEBUG2 = false;
var Connection = class {
  constructor(socket, options) {
    this._handleMessage = (event) => {
      let messageGroup = JSON.parse(event.data);
      if (!Array.isArray(messageGroup)) {
        messageGroup = [messageGroup];
      }
      messageGroup.forEach((message) => {
        if (DEBUG2) {
          console.log("Received", message);
        }
        const info = this.commands.get(message.id);
        switch (message.type) {
          case "event":
            if (info) {
              info.callback(message.event);
            } else {
              console.warn(`Received event for unknown subscription ${message.id}. Unsubscribing.`);
              this.sendMessagePromise(unsubscribeEvents(message.id)).catch((err) => {
                if (DEBUG2) {
                  console.warn(` Error unsubsribing from unknown subscription ${message.id}`, err);
                }
              });
            }
            break;
          case "result":
            if (info) {
              if (message.success) {
                info.resolve(message.result);
                if (!("subscribe" in info)) {
                  this.commands.delete(message.id);
                }
              } else {
                info.reject(message.error);
                this.commands.delete(message.id);
              }
            }
            break;
          case "pong":
            if (info) {
              info.resolve();
              this.commands.delete(message.id);
            } else {
              console.warn(`Received unknown pong response ${message.id}`);
            }
            break;
          default:
            if (DEBUG2) {
              console.warn("Unhandled message", message);
            }
        }
      });
    };
    this._handleClose = async () => {
      const oldCommands = this.commands;
      this.commandId = 1;
      this.oldSubscriptions = this.commands;
      this.commands = /* @__PURE__ */ new Map();
      this.socket = void 0;
      oldCommands.forEach((info) => {
        if (!("subscribe" in info)) {
          info.reject(error(ERR_CONNECTION_LOST, "Connection lost"));
        }
      });
      if (this.closeRequested) {
        return;
      }
      this.fireEvent("disconnected");
      const options2 = Object.assign(Object.assign({}, this.options), { setupRetry: 0 });
      const reconnect = (tries) => {
        setTimeout(async () => {
          if (this.closeRequested) {
            return;
          }
          if (DEBUG2) {
            console.log("Trying to reconnect");
          }
          try {
            const socket2 = await options2.createSocket(options2);
            this._setSocket(socket2);
          } catch (err) {
            if (this._queuedMessages) {
              const queuedMessages = this._queuedMessages;
              this._queuedMessages = void 0;
              for (const msg of queuedMessages) {
                if (msg.reject) {
                  msg.reject(ERR_CONNECTION_LOST);
                }
              }
            }
            if (err === ERR_INVALID_AUTH) {
              this.fireEvent("reconnect-error", err);
            } else {
              reconnect(tries + 1);
            }
          }
        }, Math.min(tries, 5) * 1e3);
      };
      if (this.suspendReconnectPromise) {
        await this.suspendReconnectPromise;
        this.suspendReconnectPromise = void 0;
        this._queuedMessages = [];
      }
      reconnect(0);
    };
    this.options = options;
    this.commandId = 2;
    this.commands = /* @__PURE__ */ new Map();
    this.eventListeners = /* @__PURE__ */ new Map();
    this.closeRequested = false;
    this._setSocket(socket);
  }
  get connected() {
    return this.socket !== void 0 && this.socket.readyState == this.socket.OPEN;
  }
  _setSocket(socket) {
    this.socket = socket;
    this.haVersion = socket.haVersion;
    socket.addEventListener("message", this._handleMessage);
    socket.addEventListener("close", this._handleClose);
    const oldSubscriptions = this.oldSubscriptions;
    if (oldSubscriptions) {
      this.oldSubscriptions = void 0;
      oldSubscriptions.forEach((info) => {
        if ("subscribe" in info && info.subscribe) {
          info.subscribe().then((unsub) => {
            info.unsubscribe = unsub;
            info.resolve();
          });
        }
      });
    }
    const queuedMessages = this._queuedMessages;
    if (queuedMessages) {
      this._queuedMessages = void 0;
      for (const queuedMsg of queuedMessages) {
        queuedMsg.resolve();
      }
    }
    this.fireEvent("ready");
  }
  addEventListener(eventType, callback) {
    let listeners = this.eventListeners.get(eventType);
    if (!listeners) {
      listeners = [];
      this.eventListeners.set(eventType, listeners);
    }
    listeners.push(callback);
  }
  removeEventListener(eventType, callback) {
    const listeners = this.eventListeners.get(eventType);
    if (!listeners) {
      return;
    }
    const index = listeners.indexOf(callback);
    if (index !== -1) {
      listeners.splice(index, 1);
    }
  }
  fireEvent(eventType, eventData) {
    (this.eventListeners.get(eventType) || []).forEach((callback) => callback(this, eventData));
  }
  suspendReconnectUntil(suspendPromise) {
    this.suspendReconnectPromise = suspendPromise;
  }
  suspend() {
    if (!this.suspendReconnectPromise) {
      throw new Error("Suspend promise not set");
    }
    if (this.socket) {
      this.socket.close();
    }
  }
  /**
   * Reconnect the websocket connection.
   * @param force discard old socket instead of gracefully closing it.
   */
  reconnect(force = false) {
    if (!this.socket) {
      return;
    }
    if (!force) {
      this.socket.close();
      return;
    }
    this.socket.removeEventListener("message", this._handleMessage);
    this.socket.removeEventListener("close", this._handleClose);
    this.socket.close();
    this._handleClose();
  }
  close() {
    this.closeRequested = true;
    if (this.socket) {
      this.socket.close();
    }
  }
  /**
   * Subscribe to a specific or all events.
   *
   * @param callback Callback  to be called when a new event fires
   * @param eventType
   * @returns promise that resolves to an unsubscribe function
   */
  async subscribeEvents(callback, eventType) {
    return this.subscribeMessage(callback, subscribeEvents(eventType));
  }
  ping() {
    return this.sendMessagePromise(ping());
  }
  sendMessage(message, commandId) {
    if (!this.connected) {
      throw ERR_CONNECTION_LOST;
    }
    if (DEBUG2) {
      console.log("Sending", message);
    }
    if (this._queuedMessages) {
      if (commandId) {
        throw new Error("Cannot queue with commandId");
      }
      this._queuedMessages.push({ resolve: () => this.sendMessage(message) });
      return;
    }
    if (!commandId) {
      commandId = this._genCmdId();
    }
    message.id = commandId;
    this.socket.send(JSON.stringify(message));
  }
  sendMessagePromise(message) {
    return new Promise((resolve, reject) => {
      if (this._queuedMessages) {
        this._queuedMessages.push({
          reject,
          resolve: async () => {
            try {
              resolve(await this.sendMessagePromise(message));
            } catch (err) {
              reject(err);
            }
          }
        });
        return;
      }
      const commandId = this._genCmdId();
      this.commands.set(commandId, { resolve, reject });
      this.sendMessage(message, commandId);
    });
  }
  /**
   * Call a websocket command that starts a subscription on the backend.
   *
   * @param message the message to start the subscription
   * @param callback the callback to be called when a new item arrives
   * @param [options.resubscribe] re-established a subscription after a reconnect. Defaults to true.
   * @returns promise that resolves to an unsubscribe function
   */
  async subscribeMessage(callback, subscribeMessage, options) {
    if (this._queuedMessages) {
      await new Promise((resolve, reject) => {
        this._queuedMessages.push({ resolve, reject });
      });
    }
    if (options === null || options === void 0 ? void 0 : options.preCheck) {
      const precheck = await options.preCheck();
      if (!precheck) {
        throw new Error("Pre-check failed");
      }
    }
    let info;
    await new Promise((resolve, reject) => {
      const commandId = this._genCmdId();
      info = {
        resolve,
        reject,
        callback,
        subscribe: (options === null || options === void 0 ? void 0 : options.resubscribe) !== false ? () => this.subscribeMessage(callback, subscribeMessage, options) : void 0,
        unsubscribe: async () => {
          if (this.connected) {
            await this.sendMessagePromise(unsubscribeEvents(commandId));
          }
          this.commands.delete(commandId);
        }
      };
      this.commands.set(commandId, info);
      try {
        this.sendMessage(subscribeMessage, commandId);
      } catch (err) {
      }
    });
    return () => info.unsubscribe();
  }
  _genCmdId() {
    return ++this.commandId;
  }
};

// node_modules/home-assistant-js-websocket/dist/index.js
async function createConnection(options) {
  const connOptions = Object.assign({ setupRetry: 0, createSocket }, options);
  const socket = await connOptions.createSocket(connOptions);
  const conn = new Connection(socket, connOptions);
  return conn;
}

// src/ha/connection.ts
function haTargetFromEnv(env) {
  if (env.SUPERVISOR_TOKEN) {
    const supervisor = (env.SUPERVISOR_URL ?? "http://supervisor").replace(/\/+$/, "");
    return {
      wsUrl: `${supervisor.replace(/^http/, "ws")}/core/websocket`,
      restUrl: `${supervisor}/core/api`,
      token: env.SUPERVISOR_TOKEN
    };
  }
  if (env.HA_URL && env.HA_TOKEN) {
    const base = env.HA_URL.replace(/\/+$/, "");
    return {
      wsUrl: `${base.replace(/^http/, "ws")}/api/websocket`,
      restUrl: `${base}/api`,
      token: env.HA_TOKEN
    };
  }
  return void 0;
}
var HaCommandError = class extends UpstreamError {
  constructor(type, code, message) {
    super(`${type}: ${message} (${code})`, { retryable: code !== "unknown_command" });
    this.type = type;
    this.code = code;
  }
  type;
  code;
};
var HA_CALL_TIMEOUT_MS = 3e4;
function connectToHa(target, log, opts = {}) {
  const authTimeoutMs = opts.authTimeoutMs ?? 3e4;
  const callTimeoutMs = opts.callTimeoutMs ?? HA_CALL_TIMEOUT_MS;
  const retryMinMs = opts.retryMinMs ?? 1e3;
  const retryMaxMs = opts.retryMaxMs ?? 6e4;
  const readyListeners = [];
  let connection;
  let closed = false;
  let failures = 0;
  let wake;
  async function openWithRetry() {
    for (; ; ) {
      if (closed) throw ERR_CANNOT_CONNECT;
      try {
        const socket = await openSocket(target, log, authTimeoutMs);
        failures = 0;
        log.info(`connected to Home Assistant ${socket.haVersion} at ${target.wsUrl}`);
        return socket;
      } catch (err) {
        const waitMs = Math.min(retryMinMs * 2 ** failures, retryMaxMs);
        failures++;
        log.warn(`${describeConnectFailure(target, err)}; retrying in ${formatSeconds(waitMs)}`);
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, waitMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = void 0;
      }
    }
  }
  const fireReady = () => {
    for (const l of readyListeners) l();
  };
  createConnection({ createSocket: openWithRetry }).then(
    (c) => {
      if (closed) return c.close();
      connection = c;
      c.addEventListener(
        "disconnected",
        () => log.warn(`lost the connection to Home Assistant at ${target.wsUrl}; reconnecting`)
      );
      c.addEventListener("ready", fireReady);
      fireReady();
    },
    // Only when closed before the first connection.
    () => void 0
  );
  const heartbeatMs = opts.heartbeatMs ?? 1e4;
  const pongTimeoutMs = opts.pongTimeoutMs ?? 5e3;
  const heartbeat = setInterval(() => {
    const c = connection;
    if (!c?.connected) return;
    let answered = false;
    const watchdog = setTimeout(() => {
      if (answered) return;
      log.warn("Home Assistant did not answer a ping: reconnecting");
      c.reconnect(true);
    }, pongTimeoutMs);
    c.ping().then(
      () => {
        answered = true;
        clearTimeout(watchdog);
      },
      // The connection dropped while pinging: HAWS is already reconnecting.
      () => clearTimeout(watchdog)
    );
  }, heartbeatMs);
  heartbeat.unref();
  function live(type) {
    const c = connection;
    if (!c?.connected)
      throw new UpstreamError(`Home Assistant is not connected (${type} not sent)`, { retryable: true });
    return c;
  }
  async function bounded(c, type, call, timeoutMs) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => {
        log.warn(`Home Assistant did not answer ${type} within ${formatSeconds(timeoutMs)}: reconnecting`);
        reject(
          new UpstreamError(`Home Assistant did not answer ${type} within ${formatSeconds(timeoutMs)}`, {
            retryable: true
          })
        );
        if (connection === c && c.connected) c.reconnect(true);
      }, timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([call, timeout]);
    } catch (err) {
      throw asUpstream(type, err);
    } finally {
      clearTimeout(timer);
    }
  }
  return {
    get connected() {
      return connection?.connected === true;
    },
    async send(msg, timeoutMs = callTimeoutMs) {
      const type = String(msg.type);
      const c = live(type);
      return bounded(c, type, c.sendMessagePromise(msg), timeoutMs);
    },
    async subscribe(onEvent, msg, timeoutMs = callTimeoutMs) {
      const type = String(msg.type);
      const c = live(type);
      const unsubscribe = await bounded(
        c,
        type,
        c.subscribeMessage(onEvent, msg, { resubscribe: false }),
        timeoutMs
      );
      return () => bounded(c, "unsubscribe_events", unsubscribe(), callTimeoutMs);
    },
    onReady(listener) {
      readyListeners.push(listener);
    },
    close() {
      closed = true;
      clearInterval(heartbeat);
      wake?.();
      connection?.close();
    }
  };
}
function asUpstream(type, err) {
  if (err instanceof UpstreamError) return err;
  if (typeof err === "object" && err !== null && "code" in err) {
    const e = err;
    return new HaCommandError(type, String(e.code), String(e.message ?? e.code));
  }
  return new UpstreamError(`the connection to Home Assistant dropped during ${type}`, {
    retryable: true,
    cause: err
  });
}
var ConnectFailure = class extends Error {
  constructor(kind, detail) {
    super(detail);
    this.kind = kind;
  }
  kind;
};
function describeConnectFailure(target, err) {
  const at = `Home Assistant at ${target.wsUrl}`;
  if (err instanceof ConnectFailure) {
    switch (err.kind) {
      case "auth_invalid":
        return `${at} refused the token (auth_invalid): check SUPERVISOR_TOKEN/HA_TOKEN`;
      case "unreachable":
        return `${at} is not reachable (${err.message})`;
      case "login":
        return `${at} did not finish the login (${err.message})`;
    }
  }
  return `${at} could not be reached (${err instanceof Error ? err.message : String(err)})`;
}
function formatSeconds(ms) {
  return `${Math.round(ms / 100) / 10} s`;
}
function openSocket(target, log, authTimeoutMs) {
  return new Promise((resolve, reject) => {
    const ws = new wrapper_default(target.wsUrl, { handshakeTimeout: 15e3 });
    const timer = setTimeout(
      () => fail(new ConnectFailure("login", `no answer within ${formatSeconds(authTimeoutMs)}`)),
      authTimeoutMs
    );
    const fail = (why) => {
      clearTimeout(timer);
      log.debug(`Home Assistant websocket: ${why.kind}: ${why.message}`);
      ws.removeAllListeners();
      ws.on("error", () => {
      });
      ws.terminate();
      reject(why);
    };
    ws.on(
      "error",
      (err) => fail(new ConnectFailure("unreachable", err.code ?? err.message))
    );
    ws.on("close", () => fail(new ConnectFailure("login", "closed during authentication")));
    ws.on("message", (data) => {
      let msg;
      try {
        msg = JSON.parse(String(data));
      } catch {
        return fail(new ConnectFailure("login", "not JSON during authentication"));
      }
      if (msg.type === "auth_required") ws.send(JSON.stringify({ type: "auth", access_token: target.token }));
      else if (msg.type === "auth_invalid")
        fail(new ConnectFailure("auth_invalid", msg.message ?? "invalid"));
      else if (msg.type === "auth_ok") {
        clearTimeout(timer);
        ws.removeAllListeners();
        ws.on("error", (err) => log.debug(`Home Assistant websocket: ${err.message}`));
        const socket = ws;
        socket.haVersion = msg.ha_version ?? "";
        resolve(socket);
      }
    });
  });
}

// src/ha/ha-backups.ts
function wsPortOf(link) {
  return {
    sendMessagePromise: (message) => link.send(message),
    subscribeMessage: (callback, message) => link.subscribe(callback, message)
  };
}
function whenConnected(link, what, timeoutMs = 3e4) {
  return new Promise((resolve, reject) => {
    if (link.connected) return resolve();
    const timer = setTimeout(() => {
      link.close();
      reject(
        new UpstreamError(`cannot connect to Home Assistant at ${what} (see the lines above)`, {
          retryable: true
        })
      );
    }, timeoutMs);
    link.onReady(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
var Time = external_exports.string().nullish().transform((s) => s ? Date.parse(s) : void 0).transform((ms) => ms === void 0 || Number.isNaN(ms) ? void 0 : ms);
var Agents = external_exports.object({ agents: external_exports.array(external_exports.object({ agent_id: external_exports.string(), name: external_exports.string().optional() })) });
var Backup = external_exports.object({
  backup_id: external_exports.string(),
  name: external_exports.string(),
  date: external_exports.string(),
  agents: external_exports.record(external_exports.string(), external_exports.object({ size: external_exports.number(), protected: external_exports.boolean() })).optional(),
  agent_ids: external_exports.array(external_exports.string()).optional(),
  size: external_exports.number().optional(),
  protected: external_exports.boolean().optional(),
  failed_agent_ids: external_exports.array(external_exports.string()).optional(),
  with_automatic_settings: external_exports.boolean().nullish(),
  homeassistant_included: external_exports.boolean(),
  database_included: external_exports.boolean(),
  addons: external_exports.array(external_exports.object({ slug: external_exports.string() })).default([]),
  folders: external_exports.array(external_exports.string()).default([])
}).transform(
  (b) => ({
    backupId: b.backup_id,
    name: b.name,
    dateMs: Date.parse(b.date),
    agents: b.agents ? Object.fromEntries(
      Object.entries(b.agents).map(([id, a]) => [id, { sizeBytes: a.size, protected: a.protected }])
    ) : Object.fromEntries(
      (b.agent_ids ?? []).map((id) => [
        id,
        { sizeBytes: b.size ?? 0, protected: b.protected ?? false }
      ])
    ),
    failedAgentIds: b.failed_agent_ids ?? [],
    withAutomaticSettings: b.with_automatic_settings ?? null,
    homeassistantIncluded: b.homeassistant_included,
    databaseIncluded: b.database_included,
    addons: b.addons.map((a) => a.slug),
    folders: b.folders
  })
);
var Info = external_exports.object({
  backups: external_exports.array(Backup),
  agent_errors: external_exports.record(external_exports.string(), external_exports.string()).default({}),
  last_attempted_automatic_backup: Time,
  last_completed_automatic_backup: Time,
  next_automatic_backup: Time
});
var WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
var Config = external_exports.object({
  config: external_exports.object({
    create_backup: external_exports.object({
      agent_ids: external_exports.array(external_exports.string()),
      include_addons: external_exports.array(external_exports.string()).nullish(),
      include_all_addons: external_exports.boolean(),
      include_database: external_exports.boolean(),
      include_folders: external_exports.array(external_exports.string()).nullish()
    }),
    retention: external_exports.object({ copies: external_exports.number().int().nullish(), days: external_exports.number().int().nullish() }),
    schedule: external_exports.union([
      external_exports.object({
        recurrence: external_exports.enum(["never", "daily", "custom_days"]),
        days: external_exports.array(external_exports.enum(WEEKDAYS)).default([]),
        time: external_exports.string().nullish()
      }),
      external_exports.object({ state: external_exports.enum(["never", "daily", ...WEEKDAYS]) })
    ]),
    last_attempted_automatic_backup: Time,
    last_completed_automatic_backup: Time,
    next_automatic_backup: Time
  })
});
var Generated = external_exports.object({ backup_job_id: external_exports.string() });
var Event = external_exports.object({
  manager_state: external_exports.string(),
  stage: external_exports.string().nullish(),
  state: external_exports.string().optional(),
  reason: external_exports.string().nullish()
}).passthrough();
function createHaBackupsApi(ws) {
  const call = async (schema, msg) => {
    let answer;
    try {
      answer = await ws.sendMessagePromise(msg);
    } catch (err) {
      throw new UpstreamError(`Home Assistant ${msg.type}: ${describe(err)}`, {
        retryable: true,
        cause: err
      });
    }
    const parsed = schema.safeParse(answer);
    if (!parsed.success)
      throw new UpstreamError(`Home Assistant ${msg.type}: an answer this version does not understand`, {
        retryable: false,
        cause: parsed.error
      });
    return parsed.data;
  };
  const api = {
    async agents() {
      const a = await call(Agents, { type: "backup/agents/info" });
      return a.agents.map((x) => ({ agentId: x.agent_id, name: x.name ?? x.agent_id }));
    },
    async info() {
      const i = await call(Info, { type: "backup/info" });
      return {
        backups: i.backups,
        agentErrors: i.agent_errors,
        lastAttemptedAutomaticMs: i.last_attempted_automatic_backup,
        lastCompletedAutomaticMs: i.last_completed_automatic_backup,
        nextAutomaticMs: i.next_automatic_backup
      };
    },
    async config() {
      const c = (await call(Config, { type: "backup/config/info" })).config;
      const s = c.schedule;
      return {
        shape: "state" in s ? "2025.1" : "2025.2",
        agentIds: c.create_backup.agent_ids,
        includeDatabase: c.create_backup.include_database,
        includeAllAddons: c.create_backup.include_all_addons,
        includeAddons: c.create_backup.include_addons ?? [],
        includeFolders: c.create_backup.include_folders ?? [],
        retentionCopies: c.retention.copies ?? null,
        retentionDays: c.retention.days ?? null,
        schedule: "state" in s ? s.state === "never" || s.state === "daily" ? { recurrence: s.state, days: [] } : { recurrence: "custom_days", days: [s.state] } : { recurrence: s.recurrence, days: s.days, time: s.time ?? void 0 },
        lastAttemptedAutomaticMs: c.last_attempted_automatic_backup,
        lastCompletedAutomaticMs: c.last_completed_automatic_backup,
        nextAutomaticMs: c.next_automatic_backup
      };
    },
    async updateConfig(change) {
      const current = await api.config();
      const msg = { type: "backup/config/update" };
      const create = {};
      if (change.agentIds !== void 0) create.agent_ids = [...change.agentIds];
      if (change.includeDatabase !== void 0) create.include_database = change.includeDatabase;
      if (change.includeAllAddons !== void 0) create.include_all_addons = change.includeAllAddons;
      if (change.includeAddons !== void 0) create.include_addons = [...change.includeAddons];
      if (change.includeFolders !== void 0) create.include_folders = [...change.includeFolders];
      if (Object.keys(create).length > 0) msg.create_backup = create;
      if (change.retentionCopies !== void 0)
        msg.retention = { copies: change.retentionCopies, days: current.retentionDays };
      if (change.schedule !== void 0) msg.schedule = scheduleFor(current.shape, change.schedule);
      await call(external_exports.unknown(), msg);
    },
    async generate(req) {
      if (req.automaticSettings)
        return (await call(Generated, { type: "backup/generate_with_automatic_settings" })).backup_job_id;
      const g = await call(Generated, {
        type: "backup/generate",
        agent_ids: [...req.agentIds],
        include_database: req.includeDatabase ?? true,
        include_all_addons: req.includeAllAddons ?? false,
        ...req.includeFolders && req.includeFolders.length > 0 ? { include_folders: [...req.includeFolders] } : {},
        ...req.name ? { name: req.name } : {},
        ...req.password ? { password: req.password } : {}
      });
      return g.backup_job_id;
    },
    async subscribeEvents(onEvent) {
      try {
        return await ws.subscribeMessage(
          (raw) => {
            const e = Event.safeParse(raw);
            if (e.success)
              onEvent({
                managerState: e.data.manager_state,
                stage: e.data.stage,
                state: e.data.state,
                reason: e.data.reason
              });
          },
          { type: "backup/subscribe_events" }
        );
      } catch (err) {
        throw new UpstreamError(`Home Assistant backup/subscribe_events: ${describe(err)}`, {
          retryable: true,
          cause: err
        });
      }
    },
    async backupNow(req, opts = {}) {
      const before = new Set((await api.info()).backups.map((b) => b.backupId));
      const events = [];
      let settle;
      const ended = new Promise((r) => {
        settle = r;
      });
      let started = false;
      const unsubscribe = await api.subscribeEvents((e) => {
        events.push(e);
        opts.onEvent?.(e);
        if (e.managerState === "create_backup") started = true;
        if (e.managerState === "create_backup" && (e.state === "completed" || e.state === "failed"))
          settle?.(e);
        else if (started && e.managerState === "idle") settle?.(e);
      });
      let timer;
      try {
        await api.generate(req);
        const timeoutMs = opts.timeoutMs ?? 36e5;
        const last = await Promise.race([
          ended,
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(
                new UpstreamError(`Home Assistant's backup did not finish within ${timeoutMs / 1e3} s`, {
                  retryable: true
                })
              ),
              timeoutMs
            );
          })
        ]);
        if (last.state === "failed")
          return { kind: "failed", reason: last.reason ?? last.stage ?? void 0, events };
        const fresh = (await api.info()).backups.filter((b) => !before.has(b.backupId)).sort((a, b) => b.dateMs - a.dateMs)[0];
        if (!fresh) return { kind: "failed", reason: "no new backup appeared", events };
        return { kind: "completed", backup: fresh, events };
      } finally {
        clearTimeout(timer);
        await unsubscribe().catch(() => {
        });
      }
    }
  };
  return api;
}
function scheduleFor(shape, s) {
  if (shape === "2025.2")
    return { recurrence: s.recurrence, days: [...s.days ?? []], time: s.time ?? null };
  if (s.recurrence !== "custom_days") return s.recurrence;
  if (s.days?.length === 1) return s.days[0];
  throw new InputError(
    "this Home Assistant (2025.1) schedules automatic backups daily or on one weekday only: give one day or 'daily'"
  );
}
function refForAgent(b, agentId) {
  const a = b.agents[agentId];
  if (!a) return void 0;
  return {
    backupId: b.backupId,
    name: b.name,
    dateMs: b.dateMs,
    sizeBytes: a.sizeBytes,
    protected: a.protected,
    homeassistantIncluded: b.homeassistantIncluded,
    addons: b.addons,
    folders: b.folders
  };
}
function describe(err) {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && "message" in err)
    return String(err.message);
  return String(err);
}

// src/supervisor/client.ts
import { request } from "node:http";
var Envelope = external_exports.union([
  external_exports.object({ result: external_exports.literal("ok"), data: external_exports.unknown() }),
  external_exports.object({ result: external_exports.literal("error"), message: external_exports.string().optional() })
]);
var SelfInfo = external_exports.object({
  slug: external_exports.string(),
  hostname: external_exports.string(),
  version: external_exports.string(),
  ingress_entry: external_exports.string().nullish(),
  ingress_url: external_exports.string().nullish(),
  ingress_port: external_exports.number().int().nullish()
});
var Discovery = external_exports.object({ uuid: external_exports.string() });
var Mounts = external_exports.object({
  default_backup_mount: external_exports.string().nullish(),
  mounts: external_exports.array(
    external_exports.object({
      name: external_exports.string(),
      type: external_exports.enum(["cifs", "nfs"]),
      usage: external_exports.enum(["backup", "media", "share"]),
      server: external_exports.string(),
      share: external_exports.string().nullish(),
      path: external_exports.string().nullish(),
      state: external_exports.string().nullish()
    })
  )
});
var Backups = external_exports.object({
  backups: external_exports.array(
    external_exports.object({
      slug: external_exports.string(),
      name: external_exports.string(),
      date: external_exports.string(),
      size_bytes: external_exports.number().optional(),
      size: external_exports.number().optional(),
      location: external_exports.string().nullish(),
      locations: external_exports.array(external_exports.string().nullable()).optional(),
      protected: external_exports.boolean().default(false)
    })
  )
});
function createSupervisorClient(opts) {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const timeoutMs = opts.timeoutMs ?? 1e4;
  async function call(method, path, body) {
    const what = `${method} ${path}`;
    let res;
    try {
      res = await exchange(method, `${base}${path}`, opts.token, body, timeoutMs);
    } catch (err) {
      throw new UpstreamError(`Supervisor ${what}: ${describe2(err)}`, { retryable: true, cause: err });
    }
    const ok = res.status >= 200 && res.status < 300;
    if (res.status === 401 || res.status === 403) {
      const hint = res.status === 401 ? " (is this running as the add-on, with its SUPERVISOR_TOKEN?)" : "";
      throw new UpstreamError(
        `Supervisor ${what}: ${res.status} ${messageOf(res.text) ?? "refused"}${hint}`,
        {
          status: res.status,
          retryable: false
        }
      );
    }
    let envelope;
    try {
      envelope = Envelope.parse(JSON.parse(res.text));
    } catch (err) {
      throw new UpstreamError(`Supervisor ${what}: ${res.status}, not a Supervisor answer`, {
        status: res.status,
        retryable: res.status >= 500,
        cause: err
      });
    }
    if (envelope.result === "error" || !ok) {
      const message = envelope.result === "error" ? envelope.message : void 0;
      throw new UpstreamError(`Supervisor ${what}: ${res.status} ${message ?? "error"}`, {
        status: res.status,
        retryable: res.status >= 500
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
        ingressEntry: info.ingress_entry ?? void 0,
        ingressUrl: info.ingress_url ?? void 0,
        ingressPort: info.ingress_port ?? void 0
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
          share: x.share ?? void 0,
          path: x.path ?? void 0,
          state: x.state ?? void 0
        }))
      };
    },
    async createMount(mount) {
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
        protected: x.protected
      }));
    }
  };
}
function exchange(method, url, token, body, timeoutMs) {
  return new Promise((resolve, reject) => {
    const payload = body === void 0 ? void 0 : JSON.stringify(body);
    const req = request(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...payload === void 0 ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
      }
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.on("response", (res) => {
      const chunks = [];
      let size = 0;
      res.on("data", (c) => {
        size += c.length;
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
var MAX_ANSWER_BYTES = 1 << 20;
function parseAnswer(schema, data, what) {
  const parsed = schema.safeParse(data);
  if (!parsed.success)
    throw new UpstreamError(`Supervisor ${what}: an answer this add-on does not understand`, {
      retryable: false,
      cause: parsed.error
    });
  return parsed.data;
}
function messageOf(text) {
  try {
    const m = JSON.parse(text).message;
    return typeof m === "string" ? m : void 0;
  } catch {
    return text.trim().slice(0, 200) || void 0;
  }
}
function describe2(err) {
  if (err instanceof Error) {
    const code = err.code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

// src/commands/ha-backup.ts
var HA_BACKUP_MIN = 60;
var HA_2025_1_START_MIN = 4 * 60 + 45;
async function runHaBackup(deps, cfg, opts) {
  const problems = [];
  const { agentIds, agentSource } = await chooseAgents(deps, cfg, opts, problems);
  let configured;
  if (opts.configure && agentIds.length > 0)
    configured = await configure(deps, cfg, agentIds, opts.busy ?? []);
  let backup;
  if (opts.backupNow && agentIds.length > 0) {
    const outcome = await deps.ha.backupNow(
      { agentIds, name: opts.name },
      { timeoutMs: opts.backupTimeoutMs, onEvent: deps.onEvent }
    );
    if (outcome.kind === "completed") {
      const size = Object.values(outcome.backup.agents)[0]?.sizeBytes;
      backup = {
        kind: "completed",
        backupId: outcome.backup.backupId,
        name: outcome.backup.name,
        sizeBytes: size
      };
      deps.log.info(`Home Assistant backup ${outcome.backup.backupId} (${outcome.backup.name}) completed`);
    } else {
      backup = { kind: "failed", reason: outcome.reason };
      const line = `Home Assistant's backup failed${outcome.reason ? `: ${outcome.reason}` : ""}`;
      problems.push(line);
      deps.log.error(line);
      deps.emit?.("pve_backup_ha_backup_failed", { reason: outcome.reason ?? null });
    }
  }
  const info = await deps.ha.info();
  const agents = historyByAgent(info.backups, info.agentErrors);
  const nasAgent = agentIds[0];
  const newestBackup = nasAgent ? [...info.backups].filter((b) => b.agents[nasAgent]).sort((a, b) => b.dateMs - a.dateMs)[0] : void 0;
  const newest = newestBackup && nasAgent ? refForAgent(newestBackup, nasAgent) : void 0;
  let verification;
  const there = info.backups.filter((b) => nasAgent && b.agents[nasAgent]);
  if (opts.verify !== false && newest && (opts.shouldVerify?.(newest) ?? true)) {
    const config = await deps.ha.config();
    verification = await verifyOnNas(deps, newest, {
      retentionCopies: config.retentionCopies,
      previous: opts.recorded?.[newest.backupId],
      listedByHa: {
        all: there.length,
        automatic: there.filter((b) => b.withAutomaticSettings === true).length
      }
    });
    if (verification.result !== "ok") {
      const line = `Home Assistant backup ${newest.backupId} on the NAS: ${verification.problems.join("; ")}`;
      problems.push(line);
      deps.log.error(line);
      deps.emit?.("pve_backup_ha_backup_verification_failed", {
        backup_id: newest.backupId,
        name: newest.name,
        result: verification.result === "error" ? "unknown" : verification.result,
        problems: verification.problems,
        message: verification.problems.join("; ")
      });
    } else deps.log.info(`Home Assistant backup ${newest.backupId} verified on the NAS`);
  } else if (opts.verify !== false && nasAgent) {
    problems.push(`Home Assistant has no backup on ${nasAgent} yet`);
  }
  return {
    agentIds,
    agentSource,
    configured,
    backup,
    agents,
    newest: newest && {
      backupId: newest.backupId,
      name: newest.name,
      dateMs: newest.dateMs,
      sizeBytes: newest.sizeBytes
    },
    nextAutomaticMs: info.nextAutomaticMs,
    listedIds: there.map((b) => b.backupId),
    verification,
    problems
  };
}
async function chooseAgents(deps, cfg, opts, problems) {
  const offered = (await deps.ha.agents()).map((a) => a.agentId);
  if (!deps.supervisor) {
    const local = offered.filter((a) => a === "backup.local");
    const agentIds = local.length > 0 ? local : offered.slice(0, 1);
    if (agentIds.length === 0) problems.push("Home Assistant offers no backup agent");
    return { agentIds, agentSource: "installation" };
  }
  const wanted = `hassio.${cfg.mountName}`;
  if (offered.includes(wanted)) return { agentIds: [wanted], agentSource: "supervisor_mount" };
  if (!opts.createMount) {
    problems.push(
      `Home Assistant has no backup agent ${wanted}: create the Supervisor mount '${cfg.mountName}' (pve-backup ha-backup configure --create-mount --server HOST --export PATH)`
    );
    return { agentIds: [], agentSource: "supervisor_mount" };
  }
  const mounts = await deps.supervisor.mounts();
  if (!mounts.mounts.some((m) => m.name === cfg.mountName))
    await deps.supervisor.createMount({ ...opts.createMount, name: cfg.mountName });
  for (let i = 0; i < 30; i++) {
    if ((await deps.ha.agents()).some((a) => a.agentId === wanted))
      return { agentIds: [wanted], agentSource: "supervisor_mount" };
    await new Promise((r) => setTimeout(r, 1e3));
  }
  problems.push(`the mount '${cfg.mountName}' exists but Home Assistant does not offer ${wanted} yet`);
  return { agentIds: [], agentSource: "supervisor_mount" };
}
async function configure(deps, cfg, agentIds, busy) {
  const current = await deps.ha.config();
  const schedule = cfg.schedule.recurrence === "daily" ? "daily" : cfg.schedule.recurrence === "never" ? "never" : cfg.schedule.days.join(",");
  let time;
  let note;
  if (current.shape === "2025.2") {
    const minute = chooseBackupMinute(busy, HA_2025_1_START_MIN, HA_BACKUP_MIN);
    time = minute === void 0 ? void 0 : formatMinute(minute);
    if (minute === void 0)
      note = "no hour of the day is clear of the PVE window: Home Assistant picks the time";
  } else if (chooseBackupMinute(busy, HA_2025_1_START_MIN, 2 * HA_BACKUP_MIN) !== HA_2025_1_START_MIN)
    note = "this Home Assistant runs its automatic backup at 04:45 plus up to an hour, which overlaps the PVE window; its time cannot be set before 2025.2";
  await deps.ha.updateConfig({
    agentIds,
    includeDatabase: true,
    retentionCopies: cfg.copies,
    schedule: { recurrence: cfg.schedule.recurrence, days: cfg.schedule.days, time }
  });
  if (note) deps.log.warn(note);
  return { schedule, time, retentionCopies: cfg.copies, note };
}
async function verifyOnNas(deps, backup, verifyOpts) {
  let nas;
  try {
    nas = await deps.openNas();
  } catch (err) {
    if (err instanceof NasError)
      return {
        backupId: backup.backupId,
        result: "error",
        problems: [err.message],
        failure: err.failure,
        offeredFingerprint: err.offeredFingerprint
      };
    throw err;
  }
  const started = Date.now();
  try {
    const v = await verifyHaBackup(nas, backup, verifyOpts);
    return {
      backupId: backup.backupId,
      result: v.verdict.kind,
      problems: v.verdict.kind === "failed" ? v.verdict.problems : [],
      notes: v.verdict.notes,
      fileName: v.fileName,
      fileSizeBytes: v.facts.file?.sizeBytes,
      sha256: v.facts.sha256 || void 0,
      copiesOnShare: v.copiesOnShare,
      freeBytes: v.freeBytes,
      readBytes: v.facts.readBytes,
      durationMs: Date.now() - started
    };
  } catch (err) {
    if (err instanceof NasError)
      return { backupId: backup.backupId, result: "error", problems: [err.message], failure: err.failure };
    throw err;
  } finally {
    nas.close();
  }
}
function historyByAgent(backups, agentErrors) {
  const out = {};
  const at = (id) => {
    out[id] = out[id] ?? {};
    return out[id];
  };
  for (const b of backups) {
    for (const id of Object.keys(b.agents)) {
      const h = at(id);
      if (h.lastSuccessMs === void 0 || b.dateMs > h.lastSuccessMs) h.lastSuccessMs = b.dateMs;
    }
    for (const id of b.failedAgentIds) {
      const h = at(id);
      if (h.lastFailureMs === void 0 || b.dateMs > h.lastFailureMs) h.lastFailureMs = b.dateMs;
    }
  }
  for (const [id, error2] of Object.entries(agentErrors)) at(id).error = error2;
  return out;
}
async function haBackupCommand(ctx, sub, deps, opts) {
  const cfg = ctx.config.haBackups;
  if (!cfg) throw new InputError("no 'ha_backups' in the options: give the NAS host, user and share path");
  if (sub !== void 0 && sub !== "verify" && sub !== "configure")
    throw new InputError("ha-backup takes nothing (back up now and verify), 'verify' or 'configure'");
  const run = opts.run ?? ((o) => runHaBackup(deps, cfg, o));
  const report = await run({
    configure: sub === "configure",
    backupNow: sub === void 0,
    verify: sub !== "configure",
    createMount: opts.createMount,
    busy: opts.busy
  });
  if (ctx.json) ctx.out(`${JSON.stringify(report, null, 2)}
`);
  else ctx.out(renderReport(report));
  return report.problems.length > 0 ? 1 : 0;
}
function renderReport(r) {
  const lines = [];
  lines.push(
    `agents: ${r.agentIds.join(", ") || "none"} (${r.agentSource === "supervisor_mount" ? "Supervisor mount" : "offered by this installation"})`
  );
  if (r.configured)
    lines.push(
      `configured: ${r.configured.schedule}${r.configured.time ? ` at ${r.configured.time}` : ""}, keep ${r.configured.retentionCopies} copies${r.configured.note ? ` (${r.configured.note})` : ""}`
    );
  if (r.backup)
    lines.push(
      r.backup.kind === "completed" ? `backup: ${r.backup.backupId} ${r.backup.name} completed` : `backup: FAILED ${r.backup.reason ?? ""}`
    );
  if (r.newest)
    lines.push(
      `newest: ${r.newest.backupId} ${r.newest.name} ${new Date(r.newest.dateMs).toISOString()} ${r.newest.sizeBytes} bytes`
    );
  const v = r.verification;
  if (v?.result === "ok" || v?.result === "failed") {
    lines.push(
      `verification: ${v.result} ${v.fileName ?? ""} sha256 ${v.sha256 ?? "-"}; ${v.copiesOnShare} copies on the share${v.freeBytes === void 0 ? "" : `, ${(v.freeBytes / 1024 ** 3).toFixed(1)} GiB free`}`
    );
    for (const n of v.notes) lines.push(`  note: ${n}`);
  } else if (v) lines.push("verification: could not reach the NAS");
  for (const p of r.problems) lines.push(`PROBLEM ${p}`);
  return `${lines.join("\n")}
`;
}
var PVE_WINDOW_MIN = 120;
function busyFromTiers(tiers) {
  const events = tiers.flatMap((t) => {
    const parsed = parseCalendarEvent(t.schedule);
    return parsed.ok ? [parsed.event] : [];
  });
  return pveBusyWindows(events, PVE_WINDOW_MIN);
}
async function connectHaBackupDeps(cfg, env, log) {
  const target = haTargetFromEnv(env);
  if (!target)
    throw new InputError(
      "Home Assistant is not configured: set HA_URL and HA_TOKEN (or run inside the add-on)"
    );
  const link = connectToHa(target, log);
  await whenConnected(link, target.wsUrl);
  const supervisor = env.SUPERVISOR_TOKEN ? createSupervisorClient({
    baseUrl: env.SUPERVISOR_URL ?? "http://supervisor",
    token: env.SUPERVISOR_TOKEN
  }) : void 0;
  return {
    deps: {
      ha: createHaBackupsApi(wsPortOf(link)),
      supervisor,
      openNas: () => openNasLazily(nasTargetOf(cfg), log),
      log
    },
    close: () => link.close()
  };
}
async function openNasLazily(target, log) {
  const { openNas: openNas2 } = await import("./nas-LMBFERB7.js");
  return openNas2(target, log);
}
function nasTargetOf(cfg) {
  return {
    host: cfg.host,
    port: cfg.port,
    username: cfg.username,
    password: cfg.password,
    privateKey: cfg.privateKey,
    hostKeyFingerprint: cfg.hostKeyFingerprint,
    sharePath: cfg.sharePath
  };
}
function haBackupService(run) {
  let running;
  return (data) => {
    if (running) return running;
    running = run({
      backupNow: data.backup !== false,
      configure: data.configure === true,
      verify: data.verify !== false,
      name: typeof data.name === "string" && data.name !== "" ? data.name : void 0
    }).finally(() => {
      running = void 0;
    });
    return running;
  };
}
function haBackupDepsFor(cfg, connection, log, fire) {
  const env = process.env;
  return {
    ha: createHaBackupsApi(connection),
    supervisor: env.SUPERVISOR_TOKEN ? createSupervisorClient({
      baseUrl: env.SUPERVISOR_URL ?? "http://supervisor",
      token: env.SUPERVISOR_TOKEN
    }) : void 0,
    openNas: () => openNasLazily(nasTargetOf(cfg), log),
    log,
    emit: (type, data) => void fire(type, data)?.catch(
      (err) => log.warn(`could not fire ${type}: ${err instanceof Error ? err.message : String(err)}`)
    )
  };
}
function haBackupsJsonOf(r, previous, nowMs) {
  const iso4 = (ms) => new Date(ms).toISOString();
  const v = r.verification;
  const kept = v === void 0 ? previous.verification : null;
  const verification = v === void 0 ? kept : {
    time: iso4(nowMs),
    backupId: v.backupId,
    result: v.result === "error" ? "unknown" : v.result,
    message: v.result === "ok" ? [`verified ${v.fileName ?? ""}`.trim(), ...v.notes].join("; ") : v.problems.join("; "),
    problems: v.problems,
    sha256: v.result === "error" ? null : v.sha256 ?? null,
    fileName: v.result === "error" ? null : v.fileName ?? null,
    durationMs: v.result === "error" ? null : v.durationMs,
    copiesOnShare: v.result === "error" ? null : v.copiesOnShare,
    freeBytes: v.result === "error" ? null : v.freeBytes ?? null
  };
  const keptProblems = kept && kept.problems.length > 0 ? [`Home Assistant backup ${kept.backupId} on the NAS: ${kept.problems.join("; ")}`] : [];
  return {
    agent: r.agentIds[0] ?? null,
    lastBackup: r.newest ? {
      time: iso4(r.newest.dateMs),
      backupId: r.newest.backupId,
      name: r.newest.name,
      sizeBytes: r.newest.sizeBytes
    } : null,
    nextAutomatic: r.nextAutomaticMs === void 0 ? null : iso4(r.nextAutomaticMs),
    verification,
    problems: [...r.problems, ...keptProblems],
    checkedAt: iso4(nowMs)
  };
}

// src/service/ha-backup-watch.ts
import { readFileSync as readFileSync2 } from "node:fs";
import { dirname as dirname2, join } from "node:path";

// src/state-file.ts
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
function writeJsonFile(path, value) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, "w", 384);
    try {
      writeSync(fd, `${JSON.stringify(value)}
`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

// src/service/ha-backup-watch.ts
var HA_BACKUP_STATE_FILE = "pve-backup-ha-backups.json";
function haBackupStatePath(optionsPath) {
  return join(dirname2(optionsPath), HA_BACKUP_STATE_FILE);
}
var ChecksumRecordSchema = external_exports.object({
  sha256: external_exports.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: external_exports.number().int().nonnegative(),
  fileName: external_exports.string(),
  verifiedAtMs: external_exports.number()
});
var StateFileSchema = external_exports.object({
  version: external_exports.literal(1),
  checksums: external_exports.record(external_exports.string(), ChecksumRecordSchema),
  // Written by this code only; a status of another shape is dropped, the checksums are kept.
  status: external_exports.unknown()
});
var EMPTY = { checksums: {}, status: UNCHECKED_HA_BACKUPS };
function loadHaBackupState(path, log) {
  if (path === void 0) return EMPTY;
  let text;
  try {
    text = readFileSync2(path, "utf8");
  } catch (err) {
    if (err.code !== "ENOENT")
      log.warn(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
    return EMPTY;
  }
  let parsed;
  try {
    parsed = StateFileSchema.parse(JSON.parse(text));
  } catch {
    log.warn(
      `${path} is damaged: the recorded checksums of Home Assistant's backups start over (a changed file is not detected until it is verified again)`
    );
    return EMPTY;
  }
  const status = looksLikeStatus(parsed.status) ? parsed.status : UNCHECKED_HA_BACKUPS;
  return { checksums: parsed.checksums, status };
}
function looksLikeStatus(v) {
  return typeof v === "object" && v !== null && Array.isArray(v.problems) && "checkedAt" in v && "verification" in v;
}
function saveHaBackupState(path, state) {
  writeJsonFile(path, { version: 1, ...state });
}
function createHaBackupWatch(deps) {
  const { log, cfg } = deps;
  const checkEveryMs = deps.checkEveryMs ?? 36e5;
  const reverifyAfterMs = deps.reverifyAfterMs ?? 864e5;
  let state = loadHaBackupState(deps.statePath, log);
  let saveFailed = false;
  let tail = Promise.resolve();
  let timer;
  let haDeps;
  let lastCheckError;
  const shouldVerify = (newest) => {
    const v = state.status.verification;
    if (v === null || v.backupId !== newest.backupId || v.result === "unknown") return true;
    return deps.nowMs() - Date.parse(v.time) >= reverifyAfterMs;
  };
  function enqueue(job) {
    const p = tail.then(job, job);
    tail = p.catch(() => void 0);
    return p;
  }
  async function runAndRecord(d, opts) {
    const report = await runHaBackup(d, cfg, { ...opts, busy: deps.busy, recorded: state.checksums });
    const v = report.verification;
    const verified = v !== void 0 && v.result !== "error" && v.sha256 && v.fileName && v.fileSizeBytes !== void 0 ? {
      backupId: v.backupId,
      ok: v.result === "ok",
      record: {
        sha256: v.sha256,
        sizeBytes: v.fileSizeBytes,
        fileName: v.fileName,
        verifiedAtMs: deps.nowMs()
      }
    } : void 0;
    state = {
      checksums: nextChecksums(state.checksums, verified, report.listedIds),
      status: haBackupsJsonOf(report, state.status, deps.nowMs())
    };
    save();
    deps.onChange?.();
    return report;
  }
  function save() {
    if (deps.statePath === void 0) return;
    try {
      saveHaBackupState(deps.statePath, state);
      saveFailed = false;
    } catch (err) {
      if (!saveFailed)
        log.warn(
          `cannot write ${deps.statePath} (${err instanceof Error ? err.message : String(err)}): the checksums of Home Assistant's backups are not kept over a restart`
        );
      saveFailed = true;
    }
  }
  async function check() {
    const d = haDeps;
    if (!d) return;
    await enqueue(() => runAndRecord(d, { verify: true, shouldVerify })).then(
      () => {
        lastCheckError = void 0;
      },
      (err) => {
        const message = err instanceof Error ? err.message : String(err);
        if (message !== lastCheckError)
          log.warn(
            `checking Home Assistant's backups: ${message}; trying again in ${checkEveryMs / 6e4} min`
          );
        lastCheckError = message;
      }
    );
  }
  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(() => {
      void check().finally(() => schedule(checkEveryMs));
    }, ms);
    timer.unref();
  }
  return {
    status: () => state.status,
    attach(d) {
      haDeps = d;
      schedule(deps.firstCheckMs ?? 6e4);
      return haBackupService((opts) => enqueue(() => runAndRecord(d, opts)));
    },
    run: (d, opts) => enqueue(() => runAndRecord(d, opts)),
    checkNow: check,
    stop() {
      clearTimeout(timer);
      timer = void 0;
    }
  };
}

// src/core/coverage.ts
function destinationKindOf(type) {
  const transfer = type.includes(":") ? type.slice(type.indexOf(":") + 1) : type;
  if (transfer === "image_local" || transfer === "local") return "local";
  if (transfer === "image_remote" || transfer === "rsync" || transfer === "remote") return "remote";
  if (/drive|s3|c2|azure|dropbox|swift|hicloud|cloud|box|webdav|openstack/i.test(transfer)) return "cloud";
  return "unknown";
}
var BROKEN_STATES = /* @__PURE__ */ new Set(["restore_only", "error_detect", "broken", "unauth", "endofservice", "error"]);
var RUNNING_STATUSES = /* @__PURE__ */ new Set([
  "backup",
  "detect",
  "version_deleting",
  "preparing_version_delete",
  "waiting"
]);
function taskHealth(t) {
  if (BROKEN_STATES.has(t.state) || t.lastError !== "") return "failed";
  if (t.state !== "backupable") return "unknown";
  if (RUNNING_STATUSES.has(t.status) || t.lastResult === "backingup" || t.lastResult === "resuming")
    return "running";
  if (t.lastResult === "none") return "never";
  if (t.lastResult === "done")
    return t.lastSuccessMs !== null && t.lastRunMs !== null && t.lastSuccessMs < t.lastRunMs ? "failed" : "ok";
  if (t.lastResult === "suspend" || t.lastResult === "error" || t.lastResult === "failed") return "failed";
  return "unknown";
}
function lastSuccessOf(t) {
  if (t.lastSuccessMs !== null) return t.lastSuccessMs;
  return t.lastResult === "done" && t.lastError === "" ? t.lastRunMs : null;
}
function isWithin(path, folder) {
  const p = trimSlash(path);
  const f = trimSlash(folder);
  return p === f || p.startsWith(f === "" ? "/" : `${f}/`);
}
var trimSlash = (p) => p.replace(/\/+$/, "");
function tasksCovering(tasks, folder) {
  return tasks.filter(
    (t) => t.folders.some((f) => !f.missing && isWithin(folder, f.path)) && !t.excludes.some((x) => isWithin(folder, x))
  );
}
function assessCoverage(tasks, folders, nowMs) {
  return folders.map((w) => {
    const covering = tasksCovering(tasks, w.path).sort(
      (a, b) => rank(b) - rank(a) || (lastSuccessOf(b) ?? -1) - (lastSuccessOf(a) ?? -1)
    );
    const t = covering[0];
    if (!t)
      return {
        label: w.label,
        folder: w.path,
        task: null,
        lastSuccessMs: null,
        nextRunMs: null,
        covered: "no",
        finding: {
          kind: "no_task",
          folder: w.path,
          task: null,
          message: `no Hyper Backup task covers ${w.path} (${w.label}): nothing there has a copy off the NAS; add that folder or a parent to a Hyper Backup task`
        }
      };
    const health = taskHealth(t);
    const success = lastSuccessOf(t);
    const base = {
      label: w.label,
      folder: w.path,
      task: { id: t.id, name: t.name, health },
      lastSuccessMs: success,
      nextRunMs: t.nextRunMs
    };
    if (health === "failed")
      return {
        ...base,
        covered: success === null ? "no" : "yes",
        finding: {
          kind: "failed",
          folder: w.path,
          task: t.name,
          message: `Hyper Backup task '${t.name}' covering ${w.path} did not succeed (state ${t.state}, last result ${t.lastResult}${t.lastError ? `, error ${t.lastError}` : ""}); check it in Hyper Backup`
        }
      };
    const pending = t.nextRunMs !== null && t.nextRunMs > nowMs && (t.lastRunMs ?? -1) < (w.newestMs ?? -1);
    if (w.newestMs !== null && (success === null || success < w.newestMs) && !pending && health !== "running")
      return {
        ...base,
        covered: "no",
        finding: {
          kind: health === "unknown" ? "unknown" : "stale",
          folder: w.path,
          task: t.name,
          message: health === "unknown" ? `Hyper Backup task '${t.name}' covering ${w.path} reports state ${t.state}, result ${t.lastResult}: whether it copied the newest archive is unknown` : `Hyper Backup task '${t.name}' covering ${w.path} last succeeded ${success === null ? "never" : "before"} the newest archive there and is not scheduled to run again; run it (pve-backup nas run '${t.name}') or give it a schedule`
        }
      };
    return {
      ...base,
      covered: health === "unknown" ? "unknown" : success === null ? "no" : "yes",
      finding: health === "unknown" ? {
        kind: "unknown",
        folder: w.path,
        task: t.name,
        message: `Hyper Backup task '${t.name}' covering ${w.path} reports state ${t.state}, result ${t.lastResult}: not known to be good`
      } : null
    };
  });
}
var rank = (t) => {
  const h = taskHealth(t);
  return h === "ok" ? 3 : h === "running" ? 2 : h === "unknown" ? 1 : 0;
};
function guestCopies(vmids, archives, nasStorage, coverage, whyUnknown) {
  const reason = whyUnknown ?? (nasStorage === null ? "the NAS folder the archives are written to is unknown" : coverage === null ? "the NAS's Hyper Backup tasks could not be read" : `the state of Hyper Backup task '${coverage.task?.name}' is not known to be good or bad`);
  const out = /* @__PURE__ */ new Map();
  for (const vmid of vmids) {
    const mine = archives.filter((a) => a.vmid === vmid);
    const onNas = nasStorage === null ? [] : mine.filter((a) => a.storage === nasStorage);
    const success = coverage?.lastSuccessMs ?? null;
    const carried = success !== null && onNas.some((a) => a.timeMs <= success);
    const offNas = coverage === null || nasStorage === null || coverage.task?.health === "unknown" ? "unknown" : carried ? "yes" : "no";
    out.set(vmid, {
      pve: mine.length,
      nas: nasStorage === null ? null : onNas.length,
      offNas,
      offNasMs: offNas === "yes" ? success : null,
      offNasReason: offNas === "unknown" ? reason : null
    });
  }
  return out;
}
function hyperBackupNextRuns(tasks) {
  return tasks.filter((t) => t.nextRunMs !== null).map((t) => ({ taskId: t.id, name: t.name, startMs: t.nextRunMs })).sort((a, b) => a.startMs - b.startMs || a.taskId - b.taskId);
}
var hostKey = (h) => h.trim().toLowerCase().replace(/^\[|\]$/g, "");
function placeStorage(input) {
  const where = `storage '${input.storage}' of cluster '${input.cluster}'`;
  if (input.server === null || input.export === null)
    return {
      onNas: false,
      reason: `${where} is not an NFS export this token can read (Datastore.Allocate on /storage): whether its archives are on the NAS is unknown`
    };
  const server = hostKey(input.server);
  const names = input.nasNames.map(hostKey);
  const addresses = new Set(input.nasAddresses.map(hostKey));
  if (names.includes(server) || input.serverAddresses.some((a) => addresses.has(hostKey(a))))
    return { onNas: true };
  return {
    onNas: false,
    reason: `${where} is an NFS export of ${input.server}, not of the NAS (${names.join(", ")}): its copies off the NAS are unknown; set nas.nfs_server to ${input.server} if that is the NAS`
  };
}

// src/core/ics.ts
var SCHEDULED_RUN_MS = 30 * 6e4;
var MAX_PER_SCHEDULE = 2e3;
var stamp = (ms) => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
var uidPart = (s) => s.replace(/[^A-Za-z0-9._:-]/g, "_");
function occurrences(schedule, fromMs, toMs, timeZone) {
  const parsed = parseCalendarEvent(schedule);
  if (!parsed.ok) return [];
  const out = [];
  let at = nextOccurrence(parsed.event, fromMs - 1, timeZone);
  while (at !== void 0 && at <= toMs && out.length < MAX_PER_SCHEDULE) {
    out.push(at);
    at = nextOccurrence(parsed.event, at, timeZone);
  }
  return out;
}
var OUTCOME_STATUS = {
  ok: "CONFIRMED",
  warnings: "CONFIRMED",
  failed: "CONFIRMED",
  running: "CONFIRMED",
  waiting: "TENTATIVE"
};
var SEVERITY = ["failed", "warnings", "running", "waiting", "ok"];
function planCalendarEvents(input) {
  const events = [];
  const from = Math.max(input.nowMs, input.fromMs);
  for (const j of input.jobs) {
    if (!j.enabled || !j.schedule) continue;
    for (const at of occurrences(j.schedule, from, input.toMs, input.timeZone))
      events.push({
        uid: `pve-job-${uidPart(j.cluster)}-${uidPart(j.id)}-${stamp(at)}@pve-backup`,
        startMs: at,
        endMs: at + SCHEDULED_RUN_MS,
        summary: `Backup ${j.id}`,
        description: `Scheduled PVE backup job ${j.id} on cluster ${j.cluster} (${j.schedule})${j.storage ? ` to ${j.storage}` : ""}; guests ${j.guests.join(", ") || "none"}.`,
        status: "TENTATIVE",
        categories: ["scheduled", "pve"]
      });
  }
  if (input.haBackup) events.push(...haBackupRuns(input.haBackup, from, input.toMs, input.timeZone));
  for (const h of input.hyperBackup ?? []) {
    if (h.nextRunMs < from || h.nextRunMs > input.toMs) continue;
    events.push({
      uid: `hyper-backup-${h.taskId}-${stamp(h.nextRunMs)}@pve-backup`,
      startMs: h.nextRunMs,
      endMs: h.nextRunMs + SCHEDULED_RUN_MS,
      summary: `Hyper Backup: ${h.task}`,
      description: `Next run of the Hyper Backup task ${h.task} (${h.taskId}) on the NAS, as DSM plans it.`,
      status: "TENTATIVE",
      categories: ["scheduled", "hyper-backup"]
    });
  }
  events.push(...pastRuns(input));
  return events.sort((a, b) => a.startMs - b.startMs || (a.uid < b.uid ? -1 : 1));
}
function localDate(ms, timeZone) {
  const w = wallClockAt(ms, timeZone);
  if (!w) return stamp(ms).slice(0, 8);
  return `${w.year}${String(w.month).padStart(2, "0")}${String(w.day).padStart(2, "0")}`;
}
function haBackupRuns(ha, fromMs, toMs, timeZone) {
  const planned = ha.schedule === void 0 ? [] : occurrences(ha.schedule, fromMs, toMs, timeZone);
  const next = ha.nextAutomaticMs;
  const known = next !== void 0 && next >= fromMs && next <= toMs ? next : void 0;
  const day = known === void 0 ? void 0 : localDate(known, timeZone);
  const runs = [
    ...planned.filter((at) => localDate(at, timeZone) !== day).map((at) => ({ at, next: false })),
    ...known === void 0 ? [] : [{ at: known, next: true }]
  ];
  return runs.map(({ at, next: next2 }) => ({
    uid: `ha-backup-${localDate(at, timeZone)}@pve-backup`,
    startMs: at,
    endMs: at + SCHEDULED_RUN_MS,
    summary: "Home Assistant automatic backup",
    description: next2 ? "Home Assistant's next automatic backup, as Home Assistant plans it." : `Home Assistant's automatic backup to the NAS, planned ${ha.schedule}.`,
    status: "TENTATIVE",
    categories: ["scheduled", "home-assistant"]
  }));
}
function pastRuns(input) {
  const tasks = /* @__PURE__ */ new Map();
  for (const a of input.attempts) {
    if (a.startMs < input.fromMs || a.startMs > input.nowMs) continue;
    const key = `${a.cluster}
${a.upid}`;
    tasks.set(key, [...tasks.get(key) ?? [], a]);
  }
  return [...tasks.values()].map((list) => {
    const first = list[0];
    const outcome = SEVERITY.find((o) => list.some((a) => a.outcome === o));
    const startMs = Math.min(...list.map((a) => a.startMs));
    const endMs = Math.max(startMs + 6e4, ...list.map((a) => a.endMs ?? input.nowMs));
    const guests = [...list].sort((a, b) => a.vmid - b.vmid);
    const lines = guests.map((a) => `${a.vmid}: ${a.outcome}${a.error ? ` (${a.error})` : ""}`);
    return {
      uid: `pve-task-${uidPart(first.cluster)}-${uidPart(first.upid)}@pve-backup`,
      startMs,
      endMs,
      summary: `Backup ${outcome}: ${guests.map((a) => a.vmid).join(", ")}`,
      description: `PVE backup task on cluster ${first.cluster}, ${first.upid}
${lines.join("\n")}`,
      status: OUTCOME_STATUS[outcome],
      categories: ["run", outcome]
    };
  });
}
function escapeText(text) {
  return text.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r\n|\r|\n/g, "\\n");
}
var utf8 = new TextEncoder();
function foldLine(line) {
  const parts = [];
  let current = "";
  let octets = 0;
  for (const ch of line) {
    const n = utf8.encode(ch).length;
    if (octets + n > 75) {
      parts.push(current);
      current = " ";
      octets = 1;
    }
    current += ch;
    octets += n;
  }
  parts.push(current);
  return parts.join("\r\n");
}
function offsetMinAt(ms, timeZone) {
  const w = wallClockAt(ms, timeZone);
  if (!w) return 0;
  const wallMs2 = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((wallMs2 - Math.floor(ms / 1e3) * 1e3) / 6e4);
}
var HOUR_MS = 36e5;
function zoneTransitions(timeZone, fromMs, toMs) {
  const out = [];
  let before = offsetMinAt(fromMs, timeZone);
  for (let t = fromMs; t < toMs; t += HOUR_MS) {
    const end = Math.min(t + HOUR_MS, toMs);
    const after = offsetMinAt(end, timeZone);
    if (after === before) continue;
    let lo = t;
    let hi = end;
    while (hi - lo > 1e3) {
      const mid = lo + Math.floor((hi - lo) / 2e3) * 1e3;
      if (offsetMinAt(mid, timeZone) === before) lo = mid;
      else hi = mid;
    }
    out.push({ atMs: hi, fromMin: before, toMin: after });
    before = after;
  }
  return out;
}
var offsetText = (min) => {
  const a = Math.abs(min);
  return `${min < 0 ? "-" : "+"}${String(Math.floor(a / 60)).padStart(2, "0")}${String(a % 60).padStart(2, "0")}`;
};
function localStamp(ms, offsetMin) {
  return stamp(ms + offsetMin * 6e4).replace(/Z$/, "");
}
function vtimezone(timeZone, fromMs, toMs) {
  const changes = zoneTransitions(timeZone, fromMs, toMs);
  const first = offsetMinAt(fromMs, timeZone);
  const firstChange = changes[0];
  const part = (from, to, atMs, daylight) => [
    `BEGIN:${daylight ? "DAYLIGHT" : "STANDARD"}`,
    `DTSTART:${localStamp(atMs, from)}`,
    `TZOFFSETFROM:${offsetText(from)}`,
    `TZOFFSETTO:${offsetText(to)}`,
    `END:${daylight ? "DAYLIGHT" : "STANDARD"}`
  ];
  return [
    "BEGIN:VTIMEZONE",
    `TZID:${timeZone}`,
    // Before the first change: summer time if the clocks then go back.
    ...part(first, first, fromMs, firstChange !== void 0 && firstChange.toMin < first),
    ...changes.flatMap((c) => part(c.fromMin, c.toMin, c.atMs, c.toMin > c.fromMin)),
    "END:VTIMEZONE"
  ];
}
function zoned(timeZone, fromMs, toMs) {
  return offsetMinAt(fromMs, timeZone) !== 0 || zoneTransitions(timeZone, fromMs, toMs).length > 0;
}
function dateTime(name, ms, timeZone, useZone) {
  if (!useZone) return `${name}:${stamp(ms)}`;
  const offset = offsetMinAt(ms, timeZone);
  const wall = ms + offset * 6e4;
  const passes = [ms - 864e5, ms + 864e5].map((t) => wall - offsetMinAt(t, timeZone) * 6e4);
  const twice = passes.some((t) => t !== ms && t + offsetMinAt(t, timeZone) * 6e4 === wall);
  return twice ? `${name}:${stamp(ms)}` : `${name};TZID=${timeZone}:${localStamp(ms, offset)}`;
}
function renderIcs(events, opts) {
  const fromMs = Math.min(opts.fromMs, ...events.map((e) => e.startMs)) - 864e5;
  const toMs = Math.max(opts.toMs, ...events.map((e) => e.endMs)) + 864e5;
  const useZone = zoned(opts.timeZone, fromMs, toMs);
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//pve-backup//backup calendar//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    `X-WR-CALNAME:${escapeText(opts.calendarName)}`,
    `X-WR-TIMEZONE:${opts.timeZone}`,
    ...useZone ? vtimezone(opts.timeZone, fromMs, toMs) : []
  ];
  for (const e of events) {
    lines.push(
      "BEGIN:VEVENT",
      `UID:${e.uid}`,
      `DTSTAMP:${stamp(opts.dtstampMs)}`,
      dateTime("DTSTART", e.startMs, opts.timeZone, useZone),
      dateTime("DTEND", e.endMs, opts.timeZone, useZone),
      `SUMMARY:${escapeText(e.summary)}`
    );
    if (e.description !== void 0) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
    if (e.status !== void 0) lines.push(`STATUS:${e.status}`);
    if (e.categories && e.categories.length > 0)
      lines.push(`CATEGORIES:${e.categories.map(escapeText).join(",")}`);
    lines.push("END:VEVENT");
  }
  lines.push("END:VCALENDAR");
  return `${lines.map(foldLine).join("\r\n")}\r
`;
}

// src/commands/calendar.ts
var DEFAULT_CALENDAR_DAYS = 14;
var DAY_MS = 864e5;
var HA_PREFERRED_MIN = 4 * 60 + 45;
var HA_BACKUP_MIN2 = 60;
function haBackupSchedule(config) {
  const ha = config.haBackups;
  if (!ha || ha.schedule.recurrence === "never") return void 0;
  const minute = chooseBackupMinute(busyFromTiers(config.tiers), HA_PREFERRED_MIN, HA_BACKUP_MIN2);
  if (minute === void 0) return void 0;
  return ha.schedule.recurrence === "daily" ? formatMinute(minute) : `${ha.schedule.days.join(",")} ${formatMinute(minute)}`;
}
function hyperBackupRuns(tasks) {
  return hyperBackupNextRuns(tasks ?? []).map((r) => ({
    task: r.name,
    taskId: r.taskId,
    nextRunMs: r.startMs
  }));
}
function calendarInput(config, reports, facts, nowMs, days, extra = {}) {
  const guestsOf = (cluster, job) => reports.filter((r) => r.cluster === cluster).flatMap((r) => r.guests.filter((g) => g.jobs.includes(job)).map((g) => g.vmid));
  const ha = haBackupSchedule(config);
  return {
    jobs: facts.flatMap(
      (f) => f.jobs.map((j) => ({
        cluster: f.cluster,
        id: j.id,
        enabled: j.enabled,
        schedule: j.schedule,
        storage: j.storage,
        guests: guestsOf(f.cluster, j.id)
      }))
    ),
    attempts: facts.flatMap((f) => f.attempts.map((a) => ({ ...a, cluster: f.cluster }))),
    haBackup: ha === void 0 && extra.haNextAutomaticMs === void 0 ? void 0 : { schedule: ha, nextAutomaticMs: extra.haNextAutomaticMs },
    hyperBackup: extra.hyperBackup,
    timeZone: config.timeZone,
    nowMs,
    fromMs: nowMs - days * DAY_MS,
    toMs: nowMs + days * DAY_MS
  };
}
function calendarEventsFor(config, reports, facts, nowMs, days = DEFAULT_CALENDAR_DAYS, extra = {}) {
  if (!facts?.reachable) return void 0;
  const input = calendarInput(config, reports, [facts], nowMs, days, extra);
  return planCalendarEvents(input).map((e) => ({
    uid: e.uid,
    summary: e.summary,
    start: new Date(e.startMs).toISOString(),
    end: new Date(e.endMs).toISOString(),
    description: e.description ?? null
  }));
}
function calendarIcs(input, events, name) {
  return renderIcs(events, {
    timeZone: input.timeZone,
    calendarName: name,
    dtstampMs: input.nowMs,
    fromMs: input.fromMs,
    toMs: input.toMs
  });
}
function parseDays(text) {
  if (text === void 0) return DEFAULT_CALENDAR_DAYS;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 366)
    throw new InputError(`--days must be a whole number of days from 1 to 366, not '${text}'`);
  return n;
}
async function calendarCommand(ctx, flags, sources = {}) {
  const days = parseDays(flags.days);
  const reports = await ctx.app.monitor.refresh(ctx.nowMs);
  const facts = ctx.config.clusters.map((c) => ctx.app.monitor.facts(c.name)).filter((f) => f?.reachable === true);
  let incomplete = false;
  let hyperBackup;
  if (sources.dsm)
    try {
      hyperBackup = hyperBackupRuns(await sources.dsm.hyperBackupTasks());
    } catch (err) {
      incomplete = true;
      sources.warn?.(
        `Hyper Backup's next runs are left out: ${err instanceof Error ? err.message : String(err)}`
      );
    }
  const haNextAutomaticMs = await sources.haNextAutomaticMs?.();
  const input = calendarInput(ctx.config, reports, facts, ctx.nowMs, days, {
    hyperBackup,
    haNextAutomaticMs
  });
  const events = planCalendarEvents(input);
  if (flags.ics) ctx.out(calendarIcs(input, events, "PVE Backup"));
  else if (ctx.json)
    ctx.out(
      `${JSON.stringify(
        events.map((e) => ({
          ...e,
          start: new Date(e.startMs).toISOString(),
          end: new Date(e.endMs).toISOString()
        })),
        null,
        2
      )}
`
    );
  else {
    const tz = ctx.config.timeZone;
    const head = `START (${tz})`.padEnd(16);
    ctx.out(`${head}  END    EVENT
`);
    for (const e of events)
      ctx.out(
        `${formatWall(e.startMs, tz).padEnd(head.length)}  ${formatWall(e.endMs, tz).slice(11)}  ${terminalSafe(e.summary)}
`
      );
    if (events.length === 0) ctx.out("(no backup runs in this span)\n");
  }
  return incomplete || reports.some((r) => !r.reachable) ? 2 : 0;
}
async function haNextAutomaticFor(deps) {
  const target = haTargetFromEnv(deps.env);
  if (target) {
    const link = connectToHa(target, deps.log);
    try {
      await whenConnected(link, target.wsUrl, deps.timeoutMs ?? 1e4);
      return (await createHaBackupsApi(wsPortOf(link)).info()).nextAutomaticMs;
    } catch (err) {
      deps.log.warn(
        `Home Assistant's next automatic backup not asked: ${err instanceof Error ? err.message : String(err)}; using the service's last look`
      );
    } finally {
      link.close();
    }
  }
  const saved = loadHaBackupState(deps.optionsPath && haBackupStatePath(deps.optionsPath), deps.log);
  return msOf(saved.status.nextAutomatic);
}
function msOf(iso4) {
  const ms = typeof iso4 === "string" ? Date.parse(iso4) : Number.NaN;
  return Number.isFinite(ms) ? ms : void 0;
}

// src/dsm/mapper.ts
var DAY_MS2 = 864e5;
function parseDsmTime(text, timeZone) {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?$/.exec((text ?? "").trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0));
  const nominal = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(nominal);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() + 1 !== month || back.getUTCDate() !== day || back.getUTCHours() !== hour || back.getUTCMinutes() !== minute || back.getUTCSeconds() !== second)
    return null;
  for (const probe of [nominal - DAY_MS2, nominal + DAY_MS2]) {
    const at = wallClockAt(probe, timeZone);
    if (!at) return null;
    const candidate = nominal - (wallMs(at) - probe);
    const back2 = wallClockAt(candidate, timeZone);
    if (back2 && wallMs(back2) === nominal) return candidate;
  }
  return null;
}
var wallMs = (w) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
function toHyperBackupTask(row, status, timeZone) {
  const type = row.type ?? "";
  const folders = [...row.source?.file_list ?? [], ...row.source?.folder_list ?? []].filter((f) => typeof f.fullPath === "string").map((f) => ({ path: f.fullPath, missing: f.missing ?? false }));
  return {
    id: row.task_id,
    name: row.name,
    state: status?.state ?? row.state ?? "",
    status: status?.status ?? row.status ?? "",
    lastResult: status?.last_bkp_result ?? row.last_bkp_result ?? "",
    lastError: status?.last_bkp_error ?? "",
    lastRunMs: parseDsmTime(status?.last_bkp_time ?? row.last_bkp_time, timeZone),
    lastEndMs: parseDsmTime(status?.last_bkp_end_time ?? row.last_bkp_end_time, timeZone),
    lastSuccessMs: parseDsmTime(status?.last_bkp_success_time, timeZone),
    nextRunMs: parseDsmTime(status?.next_bkp_time ?? row.next_bkp_time, timeZone),
    destination: type,
    destinationKind: destinationKindOf(type),
    folders,
    excludes: (row.source?.backup_filter?.exclude_list ?? []).filter(
      (x) => typeof x === "string"
    )
  };
}

// src/dsm/wire.ts
var Envelope2 = external_exports.union([
  external_exports.looseObject({ success: external_exports.literal(true), data: external_exports.unknown().optional() }),
  external_exports.looseObject({ success: external_exports.literal(false), error: external_exports.looseObject({ code: external_exports.number() }) })
]);
var ApiInfo = external_exports.record(
  external_exports.string(),
  external_exports.looseObject({ path: external_exports.string(), minVersion: external_exports.number(), maxVersion: external_exports.number() })
);
var Login = external_exports.looseObject({
  sid: external_exports.string().min(1),
  synotoken: external_exports.string().optional(),
  did: external_exports.string().optional(),
  device_id: external_exports.string().optional()
});
var Time2 = external_exports.string().nullish();
var FileEntry = external_exports.looseObject({
  folderPath: external_exports.string().optional(),
  fullPath: external_exports.string().optional(),
  missing: external_exports.boolean().optional()
});
var TaskSource = external_exports.looseObject({
  file_list: external_exports.array(FileEntry).optional(),
  folder_list: external_exports.array(FileEntry).optional(),
  backup_filter: external_exports.looseObject({ exclude_list: external_exports.array(external_exports.unknown()).optional() }).optional()
});
var TaskRow = external_exports.looseObject({
  // DSMCTL tolerates a string id.
  task_id: external_exports.union([external_exports.number(), external_exports.string().regex(/^\d+$/).transform(Number)]),
  name: external_exports.string(),
  state: external_exports.string().optional(),
  status: external_exports.string().optional(),
  type: external_exports.string().optional(),
  last_bkp_result: external_exports.string().nullish(),
  last_bkp_time: Time2,
  last_bkp_end_time: Time2,
  next_bkp_time: Time2,
  source: TaskSource.optional()
});
var TaskList = external_exports.looseObject({ task_list: external_exports.array(TaskRow) });
var TaskStatus2 = external_exports.looseObject({
  state: external_exports.string().optional(),
  status: external_exports.string().optional(),
  last_bkp_result: external_exports.string().nullish(),
  last_bkp_error: external_exports.string().nullish(),
  last_bkp_time: Time2,
  last_bkp_end_time: Time2,
  last_bkp_success_time: Time2,
  next_bkp_time: Time2
});
var Size = external_exports.unknown().optional().transform(
  (v) => typeof v === "number" ? v : typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN
);
var ShareList = external_exports.looseObject({
  shares: external_exports.array(
    external_exports.looseObject({
      name: external_exports.string(),
      additional: external_exports.looseObject({
        real_path: external_exports.string().optional(),
        volume_status: external_exports.looseObject({ freespace: Size, totalspace: Size }).optional()
      }).optional()
    })
  )
});

// src/dsm/client.ts
var SESSION_ERRORS = /* @__PURE__ */ new Set([106, 107, 119]);
var SESSION_NAME = "PveBackup";
var ERROR_TEXT = {
  102: "the API is not available (is the package installed?)",
  103: "the method is not available",
  104: "the API version is not supported",
  105: "the NAS user lacks the privilege: Hyper Backup needs a user in the administrators group",
  106: "the session timed out",
  107: "the session was ended by a login elsewhere",
  119: "the session is not known",
  120: "a parameter was rejected",
  150: "the NAS saw this request come from another address than the login (NAT or several interfaces in between): use the address the NAS sees",
  160: "the NAS user may not use this application (Control Panel > Application Privileges)",
  400: "the user name or password is wrong: check nas.username and nas.password",
  401: "the NAS account is disabled or a guest account",
  402: "the NAS user may not log in (permission denied)",
  403: "the NAS account has two-step verification on: use a user without it, or set nas.device_token",
  404: "the two-step verification code is wrong",
  406: "the NAS requires two-step verification for this account: use a user exempt from it, or set nas.device_token",
  407: "the NAS blocked this address after too many failed logins (Control Panel > Security > Account)",
  408: "the NAS account's password expired and cannot be changed",
  409: "the NAS account's password expired: change it in DSM",
  410: "the NAS account must change its password first: log in to DSM once",
  411: "the NAS account is locked"
};
var DsmApiError = class extends UpstreamError {
  constructor(code, what) {
    const text = ERROR_TEXT[code] ?? // Hyper Backup's own codes are 44xx; their meanings are not documented (reference §2.4).
    (code >= 4400 && code < 4500 ? "Hyper Backup refused: the task may be running, or not in a state to back up" : void 0);
    super(`NAS: ${what} failed: DSM error ${code}${text ? ` (${text})` : ""}`, {
      retryable: SESSION_ERRORS.has(code) || code === 117
    });
    this.code = code;
  }
  code;
};
function createDsmClient(opts, deps) {
  const base = new URL(opts.baseUrl);
  const origin = `${base.protocol}//${base.host}`;
  const transport = createTransport({
    fingerprint: opts.fingerprint,
    verifyTls: true,
    timeoutMs: opts.timeoutMs,
    maxConnections: 2
  });
  let apis;
  const statuses = /* @__PURE__ */ new Map();
  let session;
  let loggingIn;
  let closed = false;
  async function post(cgi, form, what, token) {
    if (closed && what !== "logout")
      throw new UpstreamError(`NAS ${base.host}: ${what}: not asked, the client is closing`, {
        retryable: false
      });
    const answer = await transport.request({
      method: "POST",
      url: new URL(`${origin}/webapi/${cgi}`),
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/json",
        ...token ? { "X-SYNO-TOKEN": token } : {}
      },
      body: form.toString()
    });
    if (answer.status === NO_ANSWER_STATUS || answer.status === OUTCOME_UNKNOWN_STATUS) {
      let reason = answer.statusText;
      try {
        reason = String(JSON.parse(answer.text).message ?? reason).trim();
      } catch {
      }
      throw new UpstreamError(`NAS ${base.host}: ${what}: no answer: ${reason}`, { retryable: true });
    }
    if (answer.status !== 200)
      throw new UpstreamError(`NAS ${base.host}: ${what}: HTTP ${answer.status} ${answer.statusText}`, {
        retryable: answer.status >= 500,
        status: answer.status
      });
    let body;
    try {
      body = JSON.parse(answer.text);
    } catch {
      throw new UpstreamError(
        `NAS ${base.host}: ${what}: the answer is not JSON (is nas.url the DSM address, https://\u2026:5001?)`,
        {
          retryable: false
        }
      );
    }
    const env = Envelope2.safeParse(body);
    if (!env.success)
      throw new UpstreamError(`NAS ${base.host}: ${what}: not a DSM answer`, { retryable: false });
    if (!env.data.success) throw new DsmApiError(env.data.error.code, what);
    return env.data.data;
  }
  function parseAnswer2(schema, data, what) {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues;
    const first = issues[0];
    const where = first && first.path.length > 0 ? first.path.join(".") : "the answer";
    throw new UpstreamError(
      `NAS ${base.host}: ${what}: DSM's answer is not as expected at ${where}: ${first?.message ?? "invalid"}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}`,
      { retryable: false }
    );
  }
  async function discover() {
    if (apis) return apis;
    const form = new URLSearchParams({
      api: "SYNO.API.Info",
      version: "1",
      method: "query",
      query: "SYNO.API.Auth,SYNO.Backup.Task,SYNO.FileStation.List"
    });
    apis = parseAnswer2(ApiInfo, await post("query.cgi", form, "API discovery"), "API discovery");
    return apis;
  }
  async function login() {
    const info = await discover();
    const auth2 = info["SYNO.API.Auth"];
    const version = Math.min(auth2?.maxVersion ?? 6, 7);
    const form = new URLSearchParams({
      api: "SYNO.API.Auth",
      version: String(version),
      method: "login",
      account: opts.username,
      passwd: opts.password,
      session: SESSION_NAME,
      format: "sid",
      enable_syno_token: "yes"
    });
    if (opts.deviceToken) {
      form.set("device_id", opts.deviceToken);
      form.set("device_name", "pve-backup");
    }
    const data = parseAnswer2(Login, await post(auth2?.path ?? "entry.cgi", form, "login"), "login");
    deps.log.debug(`NAS ${base.host}: logged in as ${opts.username}`);
    return { sid: data.sid, token: data.synotoken };
  }
  async function currentSession() {
    if (session) return session;
    loggingIn ??= login().finally(() => {
      loggingIn = void 0;
    });
    session = await loggingIn;
    return session;
  }
  async function callOnce(api, version, method, params) {
    const info = await discover();
    const s = await currentSession();
    const form = new URLSearchParams({ api, version: String(version), method, _sid: s.sid });
    if (s.token) form.set("SynoToken", s.token);
    for (const [k, v] of Object.entries(params)) if (v !== void 0) form.set(k, JSON.stringify(v));
    return post(info[api]?.path ?? "entry.cgi", form, `${api} ${method}`, s.token);
  }
  async function call(api, version, method, params = {}) {
    try {
      return await callOnce(api, version, method, params);
    } catch (err) {
      if (!(err instanceof DsmApiError) || !SESSION_ERRORS.has(err.code)) throw err;
      deps.log.info(`NAS ${base.host}: session ended (DSM error ${err.code}); logging in again`);
      session = void 0;
      return callOnce(api, version, method, params);
    }
  }
  return {
    async hyperBackupTasks() {
      const info = await discover();
      if (!info["SYNO.Backup.Task"]) return null;
      const list = parseAnswer2(
        TaskList,
        await call("SYNO.Backup.Task", 1, "list", {
          sort_by: "name",
          additional: [
            "last_bkp_time",
            "next_bkp_time",
            "last_bkp_result",
            "is_modified",
            "schedule",
            "get_source"
          ]
        }),
        "SYNO.Backup.Task list"
      );
      const tasks = [];
      const listed = new Set(list.task_list.map((row) => row.task_id));
      for (const id of statuses.keys()) if (!listed.has(id)) statuses.delete(id);
      for (const row of list.task_list) {
        const key = JSON.stringify([
          row.state,
          row.status,
          row.last_bkp_result,
          row.last_bkp_time,
          row.last_bkp_end_time,
          row.next_bkp_time
        ]);
        const cached = statuses.get(row.task_id);
        if (cached?.key === key && row.status === "none") {
          tasks.push(toHyperBackupTask(row, cached.status, opts.timeZone));
          continue;
        }
        const status = parseAnswer2(
          TaskStatus2,
          await call("SYNO.Backup.Task", 1, "status", {
            task_id: row.task_id,
            blOnline: false,
            additional: [
              "last_bkp_time",
              "next_bkp_time",
              "last_bkp_result",
              "last_bkp_progress",
              "last_bkp_error",
              "last_bkp_success_time"
            ]
          }),
          "SYNO.Backup.Task status"
        );
        statuses.set(row.task_id, { key, status });
        tasks.push(toHyperBackupTask(row, status, opts.timeZone));
      }
      return tasks;
    },
    async runTask(taskId) {
      await call("SYNO.Backup.Task", 1, "backup", { task_id: taskId });
    },
    async shareSpace(path) {
      const list = parseAnswer2(
        ShareList,
        await call("SYNO.FileStation.List", 2, "list_share", {
          offset: 0,
          limit: -1,
          additional: ["real_path", "volume_status"]
        }),
        "SYNO.FileStation.List list_share"
      );
      const hit = list.shares.filter((s) => s.additional?.real_path && isWithin(path, s.additional.real_path)).sort((a, b) => (b.additional?.real_path?.length ?? 0) - (a.additional?.real_path?.length ?? 0))[0];
      const vs = hit?.additional?.volume_status;
      if (!hit || !vs) return void 0;
      const sizes = [vs.freespace, vs.totalspace];
      if (sizes.some((n) => !Number.isFinite(n) || n < 0) || vs.totalspace > 0 && vs.freespace > vs.totalspace)
        throw new UpstreamError(
          `NAS ${base.host}: share ${hit.name}: DSM gave no usable size (free ${vs.freespace}, total ${vs.totalspace} bytes)`,
          { retryable: false }
        );
      return {
        share: hit.name,
        realPath: hit.additional?.real_path ?? "",
        freeBytes: vs.freespace,
        totalBytes: vs.totalspace
      };
    },
    async close() {
      closed = true;
      const s = session;
      session = void 0;
      try {
        if (s) {
          const form = new URLSearchParams({
            api: "SYNO.API.Auth",
            version: "6",
            method: "logout",
            session: SESSION_NAME,
            _sid: s.sid
          });
          await post(apis?.["SYNO.API.Auth"]?.path ?? "entry.cgi", form, "logout", s.token);
        }
      } catch (err) {
        deps.log.debug(
          `NAS ${base.host}: logout failed: ${err instanceof Error ? err.message : String(err)}`
        );
      } finally {
        await transport.close();
      }
    }
  };
}
function dsmClientFor(config, log) {
  const nas = config.nas;
  if (!nas) throw new InputError("set 'nas' in the options first (url, username, password, fingerprint)");
  return createDsmClient(
    {
      baseUrl: nas.baseUrl,
      username: nas.username,
      password: nas.password,
      deviceToken: nas.deviceToken,
      fingerprint: nas.fingerprint,
      timeZone: nas.timeZone,
      timeoutMs: config.requestTimeoutMs
    },
    { log }
  );
}

// src/report.ts
var iso2 = (ms) => new Date(ms).toISOString();
function toStatusJson(reports, extras = {}) {
  return {
    guests: reports.flatMap(
      (r) => r.guests.map((g) => extras.ledger ? withVerification(toGuestJson(g), extras.ledger) : toGuestJson(g))
    ),
    clusters: reports.map((r) => ({ cluster: r.cluster, reachable: r.reachable, problems: r.problems })),
    haBackups: extras.haBackups ?? null
  };
}
function withHaBackups(status, haBackups) {
  return status && { ...status, haBackups };
}
function withVerification(g, ledger) {
  const key = `${g.cluster}_${g.vmid}`;
  const v = ledger.lastVerified[key];
  const t = ledger.lastTestRestore[key];
  return {
    ...g,
    lastVerified: v ? { time: v.time, depth: v.depth, result: v.result, durationMs: v.durationMs, message: v.message } : null,
    lastTestRestore: t ? { time: t.time, result: t.result, durationMs: t.durationMs, message: t.message } : null
  };
}
function toGuestJson(g) {
  return {
    cluster: g.cluster,
    vmid: g.vmid,
    name: g.name,
    type: g.type,
    node: g.node,
    tier: g.tier,
    status: g.status,
    lastBackup: g.lastBackup ? {
      time: iso2(g.lastBackup.timeMs),
      volid: g.lastBackup.volid,
      storage: g.lastBackup.storage,
      size: g.lastBackup.sizeBytes
    } : null,
    lastAttempt: g.lastAttempt ? {
      time: iso2(g.lastAttempt.startMs),
      end: g.lastAttempt.endMs === void 0 ? null : iso2(g.lastAttempt.endMs),
      upid: g.lastAttempt.upid,
      outcome: g.lastAttempt.outcome,
      error: g.lastAttempt.error ?? null
    } : null,
    expectedBy: g.expectedByMs === null ? null : iso2(g.expectedByMs),
    reason: g.reason
  };
}
function statusExitCode(reports, excused = () => false) {
  const guests = reports.flatMap((r) => r.guests);
  if (guests.some((g) => isProblem(g.status) && !excused(g))) return 1;
  if (reports.some((r) => !r.reachable || r.problems.length > 0) || guests.some((g) => g.status === "unknown"))
    return 2;
  return 0;
}
function renderStatusTable(reports, timeZone, clusters = [], haBackups = null) {
  const multi = reports.length > 1;
  const header = [
    ...multi ? ["CLUSTER"] : [],
    "VMID",
    "NAME",
    "TYPE",
    "NODE",
    "TIER",
    "STATUS",
    `LAST BACKUP (${timeZone})`,
    "SIZE",
    "REASON"
  ];
  const rows = reports.flatMap(
    (r) => r.guests.map((g) => [
      ...multi ? [g.cluster] : [],
      String(g.vmid),
      g.name,
      g.type,
      g.node,
      g.tier ?? "-",
      g.status,
      g.lastBackup ? formatWall(g.lastBackup.timeMs, timeZone) : "-",
      g.lastBackup ? humanBytes(g.lastBackup.sizeBytes) : "-",
      g.reason
    ])
  );
  const widths = header.map(
    (h, i) => Math.max(h.length, ...rows.map((r) => i === header.length - 1 ? 0 : (r[i] ?? "").length))
  );
  const line = (cells) => cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  const out = [line(header), ...rows.map(line)];
  if (rows.length === 0) out.push("(no guests)");
  for (const r of reports) {
    for (const p of r.problems) out.push(`! ${r.cluster}: ${p}`);
    const hint = r.reachable ? void 0 : connectionHint(clusters.find((c) => c.name === r.cluster));
    if (hint) out.push(`  hint: ${hint}`);
  }
  if (haBackups) out.push("", ...haBackupRows(haBackups, timeZone));
  return `${out.join("\n")}
`;
}
function haBackupRows(h, timeZone) {
  const wall = (iso4) => formatWall(Date.parse(iso4), timeZone);
  if (h.checkedAt === null)
    return ["HA BACKUP  not checked yet (the service checks once Home Assistant is connected)"];
  const last = h.lastBackup ? `last ${wall(h.lastBackup.time)} ${humanBytes(h.lastBackup.sizeBytes)} on ${h.agent ?? "-"}` : `no backup on ${h.agent ?? "the NAS"}`;
  const v = h.verification;
  const verified = v ? `verification ${v.result} ${wall(v.time)}` : "not verified";
  const next = h.nextAutomatic ? `next ${wall(h.nextAutomatic)}` : "no automatic backup";
  const rows = [`HA BACKUP  ${last}  ${verified}  ${next}`];
  for (const p of h.problems) rows.push(`! ha-backup: ${p}`);
  return rows;
}
function connectionHint(cluster) {
  if (!cluster || cluster.fingerprint || !cluster.verifyTls) return void 0;
  return "PVE's own certificate is self-signed, so unless this machine trusts it, set fingerprint: \u2026 as shown by `pvenode cert info` or in the node's Certificates panel";
}
function humanBytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

// src/service/alerts.ts
import { readFileSync as readFileSync3 } from "node:fs";
import { dirname as dirname3, join as join2 } from "node:path";
var ALERTS_STATE_FILE = "pve-backup-alerts.json";
var SNOOZE_MS = 24 * 36e5;
function createAlertService(deps) {
  const { log, options } = deps;
  const statePath = deps.optionsPath === void 0 ? void 0 : join2(dirname3(deps.optionsPath), ALERTS_STATE_FILE);
  let state = loadState(statePath, log) ?? EMPTY_ALERT_STATE;
  let saved = JSON.stringify(state);
  let saveFailed = false;
  let chain = Promise.resolve();
  const warned = /* @__PURE__ */ new Set();
  const warnedArchived = /* @__PURE__ */ new Set();
  function serial(step) {
    const run = chain.then(step, step);
    chain = run.catch(() => void 0);
    return run;
  }
  async function deliver(deliveries, before) {
    for (const d of deliveries) {
      try {
        if (d.kind === "send") await deps.channel.send(d.note);
        else await deps.channel.clear(d.tag);
      } catch (err) {
        const line = `alerts: could not ${d.kind === "send" ? `send ${d.note.tag}` : `clear ${d.tag}`}: ${describe3(err)}`;
        if (warned.has(line)) log.debug(line);
        else {
          warned.add(line);
          log.warn(`${line} (trying again with each refresh)`);
        }
        state = d.kind === "send" ? unsend(state, before, d.note) : unclear(state, before, d.tag);
        if (warned.size > 1e3) warned.clear();
      }
    }
  }
  function save() {
    const text = JSON.stringify(state);
    if (statePath === void 0 || text === saved) return;
    try {
      writeJsonFile(statePath, { version: 1, ...state });
      saved = text;
      saveFailed = false;
    } catch (err) {
      if (!saveFailed)
        log.warn(`cannot write ${statePath} (${describe3(err)}): snoozes are forgotten on a restart`);
      saveFailed = true;
    }
  }
  function guestsOf(reports) {
    const json = deps.status?.();
    const checks = new Map(json?.guests.map((g) => [alertKey(g.cluster, g.vmid), g]));
    return reports.flatMap(
      (r) => r.guests.map((g) => {
        const lastBackupMs = g.lastBackup?.timeMs ?? null;
        const failedCheck = failedCheckOf(checks.get(alertKey(g.cluster, g.vmid)), lastBackupMs);
        return {
          cluster: g.cluster,
          vmid: g.vmid,
          name: g.name,
          tier: g.tier,
          status: g.status,
          reason: g.reason,
          lastBackupMs,
          ...failedCheck ? { failedCheck } : {}
        };
      })
    );
  }
  function haBackupOf() {
    if (!deps.haBackups) return null;
    const h = deps.haBackups.status();
    if (h === null) return null;
    return h.checkedAt === null ? void 0 : { cluster: deps.haBackups.cluster, problems: h.problems };
  }
  return {
    /** A refresh's reports: decide and deliver. Resolves once delivered. */
    onReports(reports) {
      return serial(async () => {
        const before = state;
        const plan = planAlerts({
          previous: state,
          guests: guestsOf(reports),
          options,
          nowMs: deps.nowMs(),
          haBackup: haBackupOf()
        });
        state = plan.state;
        if (plan.held.length > 0) log.debug(`alerts: quiet hours, holding ${plan.held.join(", ")}`);
        for (const key of unknownArchived(options.archived, reports))
          if (!warnedArchived.has(key)) {
            warnedArchived.add(key);
            log.warn(`alerts: archived guest ${key} is not in PVE: check alerts.archived for a typo`);
          }
        await deliver(plan.deliveries, before);
        save();
      });
    },
    /** Silence guests (`cluster/vmid`) for `ms`. */
    snooze(keys, ms) {
      return serial(async () => {
        const untilMs = deps.nowMs() + ms;
        const before = state;
        const r = snoozeGuests(state, keys, untilMs);
        state = r.state;
        save();
        log.info(`alerts: ${keys.join(", ")} snoozed until ${new Date(untilMs).toISOString()}`);
        await deliver(r.deliveries, before);
        return { snoozed_until: new Date(untilMs).toISOString() };
      });
    },
    /** A tapped notification button. */
    async onAction(action) {
      const key = alertKey(action.cluster, action.vmid);
      if (action.kind === "snooze") {
        await this.snooze([key], deps.snoozeMs ?? SNOOZE_MS);
        return;
      }
      log.info(`alerts: "Back up now" tapped for ${key}`);
      try {
        await deps.backupNow(action.cluster, action.vmid);
      } catch (err) {
        if (err instanceof InputError) log.info(`alerts: back up ${key}: ${err.message}`);
        else log.warn(`alerts: back up ${key}: ${describe3(err)}`);
      }
    },
    /** The per-guest `alert` of the status JSON. */
    info(cluster, vmid) {
      return guestAlertInfo(state, alertKey(cluster, vmid), options, deps.nowMs());
    },
    /** Resolves once every step asked for so far is done. */
    idle: () => chain.then(() => void 0)
  };
}
function withAlertInfo(status, alerts) {
  if (!status || !alerts) return status;
  return { ...status, guests: status.guests.map((g) => ({ ...g, alert: alerts.info(g.cluster, g.vmid) })) };
}
function alertOptionsOf(a, timeZone) {
  return {
    statuses: a.statuses,
    graceMin: a.graceMin,
    quietHours: a.quietHours,
    digestMin: a.digestMin,
    immediateTiers: a.immediateTiers,
    archived: new Set(a.archived),
    archivedReasons: a.archivedReasons,
    timeZone
  };
}
function savedAlertInfo(a, timeZone, optionsPath, nowMs, log) {
  if (!a) return void 0;
  const options = alertOptionsOf(a, timeZone);
  const state = loadState(optionsPath === void 0 ? void 0 : join2(dirname3(optionsPath), ALERTS_STATE_FILE), log) ?? EMPTY_ALERT_STATE;
  return { info: (cluster, vmid) => guestAlertInfo(state, alertKey(cluster, vmid), options, nowMs) };
}
function failedCheckOf(g, lastBackupMs) {
  const checks = [
    { kind: "verify", check: g?.lastVerified },
    { kind: "test_restore", check: g?.lastTestRestore }
  ].flatMap(({ kind, check }) => check ? [{ kind, ...check, timeMs: Date.parse(check.time) }] : []);
  const latest = checks.sort((a, b) => b.timeMs - a.timeMs)[0];
  if (latest?.result !== "failed" || lastBackupMs !== null && lastBackupMs > latest.timeMs)
    return void 0;
  return { kind: latest.kind, message: latest.message };
}
function unsend(state, before, note) {
  if (note.key === void 0) {
    const { digestDay: _drop, ...rest2 } = state;
    return before.digestDay === void 0 ? rest2 : { ...rest2, digestDay: before.digestDay };
  }
  const key = note.key;
  const current = state.guests[key];
  const { sent: _sent, ...rest } = current;
  const sent = before.guests[key]?.sent;
  return { ...state, guests: { ...state.guests, [key]: sent === void 0 ? rest : { ...rest, sent } } };
}
function unclear(state, before, tag) {
  for (const [key, was] of Object.entries(before.guests)) {
    if (was.sent === void 0 || tagOfKey(key) !== tag) continue;
    return { ...state, guests: { ...state.guests, [key]: { ...state.guests[key], sent: was.sent } } };
  }
  return state;
}
function loadState(path, log) {
  if (path === void 0) return void 0;
  let text;
  try {
    text = readFileSync3(path, "utf8");
  } catch {
    return void 0;
  }
  try {
    const raw = JSON.parse(text);
    if (raw.version === 1 && isGuests(raw.guests))
      return {
        guests: raw.guests,
        ...typeof raw.digestDay === "string" ? { digestDay: raw.digestDay } : {}
      };
  } catch {
  }
  log.warn(`${path} is not what this version writes: alerts start afresh (snoozes are forgotten)`);
  return void 0;
}
function isGuests(raw) {
  if (typeof raw !== "object" || raw === null) return false;
  return Object.values(raw).every((g) => {
    if (typeof g !== "object" || g === null) return false;
    const { sinceMs, sent, snoozedUntilMs } = g;
    const num = (v) => v === void 0 || typeof v === "number" && Number.isFinite(v);
    return num(sinceMs) && num(snoozedUntilMs) && (sent === void 0 || typeof sent === "string");
  });
}
function describe3(err) {
  return err instanceof Error ? err.message : String(err);
}

// src/server/guard.ts
import { createServer } from "node:http";
var DEFAULT_LIMITS = {
  headersTimeoutMs: 1e4,
  requestTimeoutMs: 3e4,
  keepAliveTimeoutMs: 5e3,
  maxConnections: 64,
  checkIntervalMs: 1e3
};
function requestPath(target) {
  if (!target?.startsWith("/")) return void 0;
  const end = target.search(/[?#]/);
  return end < 0 ? target : target.slice(0, end);
}
function createGuardedServer(handler, limits, log) {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs
    },
    (req, res) => {
      const send = (code, body, headers = {}) => {
        if (res.headersSent) return;
        res.writeHead(code, {
          "content-type": "application/json; charset=utf-8",
          "cache-control": "no-store",
          ...headers
        });
        res.end(`${JSON.stringify(body)}
`);
      };
      const path = requestPath(req.url);
      if (path === void 0)
        return send(400, { error: "the request target must be a path, like /api/status" });
      try {
        handler(req, path, send, res);
      } catch (err) {
        log.error(`answering ${req.method} ${path}: ${err instanceof Error ? err.message : String(err)}`);
        send(500, { error: "internal error; the service log has the details" });
      }
    }
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  return server;
}
var ListenError = class extends Error {
  name = "ListenError";
};
async function listen(server, port, host, what) {
  await new Promise((resolve, reject) => {
    const onError = (err) => {
      const where = `${host}:${port}`;
      reject(
        err.code === "EADDRINUSE" ? new ListenError(
          `port ${where} is already in use (is pve-backup running already?): choose another ${what}`
        ) : err.code === "EACCES" ? new ListenError(`not allowed to listen on ${where}: choose a ${what} above 1023`) : err.code === "EADDRNOTAVAIL" ? new ListenError(`${host} is not an address of this machine: check ${what}`) : err
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const actual = server.address().port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${actual}`,
    port: actual,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    })
  };
}
function allowOnly(req, method, path, send) {
  if (req.method === method || method === "GET" && req.method === "HEAD") return true;
  send(
    405,
    { error: `${req.method} not allowed on ${path}; use ${method}` },
    { allow: method === "GET" ? "GET, HEAD" : method }
  );
  return false;
}

// src/server/webhook.ts
import { timingSafeEqual } from "node:crypto";

// src/server/rate-limit.ts
function createRateLimiter(limit) {
  const buckets = /* @__PURE__ */ new Map();
  const maxClients = limit.maxClients ?? 1024;
  const refill = (b, nowMs) => {
    b.tokens = Math.min(limit.burst, b.tokens + Math.max(0, nowMs - b.atMs) / 1e3 * limit.perSecond);
    b.atMs = nowMs;
  };
  const evict = (nowMs) => {
    for (const [key, b] of buckets) {
      refill(b, nowMs);
      if (b.tokens >= limit.burst) buckets.delete(key);
    }
    for (const key of buckets.keys()) {
      if (buckets.size < maxClients) break;
      buckets.delete(key);
    }
  };
  return {
    take(client, nowMs) {
      let b = buckets.get(client);
      if (!b) {
        if (buckets.size >= maxClients) evict(nowMs);
        b = { tokens: limit.burst, atMs: nowMs };
        buckets.set(client, b);
      }
      refill(b, nowMs);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / limit.perSecond)) };
    }
  };
}

// src/server/webhook.ts
var WEBHOOK_PATH = "/api/pve-webhook";
var DEFAULT_WEBHOOK_RATE = { burst: 20, perSecond: 1 };
var MAX_BODY_BYTES = 1 << 20;
var MAX_DRAIN_BYTES = 16 << 20;
var WARN_EVERY_MS = 6e4;
async function startWebhookServer(deps, port, host = "0.0.0.0") {
  const nowMs = deps.nowMs ?? Date.now;
  const limiter = createRateLimiter(deps.rateLimit ?? DEFAULT_WEBHOOK_RATE);
  let received = 0;
  let refused = 0;
  let warnedAtMs = -Infinity;
  const warnRefused = (why, client) => {
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
          { "retry-after": String(admission.retryAfterS), connection: "close" }
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
          let payload = text;
          try {
            payload = JSON.parse(text);
          } catch {
          }
          received++;
          deps.onPveNotification(payload);
          send(202, { accepted: true });
        },
        (err) => {
          refused++;
          send(413, { error: err.message });
        }
      );
    },
    { ...DEFAULT_LIMITS, ...deps.limits },
    deps.log
  );
  const listening = await listen(server, port, host, "webhook_port");
  deps.log.info(`PVE webhook: listening on ${listening.url}${WEBHOOK_PATH}`);
  return { ...listening, received: () => received, refused: () => refused };
}
function secretMatches(req, secret) {
  const given = Buffer.from(String(req.headers["x-pve-backup-secret"] ?? ""));
  const want = Buffer.from(secret);
  return given.length === want.length && timingSafeEqual(given, want);
}
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
      else if (size > MAX_DRAIN_BYTES) req.destroy();
    });
    req.on(
      "end",
      () => size > MAX_BODY_BYTES ? reject(new Error("notification body larger than 1 MiB")) : resolve(Buffer.concat(chunks).toString("utf8"))
    );
    req.on("error", reject);
  });
}

// src/verify/ledger-file.ts
import { readFileSync as readFileSync4, statSync } from "node:fs";
import { dirname as dirname4, join as join3 } from "node:path";

// src/core/verify-run.ts
var VERDICTS_KEPT = 30;
var EMPTY_LEDGER = { version: 1, lastVerified: {}, lastTestRestore: {}, run: null };
function beginRun(ledger, depth, targets, nowMs) {
  const prev = ledger.run;
  const same = prev !== null && prev.depth === depth && prev.targets.length === targets.length && prev.targets.every((t, i) => t.volid === targets[i]?.volid);
  const run = same ? prev : { depth, startedMs: nowMs, targets, done: [] };
  const pending = run.targets.filter((t) => !run.done.includes(t.volid));
  return { ledger: { ...ledger, run }, pending, resumed: same && run.done.length > 0 };
}
function recordVerification(ledger, target, depth, outcome, endMs, durationMs) {
  const entry = {
    time: new Date(endMs).toISOString(),
    depth,
    result: outcome.result,
    durationMs,
    message: outcome.message,
    volid: target.volid
  };
  const run = ledger.run && { ...ledger.run, done: [...ledger.run.done, target.volid] };
  const { [target.volid]: _old, ...earlier } = ledger.verdicts?.[target.key] ?? {};
  const kept = Object.entries(earlier).slice(-(VERDICTS_KEPT - 1));
  const verdicts = {
    ...ledger.verdicts,
    [target.key]: Object.fromEntries([...kept, [target.volid, outcome.result]])
  };
  return { ...ledger, lastVerified: { ...ledger.lastVerified, [target.key]: entry }, run, verdicts };
}
function finishRun(ledger) {
  return { ...ledger, run: null };
}
function recordTestRestore(ledger, key, entry) {
  return { ...ledger, lastTestRestore: { ...ledger.lastTestRestore, [key]: entry } };
}
function ledgerFrom(value) {
  if (typeof value !== "object" || value === null) return EMPTY_LEDGER;
  const v = value;
  if (v.version !== 1 || typeof v.lastVerified !== "object" || v.lastVerified === null) return EMPTY_LEDGER;
  return {
    version: 1,
    lastVerified: v.lastVerified,
    lastTestRestore: typeof v.lastTestRestore === "object" && v.lastTestRestore !== null ? v.lastTestRestore : {},
    run: v.run && Array.isArray(v.run.targets) && Array.isArray(v.run.done) ? v.run : null,
    ...typeof v.verdicts === "object" && v.verdicts !== null ? { verdicts: v.verdicts } : {},
    ...isTestRestoreRun(v.testRestoreRun) ? { testRestoreRun: v.testRestoreRun } : {}
  };
}
function isTestRestoreRun(v) {
  if (typeof v !== "object" || v === null) return false;
  const r = v;
  return typeof r.cluster === "string" && typeof r.key === "string" && typeof r.spareVmid === "number" && (r.guestType === "qemu" || r.guestType === "lxc");
}

// src/verify/ledger-file.ts
function ledgerPathBeside(optionsPath) {
  return join3(dirname4(optionsPath), "pve-backup-verify.json");
}
function loadLedger(path) {
  let text;
  try {
    text = readFileSync4(path, "utf8");
  } catch {
    return EMPTY_LEDGER;
  }
  try {
    return ledgerFrom(JSON.parse(text));
  } catch {
    return EMPTY_LEDGER;
  }
}
function saveLedger(path, ledger) {
  writeJsonFile(path, ledger);
}
function fileLedgerStore(path) {
  let cached;
  const stampOf = () => {
    try {
      const st = statSync(path);
      return `${st.ino} ${st.size} ${st.mtimeMs}`;
    } catch {
      return "";
    }
  };
  return {
    load() {
      const stamp2 = stampOf();
      if (stamp2 !== "" && cached?.stamp === stamp2) return cached.ledger;
      const ledger = loadLedger(path);
      cached = stamp2 === "" ? void 0 : { stamp: stamp2, ledger };
      return ledger;
    },
    save(l) {
      saveLedger(path, l);
      const stamp2 = stampOf();
      cached = stamp2 === "" ? void 0 : { stamp: stamp2, ledger: l };
    }
  };
}
function memoryLedgerStore(initial = EMPTY_LEDGER) {
  let held = initial;
  return {
    load: () => held,
    save: (l) => {
      held = l;
    }
  };
}

// src/core/verify-select.ts
function selectArchives(input, sel) {
  const wanted = new Set(sel.vmids ?? []);
  if (sel.tier !== void 0) {
    const name = sel.tier;
    const tier = input.tiers.find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (!tier)
      return {
        kind: "error",
        message: `'${name}' is not a tier (tiers: ${input.tiers.map((t) => t.name).join(", ") || "none"})`
      };
    if (tier.guests.length === 0) return { kind: "error", message: `tier ${tier.name} has no guests` };
    for (const v of tier.guests) wanted.add(v);
  }
  if (wanted.size === 0) {
    if (input.archives.length === 0)
      return { kind: "error", message: `no guest has an archive on ${input.storage} to verify` };
    return { kind: "ok", targets: [...input.archives] };
  }
  const named = sel.vmids ?? [];
  const hasArchive = (v) => input.archives.some((a) => a.vmid === v);
  const unknown2 = input.guests ? named.filter((v) => !input.guests?.includes(v) && !hasArchive(v)) : [];
  if (unknown2.length > 0)
    return {
      kind: "error",
      message: `${unknown2.length === 1 ? "guest" : "guests"} ${unknown2.join(", ")} ${unknown2.length === 1 ? "does" : "do"} not exist on cluster ${input.cluster}`
    };
  const bare = named.filter((v) => !hasArchive(v));
  if (bare.length > 0)
    return {
      kind: "error",
      message: `${bare.length === 1 ? "guest" : "guests"} ${bare.join(", ")} ${bare.length === 1 ? "has" : "have"} no archive on ${input.storage} to verify`
    };
  const targets = input.archives.filter((a) => wanted.has(a.vmid));
  if (targets.length === 0)
    return {
      kind: "error",
      message: `tier ${sel.tier}'s guests have no archive on ${input.storage} to verify`
    };
  return { kind: "ok", targets };
}

// src/verify/run.ts
async function runVerification(deps, targets, depth) {
  if (depth === "full" && !deps.dump) throw new Error("a full check needs the NAS's dump directory");
  const started = beginRun(deps.ledger.load(), depth, targets, deps.nowMs());
  const alreadyChecked = targets.length - started.pending.length;
  const update = (f) => {
    const next = f(deps.ledger.load());
    deps.ledger.save(next);
    return next;
  };
  let ledger = update((l) => ({ ...l, run: started.ledger.run }));
  const rows = [];
  const byVolid = new Map(targets.map((t) => [t.volid, t]));
  for (const pending of started.pending) {
    if (deps.stopped?.()) return { rows, alreadyChecked, finished: false, ledger };
    const t = byVolid.get(pending.volid);
    const t0 = deps.clockMs();
    const outcome = deps.dump ? await fullCheck(deps, deps.dump, t) : await apiCheck(deps.api, t);
    const durationMs = deps.clockMs() - t0;
    ledger = update(
      (l) => recordVerification({ ...l, run: ledger.run }, t, depth, outcome, deps.nowMs(), durationMs)
    );
    const row = {
      vmid: t.vmid,
      name: t.name,
      volid: t.volid,
      depth,
      result: outcome.result,
      durationMs,
      message: outcome.message
    };
    rows.push(row);
    await deps.onResult?.(row);
  }
  ledger = update(finishRun);
  return { rows, alreadyChecked, finished: true, ledger };
}
async function apiCheck(api, t) {
  let result;
  try {
    const text = await api.get(`/nodes/${t.node}/vzdump/extractconfig`, { volume: t.volid });
    result = typeof text === "string" ? { text } : { error: "PVE answered without a config" };
  } catch (err) {
    if (!(err instanceof UpstreamError && err.details.status === 500)) throw err;
    result = {
      error: err.message.replace(/^GET \S+: 500 /, "").replace(/\s+/g, " ").trim()
    };
  }
  return judgeExtractedConfig(t.guestType, result);
}
async function fullCheck(deps, dump, t) {
  const r = await fullCheckArchive(
    dump,
    { name: t.fileName, sizeBytes: t.sizeBytes },
    { bytesPerSec: deps.bytesPerSec, nowMs: deps.clockMs, sleep: deps.sleep }
  );
  if (r.readError !== void 0 && dump.alive && !await dump.alive())
    throw new UpstreamError(
      `could not reach the NAS while reading ${t.fileName} (${r.readError}): nothing was recorded for it; the run resumes with it on the next try`,
      { retryable: true }
    );
  return r.outcome;
}

// src/verify/targets.ts
var Nodes = external_exports.array(external_exports.looseObject({ node: external_exports.string(), status: external_exports.string().optional() }));
var Content = external_exports.array(
  external_exports.looseObject({ volid: external_exports.string(), ctime: external_exports.number().optional(), size: external_exports.number().optional() })
);
var Resources2 = external_exports.array(
  external_exports.looseObject({ vmid: external_exports.number().optional(), node: external_exports.string().optional(), name: external_exports.string().optional() })
);
async function readArchives(api, cluster, storage) {
  const nodes = Nodes.parse(await api.get("/nodes"));
  const node = nodes.find((n) => n.status === "online")?.node;
  if (node === void 0)
    throw new UpstreamError("no PVE node is online to list the backups", { retryable: true });
  const rows = Content.parse(
    await api.get(`/nodes/${node}/storage/${storage}/content`, { content: "backup" })
  );
  const guests = Resources2.parse(await api.get("/cluster/resources", { type: "vm" }));
  const newest = /* @__PURE__ */ new Map();
  for (const r of rows) {
    const v = parseBackupVolid(r.volid);
    if (v?.kind !== "file" || v.name.type === "openvz") continue;
    const ctime = r.ctime ?? 0;
    const prev = newest.get(v.name.vmid);
    if (prev && prev.ctime >= ctime) continue;
    const g = guests.find((x) => x.vmid === v.name.vmid);
    newest.set(v.name.vmid, {
      key: `${cluster}_${v.name.vmid}`,
      vmid: v.name.vmid,
      volid: r.volid,
      node: g?.node ?? node,
      sizeBytes: r.size ?? 0,
      guestType: v.name.type,
      fileName: v.fileName,
      storage,
      name: g?.name ?? "",
      ctime
    });
  }
  return {
    archives: [...newest.values()].sort((a, b) => a.vmid - b.vmid).map(({ ctime: _c, ...t }) => t),
    guests: guests.flatMap((g) => g.vmid === void 0 ? [] : [g.vmid])
  };
}

// src/service/verify.ts
function verificationEvent(r) {
  return {
    type: r.result === "ok" ? "pve_backup_verification_finished" : "pve_backup_verification_failed",
    data: {
      cluster: r.cluster,
      vmid: r.vmid,
      name: r.name,
      volid: r.volid,
      depth: r.depth,
      result: r.result,
      message: r.message,
      duration_ms: r.durationMs,
      trigger: r.trigger
    }
  };
}
var FULL_NEEDS_NAS = "a full check reads the archives from the NAS: set verify.dump_path and the NAS login in ha_backups (host, username, key or password, host_key_fingerprint)";
var BUTTON_REPEAT_MS = 1e4;
function createVerifyService(deps) {
  const { config, log } = deps;
  const clockMs = deps.clockMs ?? Date.now;
  const sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  let active;
  const waiting = [];
  let stopped = false;
  let exclusiveWhat;
  let idleWaiters = [];
  async function prepare(req) {
    const cluster = config.clusters.find((c) => c.name === req.cluster);
    const api = deps.apis.get(req.cluster);
    if (!cluster || !api) throw new InputError(`no cluster named '${req.cluster}'`);
    const storage = config.storage;
    if (!storage)
      throw new InputError("set 'storage' in the add-on options (the PVE storage the backups go to) first");
    if (req.full && (!deps.openDump || !config.verify.dumpPath)) throw new InputError(FULL_NEEDS_NAS);
    const read = await readArchives(api, req.cluster, storage);
    const picked = selectArchives(
      { ...read, tiers: config.tiers, cluster: req.cluster, storage },
      req.selection
    );
    if (picked.kind === "error") throw new InputError(picked.message);
    const depth = req.full ? "full" : "api";
    let resolveStart = () => {
    };
    let rejectStart = () => {
    };
    let resolveDone = () => {
    };
    let rejectDone = () => {
    };
    const started = new Promise((res, rej) => {
      resolveStart = res;
      rejectStart = rej;
    });
    const done = new Promise((res, rej) => {
      resolveDone = res;
      rejectDone = rej;
    });
    started.catch(() => void 0);
    done.catch(() => void 0);
    return {
      cluster: req.cluster,
      depth,
      targets: picked.targets,
      trigger: req.trigger,
      signature: signatureOf(req.cluster, depth, picked.targets),
      started,
      done,
      resolveStart,
      rejectStart,
      resolveDone,
      rejectDone,
      progress: 0
    };
  }
  function same(signature) {
    return [active, ...waiting].find((j) => j?.signature === signature);
  }
  function describeBusy() {
    if (exclusiveWhat !== void 0) return `${exclusiveWhat} is running: call again when it has finished`;
    const j = active ?? waiting[0];
    if (!j) return "";
    const what = j.trigger === "schedule" ? "a scheduled" : j.trigger === "resume" ? "a resumed" : "a";
    return `${what} verification of ${j.targets.length} archive(s) on ${j.cluster} is ${active ? `running (${j.progress} checked)` : "waiting"}: call again when it has finished`;
  }
  function enqueue(job) {
    const j = { ...job, joined: false };
    waiting.push(j);
    void pump();
    return j;
  }
  async function pump() {
    if (active || exclusiveWhat !== void 0) return;
    const next = waiting.shift();
    if (!next) {
      for (const w of idleWaiters) w();
      idleWaiters = [];
      return;
    }
    active = next;
    try {
      next.resolveDone(await execute(next));
    } catch (err) {
      next.rejectStart(err);
      next.rejectDone(err);
      log.warn(
        `verification on ${next.cluster} stopped: ${err instanceof Error ? err.message : String(err)}`
      );
    } finally {
      active = void 0;
      deps.onChange?.();
      deps.onRunEnd?.();
      void pump();
    }
  }
  async function execute(job) {
    if (stopped) throw new InputError("the add-on is stopping");
    const api = deps.apis.get(job.cluster);
    const dump = job.depth === "full" ? await deps.openDump() : void 0;
    job.resolveStart();
    log.info(
      `verifying ${job.targets.length} archive(s) on ${job.cluster} (${job.depth === "full" ? "full read from the NAS" : "through PVE"}, ${job.trigger})`
    );
    try {
      return await runVerification(
        {
          api,
          ledger: deps.ledger,
          dump,
          bytesPerSec: config.verify.maxBytesPerSec,
          nowMs: deps.nowMs,
          clockMs,
          sleep,
          stopped: () => stopped,
          onResult: (row) => {
            job.progress++;
            if (row.result === "failed") log.warn(`verification of ${row.volid} failed: ${row.message}`);
            deps.onResult?.({ ...row, cluster: job.cluster, trigger: job.trigger });
            deps.onChange?.();
          }
        },
        job.targets,
        job.depth
      );
    } finally {
      dump?.close();
    }
  }
  const self = {
    async request(req) {
      return (await self.requestAll([req]))[0];
    },
    async requestAll(reqs, opts) {
      if (stopped) throw new InputError("the add-on is stopping");
      const prepared = [];
      let firstError;
      for (const r of reqs) {
        try {
          prepared.push(await prepare(r));
        } catch (err) {
          if (!opts?.skipped) throw err;
          firstError ??= err;
          opts.skipped.push({ cluster: r.cluster, reason: err instanceof Error ? err.message : String(err) });
        }
      }
      if (prepared.length === 0 && firstError !== void 0) throw firstError;
      if (reqs.every((r) => r.trigger === "button")) {
        const last = deps.ledger.load().lastVerified;
        const fresh = prepared.every(
          (p) => p.targets.every((t) => {
            const v = last[t.key];
            return v?.volid === t.volid && deps.nowMs() - Date.parse(v.time) < BUTTON_REPEAT_MS;
          })
        );
        if (fresh && !prepared.some((p) => same(p.signature)))
          return prepared.map((p) => {
            p.resolveStart();
            p.resolveDone({
              rows: [],
              alreadyChecked: p.targets.length,
              finished: true,
              ledger: deps.ledger.load()
            });
            return { ...p, joined: true };
          });
      }
      const fromUser = reqs.some((r) => r.trigger === "service" || r.trigger === "button");
      const joins = prepared.map((p) => same(p.signature));
      if (fromUser && (active || waiting.length > 0 || exclusiveWhat !== void 0) && joins.some((j) => j === void 0))
        throw new InputError(describeBusy());
      return prepared.map((p, i) => {
        const existing = joins[i];
        return existing ? { ...existing, joined: true } : enqueue(p);
      });
    },
    busy: () => active && {
      cluster: active.cluster,
      trigger: active.trigger,
      done: active.progress,
      total: active.targets.length
    },
    async resumeInterrupted() {
      const run = deps.ledger.load().run;
      if (!run || run.targets.length === 0) return "none";
      const cluster = clusterOfRun(run, config.clusters);
      const drop = (why) => {
        log.warn(`the interrupted verification cannot resume (${why}): dropped`);
        deps.ledger.save({ ...deps.ledger.load(), run: null });
        return "dropped";
      };
      if (cluster === void 0) return drop("it names no configured cluster");
      const vmids = run.targets.map((t) => t.vmid);
      try {
        const accepted = await self.request({
          cluster,
          selection: { vmids },
          full: run.depth === "full",
          trigger: "resume"
        });
        log.info(
          `resuming the verification a restart interrupted (${run.done.length} of ${vmids.length} checked)`
        );
        accepted.done.catch(() => void 0);
        return "resumed";
      } catch (err) {
        if (err instanceof InputError) return drop(err.message);
        log.warn(
          `the interrupted verification cannot resume now: ${err instanceof Error ? err.message : String(err)}`
        );
        return "later";
      }
    },
    exclusive(what, fn) {
      if (stopped) throw new InputError("the add-on is stopping");
      if (active || waiting.length > 0 || exclusiveWhat !== void 0) throw new InputError(describeBusy());
      exclusiveWhat = what;
      return Promise.resolve().then(fn).finally(() => {
        exclusiveWhat = void 0;
        void pump();
      });
    },
    stop() {
      stopped = true;
      for (const j of waiting.splice(0)) {
        const err = new InputError("the add-on is stopping");
        j.rejectStart(err);
        j.rejectDone(err);
      }
    },
    idle() {
      if (!active && waiting.length === 0 && exclusiveWhat === void 0) return Promise.resolve();
      return new Promise((r) => idleWaiters.push(r));
    }
  };
  return self;
}
function signatureOf(cluster, depth, targets) {
  return JSON.stringify([cluster, depth, targets.map((t) => t.volid)]);
}
function clusterOfRun(run, clusters) {
  const first = run.targets[0];
  if (!first) return void 0;
  const name = first.key.slice(0, first.key.length - String(first.vmid).length - 1);
  return clusters.find((c) => c.name === name)?.name;
}

// src/commands/context.ts
function pickCluster2(ctx) {
  const clusters = ctx.config.clusters;
  const cluster = ctx.cluster ? clusters.find((c) => c.name === ctx.cluster) : clusters.length === 1 ? clusters[0] : void 0;
  if (!cluster) {
    throw new InputError(
      ctx.cluster ? `no cluster named '${ctx.cluster}'; configured: ${clusters.map((c) => c.name).join(", ")}` : `several clusters are configured: choose one with --cluster (${clusters.map((c) => c.name).join(", ")})`
    );
  }
  return { cluster, api: ctx.app.apis.get(cluster.name) };
}
function requireStorage(ctx) {
  if (!ctx.config.storage)
    throw new InputError(
      "no 'storage' in the options: name the PVE storage backups go to (e.g. nas-backups)"
    );
  return ctx.config.storage;
}

// src/commands/verify.ts
function selectionOf(selector) {
  if (selector === void 0) return {};
  return /^\d+$/.test(selector) ? { vmids: [Number(selector)] } : { tier: selector };
}
function selectTargets(config, read, selection, where) {
  const r = selectArchives({ ...read, tiers: config.tiers, ...where }, selection);
  if (r.kind === "error") throw new InputError(r.message);
  return r.targets;
}
async function verifyCommand(ctx, selector, full, deps) {
  const { cluster, api } = pickCluster2(ctx);
  const storage = requireStorage(ctx);
  const clock = deps.clockMs ?? Date.now;
  const sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  if (selector !== void 0 && !/^\d+$/.test(selector) && !ctx.config.tiers.some((t) => t.name.toLowerCase() === selector.toLowerCase()))
    throw new InputError(
      `'${selector}' is neither a vmid nor a tier (tiers: ${ctx.config.tiers.map((x) => x.name).join(", ") || "none"})`
    );
  const targets = selectTargets(
    ctx.config,
    await readArchives(api, cluster.name, storage),
    selectionOf(selector),
    { cluster: cluster.name, storage }
  );
  const depth = full ? "full" : "api";
  let dump;
  if (full) {
    if (!deps.openDump) throw new InputError(FULL_NEEDS_NAS);
    dump = await deps.openDump();
  }
  const ledger = fileLedgerStore(deps.ledgerPath);
  const pending = beginRun(ledger.load(), depth, targets, ctx.nowMs);
  if (pending.resumed && !ctx.json)
    ctx.out(`resuming: ${targets.length - pending.pending.length} of ${targets.length} already checked
`);
  const startedMs = clock();
  let run;
  try {
    run = await runVerification(
      {
        api,
        ledger,
        dump,
        bytesPerSec: ctx.config.verify.maxBytesPerSec,
        nowMs: () => ctx.nowMs + (clock() - startedMs),
        clockMs: clock,
        sleep,
        onResult: (row) => {
          if (!ctx.json)
            ctx.out(
              `${row.vmid} ${row.name}: ${row.result} (${depth}, ${(row.durationMs / 1e3).toFixed(1)} s) ${row.message}
`
            );
        }
      },
      targets,
      depth
    );
  } finally {
    dump?.close();
  }
  const all = targets.map((t) => run.ledger.lastVerified[t.key]);
  if (ctx.json)
    ctx.out(
      `${JSON.stringify({ results: run.rows, lastVerified: Object.fromEntries(targets.map((t) => [t.vmid, run.ledger.lastVerified[t.key] ?? null])) }, null, 2)}
`
    );
  return all.some((v) => v === void 0 || v.result === "failed") ? 1 : 0;
}
function dumpOpener(config, log) {
  const nas = config.haBackups;
  const dumpPath = config.verify.dumpPath;
  if (!nas || !dumpPath) return void 0;
  return async () => {
    const s = await openNas(
      {
        host: nas.host,
        port: nas.port,
        username: nas.username,
        password: nas.password,
        privateKey: nas.privateKey,
        hostKeyFingerprint: nas.hostKeyFingerprint,
        sharePath: dumpPath
      },
      log
    );
    return {
      read: (name, onChunk) => s.read(name, onChunk),
      close: () => s.close(),
      alive: () => s.freeBytes().then(
        () => true,
        () => false
      )
    };
  };
}

// src/usage.ts
var UsageError = class extends InputError {
};
function parseCommandLine(parse) {
  try {
    return parse();
  } catch (err) {
    throw new UsageError(err.message.replace(/\. To specify a positional argument.*$/s, ""));
  }
}

// package.json
var package_default = {
  name: "pve-backup",
  version: "0.1.0",
  description: "Backup control panel for Proxmox VE guests, living in Home Assistant",
  license: "GPL-3.0-or-later",
  type: "module",
  private: true,
  engines: {
    node: ">=20.19"
  },
  bin: {
    "pve-backup": "dist/cli.js"
  },
  scripts: {
    build: "node scripts/build.mjs && node scripts/build-panel.mjs && node scripts/build-card.mjs",
    start: "npm run build && node --max-semi-space-size=2 --max-old-space-size=256 dist/main.js --demo",
    typecheck: "tsc --noEmit && tsc --noEmit -p lovelace",
    lint: "biome check .",
    format: "biome check --write .",
    test: "npm run lint && npm run typecheck && bash scripts/python-env.sh && npm run build && vitest run --coverage && npm run test:panel && npm run test:python && npm run test:ha && npm run test:card",
    bench: "node scripts/build.mjs && node dist/bench/refresh.js",
    soak: "bash scripts/python-env.sh && node scripts/build.mjs && node dist/bench/soak.js",
    "test:python": "bash scripts/python-env.sh && .venv/bin/python -m pytest -q test/python",
    "test:panel": "node scripts/build-panel.mjs && vitest run -c vitest.panel.config.ts",
    "test:ha": "bash scripts/python-env.sh && node scripts/build.mjs && vitest run -c vitest.ha.config.ts",
    "test:card": "bash scripts/python-env.sh && npm run build && vitest run -c vitest.card.config.ts",
    "bench:card": "bash scripts/python-env.sh && npm run build && node dist/bench/card.js",
    "addon:build": "npm run build && node scripts/addon-build.mjs"
  },
  dependencies: {
    express: "^5.3.0",
    "home-assistant-js-websocket": "^9.7.0",
    ssh2: "^1.17.0",
    ws: "^8.23.0",
    zod: "^4.6.7"
  },
  devDependencies: {
    "@biomejs/biome": "^2.6.8",
    "@types/express": "^5.0.6",
    "@types/node": "^20.19.43",
    "@types/ssh2": "^1.15.6",
    "@types/ws": "^8.18.2",
    "@vitest/coverage-v8": "4.1.11",
    ajv: "^8.20.0",
    "csv-parse": "^7.0.3",
    "dockerfile-ast": "^0.7.1",
    "dockerfile-utils": "^0.16.3",
    esbuild: "^0.28.2",
    "ical.js": "^2.2.1",
    lit: "^3.3.3",
    "playwright-core": "^1.65.2",
    selfsigned: "^5.5.0",
    typescript: "5.9",
    undici: "^6.29.1",
    vitest: "4.1.11",
    yaml: "^2.9.1"
  }
};

// src/version.ts
var VERSION = package_default.version;

// src/core/verify-restore.ts
function withLinkDown(guestType, value) {
  const parts = value.split(",").filter((p) => p !== "" && !/^link_down=/.test(p)).map((p) => {
    if (guestType === "lxc") return /^hwaddr=/i.test(p) ? void 0 : p;
    const m = /^([a-z0-9-]+)=([0-9A-F]{2}(:[0-9A-F]{2}){5})$/i.exec(p);
    return m ? m[1] : p;
  }).filter((p) => p !== void 0);
  return [...parts, "link_down=1"].join(",");
}
function planTestRestore(input) {
  if (input.spareVmid === input.ownerVmid)
    return {
      ok: false,
      problem: `the spare VMID ${input.spareVmid} is the guest's own: choose an unused one`
    };
  const kind = input.guestType;
  const nets = Object.fromEntries(input.config.nets.map((n) => [n.key, withLinkDown(kind, n.value)]));
  const guestPath = `/nodes/${input.node}/${kind}/${input.spareVmid}`;
  const common = {
    vmid: input.spareVmid,
    storage: input.targetStorage,
    unique: 1,
    ...input.bwlimitKiB !== void 0 ? { bwlimit: input.bwlimitKiB } : {}
  };
  if (kind === "qemu")
    return {
      ok: true,
      plan: {
        createPath: `/nodes/${input.node}/qemu`,
        // Overrides replace the restored config's keys (PVE 7.2+): links down, no autostart.
        createParams: { ...common, archive: input.volid, onboot: 0, ...nets },
        waitFor: input.config.agent ? "agent" : "running",
        guestPath
      }
    };
  return {
    ok: true,
    plan: {
      createPath: `/nodes/${input.node}/lxc`,
      createParams: { ...common, ostemplate: input.volid, restore: 1, onboot: 0 },
      configAfter: Object.keys(nets).length > 0 ? nets : void 0,
      waitFor: "running",
      guestPath
    }
  };
}
function testRestorePrivileges(p) {
  const vm = `/vms/${p.spareVmid}`;
  return [
    { path: vm, privs: ["VM.Allocate"], why: "create and destroy the test guest" },
    { path: vm, privs: ["VM.PowerMgmt"], why: "start and stop it" },
    {
      path: vm,
      privs: ["VM.Config.Network", "VM.Config.Options"],
      why: "keep its links down and onboot off"
    },
    ...p.guestType === "qemu" ? [{ path: vm, privs: ["VM.GuestAgent.Audit"], why: "ping its QEMU guest agent (PVE 9)" }] : [],
    { path: `/storage/${p.archiveStorage}`, privs: ["Datastore.AllocateSpace"], why: "read the archive" },
    { path: `/vms/${p.ownerVmid}`, privs: ["VM.Backup"], why: "read another guest's archive" },
    {
      path: `/storage/${p.targetStorage}`,
      privs: ["Datastore.AllocateSpace"],
      why: "allocate the restored disks"
    },
    {
      path: "/sdn/zones/localnetwork",
      privs: ["SDN.Use"],
      why: "attach its (downed) network devices to their bridges"
    }
  ];
}
function verifyPrivileges(p) {
  return [
    {
      path: `/storage/${p.archiveStorage}`,
      privs: ["Datastore.AllocateSpace"],
      why: "let PVE read an archive's config"
    },
    { path: "/vms", privs: ["VM.Backup"], why: "read the config of each guest's archive" }
  ];
}
function checkPrivileges(perms, needs) {
  return needs.map((n) => ({ ...n, missing: n.privs.filter((priv) => !hasPrivilege(perms, n.path, priv)) }));
}

// src/service/policy.ts
import { createHash } from "node:crypto";

// src/core/doctor.ts
var CAPABILITIES = [
  "read_guests",
  "see_archives",
  "read_jobs_and_tasks",
  "run_backups",
  "manage_jobs",
  "manage_storage",
  "create_webhooks"
];
var LABEL = {
  read_guests: "read guests",
  see_archives: "see backup archives",
  read_jobs_and_tasks: "read backup jobs and tasks",
  run_backups: "run backups",
  manage_jobs: "manage backup jobs",
  manage_storage: "manage the backup storage",
  create_webhooks: "create webhook notifications"
};
function requirements(cap, storage) {
  const s = `/storage/${storage}`;
  switch (cap) {
    case "read_guests":
      return [[{ path: "/vms", priv: "VM.Audit" }]];
    case "see_archives":
      return [
        [{ path: s, priv: "Datastore.Allocate" }],
        [
          { path: s, priv: "Datastore.AllocateSpace" },
          { path: "/vms", priv: "VM.Backup" }
        ]
      ];
    case "read_jobs_and_tasks":
      return [
        [
          { path: "/", priv: "Sys.Audit" },
          { path: "/nodes", priv: "Sys.Audit" }
        ]
      ];
    case "run_backups":
      return [
        [
          { path: "/vms", priv: "VM.Backup" },
          { path: s, priv: "Datastore.AllocateSpace" }
        ]
      ];
    case "manage_jobs":
      return [
        [
          { path: "/", priv: "Sys.Modify" },
          { path: s, priv: "Datastore.Allocate" }
        ]
      ];
    case "manage_storage":
      return [[{ path: "/storage", priv: "Datastore.Allocate" }]];
    case "create_webhooks":
      return [
        [
          { path: "/mapping/notifications", priv: "Mapping.Modify" },
          { path: "/", priv: "Sys.Audit" },
          { path: "/", priv: "Sys.Modify" }
        ],
        [
          { path: "/mapping/notifications", priv: "Mapping.Modify" },
          { path: "/", priv: "Sys.AccessNetwork" }
        ]
      ];
  }
}
function checkCapabilities(perms, storage) {
  return CAPABILITIES.map((capability) => {
    const alternatives = requirements(capability, storage);
    const ok = alternatives.some((needs) => needs.every((n) => hasPrivilege(perms, n.path, n.priv)));
    const missing = ok ? [] : alternatives[0].filter((n) => !hasPrivilege(perms, n.path, n.priv)).map((n) => `${n.priv} on ${n.path}`);
    return { capability, label: LABEL[capability], ok, missing };
  });
}
function pveumCommands(tokenId, capabilities, storage) {
  const privs = /* @__PURE__ */ new Set();
  for (const cap of capabilities) for (const n of requirements(cap, storage)[0]) privs.add(n.priv);
  const user = tokenId.slice(0, tokenId.indexOf("!"));
  const token = tokenId.slice(tokenId.indexOf("!") + 1);
  const role = "PVEBackupPanel";
  return [
    `pveum role add ${role} --privs "${[...privs].sort().join(",")}"   # or: pveum role modify ${role} --privs "\u2026"`,
    `pveum user add ${user}   # skip if the user exists`,
    `pveum user token add ${user} ${token} --privsep 1   # skip if the token exists; note the secret`,
    `pveum acl modify / --users ${user} --roles ${role}`,
    `pveum acl modify / --tokens '${tokenId}' --roles ${role}`
  ];
}

// src/pve/jobs.ts
async function readPlanInput(api, ctx) {
  const [resources, jobs] = await Promise.all([
    api.get("/cluster/resources").then((d) => Resources.parse(d)),
    api.get("/cluster/backup").then((d) => Jobs.parse(d))
  ]);
  const nodes = toNodes(resources);
  const online = nodes.filter((n) => n.online).map((n) => n.name);
  const sinceSec = Math.floor((ctx.nowMs - 14 * 864e5) / 1e3);
  const [storageLists, taskLists, scheduleErrors] = await Promise.all([
    Promise.all(
      online.map(
        (n) => api.get(`/nodes/${n}/storage`, { content: "backup" }).then((d) => NodeStorages.parse(d).map((r) => toStorageView(n, r)))
      )
    ),
    Promise.all(
      online.map(
        (n) => api.get(`/nodes/${n}/tasks`, { typefilter: "vzdump", since: sinceSec, limit: 1e3 }).then((d) => Tasks.parse(d))
      )
    ),
    validateSchedules(api, ctx.tiers)
  ]);
  const tasks = taskLists.flat().map((t) => ({
    startMs: t.starttime * 1e3,
    endMs: t.endtime === void 0 ? void 0 : t.endtime * 1e3
  }));
  return {
    tiers: ctx.tiers,
    storage: ctx.storage,
    jobs,
    guests: toGuests(resources),
    nodes,
    storages: storageLists.flat(),
    scheduleErrors,
    tierDurationsMs: tierDurations(ctx.tiers, tasks, ctx.timeZone),
    timeZone: ctx.timeZone,
    nowMs: ctx.nowMs
  };
}
async function planCluster(api, ctx) {
  return planJobs(await readPlanInput(api, ctx));
}
async function validateSchedules(api, tiers) {
  const errors = /* @__PURE__ */ new Map();
  await Promise.all(
    tiers.map(async (t) => {
      try {
        await api.get("/cluster/jobs/schedule-analyze", { schedule: t.schedule, iterations: 1 });
      } catch (err) {
        if (err instanceof UpstreamError && err.details.status === 400)
          errors.set(t.name, err.message.replace(/^GET \S+: /, ""));
        else throw err;
      }
    })
  );
  return errors;
}
async function applyPlan(api, plan) {
  const steps = [
    ...plan.create.map((j) => ({
      step: { action: "create", id: j.id },
      run: () => api.post("/cluster/backup", { id: j.id, ...j.fields })
    })),
    ...plan.update.map((u) => ({
      step: { action: "update", id: u.id },
      run: () => api.put(`/cluster/backup/${encodeURIComponent(u.id)}`, updateParams(u.changes, u.desired))
    })),
    ...plan.enable.map((id) => ({
      step: { action: "enable", id },
      run: () => api.put(`/cluster/backup/${encodeURIComponent(id)}`, { enabled: 1 })
    })),
    ...plan.disable.map((id) => ({
      step: { action: "disable", id },
      run: () => api.put(`/cluster/backup/${encodeURIComponent(id)}`, { enabled: 0 })
    }))
  ];
  const applied = [];
  for (const [i, { step, run }] of steps.entries()) {
    try {
      await run();
      applied.push(step);
    } catch (err) {
      const error2 = err instanceof Error ? err.message : String(err);
      return { applied, failed: { ...step, error: error2 }, notApplied: steps.slice(i + 1).map((s) => s.step) };
    }
  }
  return { applied, notApplied: [] };
}
function updateParams(changes, desired) {
  const params = {};
  const drop = [];
  for (const c of changes) {
    if (c.to === null) drop.push(c.field);
    else params[c.field] = c.to;
  }
  if (drop.length > 0) params.delete = drop.join(",");
  const needsStorage = "notes-template" in params || "protected" in params;
  if (needsStorage && params.storage === void 0 && desired.storage !== void 0)
    params.storage = desired.storage;
  return params;
}

// src/service/policy.ts
async function planPolicy(app, req) {
  const storage = requirePolicy(app);
  const out = [];
  for (const { cluster, api } of clustersOf(app, req.cluster)) {
    const plan = await planCluster(api, {
      tiers: app.config.tiers,
      storage,
      timeZone: app.config.timeZone,
      nowMs: req.nowMs
    });
    out.push({
      cluster: cluster.name,
      storage,
      plan,
      blocked: planErrors(plan).length > 0,
      inSync: planIsEmpty(plan),
      fingerprint: planFingerprint(plan)
    });
  }
  return out;
}
var applying = /* @__PURE__ */ new WeakSet();
async function applyPolicy(app, req) {
  if (applying.has(app)) throw new InputError("the policy is being applied already; wait for it to finish");
  applying.add(app);
  try {
    const plans = await planPolicy(app, req);
    if (req.confirmed) {
      const changed = plans.filter((p) => !p.inSync && req.confirmed?.[p.cluster] !== p.fingerprint);
      if (changed.length > 0)
        throw new InputError(
          `the plan for ${changed.map((p) => p.cluster).join(", ")} changed since it was shown; review it again, nothing was applied`
        );
    }
    const out = [];
    for (const p of plans) {
      if (p.blocked || p.inSync) {
        out.push({ cluster: p.cluster, plan: p.plan, applied: null });
        continue;
      }
      const api = app.apis.get(p.cluster);
      out.push({ cluster: p.cluster, plan: p.plan, applied: await applyPlan(api, p.plan) });
    }
    return out;
  } finally {
    applying.delete(app);
  }
}
async function diagnoseToken(app, req) {
  const [{ cluster, api }] = clustersOf(app, req.cluster, true);
  const storage = app.config.storage ?? "local";
  const [perms, jobs] = await Promise.all([
    api.get("/access/permissions").then((d) => PermissionMap.parse(d)),
    api.get("/cluster/backup").then((d) => Jobs.parse(d)).catch(() => [])
  ]);
  const needed = neededCapabilities(app);
  const capabilities = checkCapabilities(perms, storage).map((c) => ({
    ...c,
    needed: needed.includes(c.capability)
  }));
  const missing = capabilities.some((c) => c.needed && !c.ok);
  const mailtoJobs = jobs.filter(
    (j) => typeof j.mailto === "string" && j["notification-mode"] !== "notification-system" && j.enabled !== false
  ).map((j) => j.id);
  return {
    cluster: cluster.name,
    token: cluster.tokenId,
    storage,
    capabilities,
    fix: missing ? pveumCommands(cluster.tokenId, needed, storage) : [],
    mailtoJobs,
    missing
  };
}
function neededCapabilities(app) {
  const manage = app.config.tiers.length > 0;
  return CAPABILITIES.filter((c) => c === "manage_jobs" ? manage : c !== "manage_storage");
}
function requirePolicy(app) {
  if (!app.config.storage)
    throw new InputError(
      "no 'storage' in the options: name the PVE storage backups go to (e.g. nas-backups)"
    );
  if (app.config.tiers.length === 0)
    throw new InputError("no 'tiers' in the options: there is no policy to plan (see README, Options)");
  return app.config.storage;
}
function clustersOf(app, name, single = false) {
  const all = app.config.clusters;
  let chosen = all;
  if (name !== void 0) {
    const c = all.find((x) => x.name === name);
    if (!c)
      throw new InputError(`no cluster named '${name}'; configured: ${all.map((x) => x.name).join(", ")}`);
    chosen = [c];
  } else if (single && all.length !== 1) {
    throw new InputError(
      `several clusters are configured: choose one (${all.map((x) => x.name).join(", ")})`
    );
  }
  return chosen.flatMap((cluster) => {
    const api = app.apis.get(cluster.name);
    return api ? [{ cluster, api }] : [];
  });
}
function planFingerprint(plan) {
  const steps = { c: plan.create, u: plan.update, e: plan.enable, d: plan.disable };
  return createHash("sha256").update(JSON.stringify(steps)).digest("hex").slice(0, 16);
}

// src/core/verify-findings.ts
function consistencyFindings(guests) {
  const out = [];
  for (const g of guests) {
    const who = `${g.vmid}${g.name ? ` (${g.name})` : ""}`;
    if (g.type === "qemu" && g.running && g.backupMode === "snapshot" && g.agentEnabled === false)
      out.push({
        vmid: g.vmid,
        kind: "crash_consistent",
        message: `${who} is backed up in snapshot mode with its QEMU guest agent off: the archive is only crash-consistent (databases must recover on restore). Set agent: 1 and install qemu-guest-agent in the guest`
      });
    if (!g.running && g.archives.length === 0)
      out.push({
        vmid: g.vmid,
        kind: "never_backed_up",
        message: `${who} is stopped and has never been backed up: ${g.backupMode === void 0 ? "add it to a tier" : "its next run will be its first copy"}`
      });
    const kept = g.archives.filter((a) => !a.protected).length;
    const pinned = g.archives.length - kept;
    if (g.promisedCopies !== void 0 && g.archives.length > 0 && kept < g.promisedCopies)
      out.push({
        vmid: g.vmid,
        kind: "fewer_copies",
        message: `${who} has ${kept} of the ${g.promisedCopies} copies its tier promises${pinned > 0 ? ` (plus ${pinned} protected, which do not count)` : ""}`
      });
    if (g.lastVerified?.result === "failed")
      out.push({
        vmid: g.vmid,
        kind: "verification_failed",
        message: `${who}: its newest archive failed verification at ${g.lastVerified.time}: ${g.lastVerified.message}`
      });
    if (g.lastVerified?.result === "failed" && g.archives.length > 0 && !g.archives.some((a) => a.volid !== void 0 && g.verdicts?.[a.volid] === "ok"))
      out.push({
        vmid: g.vmid,
        kind: "no_good_archive",
        message: `${who}: none of its ${g.archives.length} archive(s) is known to restore: the newest failed verification (${g.lastVerified.message}) and none passed. Find out why (the storage, the NAS, the guest's disks), back it up again and verify the new archive`
      });
  }
  return out;
}

// src/verify/findings.ts
var Resources3 = external_exports.array(
  external_exports.looseObject({
    vmid: external_exports.number(),
    name: external_exports.string().optional(),
    type: external_exports.string(),
    status: external_exports.string().optional(),
    node: external_exports.string().optional(),
    template: external_exports.number().optional()
  })
);
var Jobs2 = external_exports.array(
  external_exports.looseObject({
    enabled: external_exports.union([external_exports.number(), external_exports.boolean()]).optional(),
    vmid: external_exports.string().optional(),
    all: external_exports.union([external_exports.number(), external_exports.boolean()]).optional(),
    exclude: external_exports.string().optional(),
    mode: external_exports.string().optional()
  })
);
var Content2 = external_exports.array(
  external_exports.looseObject({ volid: external_exports.string(), protected: external_exports.union([external_exports.number(), external_exports.boolean()]).optional() })
);
var Nodes2 = external_exports.array(external_exports.looseObject({ node: external_exports.string(), status: external_exports.string().optional() }));
var VmConfig = external_exports.looseObject({ agent: external_exports.union([external_exports.string(), external_exports.number()]).optional() });
async function readFindings(api, config, cluster, ledger) {
  const [resources, jobs, nodes] = await Promise.all([
    api.get("/cluster/resources", { type: "vm" }).then((d) => Resources3.parse(d)),
    api.get("/cluster/backup").then((d) => Jobs2.parse(d)),
    api.get("/nodes").then((d) => Nodes2.parse(d))
  ]);
  const online = nodes.find((n) => n.status === "online")?.node;
  const storage = config.storage;
  const archives = /* @__PURE__ */ new Map();
  if (online !== void 0 && storage !== void 0) {
    const rows = Content2.parse(
      await api.get(`/nodes/${online}/storage/${storage}/content`, { content: "backup" })
    );
    for (const r of rows) {
      const v = parseBackupVolid(r.volid);
      const vmid = v?.kind === "file" ? v.name.vmid : v?.vmid;
      if (vmid === void 0) continue;
      const list = archives.get(vmid) ?? [];
      list.push({ protected: r.protected === 1 || r.protected === true, volid: r.volid });
      archives.set(vmid, list);
    }
  }
  const enabled = jobs.filter((j) => j.enabled !== 0 && j.enabled !== false);
  const modeOf = (vmid) => {
    const job = enabled.find(
      (j) => j.all === 1 || j.all === true ? !(j.exclude ?? "").split(",").includes(String(vmid)) : (j.vmid ?? "").split(",").includes(String(vmid))
    );
    if (!job) return void 0;
    return job.mode === "stop" || job.mode === "suspend" ? job.mode : "snapshot";
  };
  const facts = [];
  for (const g of resources) {
    if (g.type !== "qemu" && g.type !== "lxc" || g.template === 1) continue;
    const running = g.status === "running";
    let agentEnabled;
    if (g.type === "qemu" && running && g.node !== void 0) {
      try {
        const c = VmConfig.parse(await api.get(`/nodes/${g.node}/qemu/${g.vmid}/config`));
        agentEnabled = /^(1|enabled=1)\b/.test(String(c.agent ?? "0"));
      } catch {
        agentEnabled = void 0;
      }
    }
    facts.push({
      vmid: g.vmid,
      name: g.name ?? "",
      type: g.type,
      running,
      backupMode: modeOf(g.vmid),
      agentEnabled,
      archives: archives.get(g.vmid) ?? [],
      promisedCopies: config.tiers.find((t) => t.guests.includes(g.vmid))?.keepLast,
      lastVerified: ledger.lastVerified[`${cluster}_${g.vmid}`],
      verdicts: ledger.verdicts?.[`${cluster}_${g.vmid}`]
    });
  }
  return consistencyFindings(facts);
}

// src/pve/panel-reads.ts
async function listGuestArchives(api, storages, vmid) {
  const targets = [];
  const shared = /* @__PURE__ */ new Set();
  for (const s of storages) {
    if (!s.enabled || !s.active) continue;
    if (s.shared) {
      if (shared.has(s.storage)) continue;
      shared.add(s.storage);
      targets.push({ key: s.storage, storage: s.storage, node: s.node });
    } else targets.push({ key: `${s.storage}@${s.node}`, storage: s.storage, node: s.node });
  }
  return Promise.all(
    targets.map(async (t) => {
      const path = `/nodes/${encodeURIComponent(t.node)}/storage/${encodeURIComponent(t.storage)}/content`;
      const archives = [];
      try {
        await api.getEach(path, { content: "backup", vmid }, (raw) => {
          const row = checkContentRow(raw);
          const a = row ? toArchive(row) : void 0;
          if (a && a.vmid === vmid) archives.push(a);
        });
      } catch (err) {
        return { ...t, archives: [], error: describeFailure(err, "storage content") };
      }
      archives.sort((a, b) => b.timeMs - a.timeMs);
      return { ...t, archives };
    })
  );
}
var TASK_LOG_MAX_LINES = 5e3;
async function readTaskLog(api, upid) {
  const parsed = parseUpid(upid);
  if (!parsed) throw new InputError(`'${upid.slice(0, 80)}' is not a PVE task id (UPID:\u2026)`);
  const lines = [];
  let odd = false;
  await api.getEach(
    `/nodes/${encodeURIComponent(parsed.node)}/tasks/${encodeURIComponent(upid)}/log`,
    { start: 0, limit: TASK_LOG_MAX_LINES + 1 },
    (item) => {
      const text = logLineText(item);
      if (text === void 0) odd = true;
      else lines.push(text);
    }
  );
  if (odd) throw new UpstreamError("unexpected answer from PVE for task log", { retryable: true });
  const truncated = lines.length > TASK_LOG_MAX_LINES;
  return {
    upid,
    node: parsed.node,
    lines: truncated ? lines.slice(0, TASK_LOG_MAX_LINES) : lines,
    truncated
  };
}
var SPAN_START_RE = /^INFO: Starting Backup of VM (\d+) /;
var SPAN_AT_RE = /^INFO: Backup started at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)$/;
var SPAN_END_RE = /^INFO: (?:Backup finished|Failed) at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)$/;
var TASK_END_RE = /^TASK (?:OK|WARNINGS: \d+|ERROR: ?.*)$/;
function guestSpansOfLog(lines, timeZone, taskEndMs) {
  const spans = [];
  let current;
  for (const raw of lines) {
    const line = raw.trimEnd();
    const start = SPAN_START_RE.exec(line);
    if (start) {
      current = { vmid: Number(start[1]) };
      spans.push(current);
      continue;
    }
    if (!current) continue;
    const at = SPAN_AT_RE.exec(line);
    if (at) {
      current.startMs = localToMs(at[1], timeZone);
      continue;
    }
    const end = SPAN_END_RE.exec(line);
    if (end) {
      current.endMs = localToMs(end[1], timeZone);
      current = void 0;
    }
  }
  const out = [];
  spans.forEach((s, i) => {
    if (s.startMs === void 0) return;
    const next = spans.slice(i + 1).find((n) => n.startMs !== void 0)?.startMs;
    const endMs = s.endMs ?? next ?? taskEndMs;
    out.push({ vmid: s.vmid, startMs: s.startMs, endMs: endMs ?? null });
  });
  return out;
}
var taskLogEnded = (lines) => lines.some((l) => TASK_END_RE.test(l.trimEnd()));
function localToMs(wall, timeZone) {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(wall);
  if (!m) return void 0;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const wallMs2 = Date.UTC(y, mo - 1, d, h, mi, s);
  let guess = wallMs2;
  for (let i = 0; i < 2; i++) {
    const w = wallClockAt(guess, timeZone);
    if (!w) return void 0;
    guess += wallMs2 - Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  }
  return guess;
}

// src/service/panel.ts
var iso3 = (ms) => new Date(ms).toISOString();
function panelOverview(app, nowMs) {
  const reports = app.monitor.latest();
  const status = toStatusJson(reports);
  const jobsOf = new Map(reports.flatMap((r) => r.guests.map((g) => [`${g.cluster}/${g.vmid}`, g.jobs])));
  const attempts = [];
  for (const c of app.config.clusters) {
    const facts = app.monitor.facts(c.name);
    if (!facts?.reachable) continue;
    for (const a of facts.attempts)
      attempts.push({
        cluster: c.name,
        vmid: a.vmid,
        upid: a.upid,
        node: a.node,
        start: iso3(a.startMs),
        end: a.endMs === void 0 ? null : iso3(a.endMs),
        outcome: a.outcome,
        error: a.error ?? null,
        sizeBytes: a.sizeBytes ?? null
      });
  }
  attempts.sort((a, b) => a.start.localeCompare(b.start) || a.vmid - b.vmid);
  return {
    now: iso3(nowMs),
    timeZone: app.config.timeZone,
    storage: app.config.storage ?? null,
    tiers: app.config.tiers.map((t) => ({
      name: t.name,
      schedule: t.schedule,
      keepLast: t.keepLast,
      guests: t.guests
    })),
    clusters: status.clusters,
    guests: status.guests.map((g) => ({ ...g, jobs: jobsOf.get(`${g.cluster}/${g.vmid}`) ?? [] })),
    attempts,
    ready: reports.length > 0
  };
}
async function guestArchives(app, cluster, vmid) {
  if (!Number.isInteger(vmid) || vmid < 1 || vmid > 999999999)
    throw new InputError(`'${vmid}' is not a guest id (a vmid such as 100)`);
  const { api, facts } = clusterOf(app, cluster);
  if (!facts?.reachable)
    throw new InputError(`cluster ${cluster} has not been read yet (or is unreachable); try again shortly`);
  const listed = await listGuestArchives(api, facts.storages, vmid);
  return listed.map(
    (s) => s.error || s.archives.length > 0 || canSeeBackups(facts.permissions, s.storage, vmid) ? s : {
      ...s,
      error: `the token may not see backups on '${s.storage}' (PVE then lists none): grant Datastore.Allocate on /storage/${s.storage}, or Datastore.AllocateSpace there and VM.Backup on /vms/${vmid}`
    }
  );
}
async function taskLog(app, cluster, upid) {
  return readTaskLog(clusterOf(app, cluster).api, upid);
}
function clusterOf(app, name) {
  const api = app.apis.get(name);
  if (!api) throw new InputError(`no cluster named '${String(name).slice(0, 40)}'`);
  return { api, facts: app.monitor.facts(name) };
}
async function taskGuests(app, cluster, upid) {
  const { api, facts } = clusterOf(app, cluster);
  const log = await readTaskLog(api, upid);
  const ended = taskLogEnded(log.lines);
  const attempt = facts?.reachable ? facts.attempts.find((a) => a.upid === upid) : void 0;
  const taskEnd = ended ? attempt?.endMs ?? null : null;
  return {
    upid,
    ended,
    guests: guestSpansOfLog(log.lines, app.config.timeZone, taskEnd).map((s) => ({
      vmid: s.vmid,
      start: iso3(s.startMs),
      end: s.endMs === null ? null : iso3(s.endMs)
    }))
  };
}

// src/dsm/view.ts
import { lookup } from "node:dns/promises";

// src/core/capacity.ts
var WEEK_MS = 7 * 864e5;
var DAY_MS3 = 864e5;
function assessCapacity(input) {
  const byGuest = /* @__PURE__ */ new Map();
  for (const a of input.archives) byGuest.set(a.vmid, [...byGuest.get(a.vmid) ?? [], a]);
  let backupBytes = 0;
  let steadyBytes = 0;
  let growth = 0;
  for (const [vmid, list] of byGuest) {
    list.sort((a, b) => a.timeMs - b.timeMs);
    const keep = input.keepOf(vmid) ?? list.length;
    backupBytes += list.reduce((sum, a) => sum + a.sizeBytes, 0);
    steadyBytes += keep * list[list.length - 1].sizeBytes;
    growth += keep * slopePerWeek(list);
  }
  const pending = Math.max(0, steadyBytes - backupBytes);
  const room = input.freeBytes - pending;
  const fillMs = room <= 0 ? input.nowMs : growth > 0 ? input.nowMs + Math.round(room / growth * WEEK_MS) : null;
  const problems = [];
  if (input.freeBytes < input.minFreeBytes)
    problems.push(
      `the NAS share has ${formatGb(input.freeBytes)} free, under the ${formatGb(input.minFreeBytes)} set in nas.min_free_gb: free space or lower keep_last`
    );
  if (fillMs !== null && fillMs - input.nowMs <= input.warnDays * DAY_MS3)
    problems.push(
      `at the current policy the NAS share fills within ${Math.max(0, Math.ceil((fillMs - input.nowMs) / DAY_MS3))} days (nas.fill_warn_days is ${input.warnDays}): free space, lower keep_last or move guests to a weekly tier`
    );
  return {
    freeBytes: input.freeBytes,
    totalBytes: input.totalBytes,
    backupBytes,
    steadyBytes,
    growthBytesPerWeek: Math.round(growth),
    fillMs,
    problems
  };
}
function slopePerWeek(list) {
  const first = list[0];
  const last = list[list.length - 1];
  if (last.timeMs - first.timeMs < DAY_MS3) return 0;
  const n = list.length;
  const mx = list.reduce((s, a) => s + a.timeMs, 0) / n;
  const my = list.reduce((s, a) => s + a.sizeBytes, 0) / n;
  let num = 0;
  let den = 0;
  for (const a of list) {
    num += (a.timeMs - mx) * (a.sizeBytes - my);
    den += (a.timeMs - mx) ** 2;
  }
  return num / den * WEEK_MS;
}
var formatGb = (bytes) => `${(bytes / 1e9).toFixed(1)} GB`;

// src/dsm/view.ts
var RESOLVE_TIMEOUT_MS = 3e3;
async function resolveHost(host) {
  let timer;
  try {
    return await Promise.race([
      lookup(host.replace(/^\[|\]$/g, ""), { all: true }).then((list) => list.map((a) => a.address)),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve([]), RESOLVE_TIMEOUT_MS);
      })
    ]);
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
}
async function placementOf(deps, server, exportPath) {
  const nasNames = [new URL(deps.nas.baseUrl).hostname, ...deps.nas.nfsServers];
  const base = { cluster: deps.cluster, storage: deps.storage, server, export: exportPath, nasNames };
  const byName = placeStorage({ ...base, nasAddresses: [], serverAddresses: [] });
  if (byName.onNas || server === null || exportPath === null) return byName;
  const resolve = deps.resolve ?? resolveHost;
  const [nasAddresses, serverAddresses] = await Promise.all([
    Promise.all(nasNames.map(resolve)).then((l) => l.flat()),
    resolve(server)
  ]);
  return placeStorage({ ...base, nasAddresses, serverAddresses });
}
async function readNasView(deps) {
  const facts = deps.facts?.reachable ? deps.facts : void 0;
  const findings = [];
  let server = null;
  let exportPath = null;
  try {
    const config = await readStorageConfig(deps.api, deps.storage);
    server = config?.server ?? null;
    exportPath = config?.export ?? null;
  } catch (err) {
    findings.push(
      unknown(
        deps.storage,
        `cannot read the configuration of storage '${deps.storage}': ${describeFailure(err, "storage config")}`
      )
    );
  }
  const archives = facts ? await listArchives(deps.api, facts, findings) : [];
  const placement = await placementOf(deps, server, exportPath);
  const onNas = placement.onNas && exportPath !== null;
  const dump = onNas ? `${exportPath.replace(/\/+$/, "")}/dump` : null;
  if (!placement.onNas && (exportPath !== null || findings.length === 0))
    findings.push(unknown(deps.storage, placement.reason));
  let tasks = null;
  let error2 = null;
  let hyperBackup = "unknown";
  let space;
  try {
    tasks = await deps.dsm.hyperBackupTasks();
    hyperBackup = tasks === null ? "not_installed" : "installed";
  } catch (err) {
    error2 = err instanceof Error ? err.message : String(err);
  }
  if (onNas && exportPath !== null && !/fingerprint mismatch/.test(error2 ?? ""))
    try {
      space = await deps.dsm.shareSpace(exportPath);
      if (!space)
        findings.push(
          unknown(
            exportPath,
            `no share the NAS user can see in File Station holds ${exportPath}: its free space is unknown`
          )
        );
    } catch (err) {
      findings.push(
        unknown(
          exportPath,
          `the free space of ${exportPath} could not be read: ${err instanceof Error ? err.message : String(err)}`
        )
      );
    }
  if (error2 !== null) findings.push(unknown(deps.nas.baseUrl, `the NAS could not be read: ${error2}`));
  else if (tasks === null)
    findings.push({
      kind: "no_task",
      folder: dump ?? deps.storage,
      task: null,
      message: "Hyper Backup is not installed on the NAS: nothing is copied off it; install it in Package Center and add a task"
    });
  const nasArchives = onNas ? archives.filter((a) => a.storage === deps.storage) : [];
  const newestMs = nasArchives.reduce(
    (m, a) => m === null || a.timeMs > m ? a.timeMs : m,
    null
  );
  const watched = [
    ...dump ? [{ label: "PVE archives", path: dump, newestMs }] : [],
    ...deps.haBackupsPath ? [{ label: "Home Assistant backups", path: deps.haBackupsPath, newestMs: null }] : []
  ];
  const coverage = tasks === null ? [] : assessCoverage(tasks, watched, deps.nowMs);
  for (const c of coverage) if (c.finding) findings.push(c.finding);
  const dumpCoverage = error2 !== null || !onNas ? null : tasks === null ? noCoverage(dump ?? "") : coverage.find((c) => c.folder === dump) ?? null;
  const vmids = facts ? facts.guests.map((g) => g.vmid) : [];
  const copies = guestCopies(
    vmids,
    archives,
    onNas ? deps.storage : null,
    dumpCoverage,
    placement.onNas ? void 0 : placement.reason
  );
  const capacity = space ? {
    share: space.share,
    ...assessCapacity({
      freeBytes: space.freeBytes,
      totalBytes: space.totalBytes,
      archives: nasArchives,
      keepOf: deps.keepOf,
      nowMs: deps.nowMs,
      minFreeBytes: deps.nas.minFreeBytes,
      warnDays: deps.nas.fillWarnDays
    })
  } : null;
  for (const message of capacity?.problems ?? [])
    findings.push({ kind: "capacity", folder: capacity?.share ?? "", task: null, message });
  return {
    url: deps.nas.baseUrl,
    error: error2,
    tasks: tasks === null ? null : tasks.map((t) => ({ ...t, health: taskHealth(t) })),
    hyperBackup,
    storage: { id: deps.storage, server, export: exportPath },
    placement,
    coverage,
    capacity,
    findings,
    copies
  };
}
var unknown = (folder, message) => ({
  kind: "unknown",
  folder,
  task: null,
  message
});
var noCoverage = (folder) => ({
  label: "PVE archives",
  folder,
  task: null,
  lastSuccessMs: null,
  nextRunMs: null,
  covered: "no",
  finding: null
});
async function listArchives(api, facts, findings) {
  const seen = /* @__PURE__ */ new Set();
  const out = [];
  for (const s of facts.storages) {
    const key = s.shared ? s.storage : `${s.storage}@${s.node}`;
    if (!s.enabled || !s.active || seen.has(key)) continue;
    seen.add(key);
    const path = `/nodes/${encodeURIComponent(s.node)}/storage/${encodeURIComponent(s.storage)}/content`;
    try {
      await api.getEach(path, { content: "backup" }, (raw) => {
        const row = checkContentRow(raw);
        const a = row ? toArchive(row) : void 0;
        if (a) out.push(a);
      });
    } catch (err) {
      findings.push(
        unknown(
          s.storage,
          `cannot list storage '${s.storage}' on ${s.node}: ${describeFailure(err, "storage content")}`
        )
      );
    }
  }
  return out;
}
async function readNasViews(deps) {
  const dsm = onceEach(deps.dsm);
  const out = [];
  for (const c of deps.clusters)
    out.push({ cluster: c.cluster, view: await readNasView({ ...deps, ...c, dsm }) });
  return out;
}
function onceEach(dsm) {
  let tasks;
  const spaces = /* @__PURE__ */ new Map();
  return {
    hyperBackupTasks: () => {
      tasks ??= dsm.hyperBackupTasks();
      return tasks;
    },
    shareSpace: (path) => {
      const known = spaces.get(path) ?? dsm.shareSpace(path);
      spaces.set(path, known);
      return known;
    },
    runTask: (id) => dsm.runTask(id),
    close: () => dsm.close()
  };
}

// src/verify/test-restore.ts
var Resources4 = external_exports.array(
  external_exports.looseObject({ vmid: external_exports.number().optional(), name: external_exports.string().optional(), node: external_exports.string().optional() })
);
async function guestOnVmid(api, vmid) {
  return Resources4.parse(await api.get("/cluster/resources", { type: "vm" })).find((r) => r.vmid === vmid);
}
var TEST_COPY_NAME_PREFIX = "pve-backup-test-restore-";
function testCopyName(ownerVmid) {
  return `${TEST_COPY_NAME_PREFIX}${ownerVmid}`;
}
var Status = external_exports.looseObject({ status: external_exports.string(), lock: external_exports.string().optional() });
async function runTestRestore(deps, req) {
  const { api } = deps;
  const startMs = deps.nowMs();
  const steps = [];
  const pollMs = req.pollMs ?? 2e3;
  if (await guestOnVmid(api, req.spareVmid))
    throw new InputError(
      `VMID ${req.spareVmid} is in use: a test restore needs a spare VMID nothing else has (nothing was changed)`
    );
  const configText = external_exports.string().parse(await api.get(`/nodes/${req.node}/vzdump/extractconfig`, { volume: req.volid }));
  const planned = planTestRestore({ ...req, config: parseExtractedConfig(configText) });
  if (!planned.ok) throw new InputError(planned.problem);
  const { plan } = planned;
  const follow = async (upid, what) => {
    const end = await followTask(deps, upid, () => {
    }, { intervalMs: pollMs, maxIntervalMs: pollMs * 4 });
    steps.push(`${what}: ${end.exitStatus ?? "?"}`);
    if (end.exitStatus !== "OK")
      throw new UpstreamError(`${what} failed: ${end.exitStatus}`, { retryable: false });
  };
  let created = false;
  let failure;
  let timeToRestoreMs;
  try {
    const marker = { [req.guestType === "qemu" ? "name" : "hostname"]: testCopyName(req.ownerVmid) };
    const upid = external_exports.string().parse(await api.post(plan.createPath, { ...plan.createParams, ...marker }));
    created = true;
    await follow(upid, `restore ${req.volid} to ${req.spareVmid}`);
    if (plan.configAfter) {
      await api.put(`${plan.guestPath}/config`, plan.configAfter);
      steps.push("network links down");
    }
    await follow(external_exports.string().parse(await api.post(`${plan.guestPath}/status/start`)), "start");
    const deadline = deps.nowMs() + req.bootTimeoutMs;
    for (; ; ) {
      const up = plan.waitFor === "agent" ? await api.post(`${plan.guestPath}/agent/ping`).then(
        () => true,
        () => false
      ) : Status.parse(await api.get(`${plan.guestPath}/status/current`)).status === "running";
      if (up) break;
      if (deps.nowMs() >= deadline)
        throw new UpstreamError(
          `${plan.waitFor === "agent" ? "the QEMU guest agent did not answer" : "the container did not run"} within ${Math.round(req.bootTimeoutMs / 1e3)} s of start`,
          { retryable: false }
        );
      await deps.sleep(pollMs);
    }
    timeToRestoreMs = deps.nowMs() - startMs;
    steps.push(plan.waitFor === "agent" ? "guest agent answered" : "container running");
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
    steps.push(`failed: ${failure}`);
  }
  const cleanup = created ? await destroy(deps, plan.guestPath, req, steps, pollMs) : void 0;
  const durationMs = deps.nowMs() - startMs;
  const cleanedUp = cleanup === void 0;
  const tail = cleanedUp ? "" : `; the copy ${req.spareVmid} could not be removed: ${cleanup}`;
  if (failure !== void 0)
    return {
      result: "failed",
      message: `test restore failed: ${failure}${tail}`,
      durationMs,
      steps,
      cleanedUp
    };
  return {
    result: cleanedUp ? "ok" : "failed",
    message: `restored and ${plan.waitFor === "agent" ? "the guest agent answered" : "the container ran"} after ${Math.round(timeToRestoreMs / 1e3)} s${tail}`,
    timeToRestoreMs,
    durationMs,
    steps,
    cleanedUp
  };
}
async function destroy(deps, guestPath, req, steps, pollMs) {
  const { api } = deps;
  const follow = async (upid, what) => {
    const end = await followTask(deps, external_exports.string().parse(upid), () => {
    }, {
      intervalMs: pollMs,
      maxIntervalMs: pollMs * 4
    });
    steps.push(`${what}: ${end.exitStatus ?? "?"}`);
    if (end.exitStatus !== "OK") throw new Error(`${what} failed: ${end.exitStatus}`);
  };
  try {
    let status = Status.parse(await api.get(`${guestPath}/status/current`));
    for (let i = 0; status.lock !== void 0 && i < 10; i++) {
      await deps.sleep(pollMs);
      status = Status.parse(await api.get(`${guestPath}/status/current`));
    }
    if (status.lock !== void 0)
      throw new Error(
        `it stays locked (${status.lock}); on the node: ${req.guestType === "qemu" ? "qm" : "pct"} unlock ${req.spareVmid} && ${req.guestType === "qemu" ? "qm destroy" : "pct destroy"} ${req.spareVmid} --purge --destroy-unreferenced-disks`
      );
    if (status.status === "running") await follow(await api.post(`${guestPath}/status/stop`), "stop");
    await follow(
      await api.delete(guestPath, {
        purge: 1,
        "destroy-unreferenced-disks": 1,
        ...req.guestType === "lxc" ? { force: 1 } : {}
      }),
      `destroy ${req.spareVmid} with its disks`
    );
    return await guestOnVmid(api, req.spareVmid) ? `VMID ${req.spareVmid} is still listed after its destroy` : void 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    deps.log.warn(`test restore: cleaning up ${req.spareVmid} failed: ${message}`);
    steps.push(`cleanup failed: ${message}`);
    return message;
  }
}
async function removeLeftoverCopy(deps, req) {
  const row = await guestOnVmid(deps.api, req.spareVmid);
  if (!row) return { kind: "none" };
  if (!row.name?.startsWith(TEST_COPY_NAME_PREFIX) || row.node === void 0 || row.type !== req.guestType)
    return { kind: "not_ours", name: row.name };
  const steps = [];
  const failed = await destroy(
    deps,
    `/nodes/${row.node}/${req.guestType}/${req.spareVmid}`,
    req,
    steps,
    req.pollMs ?? 2e3
  );
  return failed === void 0 ? { kind: "removed", steps } : { kind: "failed", message: failed };
}

export {
  parseUpid,
  checkStorage,
  readStorageConfig,
  createNfsStorage,
  ADDON_OPTIONS_PATH,
  loadConfig,
  createApp,
  toCopiesJson,
  toNasJsonAll,
  nasExitCode,
  renderNasText,
  terminalSafe,
  toNasEntities,
  statusWithNas,
  haTargetFromEnv,
  HaCommandError,
  HA_CALL_TIMEOUT_MS,
  connectToHa,
  wsPortOf,
  createSupervisorClient,
  haBackupCommand,
  busyFromTiers,
  connectHaBackupDeps,
  haBackupDepsFor,
  writeJsonFile,
  haBackupStatePath,
  loadHaBackupState,
  createHaBackupWatch,
  DEFAULT_CALENDAR_DAYS,
  hyperBackupRuns,
  calendarEventsFor,
  calendarCommand,
  haNextAutomaticFor,
  msOf,
  testRestorePrivileges,
  verifyPrivileges,
  checkPrivileges,
  EMPTY_LEDGER,
  recordTestRestore,
  checkCapabilities,
  pveumCommands,
  planPolicy,
  applyPolicy,
  diagnoseToken,
  readFindings,
  pickCluster2 as pickCluster,
  requireStorage,
  dsmClientFor,
  toStatusJson,
  withHaBackups,
  statusExitCode,
  renderStatusTable,
  panelOverview,
  guestArchives,
  taskLog,
  taskGuests,
  readNasViews,
  createAlertService,
  withAlertInfo,
  alertOptionsOf,
  savedAlertInfo,
  DEFAULT_LIMITS,
  createGuardedServer,
  ListenError,
  listen,
  allowOnly,
  WEBHOOK_PATH,
  startWebhookServer,
  ledgerPathBeside,
  loadLedger,
  saveLedger,
  fileLedgerStore,
  memoryLedgerStore,
  readArchives,
  guestOnVmid,
  runTestRestore,
  removeLeftoverCopy,
  verificationEvent,
  createVerifyService,
  verifyCommand,
  dumpOpener,
  UsageError,
  parseCommandLine,
  VERSION
};
//# sourceMappingURL=chunk-MKJ7W3GN.js.map
