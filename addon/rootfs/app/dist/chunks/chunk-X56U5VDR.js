#!/usr/bin/env node
import { createRequire as __pvebCreateRequire } from 'node:module';
const require = __pvebCreateRequire(import.meta.url);
import {
  createMonitor,
  formatWall,
  isProblem,
  policyFromConfig
} from "./chunk-WE4PQ5I2.js";
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
  hasPrivilege,
  parseOptions,
  parseTaskLog,
  toGuests,
  toNodes,
  toStorageView
} from "./chunk-WA6DBSGN.js";
import {
  planErrors,
  planIsEmpty,
  planJobs,
  tierDurations
} from "./chunk-MEHIAMJT.js";
import {
  ConfigError,
  InputError,
  UpstreamError
} from "./chunk-WA7CX4TT.js";
import {
  external_exports
} from "./chunk-IESBVE27.js";

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
function requestedVmids(request, tiers) {
  const wanted = new Set(request.vmids);
  for (const name of request.tiers)
    for (const v of tiers.find((t) => t.name === name)?.guests ?? []) wanted.add(v);
  return [...wanted].sort((a, b) => a - b);
}
function planBackupNow(input) {
  const { request } = input;
  const unknown = request.tiers.find((name) => !input.tiers.some((t) => t.name === name));
  if (unknown !== void 0)
    return {
      ok: false,
      error: `unknown tier '${unknown}'; tiers are: ${input.tiers.map((t) => t.name).join(", ") || "(none configured)"}`
    };
  const wanted = requestedVmids(request, input.tiers);
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
    readers.set(cluster.name, createPveReader({ cluster: cluster.name, api, log }));
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
    ws: "^8.23.0",
    zod: "^4.6.7"
  },
  devDependencies: {
    "@biomejs/biome": "^2.6.8",
    "@types/express": "^5.0.6",
    "@types/node": "^20.19.43",
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
      const error = err instanceof Error ? err.message : String(err);
      return { applied, failed: { ...step, error }, notApplied: steps.slice(i + 1).map((s) => s.step) };
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
//# sourceMappingURL=chunk-X56U5VDR.js.map
