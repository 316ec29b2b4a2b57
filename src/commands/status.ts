import { withArchiveNotes } from "../core/alerts.js";
import { silentLogger } from "../log.js";
import { renderStatusTable, type StatusExtras, statusExitCode, toStatusJson } from "../report.js";
import { alertOptionsOf, savedAlertInfo, withAlertInfo } from "../service/alerts.js";
import { haBackupStatePath, loadHaBackupState } from "../service/ha-backup-watch.js";
import type { CommandContext } from "./context.js";

/** `pve-backup status`: 0 every guest ok, 1 some guest has a problem, 2 something undetermined. */
export async function statusCommand(ctx: CommandContext, extras: StatusExtras = {}): Promise<number> {
  const reports = await ctx.app.monitor.refresh(ctx.nowMs);
  const haBackups = haBackupsOf(ctx);
  const alerts = ctx.config.alerts;
  const alertInfo = savedAlertInfo(alerts, ctx.config.timeZone, ctx.optionsPath, ctx.nowMs, silentLogger);
  ctx.out(
    ctx.json
      ? `${JSON.stringify(withAlertInfo(toStatusJson(reports, { ...extras, haBackups }), alertInfo), null, 2)}\n`
      : renderStatusTable(
          alerts ? withArchiveNotes(reports, alertOptionsOf(alerts, ctx.config.timeZone)) : reports,
          ctx.config.timeZone,
          ctx.config.clusters,
          haBackups,
        ),
  );
  return statusExitCode(reports);
}

/** Home Assistant's backups as the service (or `pve-backup ha-backup`) last checked them. */
export function haBackupsOf(ctx: CommandContext) {
  return ctx.config.haBackups
    ? loadHaBackupState(ctx.optionsPath && haBackupStatePath(ctx.optionsPath), silentLogger).status
    : null;
}
