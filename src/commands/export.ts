import { stringify as toYaml } from "yaml";
import { z } from "zod";
import type { Config } from "../config/schema.js";
import type { Archive, ClusterFacts } from "../core/model.js";
import {
  buildRegister,
  type GuestExtras,
  guestKey,
  type Register,
  type RegisterJob,
  renderRegisterCsv,
  renderRegisterMarkdown,
} from "../core/register.js";
import type { GuestReport } from "../core/status.js";
import { renderStrategy, rootfsStorage, type StorageFacts } from "../core/strategy.js";
import { dsmClientFor } from "../dsm/client.js";
import { statusWithNas } from "../dsm/report.js";
import { InputError } from "../errors.js";
import type { Logger } from "../log.js";
import { readStorageConfig } from "../pve/storage.js";
import { type StatusJson, type StatusExtras as StatusJsonExtras, toStatusJson } from "../report.js";
import { guestArchives } from "../service/panel.js";
import type { CommandContext } from "./context.js";
import { nasViews } from "./nas.js";

/**
 * `pve-backup export --format yaml|json|csv|md [--strategy] [--volatile]`: the backup register
 * (one row per guest, stable for git), or with `--strategy` the strategy document in Markdown.
 */

export const EXPORT_FORMATS = ["yaml", "json", "csv", "md"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportFlags {
  /** Verification results and the like, as `status --json` carries them. */
  readonly statusExtras?: StatusJsonExtras;
  /** Adds what the status has only beside PVE (the NAS's copies): `status --json` as a whole. */
  readonly decorate?: (status: StatusJson) => Promise<StatusJson>;
  readonly format?: string;
  readonly strategy: boolean;
  readonly volatile: boolean;
  /** Facts other parts of the product know per guest (`guestKey`): copies, verifications. */
  readonly extras?: ReadonlyMap<string, GuestExtras>;
}

type Facts = Extract<ClusterFacts, { reachable: true }>;

/** Guests whose archives are listed at the same time. */
const ARCHIVE_LISTINGS_AT_ONCE = 4;

/** `prune-backups` as PVE returns it: a property string, or (some versions) an object. */
export function retentionText(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  if (value && typeof value === "object")
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${String(v)}`)
      .sort()
      .join(",");
  return undefined;
}

/** Every backup job of every reachable cluster, with its retention from the raw job rows. */
export function registerJobs(facts: readonly Facts[]): RegisterJob[] {
  return facts.flatMap((f) =>
    f.jobs.map((j) => {
      const row = f.jobRows.find((r) => r.id === j.id);
      return {
        cluster: f.cluster,
        id: j.id,
        enabled: j.enabled,
        schedule: j.schedule,
        storage: j.storage,
        retention: retentionText(row?.["prune-backups"]),
      };
    }),
  );
}

/** The per-guest facts other parts of the product add to `status --json` (copies, checks). */
type StatusExtras = {
  readonly cluster: string;
  readonly vmid: number;
  readonly copies?: GuestExtras["copies"];
  readonly lastVerified?: GuestExtras["lastVerified"];
  readonly lastTestRestore?: GuestExtras["lastTestRestore"];
};

/**
 * The register's optional facts as `status --json` carries them (`copies`, `lastVerified`,
 * `lastTestRestore`, each only when the part that knows it is present): a key left out stays
 * unknown, a `null` one is "none".
 */
export function extrasFromStatus(guests: readonly StatusExtras[]): Map<string, GuestExtras> {
  const out = new Map<string, GuestExtras>();
  for (const g of guests) {
    const extras: { -readonly [K in keyof GuestExtras]: GuestExtras[K] } = {};
    if (g.copies !== undefined) extras.copies = g.copies;
    if (g.lastVerified !== undefined) extras.lastVerified = g.lastVerified;
    if (g.lastTestRestore !== undefined) extras.lastTestRestore = g.lastTestRestore;
    if (Object.keys(extras).length > 0) out.set(guestKey(g.cluster, g.vmid), extras);
  }
  return out;
}

/** What the register is built from: a fresh refresh, the jobs, and each guest's archives. */
export async function collectRegister(
  ctx: CommandContext,
  extras: ReadonlyMap<string, GuestExtras> | undefined,
  volatile: boolean,
  statusExtras: StatusJsonExtras = {},
  decorate: (status: StatusJson) => Promise<StatusJson> = async (status) => status,
): Promise<{
  register: Register;
  jobs: RegisterJob[];
  facts: Facts[];
  guests: readonly GuestReport[];
  complete: boolean;
}> {
  const reports = await ctx.app.monitor.refresh(ctx.nowMs);
  const facts = ctx.config.clusters
    .map((c) => ctx.app.monitor.facts(c.name))
    .filter((f): f is Facts => f?.reachable === true);
  const archives = new Map<string, readonly Archive[]>();
  const guests = reports.filter((r) => r.reachable).flatMap((r) => r.guests);
  // A few guests at a time: PVE answers each listing quickly, and is never pressed hard.
  let next = 0;
  const worker = async () => {
    for (let g = guests[next++]; g !== undefined; g = guests[next++]) {
      const listed = await guestArchives(ctx.app, g.cluster, g.vmid);
      // An unreadable storage leaves the count unknown, never a smaller number.
      if (listed.every((s) => s.error === undefined)) {
        const type = g.type;
        archives.set(
          guestKey(g.cluster, g.vmid),
          listed.flatMap((s) => s.archives.filter((a) => a.type === type)),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: ARCHIVE_LISTINGS_AT_ONCE }, worker));
  const jobs = registerJobs(facts);
  const register = buildRegister({
    guests: reports.flatMap((r) => r.guests),
    jobs,
    tiers: ctx.config.tiers,
    archives,
    extras: extras ?? extrasFromStatus((await decorate(toStatusJson(reports, statusExtras))).guests),
    volatileAtMs: volatile ? ctx.nowMs : undefined,
  });
  return { register, jobs, facts, guests, complete: reports.every((r) => r.reachable) };
}

export function renderRegister(register: Register, format: ExportFormat): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(register, null, 2)}\n`;
    case "yaml":
      // Written so YAML 1.1 readers (PyYAML, Ansible) read it alike: `03:00` quoted, not base 60.
      return toYaml(register, { lineWidth: 0, version: "1.1" });
    case "csv":
      return renderRegisterCsv(register);
    default:
      return renderRegisterMarkdown(register);
  }
}

export async function exportCommand(ctx: CommandContext, flags: ExportFlags): Promise<number> {
  const format = (flags.format ?? (ctx.json ? "json" : "yaml")) as ExportFormat;
  if (!EXPORT_FORMATS.includes(format))
    throw new InputError(`--format must be one of ${EXPORT_FORMATS.join(", ")}, not '${flags.format}'`);
  if (flags.strategy && format !== "md")
    throw new InputError("--strategy writes Markdown: use it with --format md");
  const { register, jobs, facts, guests, complete } = await collectRegister(
    ctx,
    flags.extras,
    flags.volatile,
    flags.statusExtras,
    flags.decorate,
  );
  // Written all the same; exit 2 says a cluster could not be read (its guests are missing).
  const code = complete ? 0 : 2;
  if (!flags.strategy) {
    ctx.out(renderRegister(register, format));
    return code;
  }
  const storages: StorageFacts[] = [];
  const used = new Set(jobs.filter((j) => j.enabled && j.storage).map((j) => j.storage as string));
  for (const f of facts) {
    const api = ctx.app.apis.get(f.cluster);
    for (const s of used) {
      if (!api || storages.some((x) => x.storage === s)) continue;
      const view = f.storages.find((v) => v.storage === s);
      // The storage's server and export need Datastore.Allocate; without it the type is enough.
      const config = await readStorageConfig(api, s).catch(() => undefined);
      if (config || view)
        storages.push({
          storage: s,
          type: config?.type ?? view?.type ?? "unknown",
          server: config?.server,
          export: config?.export,
        });
    }
  }
  const ha = ctx.config.haBackups;
  ctx.out(
    renderStrategy({
      register,
      jobs,
      tiers: ctx.config.tiers,
      storages,
      timeZone: ctx.config.timeZone,
      rootfsStorages: await containerRootfsStorages(ctx, guests),
      haBackups: ha
        ? {
            schedule:
              ha.schedule.recurrence === "custom_days" ? ha.schedule.days.join(",") : ha.schedule.recurrence,
            copies: ha.copies,
            sharePath: ha.sharePath,
          }
        : undefined,
    }),
  );
  return code;
}

const CtConfig = z.object({ rootfs: z.string().optional() }).passthrough();

/**
 * Each container's root disk storage, from its config (`GET /nodes/{node}/lxc/{vmid}/config`,
 * VM.Audit): where `pct restore` must put its disks. A config that cannot be read leaves the
 * container out (its command then names no storage).
 */
export async function containerRootfsStorages(
  ctx: CommandContext,
  guests: readonly GuestReport[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const g of guests) {
    const api = ctx.app.apis.get(g.cluster);
    if (g.type !== "lxc" || !api) continue;
    try {
      const path = `/nodes/${encodeURIComponent(g.node)}/lxc/${g.vmid}/config`;
      const storage = rootfsStorage(CtConfig.parse(await api.get(path)).rootfs);
      if (storage) out.set(guestKey(g.cluster, g.vmid), storage);
    } catch {
      // No VM.Audit, the node down, or a config PVE answered oddly: the storage stays unknown.
    }
  }
  return out;
}

/**
 * `pve-backup export` with the NAS's view when `nas` is configured: each guest's copies on the
 * NAS and off it (Hyper Backup) come from DSM. A NAS that cannot be read leaves them `unknown`
 * and says so; the register is written all the same.
 */
export async function exportWithNas(
  ctx: CommandContext,
  config: Config,
  log: Logger,
  flags: ExportFlags,
): Promise<number> {
  if (!config.nas || !config.storage) return exportCommand(ctx, flags);
  const dsm = dsmClientFor(config, log);
  try {
    return await exportCommand(ctx, {
      ...flags,
      decorate: async (status) => {
        try {
          return statusWithNas(status, true, await nasViews(ctx, dsm)) ?? status;
        } catch (err) {
          log.warn(
            `NAS not read, off-NAS copies unknown: ${err instanceof Error ? err.message : String(err)}`,
          );
          return status;
        }
      },
    });
  } finally {
    await dsm.close();
  }
}
