import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import {
  type HaBackupDeps,
  type HaBackupReport,
  type HaBackupRunOptions,
  haBackupService,
  haBackupsJsonOf,
  runHaBackup,
} from "../commands/ha-backup.js";
import type { HaBackupsConfig } from "../config/schema.js";
import {
  type ChecksumRecord,
  type DayWindow,
  type HaBackupsJson,
  nextChecksums,
  UNCHECKED_HA_BACKUPS,
} from "../core/ha-backup.js";
import type { Logger } from "../log.js";
import { writeJsonFile } from "../state-file.js";

/** The file, beside the options file (`/data` in the add-on), that keeps the checksums and the last check. */
export const HA_BACKUP_STATE_FILE = "pve-backup-ha-backups.json";

export function haBackupStatePath(optionsPath: string): string {
  return join(dirname(optionsPath), HA_BACKUP_STATE_FILE);
}

export interface HaBackupState {
  /** Per backup id, its file's checksum as the first passing verification read it. */
  readonly checksums: Readonly<Record<string, ChecksumRecord>>;
  readonly status: HaBackupsJson;
}

const ChecksumRecordSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int().nonnegative(),
  fileName: z.string(),
  verifiedAtMs: z.number(),
});
const StateFileSchema = z.object({
  version: z.literal(1),
  checksums: z.record(z.string(), ChecksumRecordSchema),
  // Written by this code only; a status of another shape is dropped, the checksums are kept.
  status: z.unknown(),
});

const EMPTY: HaBackupState = { checksums: {}, status: UNCHECKED_HA_BACKUPS };

/** The state file, or nothing recorded when there is none; a damaged one is said and set aside. */
export function loadHaBackupState(path: string | undefined, log: Logger): HaBackupState {
  if (path === undefined) return EMPTY;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      log.warn(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
    return EMPTY;
  }
  let parsed: z.infer<typeof StateFileSchema>;
  try {
    parsed = StateFileSchema.parse(JSON.parse(text));
  } catch {
    log.warn(
      `${path} is damaged: the recorded checksums of Home Assistant's backups start over (a changed file is not detected until it is verified again)`,
    );
    return EMPTY;
  }
  const status = looksLikeStatus(parsed.status) ? parsed.status : UNCHECKED_HA_BACKUPS;
  return { checksums: parsed.checksums, status };
}

function looksLikeStatus(v: unknown): v is HaBackupsJson {
  return (
    typeof v === "object" &&
    v !== null &&
    Array.isArray((v as { problems?: unknown }).problems) &&
    "checkedAt" in v &&
    "verification" in v
  );
}

export function saveHaBackupState(path: string, state: HaBackupState): void {
  writeJsonFile(path, { version: 1, ...state });
}

export interface HaBackupWatchDeps {
  readonly cfg: HaBackupsConfig;
  /** The PVE backup window, to keep HA's automatic backup clear of it. */
  readonly busy: readonly DayWindow[];
  readonly log: Logger;
  readonly nowMs: () => number;
  /** The state file; none (the demo): kept in memory only. */
  readonly statePath?: string;
  /** Called after each check, so the entities follow. */
  readonly onChange?: () => void;
  /** Look at Home Assistant's backups this often (default 1 h)… */
  readonly checkEveryMs?: number;
  /** …the first time this long after Home Assistant is connected (default 1 min)… */
  readonly firstCheckMs?: number;
  /** …and read a backup that passed again after this long (default 24 h). */
  readonly reverifyAfterMs?: number;
}

export interface HaBackupWatch {
  /** `haBackups` in the status JSON and the entities. */
  status(): HaBackupsJson;
  /** Start checking on this connection; answers `pve_backup.backup_home_assistant`. */
  attach(deps: HaBackupDeps): (data: Readonly<Record<string, unknown>>) => Promise<HaBackupReport>;
  /** One run on these adapters, recorded like the service's (the CLI's `pve-backup ha-backup`). */
  run(deps: HaBackupDeps, opts: HaBackupRunOptions): Promise<HaBackupReport>;
  /** One check now, as the timer makes it (tests, and after Home Assistant made a backup). */
  checkNow(): Promise<void>;
  stop(): void;
}

/**
 * Home Assistant's backups on the NAS, watched by the service: every `checkEveryMs` it asks HA for
 * its backups and verifies the newest on the NAS when it is new, when the last try could not reach
 * the NAS, or when it passed more than `reverifyAfterMs` ago. Each passing verification records
 * the file's checksum (kept in the state file); a later read of the same backup that differs is a
 * problem. Checks and service calls run one at a time.
 */
export function createHaBackupWatch(deps: HaBackupWatchDeps): HaBackupWatch {
  const { log, cfg } = deps;
  const checkEveryMs = deps.checkEveryMs ?? 3_600_000;
  const reverifyAfterMs = deps.reverifyAfterMs ?? 86_400_000;
  let state = loadHaBackupState(deps.statePath, log);
  let saveFailed = false;
  let tail: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let haDeps: HaBackupDeps | undefined;
  let lastCheckError: string | undefined;

  const shouldVerify = (newest: { readonly backupId: string }): boolean => {
    const v = state.status.verification;
    if (v === null || v.backupId !== newest.backupId || v.result === "unknown") return true;
    return deps.nowMs() - Date.parse(v.time) >= reverifyAfterMs;
  };

  function enqueue<T>(job: () => Promise<T>): Promise<T> {
    const p = tail.then(job, job);
    tail = p.catch(() => undefined);
    return p;
  }

  async function runAndRecord(d: HaBackupDeps, opts: HaBackupRunOptions): Promise<HaBackupReport> {
    const report = await runHaBackup(d, cfg, { ...opts, busy: deps.busy, recorded: state.checksums });
    const v = report.verification;
    const verified =
      v !== undefined && v.result !== "error" && v.sha256 && v.fileName && v.fileSizeBytes !== undefined
        ? {
            backupId: v.backupId,
            ok: v.result === "ok",
            record: {
              sha256: v.sha256,
              sizeBytes: v.fileSizeBytes,
              fileName: v.fileName,
              verifiedAtMs: deps.nowMs(),
            },
          }
        : undefined;
    state = {
      checksums: nextChecksums(state.checksums, verified, report.listedIds),
      status: haBackupsJsonOf(report, state.status, deps.nowMs()),
    };
    save();
    deps.onChange?.();
    return report;
  }

  function save(): void {
    if (deps.statePath === undefined) return;
    try {
      saveHaBackupState(deps.statePath, state);
      saveFailed = false;
    } catch (err) {
      if (!saveFailed)
        log.warn(
          `cannot write ${deps.statePath} (${err instanceof Error ? err.message : String(err)}): the checksums of Home Assistant's backups are not kept over a restart`,
        );
      saveFailed = true;
    }
  }

  async function check(): Promise<void> {
    const d = haDeps;
    if (!d) return;
    await enqueue(() => runAndRecord(d, { verify: true, shouldVerify })).then(
      () => {
        lastCheckError = undefined;
      },
      (err: unknown) => {
        // Home Assistant away (restarting, connection lost): the next check tries again.
        const message = err instanceof Error ? err.message : String(err);
        if (message !== lastCheckError)
          log.warn(
            `checking Home Assistant's backups: ${message}; trying again in ${checkEveryMs / 60_000} min`,
          );
        lastCheckError = message;
      },
    );
  }

  function schedule(ms: number): void {
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
      schedule(deps.firstCheckMs ?? 60_000);
      return haBackupService((opts) => enqueue(() => runAndRecord(d, opts)));
    },
    run: (d, opts) => enqueue(() => runAndRecord(d, opts)),
    checkNow: check,
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
