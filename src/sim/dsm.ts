import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { wallTimeOf } from "./local-time.js";

/**
 * A Synology DSM 7 stand-in (reference synology-dsm.md), served over HTTPS on loopback:
 * `SYNO.API.Info` discovery, `SYNO.API.Auth` login/logout with a session id and a SynoToken
 * (every other call without the token answers 119, like DSM), `SYNO.Backup.Task` v1 only
 * (`list`, `status`, `get`, `backup`; v2 answers 103; 102 without Hyper Backup installed) with
 * its times as `YYYY/MM/DD HH:MM` strings in the NAS's zone, and File Station `list_share` with
 * `real_path` and `volume_status`. Parameters of the JSON-format APIs are JSON literals. Errors
 * come as `{success:false,error:{code}}` with HTTP 200.
 */

export interface SimDsmUser {
  readonly account: string;
  readonly password: string;
  readonly admin: boolean;
  /** The account has two-factor login on: a login without this device id answers 403. */
  readonly deviceId?: string;
}

/** A Hyper Backup task; times in epoch ms (null = none), rendered as DSM's local-time strings. */
export interface SimHyperBackupTask {
  task_id: number;
  name: string;
  state: string;
  status: string;
  last_bkp_result: string;
  last_bkp_error: string;
  lastRunMs: number | null;
  lastEndMs: number | null;
  lastSuccessMs: number | null;
  nextRunMs: number | null;
  type: string;
  /** Absolute folder paths (`fullPath`). */
  folders: string[];
  excludes?: string[];
}

export interface SimDsmShare {
  readonly name: string;
  readonly realPath: string;
  freeBytes: number;
  totalBytes: number;
}

export interface SimDsmOptions {
  readonly cert: string;
  readonly key: string;
  readonly timeZone: string;
  readonly users: readonly SimDsmUser[];
  readonly shares: readonly SimDsmShare[];
  readonly tasks?: readonly SimHyperBackupTask[];
  /** False: the Hyper Backup package is not installed (its APIs are not advertised). */
  readonly hyperBackup?: boolean;
  readonly nowMs: () => number;
}

/** One request as the stand-in saw it, secrets left out. */
export interface SimDsmCall {
  readonly api: string;
  readonly method: string;
  readonly version: number;
  readonly errorCode: number | null;
}

export interface SimDsm {
  readonly url: string;
  readonly tasks: SimHyperBackupTask[];
  readonly shares: readonly SimDsmShare[];
  /** Every request received, in order. */
  readonly calls: SimDsmCall[];
  /** TCP connections accepted (one whose TLS handshake a client abandoned counts too). */
  connections(): number;
  /** Sessions alive now. */
  sessions(): number;
  /** Every session times out (the next call with it answers 106). */
  expireSessions(): void;
  /** DSM restarted: every session is forgotten (the next call with one answers 119). */
  forgetSessions(): void;
  /** End the running backup of a task: `done` (a success) or another result token. */
  finishBackup(taskId: number, result?: string, error?: string): void;
  stop(): Promise<void>;
}

const API_INFO = {
  "SYNO.API.Info": { path: "query.cgi", minVersion: 1, maxVersion: 1 },
  "SYNO.API.Auth": { path: "entry.cgi", minVersion: 1, maxVersion: 7 },
  "SYNO.FileStation.List": { path: "entry.cgi", minVersion: 1, maxVersion: 2, requestFormat: "JSON" },
};
const HB_INFO = {
  "SYNO.Backup.Task": { path: "entry.cgi", minVersion: 1, maxVersion: 2, requestFormat: "JSON" },
  "SYNO.Backup.Target": { path: "entry.cgi", minVersion: 1, maxVersion: 2, requestFormat: "JSON" },
};

/** Session errors: 106 timed out, 119 SID not found (also: no or a wrong SynoToken). */
class DsmFault extends Error {
  constructor(readonly code: number) {
    super(String(code));
  }
}

export async function startSimDsm(opts: SimDsmOptions): Promise<SimDsm> {
  const tasks = (opts.tasks ?? []).map((t) => ({ ...t, folders: [...t.folders] }));
  const shares = opts.shares.map((s) => ({ ...s }));
  const sessions = new Map<string, { token: string; account: string; expired: boolean }>();
  const calls: SimDsmCall[] = [];
  const hyperBackup = opts.hyperBackup ?? true;
  let connections = 0;

  const local = (ms: number | null, withSeconds = false): string => {
    if (ms === null) return "";
    const w = wallTimeOf(ms, opts.timeZone);
    const p = (n: number) => String(n).padStart(2, "0");
    return `${w.year}/${p(w.month)}/${p(w.day)} ${p(w.hour)}:${p(w.minute)}${withSeconds ? `:${p(w.second)}` : ""}`;
  };

  function json(value: string | undefined): unknown {
    if (value === undefined) throw new DsmFault(114);
    try {
      return JSON.parse(value);
    } catch {
      // DSM answers a parameter that is not a JSON literal as an invalid parameter.
      throw new DsmFault(120);
    }
  }

  function taskOf(p: URLSearchParams): SimHyperBackupTask {
    const id = json(p.get("task_id") ?? undefined);
    if (typeof id !== "number") throw new DsmFault(120);
    const t = tasks.find((x) => x.task_id === id);
    if (!t) throw new DsmFault(4400);
    return t;
  }

  function source(t: SimHyperBackupTask) {
    return {
      file_list: t.folders.map((f) => ({
        folderPath: f.replace(/^\/volume\d+/, ""),
        fullPath: f,
        fileSystem: "BTRFS",
        fileSystemType: "internal",
        isValidSource: true,
        missing: false,
        dataEncryped: false,
        encryptedShare: false,
      })),
      folder_list: [],
      app_list: [],
      backup_filter: { exclude_list: t.excludes ?? [], whitelist: [] },
    };
  }

  function listRow(t: SimHyperBackupTask, additional: readonly string[]) {
    const [targetType, transferType] = t.type.split(":");
    return {
      task_id: t.task_id,
      name: t.name,
      state: t.state,
      status: t.status,
      data_enc: false,
      data_type: "data",
      repo_id: 1,
      target_id: `${t.name.toLowerCase().replace(/\W+/g, "_")}.hbk`,
      target_type: targetType,
      transfer_type: transferType,
      type: t.type,
      ext3ShareList: [],
      is_modified: false,
      ...(additional.includes("last_bkp_result") ? { last_bkp_result: t.last_bkp_result } : {}),
      ...(additional.includes("last_bkp_time")
        ? { last_bkp_time: local(t.lastRunMs), last_bkp_end_time: local(t.lastEndMs) }
        : {}),
      ...(additional.includes("next_bkp_time") ? { next_bkp_time: local(t.nextRunMs) } : {}),
      ...(additional.includes("get_source") ? { source: source(t) } : {}),
    };
  }

  function statusRow(t: SimHyperBackupTask, additional: readonly string[]) {
    const base = { task_id: t.task_id, state: t.state, status: t.status };
    if (additional.length === 0) return base;
    return {
      ...base,
      last_bkp_result: t.last_bkp_result,
      last_bkp_error: t.last_bkp_error,
      last_bkp_error_code: 4401,
      last_bkp_time: local(t.lastRunMs),
      last_bkp_end_time: local(t.lastEndMs),
      // DSM leaves it out until a run has succeeded.
      ...(t.lastSuccessMs === null ? {} : { last_bkp_success_time: local(t.lastSuccessMs) }),
      last_bkp_success_version: "2729",
      last_bkp_progress: t.status === "backup" ? 42 : 0,
      next_bkp_time: local(t.nextRunMs),
      is_modified: false,
    };
  }

  function handle(path: string, p: URLSearchParams, headerToken: string | undefined): unknown {
    const api = p.get("api") ?? "";
    const method = p.get("method") ?? "";
    const version = Number(p.get("version"));
    if (!api || !method || !Number.isInteger(version)) throw new DsmFault(101);
    if (api === "SYNO.API.Info") {
      if (method !== "query") throw new DsmFault(103);
      const all = { ...API_INFO, ...(hyperBackup ? HB_INFO : {}) };
      const query = p.get("query") ?? "all";
      if (query === "all") return all;
      return Object.fromEntries(Object.entries(all).filter(([k]) => query.split(",").includes(k)));
    }
    if (path !== "/webapi/entry.cgi" && path !== "/webapi/auth.cgi") throw new DsmFault(102);
    if (api === "SYNO.API.Auth") {
      if (version < 1 || version > 7) throw new DsmFault(104);
      if (method === "login") {
        const user = opts.users.find((u) => u.account === p.get("account"));
        if (!user || user.password !== p.get("passwd")) throw new DsmFault(400);
        if (user.deviceId !== undefined && p.get("device_id") !== user.deviceId) throw new DsmFault(403);
        const sid = randomBytes(16).toString("base64url");
        const token = randomBytes(8).toString("base64url");
        sessions.set(sid, { token, account: user.account, expired: false });
        return {
          sid,
          is_portal_port: false,
          ...(p.get("enable_syno_token") === "yes" ? { synotoken: token } : {}),
        };
      }
      if (method === "logout") {
        sessions.delete(p.get("_sid") ?? "");
        return {};
      }
      throw new DsmFault(103);
    }
    const session = sessions.get(p.get("_sid") ?? "");
    if (!session) throw new DsmFault(119);
    if (session.expired) {
      sessions.delete(p.get("_sid") ?? "");
      throw new DsmFault(106);
    }
    if ((p.get("SynoToken") ?? headerToken) !== session.token) throw new DsmFault(119);
    const user = opts.users.find((u) => u.account === session.account) as SimDsmUser;
    if (api === "SYNO.FileStation.List") {
      if (version !== 2) throw new DsmFault(104);
      if (method !== "list_share") throw new DsmFault(103);
      const additional = (p.has("additional") ? json(p.get("additional") ?? undefined) : []) as string[];
      return {
        offset: 0,
        total: shares.length,
        shares: shares.map((s) => ({
          isdir: true,
          name: s.name,
          path: `/${s.name}`,
          additional: {
            ...(additional.includes("real_path") ? { real_path: s.realPath } : {}),
            ...(additional.includes("volume_status")
              ? { volume_status: { freespace: s.freeBytes, totalspace: s.totalBytes, readonly: false } }
              : {}),
          },
        })),
      };
    }
    if (api.startsWith("SYNO.Backup.")) {
      if (!hyperBackup) throw new DsmFault(102);
      if (!user.admin) throw new DsmFault(105);
      if (api !== "SYNO.Backup.Task") throw new DsmFault(103);
      // Version 2 is advertised, but list/get/status answer only on version 1.
      if (version !== 1) throw new DsmFault(103);
      const additional = (p.has("additional") ? json(p.get("additional") ?? undefined) : []) as string[];
      if (method === "list")
        return {
          task_list: tasks.map((t) => listRow(t, additional)),
          total: tasks.length,
          is_data_restoring: false,
          is_downloading: false,
          is_lun_restoring: false,
          is_restoring: false,
          is_snapshot_restoring: false,
        };
      if (method === "status") return statusRow(taskOf(p), additional);
      if (method === "get") return { ...listRow(taskOf(p), ["last_bkp_result"]), source: source(taskOf(p)) };
      if (method === "backup") {
        const t = taskOf(p);
        if (t.state !== "backupable" || t.status !== "none") throw new DsmFault(4401);
        t.status = "backup";
        t.last_bkp_result = "backingup";
        t.last_bkp_error = "";
        t.lastRunMs = opts.nowMs();
        t.lastEndMs = null;
        return {};
      }
      throw new DsmFault(103);
    }
    throw new DsmFault(102);
  }

  const server: Server = createServer({ cert: opts.cert, key: opts.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "https://dsm.invalid");
      const params = new URLSearchParams(url.search);
      if (req.method === "POST")
        for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString("utf8"))) params.set(k, v);
      const token = req.headers["x-syno-token"];
      let body: unknown;
      let errorCode: number | null = null;
      try {
        body = {
          success: true,
          data: handle(url.pathname, params, typeof token === "string" ? token : undefined),
        };
      } catch (err) {
        errorCode = err instanceof DsmFault ? err.code : 117;
        body = { success: false, error: { code: errorCode } };
      }
      calls.push({
        api: params.get("api") ?? "",
        method: params.get("method") ?? "",
        version: Number(params.get("version")),
        errorCode,
      });
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(body));
    });
  });
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}`,
    tasks,
    shares,
    calls,
    connections: () => connections,
    sessions: () => sessions.size,
    expireSessions() {
      for (const s of sessions.values()) s.expired = true;
    },
    forgetSessions() {
      sessions.clear();
    },
    finishBackup(taskId, result = "done", error = "") {
      const t = tasks.find((x) => x.task_id === taskId);
      if (!t) throw new Error(`no task ${taskId}`);
      const now = opts.nowMs();
      t.status = "none";
      t.last_bkp_result = result;
      t.last_bkp_error = error;
      t.lastEndMs = now;
      if (result === "done" && error === "") t.lastSuccessMs = t.lastRunMs;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
