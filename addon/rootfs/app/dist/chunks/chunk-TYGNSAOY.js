#!/usr/bin/env node
import { createRequire as __pvebCreateRequire } from 'node:module';
const require = __pvebCreateRequire(import.meta.url); const __dirname = import.meta.dirname;
import {
  NasError,
  chooseBackupMinute,
  formatMinute,
  openNas,
  pveBusyWindows,
  verifyHaBackup
} from "./chunk-PWZW2LHD.js";
import {
  createMonitor,
  policyFromConfig
} from "./chunk-QUN7JRF4.js";
import {
  Jobs,
  LogLines,
  NodeStorages,
  OUTCOME_UNKNOWN_STATUS,
  PermissionMap,
  Resources,
  Tasks,
  createPveApi,
  createPveReader,
  formatWall,
  hasPrivilege,
  isProblem,
  parseOptions,
  parseTaskLog,
  toGuests,
  toNodes,
  toStorageView
} from "./chunk-VUTXPP47.js";
import {
  planErrors,
  planIsEmpty,
  planJobs,
  tierDurations
} from "./chunk-EYQYODDA.js";
import {
  parseCalendarEvent
} from "./chunk-ZT2EAVEW.js";
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
  const unknown = request2.tiers.find((name) => !input.tiers.some((t) => t.name === name));
  if (unknown !== void 0)
    return {
      ok: false,
      error: `unknown tier '${unknown}'; tiers are: ${input.tiers.map((t) => t.name).join(", ") || "(none configured)"}`
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
      params["notes-template"] = "{{guestname}}";
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
  if (opts.verify !== false && newest) {
    const config = await deps.ha.config();
    const there = info.backups.filter((b) => nasAgent && b.agents[nasAgent]);
    verification = await verifyOnNas(deps, newest, {
      retentionCopies: config.retentionCopies,
      previousSha256: opts.recordedSha256?.[newest.backupId],
      listedByHa: {
        all: there.length,
        automatic: there.filter((b) => b.withAutomaticSettings === true).length
      }
    });
    if (verification.result !== "ok") {
      const line = `Home Assistant backup ${newest.backupId} on the NAS: ${verification.problems.join("; ")}`;
      problems.push(line);
      deps.log.error(line);
      deps.emit?.("pve_backup_ha_verification_failed", {
        backup_id: newest.backupId,
        problems: verification.problems
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
      result: v.verdict.kind,
      problems: v.verdict.kind === "failed" ? v.verdict.problems : [],
      notes: v.verdict.notes,
      fileName: v.fileName,
      sha256: v.facts.sha256 || void 0,
      copiesOnShare: v.copiesOnShare,
      freeBytes: v.freeBytes,
      readBytes: v.facts.readBytes,
      durationMs: Date.now() - started
    };
  } catch (err) {
    if (err instanceof NasError) return { result: "error", problems: [err.message], failure: err.failure };
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
  const report = await runHaBackup(deps, cfg, {
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
      openNas: () => openNas(nasTargetOf(cfg), log),
      log
    },
    close: () => link.close()
  };
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
function haBackupService(deps, cfg, busy) {
  let running;
  return (data) => {
    if (running) return running;
    const run = runHaBackup(deps, cfg, {
      backupNow: data.backup !== false,
      configure: data.configure === true,
      verify: data.verify !== false,
      name: typeof data.name === "string" && data.name !== "" ? data.name : void 0,
      busy
    });
    running = run.finally(() => {
      running = void 0;
    });
    return running;
  };
}
function haBackupServiceFor(config, connection, log, fire) {
  const cfg = config.haBackups;
  if (!cfg) return void 0;
  const env = process.env;
  return haBackupService(
    {
      ha: createHaBackupsApi(connection),
      supervisor: env.SUPERVISOR_TOKEN ? createSupervisorClient({
        baseUrl: env.SUPERVISOR_URL ?? "http://supervisor",
        token: env.SUPERVISOR_TOKEN
      }) : void 0,
      openNas: () => openNas(nasTargetOf(cfg), log),
      log,
      emit: (type, data) => void fire(type, data)?.catch(
        (err) => log.warn(`could not fire ${type}: ${err instanceof Error ? err.message : String(err)}`)
      )
    },
    cfg,
    busyFromTiers(config.tiers)
  );
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
    test: "npm run lint && npm run typecheck && npm run build && vitest run --coverage && npm run test:panel && npm run test:python && npm run test:ha && npm run test:card",
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
    "dockerfile-ast": "^0.7.1",
    "dockerfile-utils": "^0.16.3",
    esbuild: "^0.28.2",
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

// src/report.ts
var iso = (ms) => new Date(ms).toISOString();
function toStatusJson(reports) {
  return {
    guests: reports.flatMap((r) => r.guests.map(toGuestJson)),
    clusters: reports.map((r) => ({ cluster: r.cluster, reachable: r.reachable, problems: r.problems }))
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
      time: iso(g.lastBackup.timeMs),
      volid: g.lastBackup.volid,
      storage: g.lastBackup.storage,
      size: g.lastBackup.sizeBytes
    } : null,
    lastAttempt: g.lastAttempt ? {
      time: iso(g.lastAttempt.startMs),
      end: g.lastAttempt.endMs === void 0 ? null : iso(g.lastAttempt.endMs),
      upid: g.lastAttempt.upid,
      outcome: g.lastAttempt.outcome,
      error: g.lastAttempt.error ?? null
    } : null,
    expectedBy: g.expectedByMs === null ? null : iso(g.expectedByMs),
    reason: g.reason
  };
}
function statusExitCode(reports) {
  const guests = reports.flatMap((r) => r.guests);
  if (guests.some((g) => isProblem(g.status))) return 1;
  if (reports.some((r) => !r.reachable || r.problems.length > 0) || guests.some((g) => g.status === "unknown"))
    return 2;
  return 0;
}
function renderStatusTable(reports, timeZone, clusters = []) {
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
  return `${out.join("\n")}
`;
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

export {
  parseUpid,
  ADDON_OPTIONS_PATH,
  loadConfig,
  createApp,
  planPolicy,
  applyPolicy,
  diagnoseToken,
  haTargetFromEnv,
  HaCommandError,
  HA_CALL_TIMEOUT_MS,
  connectToHa,
  wsPortOf,
  createSupervisorClient,
  haBackupCommand,
  busyFromTiers,
  connectHaBackupDeps,
  haBackupServiceFor,
  DEFAULT_LIMITS,
  createGuardedServer,
  ListenError,
  listen,
  allowOnly,
  WEBHOOK_PATH,
  startWebhookServer,
  toStatusJson,
  statusExitCode,
  renderStatusTable,
  UsageError,
  parseCommandLine,
  VERSION
};
//# sourceMappingURL=chunk-TYGNSAOY.js.map
