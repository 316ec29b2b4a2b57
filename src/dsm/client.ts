import type { z } from "zod";
import type { Config } from "../config/schema.js";
import type { HyperBackupTask } from "../core/coverage.js";
import { isWithin } from "../core/coverage.js";
import { InputError, UpstreamError } from "../errors.js";
import type { Logger } from "../log.js";
import { createTransport, NO_ANSWER_STATUS, OUTCOME_UNKNOWN_STATUS } from "../pve/transport.js";
import { toHyperBackupTask } from "./mapper.js";
import { ApiInfo, Envelope, Login, ShareList, TaskList, TaskStatus } from "./wire.js";

/**
 * The Synology DSM Web API (reference synology-dsm.md): a session with a SynoToken, renewed once
 * when DSM says it is gone; Hyper Backup's tasks (read, run now); the free space of a share
 * through File Station (any user may ask). HTTPS only, pinned to the NAS certificate's SHA-256
 * fingerprint when one is given: a certificate that does not match ends the connection before
 * anything (the password least of all) is sent. The password, session id, SynoToken and device
 * id never reach a log or an error message.
 */
export interface DsmClient {
  /** Every Hyper Backup task; `null` when Hyper Backup is not installed (its APIs not advertised). */
  hyperBackupTasks(): Promise<HyperBackupTask[] | null>;
  /** Start a task's backup now (`SYNO.Backup.Task backup`). */
  runTask(taskId: number): Promise<void>;
  /** Free and total bytes of the share holding `path` (an absolute path like `/volume1/backups/proxmox`). */
  shareSpace(path: string): Promise<ShareSpace | undefined>;
  /** Log out (when logged in) and close the connections. */
  close(): Promise<void>;
}

export interface ShareSpace {
  readonly share: string;
  readonly realPath: string;
  readonly freeBytes: number;
  readonly totalBytes: number;
}

export interface DsmClientOptions {
  /** `https://nas:5001` */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  /** A device id DSM issued on a two-factor login: lets this client skip the code. */
  readonly deviceToken?: string;
  /** `AB:CD:…` SHA-256 of the NAS certificate; without it the system CAs must trust it. */
  readonly fingerprint?: string;
  /** The NAS's time zone: DSM's times carry none. */
  readonly timeZone: string;
  readonly timeoutMs: number;
}

/** Session lost (timed out, logged in elsewhere, SID not found): log in again and retry once. */
const SESSION_ERRORS = new Set([106, 107, 119]);
const SESSION_NAME = "PveBackup";

const ERROR_TEXT: Record<number, string> = {
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
  411: "the NAS account is locked",
};

/** A DSM answer with `success: false`. */
export class DsmApiError extends UpstreamError {
  constructor(
    readonly code: number,
    what: string,
  ) {
    const text =
      ERROR_TEXT[code] ??
      // Hyper Backup's own codes are 44xx; their meanings are not documented (reference §2.4).
      (code >= 4400 && code < 4500
        ? "Hyper Backup refused: the task may be running, or not in a state to back up"
        : undefined);
    super(`NAS: ${what} failed: DSM error ${code}${text ? ` (${text})` : ""}`, {
      retryable: SESSION_ERRORS.has(code) || code === 117,
    });
  }
}

type Params = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

export function createDsmClient(opts: DsmClientOptions, deps: { readonly log: Logger }): DsmClient {
  const base = new URL(opts.baseUrl);
  const origin = `${base.protocol}//${base.host}`;
  const transport = createTransport({
    fingerprint: opts.fingerprint,
    verifyTls: true,
    timeoutMs: opts.timeoutMs,
    maxConnections: 2,
  });
  let apis: ReturnType<typeof ApiInfo.parse> | undefined;
  /**
   * Each idle task's last `status` answer, under what its `list` row said when it was asked: a
   * task whose row has not changed since (no run began or ended, same state, same next run) has
   * the same status, so a NAS with 100 tasks costs one request a read instead of 101.
   */
  const statuses = new Map<number, { readonly key: string; readonly status: TaskStatus }>();
  let session: { sid: string; token?: string } | undefined;
  let loggingIn: Promise<{ sid: string; token?: string }> | undefined;
  /** Set by close(): a read still under way asks nothing more (and above all logs in no more). */
  let closed = false;

  /** One POST; the form is in the body, so nothing secret lands in a URL or an access log. */
  async function post(cgi: string, form: URLSearchParams, what: string, token?: string): Promise<unknown> {
    if (closed && what !== "logout")
      throw new UpstreamError(`NAS ${base.host}: ${what}: not asked, the client is closing`, {
        retryable: false,
      });
    const answer = await transport.request({
      method: "POST",
      url: new URL(`${origin}/webapi/${cgi}`),
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/json",
        ...(token ? { "X-SYNO-TOKEN": token } : {}),
      },
      body: form.toString(),
    });
    if (answer.status === NO_ANSWER_STATUS || answer.status === OUTCOME_UNKNOWN_STATUS) {
      let reason = answer.statusText;
      try {
        reason = String((JSON.parse(answer.text) as { message?: string }).message ?? reason).trim();
      } catch {
        // The synthetic answer is always JSON; keep the status text otherwise.
      }
      throw new UpstreamError(`NAS ${base.host}: ${what}: no answer: ${reason}`, { retryable: true });
    }
    if (answer.status !== 200)
      throw new UpstreamError(`NAS ${base.host}: ${what}: HTTP ${answer.status} ${answer.statusText}`, {
        retryable: answer.status >= 500,
        status: answer.status,
      });
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      throw new UpstreamError(
        `NAS ${base.host}: ${what}: the answer is not JSON (is nas.url the DSM address, https://…:5001?)`,
        {
          retryable: false,
        },
      );
    }
    const env = Envelope.safeParse(body);
    if (!env.success)
      throw new UpstreamError(`NAS ${base.host}: ${what}: not a DSM answer`, { retryable: false });
    if (!env.data.success) throw new DsmApiError(env.data.error.code, what);
    return env.data.data;
  }

  /**
   * A DSM answer checked against its shape: one that lacks a field the product relies on (or has
   * it of another type) is an upstream error naming the first such field, never a zod dump (which
   * for 10,000 bad rows would be 10,000 issues long).
   */
  function parseAnswer<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues;
    const first = issues[0];
    const where = first && first.path.length > 0 ? first.path.join(".") : "the answer";
    throw new UpstreamError(
      `NAS ${base.host}: ${what}: DSM's answer is not as expected at ${where}: ${first?.message ?? "invalid"}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}`,
      { retryable: false },
    );
  }

  async function discover() {
    if (apis) return apis;
    const form = new URLSearchParams({
      api: "SYNO.API.Info",
      version: "1",
      method: "query",
      query: "SYNO.API.Auth,SYNO.Backup.Task,SYNO.FileStation.List",
    });
    apis = parseAnswer(ApiInfo, await post("query.cgi", form, "API discovery"), "API discovery");
    return apis;
  }

  async function login(): Promise<{ sid: string; token?: string }> {
    const info = await discover();
    const auth = info["SYNO.API.Auth"];
    const version = Math.min(auth?.maxVersion ?? 6, 7);
    const form = new URLSearchParams({
      api: "SYNO.API.Auth",
      version: String(version),
      method: "login",
      account: opts.username,
      passwd: opts.password,
      session: SESSION_NAME,
      format: "sid",
      enable_syno_token: "yes",
    });
    if (opts.deviceToken) {
      form.set("device_id", opts.deviceToken);
      form.set("device_name", "pve-backup");
    }
    const data = parseAnswer(Login, await post(auth?.path ?? "entry.cgi", form, "login"), "login");
    deps.log.debug(`NAS ${base.host}: logged in as ${opts.username}`);
    return { sid: data.sid, token: data.synotoken };
  }

  async function currentSession() {
    if (session) return session;
    loggingIn ??= login().finally(() => {
      loggingIn = undefined;
    });
    session = await loggingIn;
    return session;
  }

  async function callOnce(api: string, version: number, method: string, params: Params) {
    const info = await discover();
    const s = await currentSession();
    const form = new URLSearchParams({ api, version: String(version), method, _sid: s.sid });
    if (s.token) form.set("SynoToken", s.token);
    // requestFormat JSON: every value a JSON literal (reference §1).
    for (const [k, v] of Object.entries(params)) if (v !== undefined) form.set(k, JSON.stringify(v));
    return post(info[api]?.path ?? "entry.cgi", form, `${api} ${method}`, s.token);
  }

  async function call(api: string, version: number, method: string, params: Params = {}) {
    try {
      return await callOnce(api, version, method, params);
    } catch (err) {
      if (!(err instanceof DsmApiError) || !SESSION_ERRORS.has(err.code)) throw err;
      deps.log.info(`NAS ${base.host}: session ended (DSM error ${err.code}); logging in again`);
      session = undefined;
      return callOnce(api, version, method, params);
    }
  }

  return {
    async hyperBackupTasks() {
      const info = await discover();
      if (!info["SYNO.Backup.Task"]) return null;
      // list/status/get answer only on version 1, whatever is advertised (reference §3.1).
      const list = parseAnswer(
        TaskList,
        await call("SYNO.Backup.Task", 1, "list", {
          sort_by: "name",
          additional: [
            "last_bkp_time",
            "next_bkp_time",
            "last_bkp_result",
            "is_modified",
            "schedule",
            "get_source",
          ],
        }),
        "SYNO.Backup.Task list",
      );
      const tasks: HyperBackupTask[] = [];
      const listed = new Set(list.task_list.map((row) => row.task_id));
      for (const id of statuses.keys()) if (!listed.has(id)) statuses.delete(id);
      for (const row of list.task_list) {
        const key = JSON.stringify([
          row.state,
          row.status,
          row.last_bkp_result,
          row.last_bkp_time,
          row.last_bkp_end_time,
          row.next_bkp_time,
        ]);
        const cached = statuses.get(row.task_id);
        // A running task's progress and result move without its row saying so: asked each time.
        if (cached?.key === key && row.status === "none") {
          tasks.push(toHyperBackupTask(row, cached.status, opts.timeZone));
          continue;
        }
        const status = parseAnswer(
          TaskStatus,
          await call("SYNO.Backup.Task", 1, "status", {
            task_id: row.task_id,
            blOnline: false,
            additional: [
              "last_bkp_time",
              "next_bkp_time",
              "last_bkp_result",
              "last_bkp_progress",
              "last_bkp_error",
              "last_bkp_success_time",
            ],
          }),
          "SYNO.Backup.Task status",
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
      const list = parseAnswer(
        ShareList,
        await call("SYNO.FileStation.List", 2, "list_share", {
          offset: 0,
          limit: -1,
          additional: ["real_path", "volume_status"],
        }),
        "SYNO.FileStation.List list_share",
      );
      const hit = list.shares
        .filter((s) => s.additional?.real_path && isWithin(path, s.additional.real_path))
        .sort((a, b) => (b.additional?.real_path?.length ?? 0) - (a.additional?.real_path?.length ?? 0))[0];
      const vs = hit?.additional?.volume_status;
      if (!hit || !vs) return undefined;
      // DSM sends sizes as strings; a missing, negative or non-numeric one (or more free than the
      // whole) is not a size: the space is unknown, never "0 bytes free".
      const sizes = [vs.freespace, vs.totalspace];
      if (
        sizes.some((n) => !Number.isFinite(n) || n < 0) ||
        (vs.totalspace > 0 && vs.freespace > vs.totalspace)
      )
        throw new UpstreamError(
          `NAS ${base.host}: share ${hit.name}: DSM gave no usable size (free ${vs.freespace}, total ${vs.totalspace} bytes)`,
          { retryable: false },
        );
      return {
        share: hit.name,
        realPath: hit.additional?.real_path ?? "",
        freeBytes: vs.freespace,
        totalBytes: vs.totalspace,
      };
    },
    async close() {
      closed = true;
      const s = session;
      session = undefined;
      try {
        if (s) {
          const form = new URLSearchParams({
            api: "SYNO.API.Auth",
            version: "6",
            method: "logout",
            session: SESSION_NAME,
            _sid: s.sid,
          });
          await post(apis?.["SYNO.API.Auth"]?.path ?? "entry.cgi", form, "logout", s.token);
        }
      } catch (err) {
        // A failed logout only leaves a session DSM times out on its own.
        deps.log.debug(
          `NAS ${base.host}: logout failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      } finally {
        await transport.close();
      }
    },
  };
}

/** The DSM client the options describe (`nas`); an input error when they describe none. */
export function dsmClientFor(config: Config, log: Logger): DsmClient {
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
      timeoutMs: config.requestTimeoutMs,
    },
    { log },
  );
}
