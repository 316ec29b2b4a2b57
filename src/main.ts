import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startAddonSurface } from "./addon.js";
import { ADDON_OPTIONS_PATH, createApp, loadConfig } from "./app.js";
import { haBackupServiceFor } from "./commands/ha-backup.js";
import { type Config, parseOptions } from "./config/schema.js";
import { demoOptions, startDemoLab } from "./demo.js";
import { clusterContext, type Declaration, toPublish } from "./entities/catalogue.js";
import { ConfigError } from "./errors.js";
import { createHaBridge, type HaBridge } from "./ha/bridge.js";
import { connectToHa, haTargetFromEnv } from "./ha/connection.js";
import { installIntegration } from "./ha/install.js";
import { createServiceHandlers } from "./ha/services.js";
import { createConsoleLogger, type LogLevel } from "./log.js";
import { startApiServer } from "./server/http.js";
import type { BackupEvent } from "./service/backups.js";
import { createRuntime } from "./service/runtime.js";
import type { SimLab } from "./sim/lab.js";

const VERSION = "0.1.0";

/**
 * The service: refresh every cluster on an interval and whenever PVE says something changed,
 * log the status table when it changes, serve `GET /api/status`, and, when Home Assistant is
 * configured (`SUPERVISOR_TOKEN`, or `HA_URL` + `HA_TOKEN`), publish entities and answer its
 * services. Without options (no `--options`, no `/data/options.json`) it runs on the embedded
 * default, the simulated home lab.
 *
 * Run it as `node --max-semi-space-size=2 --max-old-space-size=256 dist/main.js` (what `npm start`
 * does; `npm run bench` runs it so). V8 sizes its heap from the host's memory: a fixed 256 MB
 * ceiling (over 10× what 1,000 guests need) makes it collect at the same moments on every host, and
 * 2 MB semi-spaces keep the young generation small, at no measurable cost in refresh time. README
 * "Development" has the numbers.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { options: { type: "string" }, scenario: { type: "string" }, port: { type: "string" } },
  });
  const log = createConsoleLogger((process.env.PVE_BACKUP_LOG_LEVEL as LogLevel | undefined) ?? "info");
  const optionsPath = values.options ?? (existsSync(ADDON_OPTIONS_PATH) ? ADDON_OPTIONS_PATH : undefined);
  let lab: SimLab | undefined;
  let config: Config;
  if (optionsPath) {
    config = loadConfig(optionsPath);
  } else {
    lab = await startDemoLab(values.scenario ?? "seed", "real");
    log.info(`no options given: running on the simulated lab '${values.scenario ?? "seed"}' at ${lab.url}`);
    config = parseOptions(demoOptions(lab, { refresh_interval_s: 10 }), { defaultTimeZone: "UTC" });
  }
  if (values.port !== undefined) config = { ...config, apiPort: Number(values.port) };
  const nowMs = () => lab?.nowMs() ?? Date.now();

  let bridge: HaBridge | undefined;
  const app = createApp(config, log, {
    nowMs,
    onBackupEvent: (e) => void announce(e),
    onChange: () => runtime.soon(),
  });
  const runtime = createRuntime({ app, log, nowMs });
  /** PVE pushed a vzdump result (through HA's webhook or our own endpoint): look now. */
  const onPveNotification = () => {
    log.info("PVE notification: refreshing now");
    runtime.soon(0);
  };

  async function announce(e: BackupEvent): Promise<void> {
    if (e.kind !== "finished" || !bridge) return;
    const r = e.result;
    const type = r.status === "failed" ? "pve_backup_backup_failed" : "pve_backup_backup_finished";
    await bridge
      .fireEvent(type, {
        cluster: r.cluster,
        vmid: r.vmid,
        name: r.name,
        status: r.status,
        size_bytes: r.sizeBytes,
        duration_s: r.durationSec,
        error: r.error,
        upid: r.upid,
      })
      .catch((err) =>
        log.warn(`could not fire ${type}: ${err instanceof Error ? err.message : String(err)}`),
      );
  }

  const target = haTargetFromEnv(process.env);
  let closeHa = () => {};
  if (target) {
    const ha = await connectToHa(target, log);
    closeHa = ha.close;
    bridge = createHaBridge({
      connection: ha.connection,
      target,
      log,
      addonVersion: VERSION,
      handlers: createServiceHandlers({
        app,
        nowMs,
        refreshNow: () => runtime.refreshNow(),
        onPveNotification,
        haBackup: haBackupServiceFor(config, ha.connection, log, (type, data) =>
          bridge?.fireEvent(type, data),
        ),
      }),
    });
    const b = bridge;
    let lastDeclaration: Declaration | undefined;
    const policy = () =>
      config.storage && config.tiers.length > 0
        ? { tiers: config.tiers, storage: config.storage, timeZone: config.timeZone, nowMs: nowMs() }
        : undefined;
    runtime.onReports(async (reports) => {
      const input = {
        reports,
        clusters: config.clusters.map((c) =>
          clusterContext(c.name, c.baseUrl, app.monitor.facts(c.name), config.storage, policy()),
        ),
        tiers: config.tiers.map((t) => t.name),
      };
      const next = toPublish(input, lastDeclaration);
      if (!next) return;
      lastDeclaration = next.declaration;
      await b.publish(next.declaration, next.states);
    });
    bridge.start();
    if (config.installIntegration) {
      const source = fileURLToPath(new URL("../custom_components/pve_backup", import.meta.url));
      const dirs = [process.env.HA_CONFIG_DIR, "/homeassistant", "/config"].filter((d): d is string => !!d);
      const r = installIntegration(source, dirs);
      if (r.kind === "no_config_dir")
        log.warn(
          `install_integration: no Home Assistant config folder at ${r.tried.join(", ")} (map homeassistant_config)`,
        );
      else if (r.kind === "current") log.info(`companion integration ${r.version} is installed and current`);
      else {
        log.info(
          `companion integration ${r.version} ${r.kind} at ${r.path}: restart Home Assistant to load it`,
        );
        await bridge.notify(
          "pve_backup_restart",
          "PVE Backup: restart Home Assistant",
          `The PVE Backup integration ${r.version} was ${r.kind}. Restart Home Assistant to load it, then add it under Settings → Devices & services if it is not there yet.`,
        );
      }
    }
  }

  // As the add-on, the page and the status and bridge JSON are served on the ingress port, to the
  // Supervisor's ingress proxy and to loopback (the container's healthcheck), instead of api_port.
  const addon = process.env.SUPERVISOR_TOKEN
    ? await startAddonSurface({
        env: process.env,
        log,
        status: () => runtime.status(),
        bridge: () => bridge?.stats(),
        refreshes: () => runtime.count(),
        addonVersion: VERSION,
      })
    : undefined;
  const server = addon
    ? undefined
    : await startApiServer(
        {
          status: () => runtime.status(),
          bridge: () => bridge?.stats(),
          refreshes: () => runtime.count(),
          onPveNotification,
          pushSecret: config.push?.secret,
          log,
        },
        config.apiPort,
      );
  await runtime.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    runtime.stop();
    await bridge?.close();
    closeHa();
    await server?.close();
    await addon?.close();
    await app.close();
    await lab?.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `pve-backup: ${err instanceof ConfigError ? err.message : err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(err instanceof ConfigError ? 78 : 1);
});
