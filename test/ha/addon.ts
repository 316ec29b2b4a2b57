import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Options } from "../../src/config/schema.js";
import { waitFor } from "./hass.js";

/** The add-on as Home Assistant runs it: `node dist/main.js`, options in a file, HA in the env. */

const root = join(import.meta.dirname, "../..");

export interface AddonProcess {
  readonly apiUrl: string;
  readonly logFile: string;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  bridge(): Promise<{ refreshes: number; bridge: { mode: string; batches: number; states: number } | null }>;
  log(): string;
}

export function addon(
  options: Options,
  ha: { url: string; token: string },
  apiPort: number,
  env: Readonly<Record<string, string>> = {},
): AddonProcess {
  const dir = mkdtempSync(join(tmpdir(), "pve-backup-addon-"));
  const optionsFile = join(dir, "options.json");
  writeFileSync(optionsFile, JSON.stringify({ ...options, api_port: apiPort }));
  const logFile = join(dir, "addon.log");
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  let proc: ChildProcess | undefined;
  const self: AddonProcess = {
    apiUrl,
    logFile,
    async start() {
      const out = openSync(logFile, "a");
      proc = spawn(process.execPath, [join(root, "dist/main.js"), "--options", optionsFile], {
        env: { ...process.env, HA_URL: ha.url, HA_TOKEN: ha.token, PVE_BACKUP_LOG_LEVEL: "debug", ...env },
        stdio: ["ignore", out, out],
      });
      await waitFor(
        async () => (await fetch(`${apiUrl}/api/status`).catch(() => undefined))?.ok === true,
        30_000,
        `add-on did not start (see ${logFile})`,
      );
    },
    async stop(signal = "SIGTERM") {
      const p = proc;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((r) => p.once("exit", r));
      p.kill(signal);
      await exited;
    },
    async bridge() {
      return (await (await fetch(`${apiUrl}/api/bridge`)).json()) as Awaited<
        ReturnType<AddonProcess["bridge"]>
      >;
    },
    log: () => readFileSync(logFile, "utf8"),
  };
  return self;
}
