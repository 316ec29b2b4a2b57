import { z } from "zod";
import { UpstreamError } from "../errors.js";
import type { PveApi } from "./api.js";
import { toNodes } from "./mapper.js";
import { Resources } from "./wire.js";

/**
 * The backup storage target, checked on every node (reference §6): exists, enabled, active,
 * holds backups, free space; for NFS, whether the NAS still exports the share. Creating the
 * NFS storage is a separate, explicit step.
 */

const StorageStatus = z.looseObject({
  type: z.string(),
  content: z.string().optional(),
  shared: z.union([z.literal(0), z.literal(1)]).optional(),
  enabled: z.union([z.literal(0), z.literal(1)]).optional(),
  active: z.union([z.literal(0), z.literal(1)]).optional(),
  total: z.number().optional(),
  used: z.number().optional(),
  avail: z.number().optional(),
});
const StorageConfig = z.looseObject({
  storage: z.string(),
  type: z.string(),
  server: z.string().optional(),
  export: z.string().optional(),
});
const NfsExports = z.array(z.looseObject({ path: z.string(), options: z.string().optional() }));

export interface Check {
  readonly ok: boolean;
  /** `warn`: works, but worth a look. */
  readonly level: "ok" | "warn" | "fail";
  readonly text: string;
}

export interface StorageReport {
  readonly storage: string;
  readonly checks: readonly Check[];
  readonly ok: boolean;
}

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GiB`;

export async function checkStorage(api: PveApi, storage: string): Promise<StorageReport> {
  const checks: Check[] = [];
  const add = (level: Check["level"], text: string) => checks.push({ ok: level !== "fail", level, text });
  const nodes = toNodes(Resources.parse(await api.get("/cluster/resources", { type: "node" })));
  for (const node of nodes) {
    if (!node.online) {
      add("warn", `${node.name}: node is offline, not checked`);
      continue;
    }
    let status: z.output<typeof StorageStatus>;
    try {
      status = StorageStatus.parse(await api.get(`/nodes/${node.name}/storage/${storage}/status`));
    } catch (err) {
      if (err instanceof UpstreamError && err.details.status === 400) {
        add("fail", `${node.name}: storage '${storage}' does not exist (pve-backup storage create makes it)`);
        continue;
      }
      throw err;
    }
    const content = (status.content ?? "").split(",");
    if (status.enabled === 0) add("fail", `${node.name}: '${storage}' is disabled`);
    else if (status.active !== 1)
      add(
        "fail",
        `${node.name}: '${storage}' is not active: PVE cannot mount it (is the NAS up, is the export allowed for this node?)`,
      );
    else add("ok", `${node.name}: '${storage}' (${status.type}) is active`);
    if (!content.includes("backup"))
      add("fail", `${node.name}: '${storage}' does not hold backups: add 'backup' to its content`);
    if (status.active === 1 && status.total) {
      const free = (status.avail ?? 0) / status.total;
      add(
        free < 0.1 ? "warn" : "ok",
        `${node.name}: ${gib(status.avail ?? 0)} free of ${gib(status.total)} (${Math.round(free * 100)}%)`,
      );
    }
  }
  const config = await readStorageConfig(api, storage);
  if (config?.type === "nfs" && config.server) {
    const online = nodes.find((n) => n.online);
    if (online) {
      try {
        const exports = NfsExports.parse(
          await api.get(`/nodes/${online.name}/scan/nfs`, { server: config.server }),
        );
        if (exports.some((e) => e.path === config.export))
          add("ok", `NAS ${config.server} exports ${config.export}`);
        else
          add(
            "fail",
            `NAS ${config.server} does not export ${config.export} (it exports: ${exports.map((e) => e.path).join(", ") || "nothing"})`,
          );
      } catch (err) {
        add(
          "warn",
          `cannot scan NFS exports of ${config.server}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  }
  return { storage, checks, ok: checks.every((c) => c.ok) };
}

/** The storage's configuration, when the token may read it (Datastore.Allocate). */
export async function readStorageConfig(
  api: PveApi,
  storage: string,
): Promise<z.output<typeof StorageConfig> | undefined> {
  try {
    return StorageConfig.parse(await api.get(`/storage/${storage}`));
  } catch (err) {
    // 403: the token may not read storage configs; PVE answers an unknown id with a 500.
    if (err instanceof UpstreamError && (err.details.status === 403 || /does not exist/.test(err.message)))
      return undefined;
    throw err;
  }
}

export interface NfsStorageSpec {
  readonly storage: string;
  readonly server: string;
  readonly export: string;
  /** Mount options, e.g. `vers=4.1` (no spaces). */
  readonly options?: string;
  readonly keepLast?: number;
}

/** Scan the NAS first (the export must exist), then create the storage with `content=backup`. */
export async function createNfsStorage(api: PveApi, node: string, spec: NfsStorageSpec): Promise<void> {
  const exports = NfsExports.parse(await api.get(`/nodes/${node}/scan/nfs`, { server: spec.server }));
  if (!exports.some((e) => e.path === spec.export)) {
    throw new UpstreamError(
      `NAS ${spec.server} does not export ${spec.export}; it exports: ${exports.map((e) => e.path).join(", ") || "nothing"}`,
      { retryable: false },
    );
  }
  await api.post("/storage", {
    storage: spec.storage,
    type: "nfs",
    server: spec.server,
    export: spec.export,
    // Without it PVE defaults an NFS storage to `images` only (reference §11.10).
    content: "backup",
    options: spec.options,
    "prune-backups": spec.keepLast ? `keep-last=${spec.keepLast}` : undefined,
  });
}
