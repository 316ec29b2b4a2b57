import { lookup } from "node:dns/promises";
import type { NasConfig } from "../config/schema.js";
import { assessCapacity, type Capacity } from "../core/capacity.js";
import {
  assessCoverage,
  type CoverageFinding,
  type FolderCoverage,
  type GuestCopies,
  guestCopies,
  type HyperBackupTask,
  placeStorage,
  type StoragePlacement,
  type TaskHealth,
  taskHealth,
  type WatchedFolder,
} from "../core/coverage.js";
import type { Archive, ClusterFacts } from "../core/model.js";
import type { PveApi } from "../pve/api.js";
import { describeFailure } from "../pve/api.js";
import { toArchive } from "../pve/mapper.js";
import { readStorageConfig } from "../pve/storage.js";
import { checkContentRow } from "../pve/wire.js";
import type { DsmClient } from "./client.js";

/**
 * The NAS side of one cluster's backups, read once: PVE's backup storage and what lies on it,
 * DSM's Hyper Backup tasks and the share's space, judged by the cores (coverage, capacity).
 */
export interface NasView {
  readonly url: string;
  /** Null when DSM answered; otherwise why not (then `tasks` is null and off-NAS copies unknown). */
  readonly error: string | null;
  /** Null when not known (DSM unreachable) or Hyper Backup not installed (`hyperBackup`). */
  readonly tasks: readonly (HyperBackupTask & { readonly health: TaskHealth })[] | null;
  readonly hyperBackup: "installed" | "not_installed" | "unknown";
  /** The PVE storage the archives go to, and the NFS export behind it. */
  readonly storage: { readonly id: string; readonly server: string | null; readonly export: string | null };
  /** Whether that storage is on this NAS; when not known to be, its guests' off-NAS copies are unknown. */
  readonly placement: StoragePlacement;
  readonly coverage: readonly FolderCoverage[];
  readonly capacity: (Capacity & { readonly share: string }) | null;
  /** Coverage findings, then capacity problems as findings of kind `capacity`. */
  readonly findings: readonly NasFinding[];
  readonly copies: ReadonlyMap<number, GuestCopies>;
}

export type NasFinding = CoverageFinding | { kind: "capacity"; folder: string; task: null; message: string };

export interface NasViewDeps {
  readonly cluster: string;
  readonly dsm: DsmClient;
  readonly api: PveApi;
  readonly facts: ClusterFacts | undefined;
  /** The PVE storage vzdump writes to (the options' `storage`). */
  readonly storage: string;
  readonly nas: NasConfig;
  /** Home Assistant's backups folder on the NAS (`ha_backups.share_path`), when configured. */
  readonly haBackupsPath?: string;
  /** Copies the policy keeps of a guest; undefined outside the tiers. */
  keepOf(vmid: number): number | undefined;
  readonly nowMs: number;
  /** Addresses a host name resolves to (default: the system resolver, a few seconds at most). */
  readonly resolve?: (host: string) => Promise<readonly string[]>;
}

const RESOLVE_TIMEOUT_MS = 3_000;

/** What the system resolver gives for `host` within a few seconds; nothing when it cannot say. */
export async function resolveHost(host: string): Promise<readonly string[]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      lookup(host.replace(/^\[|\]$/g, ""), { all: true }).then((list) => list.map((a) => a.address)),
      new Promise<string[]>((resolve) => {
        timer = setTimeout(() => resolve([]), RESOLVE_TIMEOUT_MS);
      }),
    ]);
  } catch {
    // An unknown name: it matches nothing, and the reason says which server it was.
    return [];
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the storage's NFS server is this NAS: by name first, by address only when the names differ. */
async function placementOf(
  deps: NasViewDeps,
  server: string | null,
  exportPath: string | null,
): Promise<StoragePlacement> {
  const nasNames = [new URL(deps.nas.baseUrl).hostname, ...deps.nas.nfsServers];
  const base = { cluster: deps.cluster, storage: deps.storage, server, export: exportPath, nasNames };
  const byName = placeStorage({ ...base, nasAddresses: [], serverAddresses: [] });
  if (byName.onNas || server === null || exportPath === null) return byName;
  const resolve = deps.resolve ?? resolveHost;
  const [nasAddresses, serverAddresses] = await Promise.all([
    Promise.all(nasNames.map(resolve)).then((l) => l.flat()),
    resolve(server),
  ]);
  return placeStorage({ ...base, nasAddresses, serverAddresses });
}

export async function readNasView(deps: NasViewDeps): Promise<NasView> {
  const facts = deps.facts?.reachable ? deps.facts : undefined;
  const findings: NasFinding[] = [];
  let server: string | null = null;
  let exportPath: string | null = null;
  try {
    const config = await readStorageConfig(deps.api, deps.storage);
    server = config?.server ?? null;
    exportPath = config?.export ?? null;
  } catch (err) {
    findings.push(
      unknown(
        deps.storage,
        `cannot read the configuration of storage '${deps.storage}': ${describeFailure(err, "storage config")}`,
      ),
    );
  }
  const archives = facts ? await listArchives(deps.api, facts, findings) : [];
  const placement = await placementOf(deps, server, exportPath);
  // A storage on another server (or not known to be on this NAS) is not judged against this NAS.
  const onNas = placement.onNas && exportPath !== null;
  const dump = onNas ? `${(exportPath as string).replace(/\/+$/, "")}/dump` : null;
  if (!placement.onNas && (exportPath !== null || findings.length === 0))
    findings.push(unknown(deps.storage, placement.reason));

  let tasks: HyperBackupTask[] | null = null;
  let error: string | null = null;
  let hyperBackup: NasView["hyperBackup"] = "unknown";
  let space: Awaited<ReturnType<DsmClient["shareSpace"]>>;
  try {
    tasks = await deps.dsm.hyperBackupTasks();
    hyperBackup = tasks === null ? "not_installed" : "installed";
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  // Free space is asked apart: a user without Hyper Backup rights may still see the share.
  if (onNas && exportPath !== null && !/fingerprint mismatch/.test(error ?? ""))
    try {
      space = await deps.dsm.shareSpace(exportPath);
      if (!space)
        findings.push(
          unknown(
            exportPath,
            `no share the NAS user can see in File Station holds ${exportPath}: its free space is unknown`,
          ),
        );
    } catch (err) {
      findings.push(
        unknown(
          exportPath,
          `the free space of ${exportPath} could not be read: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    }
  if (error !== null) findings.push(unknown(deps.nas.baseUrl, `the NAS could not be read: ${error}`));
  else if (tasks === null)
    findings.push({
      kind: "no_task",
      folder: dump ?? deps.storage,
      task: null,
      message:
        "Hyper Backup is not installed on the NAS: nothing is copied off it; install it in Package Center and add a task",
    });

  const nasArchives = onNas ? archives.filter((a) => a.storage === deps.storage) : [];
  const newestMs = nasArchives.reduce<number | null>(
    (m, a) => (m === null || a.timeMs > m ? a.timeMs : m),
    null,
  );
  const watched: WatchedFolder[] = [
    ...(dump ? [{ label: "PVE archives", path: dump, newestMs }] : []),
    ...(deps.haBackupsPath
      ? [{ label: "Home Assistant backups", path: deps.haBackupsPath, newestMs: null }]
      : []),
  ];
  const coverage = tasks === null ? [] : assessCoverage(tasks, watched, deps.nowMs);
  for (const c of coverage) if (c.finding) findings.push(c.finding);

  const dumpCoverage =
    error !== null || !onNas
      ? null
      : tasks === null
        ? noCoverage(dump ?? "")
        : (coverage.find((c) => c.folder === dump) ?? null);
  const vmids = facts ? facts.guests.map((g) => g.vmid) : [];
  const copies = guestCopies(
    vmids,
    archives,
    onNas ? deps.storage : null,
    dumpCoverage,
    placement.onNas ? undefined : placement.reason,
  );

  const capacity = space
    ? {
        share: space.share,
        ...assessCapacity({
          freeBytes: space.freeBytes,
          totalBytes: space.totalBytes,
          archives: nasArchives,
          keepOf: deps.keepOf,
          nowMs: deps.nowMs,
          minFreeBytes: deps.nas.minFreeBytes,
          warnDays: deps.nas.fillWarnDays,
        }),
      }
    : null;
  for (const message of capacity?.problems ?? [])
    findings.push({ kind: "capacity", folder: capacity?.share ?? "", task: null, message });

  return {
    url: deps.nas.baseUrl,
    error,
    tasks: tasks === null ? null : tasks.map((t) => ({ ...t, health: taskHealth(t) })),
    hyperBackup,
    storage: { id: deps.storage, server, export: exportPath },
    placement,
    coverage,
    capacity,
    findings,
    copies,
  };
}

const unknown = (folder: string, message: string): CoverageFinding => ({
  kind: "unknown",
  folder,
  task: null,
  message,
});

const noCoverage = (folder: string): FolderCoverage => ({
  label: "PVE archives",
  folder,
  task: null,
  lastSuccessMs: null,
  nextRunMs: null,
  covered: "no",
  finding: null,
});

/** Every archive on every backup storage (a shared one once, through a node that has it active). */
async function listArchives(
  api: PveApi,
  facts: Extract<ClusterFacts, { reachable: true }>,
  findings: NasFinding[],
): Promise<Archive[]> {
  const seen = new Set<string>();
  const out: Archive[] = [];
  for (const s of facts.storages) {
    const key = s.shared ? s.storage : `${s.storage}@${s.node}`;
    if (!s.enabled || !s.active || seen.has(key)) continue;
    seen.add(key);
    const path = `/nodes/${encodeURIComponent(s.node)}/storage/${encodeURIComponent(s.storage)}/content`;
    try {
      await api.getEach(path, { content: "backup" }, (raw) => {
        const row = checkContentRow(raw);
        const a = row ? toArchive(row) : undefined;
        if (a) out.push(a);
      });
    } catch (err) {
      findings.push(
        unknown(
          s.storage,
          `cannot list storage '${s.storage}' on ${s.node}: ${describeFailure(err, "storage content")}`,
        ),
      );
    }
  }
  return out;
}

/** One cluster's NAS view, keyed by cluster name. */
export interface ClusterNasView {
  readonly cluster: string;
  readonly view: NasView;
}

/**
 * The NAS judged for every cluster: DSM is asked once (its tasks, each share's space), every
 * cluster's backup storage is placed and judged against it. A failing cluster is a view with its
 * unknowns, never a missing one.
 */
export async function readNasViews(
  deps: Omit<NasViewDeps, "cluster" | "api" | "facts"> & {
    readonly clusters: readonly {
      readonly cluster: string;
      readonly api: PveApi;
      readonly facts: ClusterFacts | undefined;
    }[];
  },
): Promise<ClusterNasView[]> {
  const dsm = onceEach(deps.dsm);
  const out: ClusterNasView[] = [];
  for (const c of deps.clusters)
    out.push({ cluster: c.cluster, view: await readNasView({ ...deps, ...c, dsm }) });
  return out;
}

/** The DSM client for one round of reads: each question asked once, its answer (or failure) shared. */
function onceEach(dsm: DsmClient): DsmClient {
  let tasks: ReturnType<DsmClient["hyperBackupTasks"]> | undefined;
  const spaces = new Map<string, ReturnType<DsmClient["shareSpace"]>>();
  return {
    hyperBackupTasks: () => {
      tasks ??= dsm.hyperBackupTasks();
      return tasks;
    },
    shareSpace: (path) => {
      const known = spaces.get(path) ?? dsm.shareSpace(path);
      spaces.set(path, known);
      return known;
    },
    runTask: (id) => dsm.runTask(id),
    close: () => dsm.close(),
  };
}
