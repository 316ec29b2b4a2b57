import { existsSync, readFileSync } from "node:fs";
import { findJsonError } from "./config/json-error.js";
import { type Config, parseOptions } from "./config/schema.js";
import { ConfigError } from "./errors.js";
import type { Logger } from "./log.js";
import { createPveApi, type PveApi } from "./pve/api.js";
import { createPveReader, type PveReader } from "./pve/reader.js";
import { type BackupEvent, type BackupService, createBackupService } from "./service/backups.js";
import { createMonitor, type Monitor, policyFromConfig } from "./service/monitor.js";

/**
 * The composition root shared by `main.ts` (the service) and `cli.ts`: the one place that
 * knows the concrete adapters.
 */

export const ADDON_OPTIONS_PATH = "/data/options.json";

export function defaultTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/**
 * Read and validate an options file; every problem becomes a `path: message` line. A syntax
 * error is told by line and column only: `JSON.parse`'s own message quotes the text around it,
 * which may be the token secret.
 */
export function loadConfig(path: string): Config {
  if (!existsSync(path)) throw new ConfigError([`${path}: no such options file`]);
  const text = readFileSync(path, "utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    const place = findJsonError(text);
    throw new ConfigError([
      place
        ? `${path}: not valid JSON at line ${place.line}, column ${place.column}: expected ${place.expected}`
        : `${path}: not valid JSON`,
    ]);
  }
  return parseOptions(raw, { defaultTimeZone: defaultTimeZone() });
}

export interface App {
  readonly config: Config;
  readonly monitor: Monitor;
  readonly backups: BackupService;
  readonly apis: ReadonlyMap<string, PveApi>;
  close(): Promise<void>;
}

export interface AppHooks {
  readonly nowMs?: () => number;
  readonly onBackupEvent?: (e: BackupEvent) => void;
  /** PVE changed (a backup started or ended): refresh soon. */
  readonly onChange?: () => void;
}

export function createApp(config: Config, log: Logger, hooks: AppHooks = {}): App {
  const apis = new Map<string, PveApi>();
  const readers = new Map<string, PveReader>();
  for (const cluster of config.clusters) {
    if (!cluster.fingerprint && !cluster.verifyTls)
      log.warn(
        `${cluster.name}: TLS verification is off; set 'fingerprint' to pin the PVE certificate instead`,
      );
    const api = createPveApi(cluster, { timeoutMs: config.requestTimeoutMs });
    apis.set(cluster.name, api);
    readers.set(
      cluster.name,
      createPveReader({ cluster: cluster.name, api, log, timeZone: config.timeZone }),
    );
  }
  const monitor = createMonitor({ readers, policy: policyFromConfig(config) });
  const backups = createBackupService({
    config,
    apis,
    monitor,
    log,
    nowMs: hooks.nowMs ?? Date.now,
    onEvent: (e) => hooks.onBackupEvent?.(e),
    onChange: () => hooks.onChange?.(),
  });
  return {
    config,
    monitor,
    backups,
    apis,
    async close() {
      await Promise.all([...apis.values()].map((a) => a.close()));
    },
  };
}
