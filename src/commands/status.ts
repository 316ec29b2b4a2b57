import { alertKey, withArchiveNotes } from "../core/alerts.js";
import type { ClusterReport } from "../core/status.js";
import { silentLogger } from "../log.js";
import {
  renderStatusTable,
  type StatusExtras,
  type StatusJson,
  statusExitCode,
  toStatusJson,
} from "../report.js";
import { alertOptionsOf, savedAlertInfo, withAlertInfo } from "../service/alerts.js";
import { haBackupStatePath, loadHaBackupState } from "../service/ha-backup-watch.js";
import type { CommandContext } from "./context.js";

/** `pve-backup status`: 0 every guest ok, 1 some guest has a problem, 2 something undetermined. */
export async function statusCommand(ctx: CommandContext, extras: StatusExtras = {}): Promise<number> {
  return printStatus(ctx, await ctx.app.monitor.refresh(ctx.nowMs), extras);
}

/**
 * Prints the status the way `status` does (the table, or the JSON with alert info and, when the NAS
 * was read, its `nas` key) and returns the exit code. An archived guest (`alerts.archived`) is
 * `not_in_job` on purpose: it is shown as such but does not make the exit code 1.
 */
export function printStatus(
  ctx: CommandContext,
  reports: readonly ClusterReport[],
  extras: StatusExtras,
  withNas?: (status: StatusJson) => StatusJson,
): number {
  const haBackups = haBackupsOf(ctx);
  const alerts = ctx.config.alerts;
  const options = alerts ? alertOptionsOf(alerts, ctx.config.timeZone) : undefined;
  if (ctx.json) {
    const alertInfo = savedAlertInfo(alerts, ctx.config.timeZone, ctx.optionsPath, ctx.nowMs, silentLogger);
    const plain = toStatusJson(reports, { ...extras, haBackups });
    const status = withAlertInfo(withNas ? withNas(plain) : plain, alertInfo);
    ctx.out(`${JSON.stringify(status, null, 2)}\n`);
  } else {
    ctx.out(
      renderStatusTable(
        options ? withArchiveNotes(reports, options) : reports,
        ctx.config.timeZone,
        ctx.config.clusters,
        haBackups,
      ),
    );
  }
  const archived = options?.archived;
  return statusExitCode(
    reports,
    (g) => g.status === "not_in_job" && !!archived?.has(alertKey(g.cluster, g.vmid)),
  );
}

/** Home Assistant's backups as the service (or `pve-backup ha-backup`) last checked them. */
export function haBackupsOf(ctx: CommandContext) {
  return ctx.config.haBackups
    ? loadHaBackupState(ctx.optionsPath && haBackupStatePath(ctx.optionsPath), silentLogger).status
    : null;
}
