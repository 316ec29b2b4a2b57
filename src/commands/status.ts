import { renderStatusTable, type StatusExtras, statusExitCode, toStatusJson } from "../report.js";
import type { CommandContext } from "./context.js";

/** `pve-backup status`: 0 every guest ok, 1 some guest has a problem, 2 something undetermined. */
export async function statusCommand(ctx: CommandContext, extras: StatusExtras = {}): Promise<number> {
  const reports = await ctx.app.monitor.refresh(ctx.nowMs);
  ctx.out(
    ctx.json
      ? `${JSON.stringify(toStatusJson(reports, extras), null, 2)}\n`
      : renderStatusTable(reports, ctx.config.timeZone, ctx.config.clusters),
  );
  return statusExitCode(reports);
}
