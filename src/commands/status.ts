import { silentLogger } from "../log.js";
import { renderStatusTable, statusExitCode, toStatusJson } from "../report.js";
import { haBackupStatePath, loadHaBackupState } from "../service/ha-backup-watch.js";
import type { CommandContext } from "./context.js";

/** `pve-backup status`: 0 every guest ok, 1 some guest has a problem, 2 something undetermined. */
export async function statusCommand(ctx: CommandContext): Promise<number> {
  const reports = await ctx.app.monitor.refresh(ctx.nowMs);
  // Home Assistant's backups as the service (or `pve-backup ha-backup`) last checked them.
  const haBackups = ctx.config.haBackups
    ? loadHaBackupState(ctx.optionsPath && haBackupStatePath(ctx.optionsPath), silentLogger).status
    : null;
  ctx.out(
    ctx.json
      ? `${JSON.stringify(toStatusJson(reports, haBackups), null, 2)}\n`
      : renderStatusTable(reports, ctx.config.timeZone, ctx.config.clusters, haBackups),
  );
  return statusExitCode(reports);
}
