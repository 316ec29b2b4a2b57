import { diagnoseToken } from "../service/policy.js";
import { type CommandContext, pickCluster } from "./context.js";

/**
 * `pve-backup doctor`: what the token can do, what it cannot and the `pveum` lines that fix it;
 * plus backup jobs whose results never reach the notification system.
 * Exit 0 when every capability the options need works, 1 otherwise.
 */
export async function doctorCommand(ctx: CommandContext): Promise<number> {
  const { cluster } = pickCluster(ctx);
  const r = await diagnoseToken(ctx.app, { cluster: cluster.name });
  if (ctx.json) {
    ctx.out(
      `${JSON.stringify({ cluster: r.cluster, token: r.token, capabilities: r.capabilities.map(({ needed: _, ...c }) => c), fix: r.fix, mailtoJobs: r.mailtoJobs }, null, 2)}\n`,
    );
    return r.missing ? 1 : 0;
  }
  const lines = [`Token ${r.token} on cluster ${r.cluster} (backup storage ${r.storage}):`];
  for (const c of r.capabilities) {
    const tag = c.ok ? "ok     " : c.needed ? "MISSING" : "no     ";
    lines.push(`  ${tag} ${c.label}${c.ok ? "" : `: needs ${c.missing.join(", ")}`}`);
  }
  if (r.missing) {
    lines.push("", "To give the token exactly what PVE Backup needs, run on a PVE node:");
    for (const cmd of r.fix) lines.push(`  ${cmd}`);
  } else lines.push("", "The token can do everything PVE Backup needs.");
  for (const id of r.mailtoJobs)
    lines.push(
      `  note: job ${id} mails its results (mailto, notification-mode auto): they bypass the notification system, so PVE Backup only sees them by polling. Set notification-mode to notification-system.`,
    );
  ctx.out(`${lines.join("\n")}\n`);
  return r.missing ? 1 : 0;
}
