import { CAPABILITIES, type Capability, checkCapabilities, pveumCommands } from "../core/doctor.js";
import { Jobs, PermissionMap } from "../pve/wire.js";
import { type CommandContext, pickCluster } from "./context.js";

/**
 * `pve-backup doctor`: what the token can do, what it cannot and the `pveum` lines that fix it;
 * plus backup jobs whose results never reach the notification system.
 * Exit 0 when every capability the options need works, 1 otherwise.
 */
export async function doctorCommand(ctx: CommandContext): Promise<number> {
  const { cluster, api } = pickCluster(ctx);
  const storage = ctx.config.storage ?? "local";
  const [perms, jobs] = await Promise.all([
    api.get("/access/permissions").then((d) => PermissionMap.parse(d)),
    api
      .get("/cluster/backup")
      .then((d) => Jobs.parse(d))
      .catch(() => []),
  ]);
  const checks = checkCapabilities(perms, storage);
  const needed = neededCapabilities(ctx);
  const missing = checks.filter((c) => needed.includes(c.capability) && !c.ok);
  const mailers = jobs.filter(
    (j) =>
      typeof j.mailto === "string" && j["notification-mode"] !== "notification-system" && j.enabled !== false,
  );
  if (ctx.json) {
    ctx.out(
      `${JSON.stringify({ cluster: cluster.name, token: cluster.tokenId, capabilities: checks, fix: missing.length ? pveumCommands(cluster.tokenId, needed, storage) : [], mailtoJobs: mailers.map((j) => j.id) }, null, 2)}\n`,
    );
    return missing.length ? 1 : 0;
  }
  const lines = [`Token ${cluster.tokenId} on cluster ${cluster.name} (backup storage ${storage}):`];
  for (const c of checks) {
    const tag = c.ok ? "ok     " : needed.includes(c.capability) ? "MISSING" : "no     ";
    lines.push(`  ${tag} ${c.label}${c.ok ? "" : `: needs ${c.missing.join(", ")}`}`);
  }
  if (missing.length > 0) {
    lines.push("", "To give the token exactly what PVE Backup needs, run on a PVE node:");
    for (const cmd of pveumCommands(cluster.tokenId, needed, storage)) lines.push(`  ${cmd}`);
  } else lines.push("", "The token can do everything PVE Backup needs.");
  for (const j of mailers)
    lines.push(
      `  note: job ${j.id} mails its results (mailto, notification-mode auto): they bypass the notification system, so PVE Backup only sees them by polling. Set notification-mode to notification-system.`,
    );
  ctx.out(`${lines.join("\n")}\n`);
  return missing.length ? 1 : 0;
}

/** Watching always; running backups and webhooks always; managing jobs when tiers are set. */
function neededCapabilities(ctx: CommandContext): Capability[] {
  const manage = ctx.config.tiers.length > 0;
  return CAPABILITIES.filter((c) => (c === "manage_jobs" ? manage : c !== "manage_storage"));
}
