import type { HaBackupsConfig } from "../config/schema.js";
import { parseCalendarEvent } from "../core/calendar.js";
import {
  type ChecksumRecord,
  chooseBackupMinute,
  type DayWindow,
  formatMinute,
  type HaBackupsJson,
  pveBusyWindows,
  type Verdict,
} from "../core/ha-backup.js";
import { InputError } from "../errors.js";
import { connectToHa, haTargetFromEnv } from "../ha/connection.js";
import {
  createHaBackupsApi,
  type HaBackup,
  type HaBackupEvent,
  type HaBackupsApi,
  type HaWsPort,
  refForAgent,
  whenConnected,
  wsPortOf,
} from "../ha/ha-backups.js";
import type { Logger } from "../log.js";
import type { NasSession, NasTarget } from "../ssh/nas.js";
import { NasError } from "../ssh/nas-error.js";
import { verifyHaBackup } from "../ssh/verify.js";
import { createSupervisorClient, type SupervisorClient } from "../supervisor/client.js";
import type { CommandContext } from "./context.js";

/**
 * Home Assistant's own backups on the NAS: pick the agent that writes to the share (the
 * Supervisor mount `hassio.<mount>`, created on request; outside the Supervisor the agents the
 * installation offers), set HA's automatic backup (schedule clear of the PVE window, retention,
 * content, agents), back up now following `backup/subscribe_events`, and verify the newest backup
 * on the NAS over SFTP. Used by `pve-backup ha-backup` and `pve_backup.backup_home_assistant`.
 * A failed verification is a problem in the report, an event and a log line; never silence.
 */

/** The Supervisor mount to create (its name comes from the options). */
export type MountSpec =
  | { readonly type: "nfs"; readonly server: string; readonly path: string }
  | {
      readonly type: "cifs";
      readonly server: string;
      readonly share: string;
      readonly username?: string;
      readonly password?: string;
    };

export interface HaBackupDeps {
  readonly ha: HaBackupsApi;
  /** Present when running under the Supervisor. */
  readonly supervisor?: SupervisorClient;
  readonly openNas: () => Promise<NasSession>;
  readonly log: Logger;
  /** `pve_backup_ha_backup_failed` / `pve_backup_ha_backup_verification_failed` in Home Assistant. */
  readonly emit?: (type: string, data: Record<string, unknown>) => void;
  readonly onEvent?: (e: HaBackupEvent) => void;
}

export interface HaBackupRunOptions {
  readonly configure?: boolean;
  readonly backupNow?: boolean;
  readonly verify?: boolean;
  /** Create the Supervisor network mount when it is missing. */
  readonly createMount?: MountSpec;
  /** The PVE backup window (the policy's tiers), to keep HA's backup clear of it. */
  readonly busy?: readonly DayWindow[];
  /** Checksums recorded by earlier verifications, by backup id. */
  readonly recorded?: Readonly<Record<string, ChecksumRecord>>;
  /** Whether to read the newest backup on the NAS this time (default: always). */
  readonly shouldVerify?: (newest: { readonly backupId: string }) => boolean;
  readonly backupTimeoutMs?: number;
  /** The name of the backup made now (HA names it otherwise). */
  readonly name?: string;
}

export interface AgentHistory {
  readonly lastSuccessMs?: number;
  readonly lastFailureMs?: number;
  readonly error?: string;
}

export interface HaBackupReport {
  readonly agentIds: readonly string[];
  /** How the agents were chosen. */
  readonly agentSource: "supervisor_mount" | "installation";
  readonly configured?: {
    readonly schedule: string;
    readonly time?: string;
    readonly retentionCopies: number;
    readonly note?: string;
  };
  readonly backup?:
    | {
        readonly kind: "completed";
        readonly backupId: string;
        readonly name: string;
        readonly sizeBytes?: number;
      }
    | { readonly kind: "failed"; readonly reason?: string };
  readonly agents: Readonly<Record<string, AgentHistory>>;
  readonly newest?: {
    readonly backupId: string;
    readonly name: string;
    readonly dateMs: number;
    readonly sizeBytes: number;
  };
  readonly nextAutomaticMs?: number;
  /** Every backup Home Assistant lists on the NAS agent. */
  readonly listedIds: readonly string[];
  readonly verification?:
    | {
        readonly backupId: string;
        readonly result: Verdict["kind"];
        readonly problems: readonly string[];
        readonly notes: readonly string[];
        readonly fileName?: string;
        readonly fileSizeBytes?: number;
        readonly sha256?: string;
        readonly copiesOnShare: number;
        readonly freeBytes?: number;
        readonly readBytes: number;
        readonly durationMs: number;
      }
    | {
        readonly backupId: string;
        readonly result: "error";
        readonly problems: readonly string[];
        readonly failure?: string;
        readonly offeredFingerprint?: string;
      };
  readonly problems: readonly string[];
}

/** Minutes an HA backup is given when placing it next to the PVE window. */
const HA_BACKUP_MIN = 60;
/** Where HA 2025.1 runs its daily backup: 04:45 plus up to an hour (not settable there). */
const HA_2025_1_START_MIN = 4 * 60 + 45;

export async function runHaBackup(
  deps: HaBackupDeps,
  cfg: HaBackupsConfig,
  opts: HaBackupRunOptions,
): Promise<HaBackupReport> {
  const problems: string[] = [];
  const { agentIds, agentSource } = await chooseAgents(deps, cfg, opts, problems);
  let configured: HaBackupReport["configured"];
  if (opts.configure && agentIds.length > 0)
    configured = await configure(deps, cfg, agentIds, opts.busy ?? []);

  let backup: HaBackupReport["backup"];
  if (opts.backupNow && agentIds.length > 0) {
    const outcome = await deps.ha.backupNow(
      { agentIds, name: opts.name },
      { timeoutMs: opts.backupTimeoutMs, onEvent: deps.onEvent },
    );
    if (outcome.kind === "completed") {
      const size = Object.values(outcome.backup.agents)[0]?.sizeBytes;
      backup = {
        kind: "completed",
        backupId: outcome.backup.backupId,
        name: outcome.backup.name,
        sizeBytes: size,
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
  const newestBackup = nasAgent
    ? [...info.backups].filter((b) => b.agents[nasAgent]).sort((a, b) => b.dateMs - a.dateMs)[0]
    : undefined;
  const newest = newestBackup && nasAgent ? refForAgent(newestBackup, nasAgent) : undefined;

  let verification: HaBackupReport["verification"];
  const there = info.backups.filter((b) => nasAgent && b.agents[nasAgent]);
  if (opts.verify !== false && newest && (opts.shouldVerify?.(newest) ?? true)) {
    const config = await deps.ha.config();
    verification = await verifyOnNas(deps, newest, {
      retentionCopies: config.retentionCopies,
      previous: opts.recorded?.[newest.backupId],
      listedByHa: {
        all: there.length,
        automatic: there.filter((b) => b.withAutomaticSettings === true).length,
      },
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
        message: verification.problems.join("; "),
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
      sizeBytes: newest.sizeBytes,
    },
    nextAutomaticMs: info.nextAutomaticMs,
    listedIds: there.map((b) => b.backupId),
    verification,
    problems,
  };
}

async function chooseAgents(
  deps: HaBackupDeps,
  cfg: HaBackupsConfig,
  opts: HaBackupRunOptions,
  problems: string[],
): Promise<{ agentIds: string[]; agentSource: HaBackupReport["agentSource"] }> {
  const offered = (await deps.ha.agents()).map((a) => a.agentId);
  if (!deps.supervisor) {
    // Outside the Supervisor there are no mounts: the local agent writes to the config folder.
    const local = offered.filter((a) => a === "backup.local");
    const agentIds = local.length > 0 ? local : offered.slice(0, 1);
    if (agentIds.length === 0) problems.push("Home Assistant offers no backup agent");
    return { agentIds, agentSource: "installation" };
  }
  const wanted = `hassio.${cfg.mountName}`;
  if (offered.includes(wanted)) return { agentIds: [wanted], agentSource: "supervisor_mount" };
  if (!opts.createMount) {
    problems.push(
      `Home Assistant has no backup agent ${wanted}: create the Supervisor mount '${cfg.mountName}' (pve-backup ha-backup configure --create-mount --server HOST --export PATH)`,
    );
    return { agentIds: [], agentSource: "supervisor_mount" };
  }
  const mounts = await deps.supervisor.mounts();
  if (!mounts.mounts.some((m) => m.name === cfg.mountName))
    await deps.supervisor.createMount({ ...opts.createMount, name: cfg.mountName });
  // Core re-lists its agents when the Supervisor's mount job ends.
  for (let i = 0; i < 30; i++) {
    if ((await deps.ha.agents()).some((a) => a.agentId === wanted))
      return { agentIds: [wanted], agentSource: "supervisor_mount" };
    await new Promise((r) => setTimeout(r, 1_000));
  }
  problems.push(`the mount '${cfg.mountName}' exists but Home Assistant does not offer ${wanted} yet`);
  return { agentIds: [], agentSource: "supervisor_mount" };
}

async function configure(
  deps: HaBackupDeps,
  cfg: HaBackupsConfig,
  agentIds: readonly string[],
  busy: readonly DayWindow[],
): Promise<NonNullable<HaBackupReport["configured"]>> {
  const current = await deps.ha.config();
  const schedule =
    cfg.schedule.recurrence === "daily"
      ? "daily"
      : cfg.schedule.recurrence === "never"
        ? "never"
        : cfg.schedule.days.join(",");
  let time: string | undefined;
  let note: string | undefined;
  if (current.shape === "2025.2") {
    const minute = chooseBackupMinute(busy, HA_2025_1_START_MIN, HA_BACKUP_MIN);
    time = minute === undefined ? undefined : formatMinute(minute);
    if (minute === undefined)
      note = "no hour of the day is clear of the PVE window: Home Assistant picks the time";
  } else if (chooseBackupMinute(busy, HA_2025_1_START_MIN, 2 * HA_BACKUP_MIN) !== HA_2025_1_START_MIN)
    note =
      "this Home Assistant runs its automatic backup at 04:45 plus up to an hour, which overlaps the PVE window; its time cannot be set before 2025.2";
  await deps.ha.updateConfig({
    agentIds,
    includeDatabase: true,
    retentionCopies: cfg.copies,
    schedule: { recurrence: cfg.schedule.recurrence, days: cfg.schedule.days, time },
  });
  if (note) deps.log.warn(note);
  return { schedule, time, retentionCopies: cfg.copies, note };
}

async function verifyOnNas(
  deps: HaBackupDeps,
  backup: NonNullable<ReturnType<typeof refForAgent>>,
  verifyOpts: Parameters<typeof verifyHaBackup>[2],
): Promise<NonNullable<HaBackupReport["verification"]>> {
  let nas: NasSession;
  try {
    nas = await deps.openNas();
  } catch (err) {
    if (err instanceof NasError)
      return {
        backupId: backup.backupId,
        result: "error",
        problems: [err.message],
        failure: err.failure,
        offeredFingerprint: err.offeredFingerprint,
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
      sha256: v.facts.sha256 || undefined,
      copiesOnShare: v.copiesOnShare,
      freeBytes: v.freeBytes,
      readBytes: v.facts.readBytes,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    if (err instanceof NasError)
      return { backupId: backup.backupId, result: "error", problems: [err.message], failure: err.failure };
    throw err;
  } finally {
    nas.close();
  }
}

/** Per agent: when a backup last landed there, when one last failed there, and HA's error. */
export function historyByAgent(
  backups: readonly HaBackup[],
  agentErrors: Readonly<Record<string, string>>,
): Record<string, AgentHistory> {
  const out: Record<string, { lastSuccessMs?: number; lastFailureMs?: number; error?: string }> = {};
  const at = (id: string) => {
    out[id] = out[id] ?? {};
    return out[id];
  };
  for (const b of backups) {
    for (const id of Object.keys(b.agents)) {
      const h = at(id);
      if (h.lastSuccessMs === undefined || b.dateMs > h.lastSuccessMs) h.lastSuccessMs = b.dateMs;
    }
    for (const id of b.failedAgentIds) {
      const h = at(id);
      if (h.lastFailureMs === undefined || b.dateMs > h.lastFailureMs) h.lastFailureMs = b.dateMs;
    }
  }
  for (const [id, error] of Object.entries(agentErrors)) at(id).error = error;
  return out;
}

/** `pve-backup ha-backup [verify|configure] …`: exit 0 when all is well, 1 on a problem. */
export async function haBackupCommand(
  ctx: CommandContext,
  sub: string | undefined,
  deps: HaBackupDeps,
  opts: {
    readonly createMount?: MountSpec;
    readonly busy?: readonly DayWindow[];
    /** Runs and records (the state file); default: runs only. */
    readonly run?: (opts: HaBackupRunOptions) => Promise<HaBackupReport>;
  },
): Promise<number> {
  const cfg = ctx.config.haBackups;
  if (!cfg) throw new InputError("no 'ha_backups' in the options: give the NAS host, user and share path");
  if (sub !== undefined && sub !== "verify" && sub !== "configure")
    throw new InputError("ha-backup takes nothing (back up now and verify), 'verify' or 'configure'");
  const run = opts.run ?? ((o: HaBackupRunOptions) => runHaBackup(deps, cfg, o));
  const report = await run({
    configure: sub === "configure",
    backupNow: sub === undefined,
    verify: sub !== "configure",
    createMount: opts.createMount,
    busy: opts.busy,
  });
  if (ctx.json) ctx.out(`${JSON.stringify(report, null, 2)}\n`);
  else ctx.out(renderReport(report));
  return report.problems.length > 0 ? 1 : 0;
}

function renderReport(r: HaBackupReport): string {
  const lines: string[] = [];
  lines.push(
    `agents: ${r.agentIds.join(", ") || "none"} (${r.agentSource === "supervisor_mount" ? "Supervisor mount" : "offered by this installation"})`,
  );
  if (r.configured)
    lines.push(
      `configured: ${r.configured.schedule}${r.configured.time ? ` at ${r.configured.time}` : ""}, keep ${r.configured.retentionCopies} copies${r.configured.note ? ` (${r.configured.note})` : ""}`,
    );
  if (r.backup)
    lines.push(
      r.backup.kind === "completed"
        ? `backup: ${r.backup.backupId} ${r.backup.name} completed`
        : `backup: FAILED ${r.backup.reason ?? ""}`,
    );
  if (r.newest)
    lines.push(
      `newest: ${r.newest.backupId} ${r.newest.name} ${new Date(r.newest.dateMs).toISOString()} ${r.newest.sizeBytes} bytes`,
    );
  const v = r.verification;
  if (v?.result === "ok" || v?.result === "failed") {
    lines.push(
      `verification: ${v.result} ${v.fileName ?? ""} sha256 ${v.sha256 ?? "-"}; ${v.copiesOnShare} copies on the share${v.freeBytes === undefined ? "" : `, ${(v.freeBytes / 1024 ** 3).toFixed(1)} GiB free`}`,
    );
    for (const n of v.notes) lines.push(`  note: ${n}`);
  } else if (v) lines.push("verification: could not reach the NAS");
  for (const p of r.problems) lines.push(`PROBLEM ${p}`);
  return `${lines.join("\n")}\n`;
}

/** PVE is given this long per scheduled start before the NAS is taken to be free again. */
const PVE_WINDOW_MIN = 120;

/** The PVE window from the policy's tiers (their calendar events' start times). */
export function busyFromTiers(tiers: readonly { readonly schedule: string }[]): DayWindow[] {
  const events = tiers.flatMap((t) => {
    const parsed = parseCalendarEvent(t.schedule);
    return parsed.ok ? [parsed.event] : [];
  });
  return pveBusyWindows(events, PVE_WINDOW_MIN);
}

/**
 * The real adapters for the CLI: Home Assistant from the environment (inside the add-on through
 * the Supervisor, else `HA_URL` + `HA_TOKEN`), the Supervisor when `SUPERVISOR_TOKEN` is set, and
 * the NAS from the options.
 */
export async function connectHaBackupDeps(
  cfg: HaBackupsConfig,
  env: NodeJS.ProcessEnv,
  log: Logger,
): Promise<{ deps: HaBackupDeps; close(): void }> {
  const target = haTargetFromEnv(env);
  if (!target)
    throw new InputError(
      "Home Assistant is not configured: set HA_URL and HA_TOKEN (or run inside the add-on)",
    );
  const link = connectToHa(target, log);
  await whenConnected(link, target.wsUrl);
  const supervisor = env.SUPERVISOR_TOKEN
    ? createSupervisorClient({
        baseUrl: env.SUPERVISOR_URL ?? "http://supervisor",
        token: env.SUPERVISOR_TOKEN,
      })
    : undefined;
  return {
    deps: {
      ha: createHaBackupsApi(wsPortOf(link)),
      supervisor,
      openNas: () => openNasLazily(nasTargetOf(cfg), log),
      log,
    },
    close: () => link.close(),
  };
}

/** `ssh2` is loaded on the first connection: the service without `ha_backups` never loads it. */
export async function openNasLazily(target: NasTarget, log: Logger): Promise<NasSession> {
  const { openNas } = await import("../ssh/nas.js");
  return openNas(target, log);
}

export function nasTargetOf(cfg: HaBackupsConfig): NasTarget {
  return {
    host: cfg.host,
    port: cfg.port,
    username: cfg.username,
    password: cfg.password,
    privateKey: cfg.privateKey,
    hostKeyFingerprint: cfg.hostKeyFingerprint,
    sharePath: cfg.sharePath,
  };
}

/**
 * The `pve_backup.backup_home_assistant` service: back up now (unless `backup: false`), set HA's
 * automatic backup when `configure: true`, and verify on the NAS; answers with the report. Runs
 * are serialised: a second call while one runs waits for it instead of starting another backup.
 */
export function haBackupService(
  run: (opts: HaBackupRunOptions) => Promise<HaBackupReport>,
): (data: Readonly<Record<string, unknown>>) => Promise<HaBackupReport> {
  let running: Promise<HaBackupReport> | undefined;
  return (data) => {
    if (running) return running;
    running = run({
      backupNow: data.backup !== false,
      configure: data.configure === true,
      verify: data.verify !== false,
      name: typeof data.name === "string" && data.name !== "" ? data.name : undefined,
    }).finally(() => {
      running = undefined;
    });
    return running;
  };
}

/** The adapters on the add-on's own Home Assistant connection (and the Supervisor, when there). */
export function haBackupDepsFor(
  cfg: HaBackupsConfig,
  connection: HaWsPort,
  log: Logger,
  fire: (type: string, data: Record<string, unknown>) => Promise<unknown> | undefined,
): HaBackupDeps {
  const env = process.env;
  return {
    ha: createHaBackupsApi(connection),
    supervisor: env.SUPERVISOR_TOKEN
      ? createSupervisorClient({
          baseUrl: env.SUPERVISOR_URL ?? "http://supervisor",
          token: env.SUPERVISOR_TOKEN,
        })
      : undefined,
    openNas: () => openNasLazily(nasTargetOf(cfg), log),
    log,
    emit: (type, data) =>
      void fire(type, data)?.catch((err: unknown) =>
        log.warn(`could not fire ${type}: ${err instanceof Error ? err.message : String(err)}`),
      ),
  };
}

/**
 * The status JSON (`haBackups`) after a run. A run that did not read the NAS this time (the newest
 * backup passed recently) keeps the previous verification and its problems.
 */
export function haBackupsJsonOf(r: HaBackupReport, previous: HaBackupsJson, nowMs: number): HaBackupsJson {
  const iso = (ms: number) => new Date(ms).toISOString();
  const v = r.verification;
  const kept = v === undefined ? previous.verification : null;
  const verification: HaBackupsJson["verification"] =
    v === undefined
      ? kept
      : {
          time: iso(nowMs),
          backupId: v.backupId,
          result: v.result === "error" ? "unknown" : v.result,
          message:
            v.result === "ok"
              ? [`verified ${v.fileName ?? ""}`.trim(), ...v.notes].join("; ")
              : v.problems.join("; "),
          problems: v.problems,
          sha256: v.result === "error" ? null : (v.sha256 ?? null),
          fileName: v.result === "error" ? null : (v.fileName ?? null),
          durationMs: v.result === "error" ? null : v.durationMs,
          copiesOnShare: v.result === "error" ? null : v.copiesOnShare,
          freeBytes: v.result === "error" ? null : (v.freeBytes ?? null),
        };
  const keptProblems =
    kept && kept.problems.length > 0
      ? [`Home Assistant backup ${kept.backupId} on the NAS: ${kept.problems.join("; ")}`]
      : [];
  return {
    agent: r.agentIds[0] ?? null,
    lastBackup: r.newest
      ? {
          time: iso(r.newest.dateMs),
          backupId: r.newest.backupId,
          name: r.newest.name,
          sizeBytes: r.newest.sizeBytes,
        }
      : null,
    nextAutomatic: r.nextAutomaticMs === undefined ? null : iso(r.nextAutomaticMs),
    verification,
    problems: [...r.problems, ...keptProblems],
    checkedAt: iso(nowMs),
  };
}
