import { silentLogger } from "../log.js";
import { renderStatusTable, type StatusExtras, statusExitCode, toStatusJson } from "../report.js";
import { haBackupStatePath, loadHaBackupState } from "../service/ha-backup-watch.js";
import type { CommandContext } from "./context.js";

/** `pve-backup status`: 0 every guest ok, 1 some guest has a problem, 2 something undetermined. */
export async function statusCommand(ctx: CommandContext, extras: StatusExtras = {}): Promise<number> {
  const reports = await ctx.app.monitor.refresh(ctx.nowMs);
  const haBackups = haBackupsOf(ctx);
  ctx.out(
    ctx.json
      ? `${JSON.stringify(toStatusJson(reports, { ...extras, haBackups }), null, 2)}\n`
      : renderStatusTable(reports, ctx.config.timeZone, ctx.config.clusters, haBackups),
  );
  return statusExitCode(reports);
}

/** Home Assistant's backups as the service (or `pve-backup ha-backup`) last checked them. */
export function haBackupsOf(ctx: CommandContext) {
  return ctx.config.haBackups
    ? loadHaBackupState(ctx.optionsPath && haBackupStatePath(ctx.optionsPath), silentLogger).status
    : null;
}
