import { z } from "zod";
import type { HaBackupRef } from "../core/ha-backup.js";
import { InputError, UpstreamError } from "../errors.js";
import type { HaLink } from "./connection.js";

/**
 * Home Assistant Core's own backup manager over the websocket API (`backup/*`, all admin-only;
 * reference ha-card-and-frontend-testing.md §4, home-assistant.md §3.3). Both shapes are read:
 * 2025.1 (`agent_ids`, top-level `size`/`protected`, `schedule: {state}`, a schedule given as one
 * string) and 2025.2 on (`agents: {<id>: {size, protected}}`, `schedule: {recurrence, days,
 * time}`). Answers are parsed with zod and mapped once into the shapes below.
 */

/** What this adapter needs of a websocket connection; HAWS's `Connection` is one. */
export interface HaWsPort {
  sendMessagePromise<T>(message: { type: string; [k: string]: unknown }): Promise<T>;
  subscribeMessage<T>(
    callback: (event: T) => void,
    message: { type: string; [k: string]: unknown },
  ): Promise<() => Promise<void>>;
}

/** A link of connection.ts as this adapter's port. */
export function wsPortOf(link: HaLink): HaWsPort {
  return {
    sendMessagePromise: (message) => link.send(message),
    subscribeMessage: (callback, message) => link.subscribe(callback, message),
  };
}

/** Resolves once the link is connected; rejects (and closes it) after `timeoutMs` without. */
export function whenConnected(link: HaLink, what: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (link.connected) return resolve();
    const timer = setTimeout(() => {
      link.close();
      reject(
        new UpstreamError(`cannot connect to Home Assistant at ${what} (see the lines above)`, {
          retryable: true,
        }),
      );
    }, timeoutMs);
    link.onReady(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export interface HaBackupAgent {
  readonly agentId: string;
  readonly name: string;
}

export interface HaBackup {
  readonly backupId: string;
  readonly name: string;
  readonly dateMs: number;
  readonly agents: Readonly<Record<string, { readonly sizeBytes: number; readonly protected: boolean }>>;
  readonly failedAgentIds: readonly string[];
  readonly withAutomaticSettings: boolean | null;
  readonly homeassistantIncluded: boolean;
  readonly databaseIncluded: boolean;
  readonly addons: readonly string[];
  readonly folders: readonly string[];
}

export interface HaBackupsInfo {
  readonly backups: readonly HaBackup[];
  readonly agentErrors: Readonly<Record<string, string>>;
  readonly lastAttemptedAutomaticMs?: number;
  readonly lastCompletedAutomaticMs?: number;
  /** 2025.2 on; undefined in 2025.1 (which plans 04:45 plus up to an hour of jitter). */
  readonly nextAutomaticMs?: number;
}

export type Recurrence = "never" | "daily" | "custom_days";
export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

export interface HaBackupConfig {
  /** Which wire shape the installation speaks. */
  readonly shape: "2025.1" | "2025.2";
  readonly agentIds: readonly string[];
  readonly includeDatabase: boolean;
  readonly includeAllAddons: boolean;
  readonly includeAddons: readonly string[];
  readonly includeFolders: readonly string[];
  readonly retentionCopies: number | null;
  readonly retentionDays: number | null;
  readonly schedule: {
    readonly recurrence: Recurrence;
    readonly days: readonly Weekday[];
    readonly time?: string;
  };
  readonly lastAttemptedAutomaticMs?: number;
  readonly lastCompletedAutomaticMs?: number;
  readonly nextAutomaticMs?: number;
}

export interface HaBackupConfigChange {
  readonly agentIds?: readonly string[];
  readonly includeDatabase?: boolean;
  readonly includeAllAddons?: boolean;
  readonly includeAddons?: readonly string[];
  readonly includeFolders?: readonly string[];
  readonly retentionCopies?: number | null;
  readonly schedule?: {
    readonly recurrence: Recurrence;
    readonly days?: readonly Weekday[];
    readonly time?: string;
  };
}

/** One event of `backup/subscribe_events`. */
export interface HaBackupEvent {
  readonly managerState: string;
  readonly stage?: string | null;
  readonly state?: string;
  readonly reason?: string | null;
}

export interface BackupNowRequest {
  /**
   * Back up as the automatic backup would (`backup/generate_with_automatic_settings`): its agents,
   * its content, and its retention applies afterwards. The other fields are then ignored.
   */
  readonly automaticSettings?: boolean;
  readonly agentIds: readonly string[];
  readonly name?: string;
  readonly includeDatabase?: boolean;
  readonly includeFolders?: readonly string[];
  readonly includeAllAddons?: boolean;
  readonly password?: string;
}

export type BackupNowOutcome =
  | { readonly kind: "completed"; readonly backup: HaBackup; readonly events: readonly HaBackupEvent[] }
  | { readonly kind: "failed"; readonly reason?: string; readonly events: readonly HaBackupEvent[] };

export interface HaBackupsApi {
  agents(): Promise<HaBackupAgent[]>;
  info(): Promise<HaBackupsInfo>;
  config(): Promise<HaBackupConfig>;
  updateConfig(change: HaBackupConfigChange): Promise<void>;
  /** Start a backup; returns HA's job id. */
  generate(req: BackupNowRequest): Promise<string>;
  subscribeEvents(onEvent: (e: HaBackupEvent) => void): Promise<() => Promise<void>>;
  /** Back up now and follow it to its end through `backup/subscribe_events`. */
  backupNow(
    req: BackupNowRequest,
    opts?: { readonly timeoutMs?: number; readonly onEvent?: (e: HaBackupEvent) => void },
  ): Promise<BackupNowOutcome>;
}

const Time = z
  .string()
  .nullish()
  .transform((s) => (s ? Date.parse(s) : undefined))
  .transform((ms) => (ms === undefined || Number.isNaN(ms) ? undefined : ms));

const Agents = z.object({ agents: z.array(z.object({ agent_id: z.string(), name: z.string().optional() })) });

const Backup = z
  .object({
    backup_id: z.string(),
    name: z.string(),
    date: z.string(),
    agents: z.record(z.string(), z.object({ size: z.number(), protected: z.boolean() })).optional(),
    agent_ids: z.array(z.string()).optional(),
    size: z.number().optional(),
    protected: z.boolean().optional(),
    failed_agent_ids: z.array(z.string()).optional(),
    with_automatic_settings: z.boolean().nullish(),
    homeassistant_included: z.boolean(),
    database_included: z.boolean(),
    addons: z.array(z.object({ slug: z.string() })).default([]),
    folders: z.array(z.string()).default([]),
  })
  .transform(
    (b): HaBackup => ({
      backupId: b.backup_id,
      name: b.name,
      dateMs: Date.parse(b.date),
      agents: b.agents
        ? Object.fromEntries(
            Object.entries(b.agents).map(([id, a]) => [id, { sizeBytes: a.size, protected: a.protected }]),
          )
        : Object.fromEntries(
            (b.agent_ids ?? []).map((id) => [
              id,
              { sizeBytes: b.size ?? 0, protected: b.protected ?? false },
            ]),
          ),
      failedAgentIds: b.failed_agent_ids ?? [],
      withAutomaticSettings: b.with_automatic_settings ?? null,
      homeassistantIncluded: b.homeassistant_included,
      databaseIncluded: b.database_included,
      addons: b.addons.map((a) => a.slug),
      folders: b.folders,
    }),
  );

const Info = z.object({
  backups: z.array(Backup),
  agent_errors: z.record(z.string(), z.string()).default({}),
  last_attempted_automatic_backup: Time,
  last_completed_automatic_backup: Time,
  next_automatic_backup: Time,
});

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

const Config = z.object({
  config: z.object({
    create_backup: z.object({
      agent_ids: z.array(z.string()),
      include_addons: z.array(z.string()).nullish(),
      include_all_addons: z.boolean(),
      include_database: z.boolean(),
      include_folders: z.array(z.string()).nullish(),
    }),
    retention: z.object({ copies: z.number().int().nullish(), days: z.number().int().nullish() }),
    schedule: z.union([
      z.object({
        recurrence: z.enum(["never", "daily", "custom_days"]),
        days: z.array(z.enum(WEEKDAYS)).default([]),
        time: z.string().nullish(),
      }),
      z.object({ state: z.enum(["never", "daily", ...WEEKDAYS]) }),
    ]),
    last_attempted_automatic_backup: Time,
    last_completed_automatic_backup: Time,
    next_automatic_backup: Time,
  }),
});

const Generated = z.object({ backup_job_id: z.string() });

const Event = z
  .object({
    manager_state: z.string(),
    stage: z.string().nullish(),
    state: z.string().optional(),
    reason: z.string().nullish(),
  })
  .passthrough();

export function createHaBackupsApi(ws: HaWsPort): HaBackupsApi {
  const call = async <S extends z.ZodType>(schema: S, msg: { type: string; [k: string]: unknown }) => {
    let answer: unknown;
    try {
      answer = await ws.sendMessagePromise<unknown>(msg);
    } catch (err) {
      throw new UpstreamError(`Home Assistant ${msg.type}: ${describe(err)}`, {
        retryable: true,
        cause: err,
      });
    }
    const parsed = schema.safeParse(answer);
    if (!parsed.success)
      throw new UpstreamError(`Home Assistant ${msg.type}: an answer this version does not understand`, {
        retryable: false,
        cause: parsed.error,
      });
    return parsed.data as z.infer<S>;
  };

  const api: HaBackupsApi = {
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
        nextAutomaticMs: i.next_automatic_backup,
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
        schedule:
          "state" in s
            ? s.state === "never" || s.state === "daily"
              ? { recurrence: s.state, days: [] }
              : { recurrence: "custom_days", days: [s.state] }
            : { recurrence: s.recurrence, days: s.days, time: s.time ?? undefined },
        lastAttemptedAutomaticMs: c.last_attempted_automatic_backup,
        lastCompletedAutomaticMs: c.last_completed_automatic_backup,
        nextAutomaticMs: c.next_automatic_backup,
      };
    },
    async updateConfig(change) {
      const current = await api.config();
      const msg: Record<string, unknown> = { type: "backup/config/update" };
      const create: Record<string, unknown> = {};
      if (change.agentIds !== undefined) create.agent_ids = [...change.agentIds];
      if (change.includeDatabase !== undefined) create.include_database = change.includeDatabase;
      if (change.includeAllAddons !== undefined) create.include_all_addons = change.includeAllAddons;
      if (change.includeAddons !== undefined) create.include_addons = [...change.includeAddons];
      if (change.includeFolders !== undefined) create.include_folders = [...change.includeFolders];
      if (Object.keys(create).length > 0) msg.create_backup = create;
      if (change.retentionCopies !== undefined)
        msg.retention = { copies: change.retentionCopies, days: current.retentionDays };
      if (change.schedule !== undefined) msg.schedule = scheduleFor(current.shape, change.schedule);
      await call(z.unknown(), msg as { type: string });
    },
    async generate(req) {
      if (req.automaticSettings)
        return (await call(Generated, { type: "backup/generate_with_automatic_settings" })).backup_job_id;
      const g = await call(Generated, {
        type: "backup/generate",
        agent_ids: [...req.agentIds],
        include_database: req.includeDatabase ?? true,
        include_all_addons: req.includeAllAddons ?? false,
        ...(req.includeFolders && req.includeFolders.length > 0
          ? { include_folders: [...req.includeFolders] }
          : {}),
        ...(req.name ? { name: req.name } : {}),
        ...(req.password ? { password: req.password } : {}),
      });
      return g.backup_job_id;
    },
    async subscribeEvents(onEvent) {
      try {
        return await ws.subscribeMessage<unknown>(
          (raw) => {
            const e = Event.safeParse(raw);
            if (e.success)
              onEvent({
                managerState: e.data.manager_state,
                stage: e.data.stage,
                state: e.data.state,
                reason: e.data.reason,
              });
          },
          { type: "backup/subscribe_events" },
        );
      } catch (err) {
        throw new UpstreamError(`Home Assistant backup/subscribe_events: ${describe(err)}`, {
          retryable: true,
          cause: err,
        });
      }
    },
    async backupNow(req, opts = {}) {
      const before = new Set((await api.info()).backups.map((b) => b.backupId));
      const events: HaBackupEvent[] = [];
      let settle: ((e: HaBackupEvent) => void) | undefined;
      const ended = new Promise<HaBackupEvent>((r) => {
        settle = r;
      });
      let started = false;
      const unsubscribe = await api.subscribeEvents((e) => {
        events.push(e);
        opts.onEvent?.(e);
        if (e.managerState === "create_backup") started = true;
        if (e.managerState === "create_backup" && (e.state === "completed" || e.state === "failed"))
          settle?.(e);
        // Back to idle after a run without a final state (an older release): the run is over.
        else if (started && e.managerState === "idle") settle?.(e);
      });
      let timer: NodeJS.Timeout | undefined;
      try {
        await api.generate(req);
        const timeoutMs = opts.timeoutMs ?? 3_600_000;
        const last = await Promise.race([
          ended,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new UpstreamError(`Home Assistant's backup did not finish within ${timeoutMs / 1000} s`, {
                    retryable: true,
                  }),
                ),
              timeoutMs,
            );
          }),
        ]);
        if (last.state === "failed")
          return { kind: "failed", reason: last.reason ?? last.stage ?? undefined, events };
        const fresh = (await api.info()).backups
          .filter((b) => !before.has(b.backupId))
          .sort((a, b) => b.dateMs - a.dateMs)[0];
        if (!fresh) return { kind: "failed", reason: "no new backup appeared", events };
        return { kind: "completed", backup: fresh, events };
      } finally {
        clearTimeout(timer);
        await unsubscribe().catch(() => {
          // The connection went away: the subscription went with it.
        });
      }
    },
  };
  return api;
}

/** The schedule as this installation wants it written (a string in 2025.1, an object later). */
function scheduleFor(
  shape: HaBackupConfig["shape"],
  s: NonNullable<HaBackupConfigChange["schedule"]>,
): unknown {
  if (shape === "2025.2")
    return { recurrence: s.recurrence, days: [...(s.days ?? [])], time: s.time ?? null };
  if (s.recurrence !== "custom_days") return s.recurrence;
  if (s.days?.length === 1) return s.days[0];
  throw new InputError(
    "this Home Assistant (2025.1) schedules automatic backups daily or on one weekday only: give one day or 'daily'",
  );
}

/** The backup as the NAS agent holds it, for verification; undefined when that agent has no copy. */
export function refForAgent(b: HaBackup, agentId: string): HaBackupRef | undefined {
  const a = b.agents[agentId];
  if (!a) return undefined;
  return {
    backupId: b.backupId,
    name: b.name,
    dateMs: b.dateMs,
    sizeBytes: a.sizeBytes,
    protected: a.protected,
    homeassistantIncluded: b.homeassistantIncluded,
    addons: b.addons,
    folders: b.folders,
  };
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && "message" in err)
    return String((err as { message: unknown }).message);
  return String(err);
}
