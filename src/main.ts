import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { startAddonSurface } from "./addon.js";
import { ADDON_OPTIONS_PATH, createApp, loadConfig } from "./app.js";
import { hyperBackupRuns, msOf } from "./commands/calendar.js";
import { busyFromTiers, haBackupDepsFor } from "./commands/ha-backup.js";
import { dumpOpener } from "./commands/verify.js";
import { type Config, parseOptions } from "./config/schema.js";
import { statusWithNas, toNasEntities } from "./dsm/report.js";
import { createNasWatch } from "./dsm/watch.js";
import { ConfigError, InputError } from "./errors.js";
import { installFatalHandlers } from "./fatal.js";
import type { HaBridge } from "./ha/bridge.js";
import { haTargetFromEnv } from "./ha/connection.js";
import { startHomeAssistant } from "./ha/start.js";
import { createConsoleLogger, type LogLevel } from "./log.js";
import { withHaBackups } from "./report.js";
import { ListenError } from "./server/guard.js";
import { startApiServer } from "./server/http.js";
import type { PanelDeps } from "./server/panel/router.js";
import { createPanelApp } from "./server/panel/serve.js";
import { startWebhookServer, type WebhookListener } from "./server/webhook.js";
import { type AlertService, withAlertInfo } from "./service/alerts.js";
import type { BackupEvent } from "./service/backups.js";
import { relayFinishedEvents } from "./service/events.js";
import { createHaBackupWatch, haBackupStatePath } from "./service/ha-backup-watch.js";
import { createRuntime } from "./service/runtime.js";
import { createVerifyService, type VerificationResult } from "./service/verify.js";
import { createVerificationEvents } from "./service/verify-events.js";
import { createVerifyRepairs } from "./service/verify-repairs.js";
import { createVerifySchedule, createVerifyUpkeep } from "./service/verify-schedule.js";
import {
  createTestRestoreService,
  type TestRestoreOutcome,
  testRestoreEvent,
} from "./service/verify-test-restore.js";
import type { SimLab } from "./sim/lab.js";
import { parseCommandLine, UsageError } from "./usage.js";
import { fileLedgerStore, ledgerPathBeside, memoryLedgerStore } from "./verify/ledger-file.js";
import { VERSION } from "./version.js";

const USAGE = `usage: node dist/main.js [--options FILE | --demo [SCENARIO]] [--port PORT]

  --options   the options file (default: ${ADDON_OPTIONS_PATH})
  --demo      run on the built-in simulated Proxmox VE lab (scenario: seed, or tiered, …)
  --scenario  the demo's scenario, as a flag
  --port      port of the status API on 127.0.0.1 (overrides api_port)
  --version   print the version
`;

interface ServiceArgs {
  readonly optionsPath?: string;
  /** Set when the demo was asked for. */
  readonly scenario?: string;
  readonly port?: number;
  readonly version: boolean;
  readonly help: boolean;
}

function parseServiceArgs(argv: readonly string[]): ServiceArgs {
  const { values, positionals } = parseCommandLine(() => parseServiceArgv(argv));
  if (positionals.length > 1 || (positionals.length === 1 && !values.demo))
    throw new UsageError(`unexpected argument '${positionals.at(-1)}' (a demo scenario goes after --demo)`);
  if (values.options !== undefined && (values.demo || values.scenario !== undefined))
    throw new UsageError("--options and --demo exclude each other: the demo brings its own options");
  let port: number | undefined;
  if (values.port !== undefined) {
    port = /^\d{1,5}$/.test(values.port) ? Number(values.port) : Number.NaN;
    if (!(port >= 0 && port <= 65535))
      throw new UsageError(`--port must be a port number (0–65535), got '${values.port}'`);
  }
  const demo = values.demo || values.scenario !== undefined;
  return {
    optionsPath: values.options,
    scenario: demo ? (values.scenario ?? positionals[0] ?? "seed") : undefined,
    port,
    version: values.version,
    help: values.help,
  };
}

function parseServiceArgv(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      options: { type: "string" },
      demo: { type: "boolean", default: false },
      scenario: { type: "string" },
      port: { type: "string" },
      version: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

/**
 * The service: refresh every cluster on an interval and whenever PVE says something changed,
 * log the status table when it changes, serve `GET /api/status` on loopback and, with `push`
 * configured, PVE's webhook on `webhook_port`, and, when Home Assistant is configured
 * (`SUPERVISOR_TOKEN`, or `HA_URL` + `HA_TOKEN`), publish entities and answer its services. It
 * runs on the options file (`--options`, or `/data/options.json`), or on the simulated home lab
 * when asked (`--demo [SCENARIO]`); with neither it stops with exit 78.
 *
 * Run it as `node --max-semi-space-size=2 --max-old-space-size=256 dist/main.js` (what `npm start`
 * does; `npm run bench` runs it so). V8 sizes its heap from the host's memory: a fixed 256 MB
 * ceiling (over 10× what 1,000 guests need) makes it collect at the same moments on every host, and
 * 2 MB semi-spaces keep the young generation small, at no measurable cost in refresh time. README
 * "Development" has the numbers.
 */
async function main(): Promise<void> {
  const args = parseServiceArgs(process.argv.slice(2));
  if (args.help || args.version) {
    process.stdout.write(args.help ? USAGE : `pve-backup ${VERSION}\n`);
    return;
  }
  const log = createConsoleLogger((process.env.PVE_BACKUP_LOG_LEVEL as LogLevel | undefined) ?? "info");
  installFatalHandlers(process, log, (code) => process.exit(code));
  let lab: SimLab | undefined;
  let config: Config;
  if (args.scenario !== undefined) {
    // The simulated lab lives in a chunk of its own: the service does not carry it otherwise.
    const demo = await import("./demo.js");
    lab = await demo.startDemoLab(args.scenario, "real");
    log.info(`demo: running on the simulated lab '${args.scenario}' at ${lab.url}`);
    config = parseOptions(demo.demoOptions(lab, { refresh_interval_s: 10 }), { defaultTimeZone: "UTC" });
  } else {
    const optionsPath = args.optionsPath ?? (existsSync(ADDON_OPTIONS_PATH) ? ADDON_OPTIONS_PATH : undefined);
    if (!optionsPath)
      throw new ConfigError([
        `no options: none at ${ADDON_OPTIONS_PATH} and no --options FILE given (--demo runs the simulated lab)`,
      ]);
    config = loadConfig(optionsPath);
  }
  if (args.port !== undefined) config = { ...config, apiPort: args.port };
  const nowMs = () => lab?.nowMs() ?? Date.now();

  let bridge: HaBridge | undefined;
  let alerts: AlertService | undefined;
  const app = createApp(config, log, {
    nowMs,
    onBackupEvent: (e) => events.fromFollower(e),
    onChange: () => runtime.soon(),
  });
  const ledgerPath = lab ? undefined : ledgerPathBeside(args.optionsPath ?? ADDON_OPTIONS_PATH);
  // The verification ledger: beside the options (the demo keeps it in memory).
  const ledger = ledgerPath ? fileLedgerStore(ledgerPath) : memoryLedgerStore();
  const runtime = createRuntime({
    app,
    log,
    nowMs,
    minGapMs: refreshGapFromEnv(process.env),
    // lastVerified / lastTestRestore per guest, from what `pve-backup verify` and the service wrote.
    statusExtras: () => ({ ledger: ledger.load() }),
  });
  // Repairs from the consistency findings, read hourly and after each verification.
  const verifyRepairs = config.storage
    ? createVerifyRepairs({
        config,
        apis: app.apis,
        ledger,
        monitor: app.monitor,
        log,
        nowMs: Date.now,
        onChange: () => runtime.soon(0),
      })
    : undefined;
  if (verifyRepairs) runtime.onReports(() => verifyRepairs.afterRefresh());
  // Verification in the service (pve_backup.verify, the verify buttons, the schedule).
  const verify = config.storage
    ? createVerifyService({
        config,
        apis: app.apis,
        ledger,
        log,
        nowMs,
        openDump: dumpOpener(config, log),
        onResult: (r) => void announceVerification(r),
        onChange: () => runtime.soon(0),
        onRunEnd: () => verifyRepairs?.soon(),
      })
    : undefined;
  // Scheduled test restores (verify.schedule `test_restore` lines), holding the verifier meanwhile.
  const testRestores =
    verify &&
    createTestRestoreService({
      config,
      apis: app.apis,
      ledger,
      log,
      nowMs,
      lock: verify,
      onResult: (r) => void announceTestRestore(r),
      onChange: () => runtime.soon(0),
    });
  const events = relayFinishedEvents({
    runtime,
    app,
    log,
    announce,
    optionsPath: lab ? undefined : (args.optionsPath ?? ADDON_OPTIONS_PATH),
  });
  // The NAS side (options `nas`): read after refreshes, every 15 minutes at most.
  const nasWatch = createNasWatch({ config, app, log, nowMs, onChange: () => runtime.soon() });
  if (nasWatch) runtime.onReports(() => nasWatch.afterRefresh());
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

  /** `pve_backup_verification_finished` / `_failed`, one per archive checked; kept while HA is away. */
  const verificationEvents = createVerificationEvents({
    fire: (type, data) =>
      bridge
        ? bridge.fireEvent(type, data)
        : Promise.reject(new Error("Home Assistant is not connected yet")),
    log,
  });
  async function announceVerification(r: VerificationResult): Promise<void> {
    if (haTargetFromEnv(process.env)) await verificationEvents.tell(r);
  }
  /** `pve_backup_test_restore_finished` / `_failed`, in the same queue. */
  async function announceTestRestore(r: TestRestoreOutcome): Promise<void> {
    if (haTargetFromEnv(process.env)) await verificationEvents.tellEvent(testRestoreEvent(r));
  }
  runtime.onReports(() => void verificationEvents.flush());

  // Home Assistant's own backups on the NAS, checked once Home Assistant is connected.
  const haBackups = config.haBackups;
  const haWatch = haBackups
    ? createHaBackupWatch({
        cfg: haBackups,
        busy: busyFromTiers(config.tiers),
        log,
        nowMs: Date.now,
        statePath: lab ? undefined : haBackupStatePath(args.optionsPath ?? ADDON_OPTIONS_PATH),
        // The entities follow with the next publish.
        onChange: () => runtime.soon(0),
      })
    : undefined;
  const status = () =>
    statusWithNas(
      withHaBackups(runtime.status(), haWatch?.status() ?? null),
      nasWatch !== undefined,
      nasWatch?.views() ?? [],
    );

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
      optionsPath: lab ? undefined : (args.optionsPath ?? ADDON_OPTIONS_PATH),
      haBackup: (ws, fire) => haBackups && haWatch?.attach(haBackupDepsFor(haBackups, ws, log, fire)),
      haBackups: haWatch && (() => haWatch.status()),
      // Every cluster its own view of the NAS: its storage on it (judged), or not (copies unknown).
      nasEntities: nasWatch
        ? (cluster) => toNasEntities(nasWatch.views().find((v) => v.cluster === cluster)?.view)
        : undefined,
      lastVerified: () => ledger.load().lastVerified,
      // Hyper Backup's next runs on the calendars of clusters whose storage is on the NAS (kept
      // through a DSM outage); Home Assistant's next automatic backup as its watch last saw it.
      calendarExtras: (cluster) => ({
        hyperBackup: nasWatch?.views().find((v) => v.cluster === cluster)?.view.placement.onNas
          ? hyperBackupRuns(nasWatch.lastTasks())
          : undefined,
        haNextAutomaticMs: msOf(haWatch?.status().nextAutomatic),
      }),
      verify,
      verifyLedger: verify && (() => ledger.load()),
      verifyRepairs: verifyRepairs && (() => verifyRepairs.issues()),
    });
    bridge = ha.bridge;
    alerts = ha.alerts;
    closeHa = ha.close;
  }

  // As the add-on, the page and the status and bridge JSON are served on the ingress port, to the
  // Supervisor's ingress proxy and to loopback (the container's healthcheck), instead of api_port.
  const panel: PanelDeps = { app, nowMs, refreshNow: () => runtime.refreshNow(), log, status };
  const addon = process.env.SUPERVISOR_TOKEN
    ? await startAddonSurface({
        env: process.env,
        log,
        status: () => withAlertInfo(status(), alerts),
        bridge: () => bridge?.stats(),
        refreshes: () => runtime.count(),
        addonVersion: VERSION,
        panel,
      })
    : undefined;
  let webhook: WebhookListener | undefined;
  const server = addon
    ? undefined
    : await startApiServer(
        {
          status: () => withAlertInfo(status(), alerts),
          bridge: () => bridge?.stats(),
          refreshes: () => runtime.count(),
          pveNotifications: () => webhook?.received(),
          log,
          fallback: createPanelApp(panel),
        },
        config.apiPort,
      );
  if (server) log.info(`panel on ${server.url}/`);
  if (config.push)
    webhook = await startWebhookServer(
      { secret: config.push.secret, onPveNotification, log },
      config.webhookPort,
    ).catch(async (err: unknown) => {
      await server?.close();
      await addon?.close();
      throw err;
    });
  if (verify) {
    // A run a restart interrupted resumes once PVE can be read; then the schedule, if any.
    const upkeep = createVerifyUpkeep({
      verify,
      testRestores,
      schedule:
        config.verify.schedule.length > 0
          ? createVerifySchedule({
              clusters: config.clusters,
              tiers: config.tiers,
              entries: config.verify.schedule,
              verify,
              monitor: app.monitor,
              ledger,
              nowMs,
              log,
              testRestore: testRestores,
            })
          : undefined,
      log,
    });
    // Not awaited: a refresh never waits for PVE reads the verification makes.
    runtime.onReports(() => void upkeep());
  }
  await runtime.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    runtime.stop();
    verify?.stop();
    haWatch?.stop();
    await bridge?.close();
    closeHa();
    await server?.close();
    await addon?.close();
    await webhook?.close();
    await nasWatch?.close();
    await app.close();
    await lab?.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err: unknown) => {
  const [line, code] =
    err instanceof UsageError
      ? [`${err.message}\n(node dist/main.js --help for usage)`, 64]
      : err instanceof ConfigError
        ? [err.message, 78]
        : err instanceof ListenError || err instanceof InputError
          ? [err.message, err instanceof ListenError ? 69 : 64]
          : [err instanceof Error ? (err.stack ?? err.message) : String(err), 70];
  process.stderr.write(`pve-backup: ${line}\n`);
  process.exit(code);
});

/**
 * `PVE_BACKUP_REFRESH_GAP_MS`: the least time between two refreshes (default 2 s, which keeps a
 * flood of notifications to a handful of refreshes). Only a time-compressed run such as the soak
 * (bench/soak.ts), which refreshes every simulated minute many times a second, lowers it.
 */
function refreshGapFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.PVE_BACKUP_REFRESH_GAP_MS;
  if (raw === undefined || raw === "") return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0)
    throw new ConfigError([
      `PVE_BACKUP_REFRESH_GAP_MS: must be a whole number of milliseconds, got '${raw}'`,
    ]);
  return ms;
}
