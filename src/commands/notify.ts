import { InputError } from "../errors.js";
import { setUpPush } from "../pve/notify.js";
import { type CommandContext, pickCluster } from "./context.js";

/**
 * `pve-backup notify setup [--url URL] [--yes]`: make PVE push every vzdump result to this
 * service (`push.url` and `push.secret` in the options) or to the URL given (Home Assistant's
 * webhook of the companion integration, whose id is its secret).
 */
export async function notifySetupCommand(
  ctx: CommandContext,
  flags: { url?: string; yes: boolean },
): Promise<number> {
  const { api, cluster } = pickCluster(ctx);
  const url = flags.url ?? ctx.config.push?.url;
  if (!url) throw new InputError("no push URL: set push.url (and push.secret) in the options, or pass --url");
  const secret = flags.url && flags.url !== ctx.config.push?.url ? undefined : ctx.config.push?.secret;
  const what = `a webhook target 'pve-backup' posting every vzdump result of cluster ${cluster.name} to ${url}${secret ? " (with the shared secret)" : ""}`;
  if (!flags.yes && !(await ctx.confirm(`Create or update ${what}?`))) {
    ctx.out("Nothing changed (confirm on a terminal, or pass --yes).\n");
    return 64;
  }
  const report = await setUpPush(api, { url, secret });
  ctx.out(
    `Webhook target ${report.webhook}, matcher ${report.matcher}: ${what}.\nBackup jobs that mail their results (mailto) bypass it: see pve-backup doctor.\n`,
  );
  return 0;
}
