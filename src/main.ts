import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { ADDON_OPTIONS_PATH, createApp, loadConfig } from "./app.js";
import { type Config, parseOptions } from "./config/schema.js";
import { demoOptions, startDemoLab } from "./demo.js";
import { ConfigError } from "./errors.js";
import { createConsoleLogger, type LogLevel } from "./log.js";
import { renderStatusTable, type StatusJson, toStatusJson } from "./report.js";
import { startApiServer } from "./server/http.js";
import type { SimLab } from "./sim/lab.js";

/**
 * The service: refresh every cluster on an interval, log the status table when it changes,
 * serve `GET /api/status`. Without options (no `--options`, no `/data/options.json`) it runs on
 * the embedded default, the simulated home lab.
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

  const app = createApp(config, log);
  let status: StatusJson | undefined;
  let lastShown = "";
  const now = () => lab?.nowMs() ?? Date.now();

  const server = await startApiServer({ status: () => status, log }, config.apiPort);
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  const tick = async () => {
    try {
      const reports = await app.monitor.refresh(now());
      status = toStatusJson(reports);
      const shown = JSON.stringify(
        status.guests.map((g) => [g.cluster, g.vmid, g.status, g.lastBackup?.volid]),
      );
      if (shown !== lastShown) {
        lastShown = shown;
        log.info(`status changed:\n${renderStatusTable(reports, config.timeZone)}`);
      }
    } catch (err) {
      // A failing refresh must not stop the loop: the next one may succeed.
      log.error(`refresh failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!stopping) timer = setTimeout(tick, config.refreshIntervalMs);
  };
  await tick();

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    clearTimeout(timer);
    await server.close();
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
