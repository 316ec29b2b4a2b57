import { readFileSync } from "node:fs";
import type { App } from "../app.js";
import { findRepairs, type RepairIssue } from "../core/repairs.js";
import type { Logger } from "../log.js";
import type { Runtime } from "../service/runtime.js";
import { HaCommandError, type HaLink } from "./connection.js";

/**
 * Repairs through the companion integration: after each refresh the add-on sends the whole list
 * of lasting conditions (`pve_backup/repairs`, docs/bridge-protocol.md); the integration creates
 * the issues that are new and deletes those no longer listed, and compares the add-on's version
 * with its own. Sent when the list changed, and again after every reconnect (Home Assistant may
 * have restarted), and only while the bridge talks to the integration: the next refresh after
 * it attaches sends the list. An integration that does not know the command is left alone.
 */
export function startRepairs(deps: {
  readonly link: HaLink;
  readonly app: Pick<App, "config" | "monitor">;
  readonly runtime: Pick<Runtime, "onReports">;
  readonly log: Logger;
  readonly addonVersion: string;
  /**
   * True while the bridge talks to the integration: only then is the command known (a Home
   * Assistant without it, or one that hangs, is not sent commands it cannot answer).
   */
  readonly integrationReady: () => boolean;
  /** The version of the integration this add-on ships (default: read from its bundled copy). */
  readonly shippedIntegrationVersion?: string;
  /** Issues found elsewhere (the verification's consistency findings), sent with these. */
  readonly extraIssues?: () => readonly RepairIssue[];
}): void {
  const { link, app, log } = deps;
  const shipped = deps.shippedIntegrationVersion ?? shippedVersion();
  let latest: RepairIssue[] | undefined;
  let sent = "";
  let sending = false;
  let again = false;

  function collect(): RepairIssue[] {
    return [...clusterIssues(), ...(deps.extraIssues?.() ?? [])];
  }

  function clusterIssues(): RepairIssue[] {
    return app.config.clusters.flatMap((c) =>
      findRepairs(app.monitor.facts(c.name), {
        baseUrl: c.baseUrl,
        tokenId: c.tokenId,
        storage: app.config.storage,
        manageJobs: app.config.tiers.length > 0,
      }),
    );
  }

  async function send(): Promise<void> {
    if (sending) {
      again = true;
      return;
    }
    sending = true;
    try {
      do {
        again = false;
        const issues = latest;
        const text = JSON.stringify(issues);
        if (issues === undefined || text === sent || !link.connected || !deps.integrationReady()) continue;
        try {
          await link.send({
            type: "pve_backup/repairs",
            addon_version: deps.addonVersion,
            shipped_integration_version: shipped ?? null,
            issues: issues.map((i) => ({
              issue_id: i.id,
              translation_key: i.kind,
              placeholders: i.placeholders,
              learn_more_url: i.learnMoreUrl,
            })),
          });
          sent = text;
          if (issues.length > 0) log.info(`Repairs: ${issues.map((i) => i.id).join(", ")}`);
        } catch (err) {
          if (err instanceof HaCommandError && (err.code === "unknown_command" || err.code === "not_found"))
            log.debug(`Repairs not sent: ${err.message}`);
          else log.warn(`Repairs not sent: ${err instanceof Error ? err.message : String(err)}`);
        }
      } while (again);
    } finally {
      sending = false;
    }
  }

  deps.runtime.onReports(() => {
    latest = collect();
    void send();
  });
  link.onReady(() => {
    sent = "";
    void send();
  });
}

/** The version in the bundled integration's manifest (beside dist/, as install_integration uses it). */
function shippedVersion(): string | undefined {
  try {
    const manifest = new URL("../custom_components/pve_backup/manifest.json", import.meta.url);
    const v = (JSON.parse(readFileSync(manifest, "utf8")) as { version?: unknown }).version;
    return typeof v === "string" ? v : undefined;
  } catch {
    // No bundled copy (a development run from elsewhere): the integration skips the comparison.
    return undefined;
  }
}
