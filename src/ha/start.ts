import { fileURLToPath } from "node:url";
import type { App } from "../app.js";
import { type CalendarExtras, calendarEventsFor, DEFAULT_CALENDAR_DAYS } from "../commands/calendar.js";
import type { Config } from "../config/schema.js";
import type { HaBackupsJson } from "../core/ha-backup.js";
import type { RepairIssue } from "../core/repairs.js";
import type { ClusterReport } from "../core/status.js";
import { type VerificationProblem, verificationProblems } from "../core/verify-problems.js";
import type { VerifyLedger } from "../core/verify-run.js";
import {
  type CalendarEventWire,
  type CatalogueInput,
  clusterContext,
  type Declaration,
  type NasEntities,
  toPublish,
} from "../entities/catalogue.js";
import type { Logger } from "../log.js";
import type { AlertService } from "../service/alerts.js";
import type { Runtime } from "../service/runtime.js";
import type { VerifyService } from "../service/verify.js";
import { startAlerts, startStatusEvents } from "./alerts.js";
import { startRepairs } from "./alerts-repairs.js";
import { createHaBridge, type HaBridge } from "./bridge.js";
import { connectToHa, type HaTarget } from "./connection.js";
import { type HaWsPort, wsPortOf } from "./ha-backups.js";
import { installIntegration } from "./install.js";
import { createServiceHandlers } from "./services.js";

export interface HomeAssistantDeps {
  readonly target: HaTarget;
  readonly config: Config;
  readonly app: App;
  readonly runtime: Runtime;
  readonly log: Logger;
  readonly nowMs: () => number;
  readonly addonVersion: string;
  readonly onPveNotification: () => void;
  /** The verification ledger's results per guest key, read at each publish. */
  readonly lastVerified?: () => CatalogueInput["lastVerified"];
  /** Where Home Assistant's config may be mounted, for `install_integration`. */
  readonly configDirs?: readonly string[];
  /** The options file: the alerts keep their state beside it (none in the demo). */
  readonly optionsPath?: string;
  /** `pve_backup.backup_home_assistant`, given this connection and a way to fire events. */
  readonly haBackup?: (
    ws: HaWsPort,
    fire: (type: string, data: Record<string, unknown>) => Promise<void>,
  ) => ((data: Readonly<Record<string, unknown>>) => Promise<unknown>) | undefined;
  /** The NAS entities of a cluster (options `nas`): undefined for none, null while unknown. */
  readonly nasEntities?: (cluster: string) => NasEntities | null | undefined;
  /** Home Assistant's backups on the NAS, for the hub's entities; undefined without `ha_backups`. */
  readonly haBackups?: () => HaBackupsJson;
  /** What a cluster's backup calendar shows beside PVE (Hyper Backup's and HA's next runs). */
  readonly calendarExtras?: (cluster: string) => CalendarExtras;
  /** `pve_backup.verify` and the per-guest `verify` buttons; undefined without `storage`. */
  readonly verify?: VerifyService;
  /** Repairs from the verification's consistency findings (service/verify-repairs.ts). */
  readonly verifyRepairs?: () => readonly RepairIssue[];
  /** The verification ledger: the clusters' `verification_problem` sensors; undefined: none. */
  readonly verifyLedger?: () => Pick<VerifyLedger, "lastVerified" | "lastTestRestore">;
}

/** The failed results of guests that still exist (any, on a cluster that cannot be read). */
function problemsOf(
  ledger: Pick<VerifyLedger, "lastVerified" | "lastTestRestore">,
  reports: readonly ClusterReport[],
): VerificationProblem[] {
  return verificationProblems(
    ledger,
    reports.map((r) => r.cluster),
    (cluster, vmid) => {
      const r = reports.find((x) => x.cluster === cluster);
      return !r?.reachable || r.guests.some((g) => g.vmid === vmid);
    },
  );
}

/**
 * The Home Assistant side of the service: connects in the background (monitoring never waits for
 * Home Assistant), publishes each refresh's entities beside the refresh loop, answers services,
 * and installs the companion integration when asked. Nothing here ends the process.
 */
export function startHomeAssistant(deps: HomeAssistantDeps): {
  bridge: HaBridge;
  /** The alerts, when `alerts` is set. */
  alerts: AlertService | undefined;
  /** Closes the connection (close the bridge first). */
  close(): void;
} {
  const { config, app, runtime, log, nowMs } = deps;
  const link = connectToHa(deps.target, log);
  const alerts = startAlerts({
    link,
    config,
    app,
    runtime,
    log,
    nowMs,
    optionsPath: deps.optionsPath,
    haBackups: deps.haBackups,
  });
  const bridge = createHaBridge({
    link,
    target: deps.target,
    log,
    addonVersion: deps.addonVersion,
    handlers: createServiceHandlers({
      app,
      nowMs,
      // The `refresh` service answers once Home Assistant has the new states.
      refreshNow: async () => {
        await runtime.refreshNow();
        await bridge.idle();
      },
      onPveNotification: deps.onPveNotification,
      haBackup: deps.haBackup?.(wsPortOf(link), (type, data) => bridge.fireEvent(type, data)),
      snooze: alerts ? (guests, hours) => alerts.snooze(guests, hours * 3_600_000) : undefined,
      verify: deps.verify,
    }),
  });
  startRepairs({
    link,
    app,
    runtime,
    log,
    addonVersion: deps.addonVersion,
    integrationReady: () => bridge.stats().mode === "integration",
    extraIssues: deps.verifyRepairs,
  });
  let lastDeclaration: Declaration | undefined;
  const calendars = new Map<string, readonly CalendarEventWire[]>();
  const policy = () =>
    config.storage && config.tiers.length > 0
      ? { tiers: config.tiers, storage: config.storage, timeZone: config.timeZone, nowMs: nowMs() }
      : undefined;
  // Archived guests and why (alerts), as attributes of their backup-status sensors.
  const a = config.alerts;
  const archived = a && new Map(a.archived.map((k) => [k, a.archivedReasons[k] ?? null]));
  // Hands the newest snapshot to the bridge and returns: a slow Home Assistant never holds a refresh.
  runtime.onReports((reports) => {
    const input = {
      reports,
      clusters: config.clusters.map((c) => {
        const facts = app.monitor.facts(c.name);
        const context = clusterContext(c.name, c.baseUrl, facts, config.storage, policy());
        // The backup calendar entity: its events from the same refresh; while the cluster cannot
        // be read, the last ones stand.
        const events =
          calendarEventsFor(
            config,
            reports,
            facts,
            nowMs(),
            DEFAULT_CALENDAR_DAYS,
            deps.calendarExtras?.(c.name),
          ) ??
          calendars.get(c.name) ??
          [];
        calendars.set(c.name, events);
        return { ...context, nas: deps.nasEntities?.(c.name), calendar: events };
      }),
      tiers: config.tiers.map((t) => t.name),
      haBackups: deps.haBackups?.(),
      lastVerified: deps.lastVerified?.(),
      archived,
      verifyButtons: deps.verify !== undefined,
      verificationProblems: deps.verifyLedger && problemsOf(deps.verifyLedger(), reports),
    };
    const next = toPublish(input, lastDeclaration);
    if (!next) return;
    lastDeclaration = next.declaration;
    bridge.publish(next.declaration, next.states);
  });
  startStatusEvents({ runtime, fire: (type, data) => bridge.fireEvent(type, data), log });
  if (config.installIntegration) install(deps, bridge);
  return {
    bridge,
    alerts,
    close: () => link.close(),
  };
}

function install(deps: HomeAssistantDeps, bridge: HaBridge): void {
  const { log } = deps;
  const source = fileURLToPath(new URL("../custom_components/pve_backup", import.meta.url));
  const dirs =
    deps.configDirs ??
    [process.env.HA_CONFIG_DIR, "/homeassistant", "/config"].filter((d): d is string => !!d);
  const r = installIntegration(source, dirs);
  switch (r.kind) {
    case "no_config_dir":
      log.warn(
        `install_integration: no Home Assistant config folder at ${r.tried.join(", ")} (map homeassistant_config)`,
      );
      return;
    case "current":
      log.info(`companion integration ${r.version} is installed and current`);
      return;
    case "newer_installed":
      log.info(
        `install_integration: ${r.path} holds the integration ${r.installed}, newer than this add-on's ${r.shipped}: left alone`,
      );
      return;
    case "failed":
      log.warn(`install_integration: ${r.reason}; the installed copy, if any, is unchanged`);
      bridge.notify(
        "pve_backup_install_failed",
        "PVE Backup: could not install the integration",
        `The PVE Backup add-on could not install its companion integration: ${r.reason}. The installed copy, if any, is unchanged. Free some space or make the Home Assistant config folder writable, then restart the add-on; or install the integration with HACS.`,
      );
      return;
    default:
      log.info(
        `companion integration ${r.version} ${r.kind} at ${r.path}: restart Home Assistant to load it`,
      );
      if (r.kept.length > 0)
        log.info(`install_integration: kept files that the integration does not ship: ${r.kept.join(", ")}`);
      bridge.notify(
        "pve_backup_restart",
        "PVE Backup: restart Home Assistant",
        `The PVE Backup integration ${r.version} was ${r.kind}. Restart Home Assistant to load it, then add it under Settings → Devices & services if it is not there yet.`,
      );
  }
}
