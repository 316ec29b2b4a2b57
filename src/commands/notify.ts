import { InputError, UpstreamError } from "../errors.js";
import type { Logger } from "../log.js";
import { sendTestNotification, setUpPush } from "../pve/notify.js";
import { ListenError } from "../server/guard.js";
import { startWebhookServer, WEBHOOK_PATH, type WebhookListener } from "../server/webhook.js";
import { type CommandContext, pickCluster } from "./context.js";

/** How long to wait for PVE's test notification to arrive. */
const TEST_WAIT_MS = 10_000;

/**
 * `pve-backup notify setup [--url URL] [--yes]`: make PVE push every vzdump result to this
 * service (`push.url` and `push.secret` in the options) or to the URL given (Home Assistant's
 * webhook of the companion integration, whose id is its secret), then have PVE send a test
 * notification and say whether it arrived.
 *
 * Whether it arrived is seen here, not guessed: when the push URL's port is free on this machine,
 * the command listens on it itself (the service is not running); when it is taken, the running
 * service is asked how many notifications it took (`GET /api/bridge` on api_port), before and
 * after. A URL elsewhere (Home Assistant's webhook) cannot be watched from here: PVE's answer to
 * the test is all there is. Exit 0 when the test arrived (or could not be watched and PVE sent
 * it), 1 when it did not.
 */
export async function notifySetupCommand(
  ctx: CommandContext,
  flags: { url?: string; yes: boolean; log: Logger },
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

  const watch =
    secret && new URL(url).pathname === WEBHOOK_PATH
      ? await watchArrivals(ctx, url, secret, flags.log)
      : undefined;
  try {
    try {
      await sendTestNotification(api);
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      ctx.out(`Test notification: PVE could not send it: ${err.message}\n${fixHint(url, ctx)}`);
      return 1;
    }
    if (!watch) {
      ctx.out(
        `Test notification: PVE sent it to ${url}; this command cannot see whether it arrived there.\n`,
      );
      return 0;
    }
    const deadline = Date.now() + TEST_WAIT_MS;
    let seen = await watch.arrived();
    while (seen.kind === "none" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      seen = await watch.arrived();
    }
    if (seen.kind === "arrived") {
      ctx.out(`Test notification: arrived at ${url} (${watch.where}), secret accepted. Push works.\n`);
      return 0;
    }
    ctx.out(
      seen.kind === "refused"
        ? `Test notification: it reached ${url} but its secret was refused: run this command again so PVE has push.secret as it is now in the options.\n`
        : `Test notification: nothing arrived at ${url} within ${TEST_WAIT_MS / 1000} s.\n${fixHint(url, ctx)}`,
    );
    return 1;
  } finally {
    await watch?.close();
  }
}

function fixHint(url: string, ctx: CommandContext): string {
  const u = new URL(url);
  return `Check that PVE can reach ${u.host}: the address must be this machine's as PVE sees it (not 127.0.0.1 unless PVE runs here), the port must be webhook_port (${ctx.config.webhookPort}) or the port the add-on maps it to, and no firewall may be in between.\n`;
}

interface Watch {
  readonly where: string;
  arrived(): Promise<{ kind: "none" | "arrived" | "refused" }>;
  close(): Promise<void>;
}

/** Listens on the push URL's port itself, or, when the service holds it, watches the service's count. */
async function watchArrivals(
  ctx: CommandContext,
  url: string,
  secret: string,
  log: Logger,
): Promise<Watch | undefined> {
  const u = new URL(url);
  // An https URL ends at a proxy in front of the service: nothing this command could listen as.
  if (u.protocol !== "http:") return undefined;
  const port = Number(u.port || 80);
  let listener: WebhookListener;
  try {
    listener = await startWebhookServer({ secret, onPveNotification: () => {}, log }, port);
  } catch (err) {
    if (!(err instanceof ListenError)) throw err;
    return watchService(ctx);
  }
  return {
    where: "listened for by this command",
    arrived: async () => ({
      kind: listener.received() > 0 ? "arrived" : listener.refused() > 0 ? "refused" : "none",
    }),
    close: () => listener.close(),
  };
}

async function watchService(ctx: CommandContext): Promise<Watch | undefined> {
  const count = async () => {
    const r = await fetch(`http://127.0.0.1:${ctx.config.apiPort}/api/bridge`).catch(() => undefined);
    const body = r?.ok ? ((await r.json()) as { pveNotifications?: number | null }) : undefined;
    return typeof body?.pveNotifications === "number" ? body.pveNotifications : undefined;
  };
  const before = await count();
  if (before === undefined) {
    ctx.out(
      `The push URL's port is taken, but not by a running pve-backup (nothing answers on api_port ${ctx.config.apiPort}): the test cannot be watched.\n`,
    );
    return undefined;
  }
  return {
    where: "taken by the running service",
    arrived: async () => ({ kind: ((await count()) ?? before) > before ? "arrived" : "none" }),
    close: async () => {},
  };
}
