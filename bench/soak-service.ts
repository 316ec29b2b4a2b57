import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Options } from "../src/config/schema.js";
import { waitFor } from "../test/ha/hass.js";

/**
 * The service bundle as the add-on runs it (`node --max-semi-space-size=2
 * --max-old-space-size=256 dist/main.js --options FILE`, Home Assistant in the env), with one
 * addition for the soak: a preloaded module that makes `Date.now()` read the simulated lab's
 * clock from a file the soak writes before every refresh it asks for. The service takes its
 * `nowMs` from `Date.now()` and nothing else in its bundle calls it, so the service judges at
 * the lab's time while its timers, sockets and log stamps stay on the real clock.
 */

// From the sources (`bench/`) or the bundle (`dist/bench/`).
const here = import.meta.dirname;
const root = here.endsWith(join("dist", "bench")) ? join(here, "../..") : join(here, "..");

const CLOCK_PRELOAD = [
  'import { readFileSync, renameSync, writeFileSync } from "node:fs";',
  "const file = process.env.PVE_BACKUP_SOAK_CLOCK_FILE;",
  'if (file) Date.now = () => Number(readFileSync(file, "utf8"));',
  // The V8 heap from inside, twice a second, so that RSS growth can be told from heap growth.
  "const memory = process.env.PVE_BACKUP_SOAK_MEMORY_FILE;",
  "if (memory)",
  "  setInterval(() => {",
  '    writeFileSync(memory + ".tmp", JSON.stringify(process.memoryUsage()));',
  '    renameSync(memory + ".tmp", memory);',
  "  }, 500).unref();",
  "",
].join("\n");

export interface SoakService {
  readonly apiUrl: string;
  readonly logFile: string;
  readonly pid: () => number | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Sets the service's clock (takes effect at its next `Date.now()`). */
  setNow(ms: number): void;
  /** Resident set size of the service process, bytes (Linux `/proc`). */
  rssBytes(): number | undefined;
  /** V8 heap in use, bytes, as the service saw it at most half a second ago. */
  heapUsedBytes(): number | undefined;
  bridge(): Promise<{ refreshes: number; bridge: { mode: string; batches: number; states: number } | null }>;
  status(): Promise<{ code: number; body: unknown }>;
  /** Ask for a refresh now (`pve_backup.refresh` through Home Assistant); its HTTP status, 0 for none. */
  notify(): Promise<number>;
  log(): string;
  exited(): { code: number | null; signal: string | null } | undefined;
}

export function soakService(
  options: Options,
  ha: { url: string; token: string },
  apiPort: number,
): SoakService {
  const dir = mkdtempSync(join(tmpdir(), "pve-backup-soak-"));
  const optionsFile = join(dir, "options.json");
  writeFileSync(optionsFile, JSON.stringify({ ...options, api_port: apiPort }));
  const clockFile = join(dir, "now");
  const memoryFile = join(dir, "memory.json");
  const preload = join(dir, "clock.mjs");
  writeFileSync(preload, CLOCK_PRELOAD);
  const logFile = join(dir, "service.log");
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  let proc: ChildProcess | undefined;
  let exit: { code: number | null; signal: string | null } | undefined;
  const setNow = (ms: number) => {
    // Write then rename: the service never reads a half-written number.
    writeFileSync(`${clockFile}.tmp`, String(ms));
    renameSync(`${clockFile}.tmp`, clockFile);
  };
  return {
    apiUrl,
    logFile,
    pid: () => proc?.pid,
    async start() {
      const out = openSync(logFile, "a");
      proc = spawn(
        process.execPath,
        [
          "--max-semi-space-size=2",
          "--max-old-space-size=256",
          "--import",
          pathToFileURL(preload).href,
          join(root, "dist/main.js"),
          "--options",
          optionsFile,
        ],
        {
          env: {
            ...process.env,
            HA_URL: ha.url,
            HA_TOKEN: ha.token,
            PVE_BACKUP_SOAK_CLOCK_FILE: clockFile,
            PVE_BACKUP_SOAK_MEMORY_FILE: memoryFile,
            PVE_BACKUP_LOG_LEVEL: "info",
            // A step is a simulated minute, many a second: no gap between refreshes.
            PVE_BACKUP_REFRESH_GAP_MS: "0",
          },
          stdio: ["ignore", out, out],
        },
      );
      proc.once("exit", (code, signal) => {
        exit = { code, signal };
      });
      await waitFor(
        async () => (await fetch(`${apiUrl}/api/status`).catch(() => undefined))?.ok === true,
        60_000,
        `the service did not start (see ${logFile})`,
      );
    },
    async stop() {
      const p = proc;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const gone = new Promise((r) => p.once("exit", r));
      p.kill("SIGTERM");
      await gone;
    },
    setNow,
    rssBytes() {
      const pid = proc?.pid;
      if (pid === undefined) return undefined;
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        return m ? Number(m[1]) * 1024 : undefined;
      } catch {
        // Not Linux, or the process is gone: no sample.
        return undefined;
      }
    },
    heapUsedBytes() {
      try {
        return (JSON.parse(readFileSync(memoryFile, "utf8")) as { heapUsed: number }).heapUsed;
      } catch {
        // Not written yet: no sample.
        return undefined;
      }
    },
    async bridge() {
      return (await (await fetch(`${apiUrl}/api/bridge`)).json()) as Awaited<
        ReturnType<SoakService["bridge"]>
      >;
    },
    async status() {
      const r = await fetch(`${apiUrl}/api/status`);
      return { code: r.status, body: await r.json() };
    },
    async notify() {
      // `pve_backup.refresh` through Home Assistant: it answers once the refresh is done. The
      // service's own webhook is rate-limited per sender (a step every few ms would be refused).
      const r = await fetch(`${ha.url}/api/services/pve_backup/refresh`, {
        method: "POST",
        headers: { authorization: `Bearer ${ha.token}`, "content-type": "application/json" },
        body: "{}",
        signal: AbortSignal.timeout(30_000),
      }).catch(() => undefined);
      await r?.arrayBuffer();
      return r?.status ?? 0;
    },
    log: () => readFileSync(logFile, "utf8"),
    exited: () => exit,
  };
}
