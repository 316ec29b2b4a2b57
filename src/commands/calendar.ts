import type { Config } from "../config/schema.js";
import { type HyperBackupTask, hyperBackupNextRuns } from "../core/coverage.js";
import { chooseBackupMinute, formatMinute } from "../core/ha-backup.js";
import { type CalendarInput, type IcsEvent, planCalendarEvents, renderIcs } from "../core/ics.js";
import type { ClusterFacts } from "../core/model.js";
import { type ClusterReport, formatWall } from "../core/status.js";
import type { DsmClient } from "../dsm/client.js";
import { terminalSafe } from "../dsm/report.js";
import type { CalendarEventWire } from "../entities/catalogue.js";
import { InputError } from "../errors.js";
import { connectToHa, haTargetFromEnv } from "../ha/connection.js";
import { createHaBackupsApi, whenConnected, wsPortOf } from "../ha/ha-backups.js";
import type { Logger } from "../log.js";
import { haBackupStatePath, loadHaBackupState } from "../service/ha-backup-watch.js";
import type { CommandContext } from "./context.js";
import { busyFromTiers } from "./ha-backup.js";

/**
 * `pve-backup calendar [--ics] [--days N]`: scheduled backup runs for the next N days and the runs
 * of the past N days with their outcome (as far back as the task history read, 14 days).
 */

export const DEFAULT_CALENDAR_DAYS = 14;
const DAY_MS = 86_400_000;
/** Where Home Assistant runs its automatic backup unless told otherwise (see ha-backup). */
const HA_PREFERRED_MIN = 4 * 60 + 45;
const HA_BACKUP_MIN = 60;

/**
 * Home Assistant's automatic backup as a PVE calendar event: the days of `ha_backups.schedule` at
 * the time `pve-backup ha-backup configure` gives it (clear of the PVE window). Undefined when
 * it never runs or no time of day is clear.
 */
export function haBackupSchedule(config: Config): string | undefined {
  const ha = config.haBackups;
  if (!ha || ha.schedule.recurrence === "never") return undefined;
  const minute = chooseBackupMinute(busyFromTiers(config.tiers), HA_PREFERRED_MIN, HA_BACKUP_MIN);
  if (minute === undefined) return undefined;
  return ha.schedule.recurrence === "daily"
    ? formatMinute(minute)
    : `${ha.schedule.days.join(",")} ${formatMinute(minute)}`;
}

type Facts = Extract<ClusterFacts, { reachable: true }>;

/** What the calendar shows beside PVE: Hyper Backup's next runs, Home Assistant's next backup. */
export type CalendarExtras = Pick<CalendarInput, "hyperBackup"> & { readonly haNextAutomaticMs?: number };

/** The Hyper Backup tasks' next runs as DSM plans them (a task without one has none). */
export function hyperBackupRuns(
  tasks: readonly HyperBackupTask[] | null | undefined,
): NonNullable<CalendarInput["hyperBackup"]> {
  return hyperBackupNextRuns(tasks ?? []).map((r) => ({
    task: r.name,
    taskId: r.taskId,
    nextRunMs: r.startMs,
  }));
}

/** The calendar's input from the last refresh: every cluster's jobs and backup attempts. */
export function calendarInput(
  config: Config,
  reports: readonly ClusterReport[],
  facts: readonly Facts[],
  nowMs: number,
  days: number,
  extra: CalendarExtras = {},
): CalendarInput {
  const guestsOf = (cluster: string, job: string) =>
    reports
      .filter((r) => r.cluster === cluster)
      .flatMap((r) => r.guests.filter((g) => g.jobs.includes(job)).map((g) => g.vmid));
  const ha = haBackupSchedule(config);
  return {
    jobs: facts.flatMap((f) =>
      f.jobs.map((j) => ({
        cluster: f.cluster,
        id: j.id,
        enabled: j.enabled,
        schedule: j.schedule,
        storage: j.storage,
        guests: guestsOf(f.cluster, j.id),
      })),
    ),
    attempts: facts.flatMap((f) => f.attempts.map((a) => ({ ...a, cluster: f.cluster }))),
    haBackup:
      ha === undefined && extra.haNextAutomaticMs === undefined
        ? undefined
        : { schedule: ha, nextAutomaticMs: extra.haNextAutomaticMs },
    hyperBackup: extra.hyperBackup,
    timeZone: config.timeZone,
    nowMs,
    fromMs: nowMs - days * DAY_MS,
    toMs: nowMs + days * DAY_MS,
  };
}

/** The events of one cluster's calendar for Home Assistant's calendar entity. */
export function calendarEventsFor(
  config: Config,
  reports: readonly ClusterReport[],
  facts: ClusterFacts | undefined,
  nowMs: number,
  days = DEFAULT_CALENDAR_DAYS,
  extra: CalendarExtras = {},
): CalendarEventWire[] | undefined {
  if (!facts?.reachable) return undefined;
  const input = calendarInput(config, reports, [facts], nowMs, days, extra);
  return planCalendarEvents(input).map((e) => ({
    uid: e.uid,
    summary: e.summary,
    start: new Date(e.startMs).toISOString(),
    end: new Date(e.endMs).toISOString(),
    description: e.description ?? null,
  }));
}

export function calendarIcs(input: CalendarInput, events: readonly IcsEvent[], name: string): string {
  return renderIcs(events, {
    timeZone: input.timeZone,
    calendarName: name,
    dtstampMs: input.nowMs,
    fromMs: input.fromMs,
    toMs: input.toMs,
  });
}

export function parseDays(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CALENDAR_DAYS;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 366)
    throw new InputError(`--days must be a whole number of days from 1 to 366, not '${text}'`);
  return n;
}

/** Where the CLI's calendar finds what lies beside PVE; each part may fail alone. */
export interface CalendarSources {
  /** The NAS (options `nas`): its Hyper Backup tasks. */
  readonly dsm?: Pick<DsmClient, "hyperBackupTasks">;
  /** Home Assistant's next automatic backup (undefined: not known). */
  readonly haNextAutomaticMs?: () => Promise<number | undefined>;
  readonly warn?: (message: string) => void;
}

export async function calendarCommand(
  ctx: CommandContext,
  flags: { readonly ics: boolean; readonly days?: string },
  sources: CalendarSources = {},
): Promise<number> {
  const days = parseDays(flags.days);
  const reports = await ctx.app.monitor.refresh(ctx.nowMs);
  const facts = ctx.config.clusters
    .map((c) => ctx.app.monitor.facts(c.name))
    .filter((f): f is Facts => f?.reachable === true);
  let incomplete = false;
  let hyperBackup: CalendarExtras["hyperBackup"];
  // The NAS down: its runs are missing (and said), PVE's are all there.
  if (sources.dsm)
    try {
      hyperBackup = hyperBackupRuns(await sources.dsm.hyperBackupTasks());
    } catch (err) {
      incomplete = true;
      sources.warn?.(
        `Hyper Backup's next runs are left out: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  const haNextAutomaticMs = await sources.haNextAutomaticMs?.();
  const input = calendarInput(ctx.config, reports, facts, ctx.nowMs, days, {
    hyperBackup,
    haNextAutomaticMs,
  });
  const events = planCalendarEvents(input);
  if (flags.ics) ctx.out(calendarIcs(input, events, "PVE Backup"));
  else if (ctx.json)
    ctx.out(
      `${JSON.stringify(
        events.map((e) => ({
          ...e,
          start: new Date(e.startMs).toISOString(),
          end: new Date(e.endMs).toISOString(),
        })),
        null,
        2,
      )}\n`,
    );
  else {
    const tz = ctx.config.timeZone;
    const head = `START (${tz})`.padEnd(16);
    ctx.out(`${head}  END    EVENT\n`);
    for (const e of events)
      ctx.out(
        `${formatWall(e.startMs, tz).padEnd(head.length)}  ${formatWall(e.endMs, tz).slice(11)}  ${terminalSafe(e.summary)}\n`,
      );
    if (events.length === 0) ctx.out("(no backup runs in this span)\n");
  }
  return incomplete || reports.some((r) => !r.reachable) ? 2 : 0;
}

/**
 * Home Assistant's next automatic backup for the CLI: asked of Home Assistant (`backup/info`) when
 * the environment says how to reach it (inside the add-on, or `HA_URL` and `HA_TOKEN`), else as the
 * service last saw it (its state file beside the options); undefined when neither knows.
 */
export async function haNextAutomaticFor(deps: {
  readonly env: NodeJS.ProcessEnv;
  readonly optionsPath?: string;
  readonly log: Logger;
  readonly timeoutMs?: number;
}): Promise<number | undefined> {
  const target = haTargetFromEnv(deps.env);
  if (target) {
    const link = connectToHa(target, deps.log);
    try {
      await whenConnected(link, target.wsUrl, deps.timeoutMs ?? 10_000);
      return (await createHaBackupsApi(wsPortOf(link)).info()).nextAutomaticMs;
    } catch (err) {
      deps.log.warn(
        `Home Assistant's next automatic backup not asked: ${err instanceof Error ? err.message : String(err)}; using the service's last look`,
      );
    } finally {
      link.close();
    }
  }
  const saved = loadHaBackupState(deps.optionsPath && haBackupStatePath(deps.optionsPath), deps.log);
  return msOf(saved.status.nextAutomatic);
}

/** Epoch ms of an ISO time as the state files keep it; undefined for none or a damaged one. */
export function msOf(iso: string | null | undefined): number | undefined {
  const ms = typeof iso === "string" ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}
