import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { ADDON_OPTIONS_PATH, createApp, loadConfig } from "./app.js";
import { type Config, parseOptions } from "./config/schema.js";
import { demoOptions, startDemoLab } from "./demo.js";
import { ConfigError } from "./errors.js";
import type { HaBridge } from "./ha/bridge.js";
import { haTargetFromEnv } from "./ha/connection.js";
import { startHomeAssistant } from "./ha/start.js";
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
    // Not awaited: Home Assistant may be down, starting or refusing the token; it is retried.
    const ha = startHomeAssistant({
      target,
      config,
      app,
      runtime,
      log,
      nowMs,
      addonVersion: VERSION,
      onPveNotification,
    });
    bridge = ha.bridge;
    closeHa = ha.close;
  }

  const server = await startApiServer(
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
