import type { Config } from "../config/schema.js";
import { judgeExtractedConfig, type VerifyOutcome } from "../core/verify-archive.js";
import { beginRun, finishRun, recordVerification, type VerifyDepth } from "../core/verify-run.js";
import { InputError, UpstreamError } from "../errors.js";
import type { Logger } from "../log.js";
import { type NasSession, openNas } from "../ssh/nas.js";
import { type DumpSource, fullCheckArchive } from "../verify/full-check.js";
import { loadLedger, saveLedger } from "../verify/ledger-file.js";
import { type ArchiveTarget, newestArchives } from "../verify/targets.js";
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

export interface VerifyRow {
  readonly vmid: number;
  readonly name: string;
  readonly volid: string;
  readonly depth: VerifyDepth;
  readonly result: "ok" | "failed";
  readonly durationMs: number;
  readonly message: string;
}

/** Which guests a selector names: a vmid, a tier's guests, or every guest with an archive. */
export function selectTargets(
  config: Pick<Config, "tiers">,
  all: readonly ArchiveTarget[],
  selector: string | undefined,
): ArchiveTarget[] {
  if (selector === undefined) return [...all];
  if (/^\d+$/.test(selector)) {
    const vmid = Number(selector);
    const t = all.filter((a) => a.vmid === vmid);
    if (t.length === 0) throw new InputError(`guest ${vmid} has no archive on the backup storage to verify`);
    return t;
  }
  const tier = config.tiers.find((x) => x.name.toLowerCase() === selector.toLowerCase());
  if (!tier)
    throw new InputError(
      `'${selector}' is neither a vmid nor a tier (tiers: ${config.tiers.map((x) => x.name).join(", ") || "none"})`,
    );
  return all.filter((a) => tier.guests.includes(a.vmid));
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
  const targets = selectTargets(ctx.config, await newestArchives(api, cluster.name, storage), selector);
  if (targets.length === 0) throw new InputError("no archive to verify for that selection");
  const depth: VerifyDepth = full ? "full" : "api";
  let dump: (DumpSource & { close(): void }) | undefined;
  if (full) {
    if (!deps.openDump)
      throw new InputError(
        "a full check reads the archives from the NAS: set verify.dump_path and the NAS login in ha_backups (host, username, key or password, host_key_fingerprint)",
      );
    dump = await deps.openDump();
  }
  const started = beginRun(loadLedger(deps.ledgerPath), depth, targets, ctx.nowMs);
  let ledger = started.ledger;
  saveLedger(deps.ledgerPath, ledger);
  if (started.resumed && !ctx.json)
    ctx.out(`resuming: ${targets.length - started.pending.length} of ${targets.length} already checked\n`);
  const rows: VerifyRow[] = [];
  try {
    for (const t of started.pending as ArchiveTarget[]) {
      const t0 = clock();
      let outcome: VerifyOutcome;
      if (dump) {
        outcome = (
          await fullCheckArchive(
            dump,
            { name: t.fileName, sizeBytes: t.sizeBytes },
            {
              bytesPerSec: ctx.config.verify.maxBytesPerSec,
              nowMs: clock,
              sleep,
            },
          )
        ).outcome;
      } else {
        let result: { text: string } | { error: string };
        try {
          const text = await api.get(`/nodes/${t.node}/vzdump/extractconfig`, { volume: t.volid });
          result = typeof text === "string" ? { text } : { error: "PVE answered without a config" };
        } catch (err) {
          // A 500 is PVE's `die` while reading the archive: that is the verdict. Anything else (no
          // answer, a node down, a missing privilege) says nothing about the archive.
          if (!(err instanceof UpstreamError && err.details.status === 500)) throw err;
          result = {
            error: err.message
              .replace(/^GET \S+: 500 /, "")
              .replace(/\s+/g, " ")
              .trim(),
          };
        }
        outcome = judgeExtractedConfig(t.guestType, result);
      }
      const durationMs = clock() - t0;
      ledger = recordVerification(ledger, t, depth, outcome, ctx.nowMs + (clock() - t0), durationMs);
      saveLedger(deps.ledgerPath, ledger);
      rows.push({
        vmid: t.vmid,
        name: t.name,
        volid: t.volid,
        depth,
        result: outcome.result,
        durationMs,
        message: outcome.message,
      });
      if (!ctx.json)
        ctx.out(
          `${t.vmid} ${t.name}: ${outcome.result} (${depth}, ${(durationMs / 1000).toFixed(1)} s) ${outcome.message}\n`,
        );
    }
    ledger = finishRun(ledger);
    saveLedger(deps.ledgerPath, ledger);
  } finally {
    dump?.close();
  }
  // Archives a resumed run had already checked count too.
  const all = targets.map((t) => ledger.lastVerified[t.key]);
  if (ctx.json)
    ctx.out(
      `${JSON.stringify({ results: rows, lastVerified: Object.fromEntries(targets.map((t) => [t.vmid, ledger.lastVerified[t.key] ?? null])) }, null, 2)}\n`,
    );
  return all.some((v) => v === undefined || v.result === "failed") ? 1 : 0;
}

/** The NAS's dump directory over SFTP, with the `ha_backups` login and pinned host key. */
export function dumpOpener(config: Config, log: Logger): (() => Promise<NasSession>) | undefined {
  const nas = config.haBackups;
  const dumpPath = config.verify.dumpPath;
  if (!nas || !dumpPath) return undefined;
  return () =>
    openNas(
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
}
