import { existsSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { ADDON_OPTIONS_PATH, createApp, loadConfig } from "./app.js";
import { backupCommand } from "./commands/backup.js";
import type { CommandContext } from "./commands/context.js";
import { doctorCommand } from "./commands/doctor.js";
import { busyFromTiers, connectHaBackupDeps, haBackupCommand } from "./commands/ha-backup.js";
import { notifySetupCommand } from "./commands/notify.js";
import { applyCommand, planCommand } from "./commands/plan.js";
import { statusCommand } from "./commands/status.js";
import { storageCheckCommand, storageCreateCommand } from "./commands/storage.js";
import { parseOptions } from "./config/schema.js";
import { demoOptions, startDemoLab } from "./demo.js";
import { ConfigError, InputError, UpstreamError } from "./errors.js";
import { createConsoleLogger } from "./log.js";
import type { BackupEvent } from "./service/backups.js";

const USAGE = `usage: pve-backup <command> [--json] [--options FILE | --demo [SCENARIO]] [--cluster NAME]

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

  --json     machine-readable output
  --options  the options file (default: ${ADDON_OPTIONS_PATH})
  --demo     run against the built-in simulated lab (scenario name, default: seed)
  --cluster  which configured cluster (when there are several)

status exits 0 when every guest is ok, 1 when some guest has a problem, 2 when the state could
not be determined; plan exits 0 in sync, 1 changes pending, 2 policy errors. Every command exits
64 on bad usage, 78 on bad options. PVE_BACKUP_NOW (ISO-8601) sets the clock.
`;

async function run(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      options: { type: "string" },
      demo: { type: "boolean", default: false },
      cluster: { type: "string" },
      yes: { type: "boolean", short: "y", default: false },
      server: { type: "string" },
      export: { type: "string" },
      "nfs-options": { type: "string" },
      wait: { type: "boolean", default: false },
      url: { type: "string" },
      "create-mount": { type: "boolean", default: false },
      type: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 64;
  }
  const known = ["status", "plan", "apply", "doctor", "storage", "backup", "notify", "ha-backup"];
  if (!known.includes(command)) throw new InputError(`unknown command '${command}'`);
  if (command === "storage" && rest[0] !== "check" && rest[0] !== "create")
    throw new InputError("storage takes 'check' or 'create'");
  if (command === "notify" && rest[0] !== "setup") throw new InputError("notify takes 'setup'");
  const nowMs = readNow(process.env.PVE_BACKUP_NOW);
  const log = createConsoleLogger(process.env.PVE_BACKUP_LOG_LEVEL === "debug" ? "debug" : "warn");

  // In the demo a backup must progress on its own: the lab's clock then flows.
  const lab = values.demo
    ? await startDemoLab(
        command === "status" ? (rest[0] ?? "seed") : "seed",
        command === "backup" ? "real" : "manual",
      )
    : undefined;
  const listeners = new Set<(e: BackupEvent) => void>();
  try {
    const config = lab
      ? parseOptions(demoOptions(lab), { defaultTimeZone: "UTC" })
      : loadConfig(values.options ?? requireDefaultOptions());
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
    };
    try {
      switch (command) {
        case "status":
          return await statusCommand(ctx);
        case "plan":
          return await planCommand(ctx);
        case "apply":
          return await applyCommand(ctx, values.yes);
        case "doctor":
          return await doctorCommand(ctx);
        case "notify":
          return await notifySetupCommand(ctx, { url: values.url, yes: values.yes });
        case "ha-backup": {
          if (!config.haBackups) throw new InputError("no 'ha_backups' in the options");
          const { deps, close } = await connectHaBackupDeps(config.haBackups, process.env, log);
          try {
            return await haBackupCommand(ctx, rest[0], deps, {
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
    await lab?.stop();
  }
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
  throw new InputError(`no options: pass --options FILE (or --demo for the simulated lab)`);
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
    if (err instanceof ConfigError) {
      process.stderr.write(`pve-backup: ${err.message}\n`);
      process.exitCode = 78;
    } else if (
      err instanceof InputError ||
      (err instanceof Error && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"))
    ) {
      process.stderr.write(`pve-backup: ${(err as Error).message}\n\n${USAGE}`);
      process.exitCode = 64;
    } else if (err instanceof UpstreamError) {
      process.stderr.write(`pve-backup: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`pve-backup: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    }
  },
);
