import { existsSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { ADDON_OPTIONS_PATH, createApp, loadConfig } from "./app.js";
import { backupCommand } from "./commands/backup.js";
import { calendarCommand, haNextAutomaticFor } from "./commands/calendar.js";
import type { CommandContext } from "./commands/context.js";
import { doctorCommand } from "./commands/doctor.js";
import { exportWithNas } from "./commands/export.js";
import { busyFromTiers, connectHaBackupDeps, haBackupCommand } from "./commands/ha-backup.js";
import { nasCommand, statusWithNasCommand } from "./commands/nas.js";
import { notifySetupCommand } from "./commands/notify.js";
import { applyCommand, planCommand } from "./commands/plan.js";
import { statusCommand } from "./commands/status.js";
import { storageCheckCommand, storageCreateCommand } from "./commands/storage.js";
import { testRestoreCommand } from "./commands/test-restore.js";
import { dumpOpener, verifyCommand } from "./commands/verify.js";
import { type Config, nearest, parseOptions } from "./config/schema.js";
import { dsmClientFor } from "./dsm/client.js";
import { ConfigError, InputError } from "./errors.js";
import { createConsoleLogger } from "./log.js";
import type { BackupEvent } from "./service/backups.js";
import { createHaBackupWatch, haBackupStatePath } from "./service/ha-backup-watch.js";
import type { SimLab } from "./sim/lab.js";
import { parseCommandLine, UsageError } from "./usage.js";
import { ledgerPathBeside, loadLedger } from "./verify/ledger-file.js";
import { VERSION } from "./version.js";

const USAGE = `usage: pve-backup <command> [--json] [--options FILE | --demo [SCENARIO]] [--cluster NAME]
       pve-backup --version

commands:
  status                  every guest's last backup and whether it is in trouble
  plan                    what it takes to make PVE's backup jobs match the tiers
  apply [--yes]           make it so (asks first unless --yes)
  doctor                  what the API token may do, and the pveum lines that fix it
  storage check           the backup storage on every node, and the NAS export behind it
  storage create --server HOST --export PATH [--nfs-options OPTS] [--yes]
                          create the NFS backup storage (only when asked)
  backup <vmid|tier>... [--wait]
                          back up now; --wait follows the tasks to their end
  ha-backup [verify | configure [--create-mount --server HOST --export PATH [--type nfs|cifs]]]
                          Home Assistant's own backup to the NAS: back up now and verify it there
                          over SFTP; 'verify' only checks the newest; 'configure' sets HA's schedule,
                          retention and agent (HA_URL and HA_TOKEN outside the add-on)
  notify setup [--url URL] [--yes]
                          make PVE push every backup result here (push.url, push.secret)
  nas [status | run TASK] the NAS side (options 'nas'): Hyper Backup tasks and which copies the
                          archives off the NAS, each guest's copies, the share's space and when it
                          fills; 'run' starts a Hyper Backup task now
  export [--format yaml|json|csv|md] [--volatile]
                          the backup register, one row per guest, stable for git (--volatile adds
                          ages and the time it was made)
  export --format md --strategy
                          the strategy document: what runs when, where copies live, how to restore
  calendar --ics [--days N]
                          scheduled and past backup runs as an iCalendar file (N days each way, 14)
  verify [vmid|tier] [--full]
                          check the newest archive of each guest: PVE reads its header and config;
                          --full reads all of it from the NAS over SFTP (verify.dump_path)
  test-restore VMID [--spare-vmid N] [--node NODE] [--storage STORAGE]
                          restore the newest archive to a spare VMID with links down, start it,
                          wait for its guest agent, destroy it with its disks

  --json     machine-readable output
  --options  the options file (default: ${ADDON_OPTIONS_PATH})
  --demo     run against the built-in simulated lab (scenario: seed, the default, or tiered, …)
  --cluster  which configured cluster (when there are several)

status exits 0 when every guest is ok (or archived on purpose: alerts.archived), 1 when some
guest has a problem, 2 when the state could not be determined; plan exits 0 in sync, 1 changes pending, 2 policy errors. Every command exits
64 on bad usage, 78 on bad or missing options, 2 when PVE could not be asked. PVE_BACKUP_NOW (ISO-8601) sets the clock.
`;

const COMMANDS = [
  "status",
  "plan",
  "apply",
  "doctor",
  "storage",
  "backup",
  "notify",
  "ha-backup",
  "nas",
  "export",
  "calendar",
  "verify",
  "test-restore",
] as const;

/**
 * `--demo [SCENARIO]`: the word after `--demo` is its scenario when it names one (or a scenario
 * file); otherwise it stays where it is, e.g. the guest of `backup --demo 100`. `--demo=NAME` and
 * `--scenario NAME` say it explicitly.
 */
function takeDemo(
  argv: readonly string[],
  scenarios: readonly string[],
): { args: string[]; scenario?: string } {
  const args: string[] = [];
  let scenario: string | undefined;
  let demo = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      args.push(...argv.slice(i));
      break;
    }
    if (a === "--demo" || a.startsWith("--demo=")) {
      demo = true;
      if (a.startsWith("--demo=")) scenario = a.slice("--demo=".length);
      else {
        const next = argv[i + 1];
        if (
          next !== undefined &&
          (scenarios.includes(next) || next.includes("/") || next.endsWith(".json"))
        ) {
          scenario = next;
          i++;
        }
      }
    } else if (a === "--scenario" || a.startsWith("--scenario=")) {
      demo = true;
      scenario = a.startsWith("--scenario=") ? a.slice("--scenario=".length) : argv[++i];
      if (scenario === undefined) throw new UsageError("--scenario needs a scenario name");
    } else args.push(a);
  }
  return { args, scenario: demo ? (scenario ?? "seed") : undefined };
}

async function run(argv: readonly string[]): Promise<number> {
  const wantsDemo = argv.some((a) => /^--(demo|scenario)(=|$)/.test(a));
  // The simulated lab is a chunk of its own, loaded only for the demo.
  const demo = wantsDemo ? await import("./demo.js") : undefined;
  const { args, scenario } = takeDemo(argv, demo?.demoScenarios() ?? []);
  const { values, positionals } = parseCommandLine(() => parseCliArgs(args));
  if (values.version) {
    process.stdout.write(`pve-backup ${VERSION}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 64;
  }
  if (!(COMMANDS as readonly string[]).includes(command)) {
    const near = nearest(command, COMMANDS);
    throw new UsageError(`unknown command '${command}'${near ? `; did you mean ${near}?` : ""}`);
  }
  if (command === "storage" && rest[0] !== "check" && rest[0] !== "create")
    throw new UsageError("storage takes 'check' or 'create'");
  if (command === "notify" && rest[0] !== "setup") throw new UsageError("notify takes 'setup'");
  if (command === "ha-backup" && rest[0] !== undefined && rest[0] !== "verify" && rest[0] !== "configure")
    throw new UsageError("ha-backup takes nothing, 'verify' or 'configure'");
  if (command === "nas" && rest[0] !== undefined && rest[0] !== "status" && rest[0] !== "run")
    throw new UsageError("nas takes nothing, 'status' or 'run TASK'");
  if (command === "nas" && rest[0] === "run" && rest.length !== 2)
    throw new UsageError("nas run takes one Hyper Backup task (its name or id)");
  const withVerb =
    command === "storage" || command === "notify" || command === "ha-backup" || command === "nas";
  const extra =
    command === "backup" || command === "test-restore"
      ? []
      : command === "nas" && rest[0] === "run"
        ? rest.slice(2)
        : command === "verify"
          ? rest.slice(1)
          : withVerb
            ? rest.slice(1)
            : rest;
  if (extra.length > 0)
    throw new UsageError(
      `${command}${withVerb ? ` ${rest[0]}` : ""} takes no argument '${extra[0]}'${
        demo ? ` (demo scenarios: ${demo.demoScenarios().join(", ")})` : ""
      }`,
    );
  if (values.options !== undefined && scenario !== undefined)
    throw new UsageError("--options and --demo exclude each other: the demo brings its own options");
  const nowMs = readNow(process.env.PVE_BACKUP_NOW);
  const log = createConsoleLogger(process.env.PVE_BACKUP_LOG_LEVEL === "debug" ? "debug" : "warn");

  // In the demo a backup or a test restore must progress on its own: the lab's clock then flows.
  const flows = command === "backup" || command === "test-restore";
  const lab: SimLab | undefined =
    demo && scenario !== undefined ? await demo.startDemoLab(scenario, flows ? "real" : "manual") : undefined;
  const listeners = new Set<(e: BackupEvent) => void>();
  // The demo's NAS: a DSM stand-in, for `nas` only (other commands' demo output stays as it was).
  const demoNas =
    lab && command === "nas"
      ? await (await import("./sim/dsm-demo.js")).startDemoDsm({ nowMs: () => lab.nowMs(), timeZone: "UTC" })
      : undefined;
  try {
    let config: Config;
    let optionsPath: string | undefined;
    if (demo && lab) {
      // The demo's push URL: a free port here, where `notify setup` listens for PVE's test.
      const port = command === "notify" ? await freeLocalPort() : 8098;
      config = parseOptions(
        demo.demoOptions(lab, {
          webhook_port: port,
          push: { url: `http://127.0.0.1:${port}/api/pve-webhook`, secret: demo.DEMO_PUSH_SECRET },
          ...(demoNas ? { nas: demoNas.options } : {}),
        }),
        { defaultTimeZone: "UTC" },
      );
    } else {
      optionsPath = values.options ?? requireDefaultOptions();
      config = loadConfig(optionsPath);
    }
    // The verification ledger lives beside the options (the demo's in a temp folder).
    const ledgerPath = ledgerPathBeside(
      lab ? join(mkdtempSync(join(tmpdir(), "pve-backup-demo-")), "options.json") : (optionsPath as string),
    );
    const app = createApp(config, log, {
      nowMs: () => lab?.nowMs() ?? Date.now(),
      onBackupEvent: (e) => {
        for (const l of listeners) l(e);
      },
    });
    const ctx: CommandContext = {
      config,
      app,
      nowMs: nowMs ?? lab?.nowMs() ?? Date.now(),
      json: values.json,
      cluster: values.cluster,
      out: (text) => process.stdout.write(text),
      confirm,
      optionsPath,
    };
    try {
      switch (command) {
        case "status":
          if (config.nas) {
            const dsm = dsmClientFor(config, log);
            try {
              return await statusWithNasCommand(ctx, dsm, { ledger: loadLedger(ledgerPath) });
            } finally {
              await dsm.close();
            }
          }
          return await statusCommand(ctx, { ledger: loadLedger(ledgerPath) });
        case "nas": {
          const dsm = dsmClientFor(config, log);
          try {
            return await nasCommand(ctx, rest[0], rest.slice(1), dsm);
          } finally {
            await dsm.close();
          }
        }
        case "plan":
          return await planCommand(ctx);
        case "apply":
          return await applyCommand(ctx, values.yes);
        case "doctor":
          return await doctorCommand(ctx, { ledger: loadLedger(ledgerPath) });
        case "notify":
          return await notifySetupCommand(ctx, { url: values.url, yes: values.yes, log });
        case "ha-backup": {
          if (!config.haBackups) throw new InputError("set 'ha_backups' in the options first");
          const { deps, close } = await connectHaBackupDeps(config.haBackups, process.env, log);
          // Checksums and the result are kept where the service keeps them.
          const watch = createHaBackupWatch({
            cfg: config.haBackups,
            busy: busyFromTiers(config.tiers),
            log,
            nowMs: Date.now,
            statePath: optionsPath && haBackupStatePath(optionsPath),
          });
          try {
            return await haBackupCommand(ctx, rest[0], deps, {
              run: (o) => watch.run(deps, o),
              busy: busyFromTiers(config.tiers),
              createMount: values["create-mount"]
                ? values.type === "cifs"
                  ? { type: "cifs", server: values.server ?? "", share: values.export ?? "" }
                  : { type: "nfs", server: values.server ?? "", path: values.export ?? "" }
                : undefined,
            });
          } finally {
            close();
          }
        }
        case "export":
          return await exportWithNas(ctx, config, log, {
            statusExtras: { ledger: loadLedger(ledgerPath) },
            format: values.format,
            strategy: values.strategy,
            volatile: values.volatile,
          });
        case "calendar": {
          // The NAS's and Home Assistant's runs beside PVE's; either may be away (see calendar.ts).
          const dsm = config.nas ? dsmClientFor(config, log) : undefined;
          try {
            return await calendarCommand(
              ctx,
              { ics: values.ics, days: values.days },
              {
                dsm,
                haNextAutomaticMs: () => haNextAutomaticFor({ env: process.env, optionsPath, log }),
                warn: (message) => log.warn(message),
              },
            );
          } finally {
            await dsm?.close();
          }
        }
        case "verify":
          return await verifyCommand(ctx, rest[0], values.full, {
            ledgerPath,
            log,
            openDump: dumpOpener(config, log),
          });
        case "test-restore":
          return await testRestoreCommand(
            ctx,
            rest,
            { spareVmid: values["spare-vmid"], node: values.node, storage: values.storage },
            { ledgerPath, log },
          );
        case "backup":
          return await backupCommand(ctx, rest, values.wait, {
            subscribe: (l) => {
              listeners.add(l);
              return () => listeners.delete(l);
            },
          });
        default:
          return rest[0] === "check"
            ? await storageCheckCommand(ctx)
            : await storageCreateCommand(ctx, {
                server: values.server,
                export: values.export,
                options: values["nfs-options"],
                yes: values.yes,
              });
      }
    } finally {
      await app.close();
    }
  } finally {
    await demoNas?.dsm.stop();
    await lab?.stop();
  }
}

function parseCliArgs(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      options: { type: "string" },
      cluster: { type: "string" },
      yes: { type: "boolean", short: "y", default: false },
      server: { type: "string" },
      export: { type: "string" },
      "nfs-options": { type: "string" },
      wait: { type: "boolean", default: false },
      url: { type: "string" },
      "create-mount": { type: "boolean", default: false },
      type: { type: "string" },
      format: { type: "string" },
      strategy: { type: "boolean", default: false },
      volatile: { type: "boolean", default: false },
      ics: { type: "boolean", default: false },
      days: { type: "string" },
      full: { type: "boolean", default: false },
      "spare-vmid": { type: "string" },
      node: { type: "string" },
      storage: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", default: false },
    },
  });
}

/** A port nobody listens on right now (the OS picks it). */
function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** A yes/no question on the terminal; without one, the answer is no. */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

function requireDefaultOptions(): string {
  if (existsSync(ADDON_OPTIONS_PATH)) return ADDON_OPTIONS_PATH;
  throw new ConfigError([
    `no options: none at ${ADDON_OPTIONS_PATH}; pass --options FILE (or --demo for the simulated lab)`,
  ]);
}

function readNow(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InputError(`PVE_BACKUP_NOW must be an ISO-8601 time, got '${value}'`);
  return ms;
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const [line, code] =
      err instanceof UsageError
        ? [`${err.message}\n(pve-backup --help for usage)`, 64]
        : err instanceof ConfigError
          ? [err.message, 78]
          : err instanceof InputError
            ? [err.message, 64]
            : [err instanceof Error ? err.message : String(err), 2];
    process.stderr.write(`pve-backup: ${line}\n`);
    process.exitCode = code;
  },
);
