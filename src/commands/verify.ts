import type { Config } from "../config/schema.js";
import { beginRun, type VerifyDepth } from "../core/verify-run.js";
import { selectArchives, type VerifySelection } from "../core/verify-select.js";
import { InputError } from "../errors.js";
import type { Logger } from "../log.js";
import { FULL_NEEDS_NAS } from "../service/verify.js";
import { type NasSession, openNas } from "../ssh/nas.js";
import type { DumpSource } from "../verify/full-check.js";
import { fileLedgerStore } from "../verify/ledger-file.js";
import { type DumpDir, runVerification, type VerifyRunResult } from "../verify/run.js";
import { type ArchiveTarget, readArchives } from "../verify/targets.js";
import { type CommandContext, pickCluster, requireStorage } from "./context.js";

/**
 * `pve-backup verify [vmid|tier] [--full]`: check the newest archive of each chosen guest. Without
 * `--full` PVE reads the archive's header and config (`vzdump/extractconfig`); with it the whole
 * file is read from the NAS over SFTP. Each result goes to the ledger as soon as it is known, so
 * an interrupted run resumes with the archives it had not reached. Exit 0 all ok, 1 some failed.
 */

export interface VerifyCommandDeps {
  readonly ledgerPath: string;
  readonly log: Logger;
  /** The NAS's `dump/` directory (only for `--full`). */
  readonly openDump?: () => Promise<DumpSource & { close(): void }>;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Wall clock for durations (tests pass a fake). */
  readonly clockMs?: () => number;
}

export type { VerifyRow } from "../verify/run.js";

/** `vmid` or tier name → the selection (undefined: every guest with an archive). */
export function selectionOf(selector: string | undefined): VerifySelection {
  if (selector === undefined) return {};
  return /^\d+$/.test(selector) ? { vmids: [Number(selector)] } : { tier: selector };
}

/** The archives a selection names, or an InputError saying why none. */
export function selectTargets(
  config: Pick<Config, "tiers">,
  read: { archives: readonly ArchiveTarget[]; guests?: readonly number[] },
  selection: VerifySelection,
  where: { cluster: string; storage: string },
): readonly ArchiveTarget[] {
  const r = selectArchives({ ...read, tiers: config.tiers, ...where }, selection);
  if (r.kind === "error") throw new InputError(r.message);
  return r.targets;
}

export async function verifyCommand(
  ctx: CommandContext,
  selector: string | undefined,
  full: boolean,
  deps: VerifyCommandDeps,
): Promise<number> {
  const { cluster, api } = pickCluster(ctx);
  const storage = requireStorage(ctx);
  const clock = deps.clockMs ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  if (
    selector !== undefined &&
    !/^\d+$/.test(selector) &&
    !ctx.config.tiers.some((t) => t.name.toLowerCase() === selector.toLowerCase())
  )
    throw new InputError(
      `'${selector}' is neither a vmid nor a tier (tiers: ${ctx.config.tiers.map((x) => x.name).join(", ") || "none"})`,
    );
  const targets = selectTargets(
    ctx.config,
    await readArchives(api, cluster.name, storage),
    selectionOf(selector),
    { cluster: cluster.name, storage },
  );
  const depth: VerifyDepth = full ? "full" : "api";
  let dump: (DumpSource & { close(): void }) | undefined;
  if (full) {
    if (!deps.openDump) throw new InputError(FULL_NEEDS_NAS);
    dump = await deps.openDump();
  }
  const ledger = fileLedgerStore(deps.ledgerPath);
  const pending = beginRun(ledger.load(), depth, targets, ctx.nowMs);
  if (pending.resumed && !ctx.json)
    ctx.out(`resuming: ${targets.length - pending.pending.length} of ${targets.length} already checked\n`);
  const startedMs = clock();
  let run: VerifyRunResult;
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
              `${row.vmid} ${row.name}: ${row.result} (${depth}, ${(row.durationMs / 1000).toFixed(1)} s) ${row.message}\n`,
            );
        },
      },
      targets,
      depth,
    );
  } finally {
    dump?.close();
  }
  // Archives a resumed run had already checked count too.
  const all = targets.map((t) => run.ledger.lastVerified[t.key]);
  if (ctx.json)
    ctx.out(
      `${JSON.stringify({ results: run.rows, lastVerified: Object.fromEntries(targets.map((t) => [t.vmid, run.ledger.lastVerified[t.key] ?? null])) }, null, 2)}\n`,
    );
  return all.some((v) => v === undefined || v.result === "failed") ? 1 : 0;
}

/**
 * The NAS's dump directory over SFTP, with the `ha_backups` login and pinned host key. `alive`
 * asks the NAS for its free space: a read that failed on a connection that still answers is the
 * file's fault, one on a dead connection is the NAS's.
 */
export function dumpOpener(
  config: Config,
  log: Logger,
): (() => Promise<DumpDir & { close(): void }>) | undefined {
  const nas = config.haBackups;
  const dumpPath = config.verify.dumpPath;
  if (!nas || !dumpPath) return undefined;
  return async () => {
    const s: NasSession = await openNas(
      {
        host: nas.host,
        port: nas.port,
        username: nas.username,
        password: nas.password,
        privateKey: nas.privateKey,
        hostKeyFingerprint: nas.hostKeyFingerprint,
        sharePath: dumpPath,
      },
      log,
    );
    return {
      read: (name, onChunk) => s.read(name, onChunk),
      close: () => s.close(),
      alive: () =>
        s.freeBytes().then(
          () => true,
          () => false,
        ),
    };
  };
}
