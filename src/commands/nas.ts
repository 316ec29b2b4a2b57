import type { Config } from "../config/schema.js";
import type { GuestCopies } from "../core/coverage.js";
import type { DsmClient } from "../dsm/client.js";
import {
  nasExitCode,
  renderNasText,
  statusWithNas,
  terminalSafe,
  toCopiesJson,
  toNasJsonAll,
} from "../dsm/report.js";
import { type ClusterNasView, readNasViews } from "../dsm/view.js";
import { InputError } from "../errors.js";
import type { PveApi } from "../pve/api.js";
import type { StatusExtras } from "../report.js";
import { type CommandContext, pickCluster, requireStorage } from "./context.js";
import { printStatus } from "./status.js";

/** The DSM client for the options' `nas` block. */
/** How many archives the tiers keep of a guest. */
export function keepFromTiers(config: Config): (vmid: number) => number | undefined {
  return (vmid) => config.tiers.find((t) => t.guests.includes(vmid))?.keepLast;
}

/**
 * The NAS judged for every cluster (or only the one named with `--cluster`): DSM is read once,
 * each cluster's backup storage is placed on the NAS or not (then its off-NAS copies are unknown).
 */
export async function nasViews(ctx: CommandContext, dsm: DsmClient): Promise<ClusterNasView[]> {
  const storage = requireStorage(ctx);
  const nas = ctx.config.nas;
  if (!nas) throw new InputError("set 'nas' in the options first (url, username, password, fingerprint)");
  const chosen = ctx.cluster ? [pickCluster(ctx).cluster] : ctx.config.clusters;
  return readNasViews({
    dsm,
    clusters: chosen.map((c) => ({
      cluster: c.name,
      api: ctx.app.apis.get(c.name) as PveApi,
      facts: ctx.app.monitor.facts(c.name),
    })),
    storage,
    nas,
    haBackupsPath: ctx.config.haBackups?.sharePath,
    keepOf: keepFromTiers(ctx.config),
    nowMs: ctx.nowMs,
  });
}

/**
 * `pve-backup nas [status]`: Hyper Backup tasks, which covers the archives, each guest's copies,
 * the share's space; exits 0 nothing wrong, 1 a problem, 2 something could not be read.
 * `pve-backup nas run TASK`: start a Hyper Backup task (name or id) now.
 */
export async function nasCommand(
  ctx: CommandContext,
  verb: string | undefined,
  args: readonly string[],
  dsm: DsmClient,
): Promise<number> {
  if (verb === "run") {
    const wanted = args[0];
    if (wanted === undefined) throw new InputError("nas run takes the name (or id) of a Hyper Backup task");
    const tasks = await dsm.hyperBackupTasks();
    if (tasks === null) throw new InputError("Hyper Backup is not installed on the NAS");
    const task = tasks.find((t) => t.name === wanted) ?? tasks.find((t) => String(t.id) === wanted);
    if (!task)
      throw new InputError(
        terminalSafe(
          `no Hyper Backup task '${wanted}'; the NAS has: ${tasks.map((t) => `'${t.name}' (${t.id})`).join(", ") || "none"}`,
        ),
      );
    // A second click while it runs: DSM would refuse it anyway, with a bare error number.
    if (task.status !== "none" && task.status !== "")
      throw new InputError(
        terminalSafe(`Hyper Backup task '${task.name}' is busy (${task.status}); nothing was started`),
      );
    await dsm.runTask(task.id);
    ctx.out(
      ctx.json
        ? `${JSON.stringify({ started: { id: task.id, name: task.name } }, null, 2)}\n`
        : `${terminalSafe(`started Hyper Backup task '${task.name}' (${task.id})`)}\n`,
    );
    return 0;
  }
  const reports = await ctx.app.monitor.refresh(ctx.nowMs);
  const views = await nasViews(ctx, dsm);
  const guestsOf = (cluster: string) => reports.flatMap((r) => r.guests).filter((g) => g.cluster === cluster);
  ctx.out(
    ctx.json
      ? `${JSON.stringify(
          {
            nas: toNasJsonAll(views),
            guests: views.flatMap(({ cluster, view }) =>
              guestsOf(cluster).map((g) => ({
                cluster: g.cluster,
                vmid: g.vmid,
                name: g.name,
                copies: view.copies.has(g.vmid) ? toCopiesJson(view.copies.get(g.vmid) as GuestCopies) : null,
              })),
            ),
          },
          null,
          2,
        )}\n`
      : views
          .map(({ cluster, view }) =>
            views.length > 1
              ? `Cluster ${cluster}:\n${renderNasText(view, guestsOf(cluster), ctx.config.timeZone)}`
              : renderNasText(view, guestsOf(cluster), ctx.config.timeZone),
          )
          .join("\n"),
  );
  return Math.max(0, ...views.map(({ view }) => nasExitCode(view)));
}

/** `pve-backup status` with `nas` configured: the same, plus the `nas` key and per guest `copies`. */
export async function statusWithNasCommand(
  ctx: CommandContext,
  dsm: DsmClient,
  extras: StatusExtras = {},
): Promise<number> {
  const reports = await ctx.app.monitor.refresh(ctx.nowMs);
  // Without a backup storage there is no NAS folder to judge: the plain status.
  const nas = ctx.config.storage ? await nasViews(ctx, dsm) : undefined;
  const code = printStatus(ctx, reports, extras, (plain) =>
    nas ? (statusWithNas(plain, true, nas) ?? plain) : { ...plain, nas: null },
  );
  if (!ctx.json)
    for (const f of toNasJsonAll(nas ?? [])?.findings ?? [])
      ctx.out(`${terminalSafe(`! NAS: ${f.message}`)}
`);
  return code;
}
