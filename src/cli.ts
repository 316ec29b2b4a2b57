import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { ADDON_OPTIONS_PATH, createApp, loadConfig } from "./app.js";
import { parseOptions } from "./config/schema.js";
import { demoOptions, startDemoLab } from "./demo.js";
import { ConfigError, InputError } from "./errors.js";
import { createConsoleLogger } from "./log.js";
import { renderStatusTable, statusExitCode, toStatusJson } from "./report.js";

const USAGE = `usage: pve-backup status [--json] [--options FILE | --demo [SCENARIO]]

  status     every guest's last backup and whether it is in trouble
  --json     machine-readable output (stable; see README)
  --options  the options file (default: ${ADDON_OPTIONS_PATH})
  --demo     run against the built-in simulated lab (scenario name, default: seed)

Exit codes: 0 every guest ok, 1 some guest has a problem, 2 the state could not be determined,
64 bad usage, 78 bad options. PVE_BACKUP_NOW (ISO-8601) sets the clock.
`;

async function run(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      options: { type: "string" },
      demo: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 64;
  }
  if (command !== "status") throw new InputError(`unknown command '${command}'`);
  const nowMs = readNow(process.env.PVE_BACKUP_NOW);
  const log = createConsoleLogger(process.env.PVE_BACKUP_LOG_LEVEL === "debug" ? "debug" : "warn");

  const lab = values.demo ? await startDemoLab(rest[0] ?? "seed", "manual") : undefined;
  try {
    const config = lab
      ? parseOptions(demoOptions(lab), { defaultTimeZone: "UTC" })
      : loadConfig(values.options ?? requireDefaultOptions());
    const app = createApp(config, log);
    try {
      const reports = await app.monitor.refresh(nowMs ?? lab?.nowMs() ?? Date.now());
      process.stdout.write(
        values.json
          ? `${JSON.stringify(toStatusJson(reports), null, 2)}\n`
          : renderStatusTable(reports, config.timeZone),
      );
      return statusExitCode(reports);
    } finally {
      await app.close();
    }
  } finally {
    await lab?.stop();
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
    } else {
      process.stderr.write(`pve-backup: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    }
  },
);
