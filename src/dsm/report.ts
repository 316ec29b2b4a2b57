import type { GuestCopies } from "../core/coverage.js";
import { formatWall } from "../core/status.js";
import type { NasEntities } from "../entities/catalogue.js";
import type { StatusJson } from "../report.js";
import type { ClusterNasView, NasView } from "./view.js";

/**
 * The NAS view in `status --json` (top-level `nas`, per guest `copies`) and on a terminal
 * (`pve-backup nas`). ISO-8601 times, sizes in bytes.
 */

export interface CopiesJson {
  readonly pve: number;
  readonly nas: number | null;
  readonly offNas: "yes" | "no" | "unknown";
  readonly offNasTime: string | null;
  /** Why `offNas` is unknown (the NAS unreadable, the storage not on this NAS); null when known. */
  readonly offNasReason: string | null;
}

/** One cluster's backup storage judged against the NAS. */
export interface NasClusterJson {
  readonly cluster: string;
  readonly storage: NasJson["storage"];
  /** `yes`: the storage is an NFS export of this NAS; `unknown`: not known to be (see `reason`). */
  readonly onNas: "yes" | "unknown";
  readonly reason: string | null;
  readonly coverage: NasJson["coverage"];
  readonly findings: NasJson["findings"];
}

export interface NasJson {
  readonly url: string;
  readonly reachable: boolean;
  readonly error: string | null;
  readonly hyperBackup: "installed" | "not_installed" | "unknown";
  readonly storage: { readonly id: string; readonly server: string | null; readonly export: string | null };
  readonly tasks:
    | readonly {
        readonly id: number;
        readonly name: string;
        readonly state: string;
        readonly status: string;
        readonly health: string;
        readonly lastResult: string;
        readonly lastError: string | null;
        readonly lastRun: string | null;
        readonly lastEnd: string | null;
        readonly lastSuccess: string | null;
        readonly nextRun: string | null;
        readonly destination: string;
        readonly destinationKind: string;
        readonly folders: readonly string[];
      }[]
    | null;
  readonly coverage: readonly {
    readonly label: string;
    readonly folder: string;
    readonly task: string | null;
    readonly covered: "yes" | "no" | "unknown";
    readonly lastSuccess: string | null;
    readonly nextRun: string | null;
  }[];
  readonly capacity: {
    readonly share: string;
    readonly freeBytes: number;
    readonly totalBytes: number;
    readonly backupBytes: number;
    readonly steadyBytes: number;
    readonly growthBytesPerWeek: number;
    readonly fillDate: string | null;
  } | null;
  readonly findings: readonly {
    readonly kind: string;
    readonly folder: string;
    readonly task: string | null;
    readonly message: string;
  }[];
  /** Every cluster's storage judged against the NAS (the fields above are the first on it). */
  readonly clusters?: readonly NasClusterJson[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toCopiesJson(c: GuestCopies): CopiesJson {
  return {
    pve: c.pve,
    nas: c.nas,
    offNas: c.offNas,
    offNasTime: iso(c.offNasMs),
    offNasReason: c.offNasReason,
  };
}

/**
 * The `nas` key for every cluster: the NAS-wide fields (tasks, capacity) from the first cluster
 * whose storage is on the NAS (else the first), every cluster's placement, coverage and findings
 * under `clusters`, and `findings` all of them, each once.
 */
export function toNasJsonAll(views: readonly ClusterNasView[]): NasJson | null {
  const primary = views.find((v) => v.view.placement.onNas) ?? views[0];
  if (!primary) return null;
  const clusters = views.map(({ cluster, view }) => {
    const json = toNasJson(view);
    return {
      cluster,
      storage: json.storage,
      onNas: view.placement.onNas ? ("yes" as const) : ("unknown" as const),
      reason: view.placement.onNas ? null : view.placement.reason,
      coverage: json.coverage,
      findings: json.findings,
    };
  });
  const findings = [...new Map(clusters.flatMap((c) => c.findings).map((f) => [f.message, f])).values()];
  return { ...toNasJson(primary.view), findings, clusters };
}

export function toNasJson(v: NasView): NasJson {
  return {
    url: v.url,
    reachable: v.error === null,
    error: v.error,
    hyperBackup: v.hyperBackup,
    storage: v.storage,
    tasks:
      v.tasks?.map((t) => ({
        id: t.id,
        name: t.name,
        state: t.state,
        status: t.status,
        health: t.health,
        lastResult: t.lastResult,
        lastError: t.lastError || null,
        lastRun: iso(t.lastRunMs),
        lastEnd: iso(t.lastEndMs),
        lastSuccess: iso(t.lastSuccessMs),
        nextRun: iso(t.nextRunMs),
        destination: t.destination,
        destinationKind: t.destinationKind,
        folders: t.folders.map((f) => f.path),
      })) ?? null,
    coverage: v.coverage.map((c) => ({
      label: c.label,
      folder: c.folder,
      task: c.task?.name ?? null,
      covered: c.covered,
      lastSuccess: iso(c.lastSuccessMs),
      nextRun: iso(c.nextRunMs),
    })),
    capacity: v.capacity
      ? {
          share: v.capacity.share,
          freeBytes: v.capacity.freeBytes,
          totalBytes: v.capacity.totalBytes,
          backupBytes: v.capacity.backupBytes,
          steadyBytes: v.capacity.steadyBytes,
          growthBytesPerWeek: v.capacity.growthBytesPerWeek,
          fillDate:
            v.capacity.fillMs === null ? null : new Date(v.capacity.fillMs).toISOString().slice(0, 10),
        }
      : null,
    findings: v.findings.map((f) => ({ kind: f.kind, folder: f.folder, task: f.task, message: f.message })),
  };
}

/** 0 nothing wrong, 1 a finding that is a problem, 2 only unknowns (DSM or PVE not readable). */
export function nasExitCode(v: NasView): 0 | 1 | 2 {
  if (v.findings.some((f) => f.kind !== "unknown")) return 1;
  return v.findings.length > 0 ? 2 : 0;
}

/** The terminal view of `pve-backup nas`: tasks, coverage, space, per guest copies, findings. */
export function renderNasText(
  v: NasView,
  guests: readonly { vmid: number; name: string }[],
  timeZone: string,
): string {
  const at = (ms: number | null) => (ms === null ? "-" : formatWall(ms, timeZone));
  const out: string[] = [
    `NAS ${v.url}${v.error ? " (not readable)" : ""}; storage ${v.storage.id}${v.storage.export ? ` = ${v.storage.server}:${v.storage.export}` : ""}`,
  ];
  if (v.tasks === null)
    out.push(v.hyperBackup === "not_installed" ? "Hyper Backup: not installed" : "Hyper Backup: unknown");
  else if (v.tasks.length === 0) out.push("Hyper Backup: no tasks");
  else {
    out.push(`Hyper Backup tasks (${timeZone}):`);
    for (const t of v.tasks)
      out.push(
        `  ${t.id}  ${t.name}  ${t.health}  last ${t.lastResult || "-"} ${at(t.lastRunMs)}  success ${at(t.lastSuccessMs)}  next ${at(t.nextRunMs)}  → ${t.destinationKind}  [${t.folders.map((f) => f.path).join(", ")}]`,
      );
  }
  for (const c of v.coverage)
    out.push(`${c.label} ${c.folder}: covered ${c.covered}${c.task ? ` by '${c.task.name}'` : ""}`);
  if (v.capacity) {
    const gb = (n: number) => `${(n / 1e9).toFixed(1)} GB`;
    out.push(
      `share ${v.capacity.share}: ${gb(v.capacity.freeBytes)} free of ${gb(v.capacity.totalBytes)}; archives ${gb(v.capacity.backupBytes)}, ${gb(v.capacity.growthBytesPerWeek)}/week; fills ${v.capacity.fillMs === null ? "not at this rate" : new Date(v.capacity.fillMs).toISOString().slice(0, 10)}`,
    );
  }
  const rows = guests.flatMap((g) => {
    const c = v.copies.get(g.vmid);
    if (!c) return [];
    const off =
      c.offNas === "yes" ? `yes, ${at(c.offNasMs)}` : c.offNas === "no" ? "no off-NAS copy" : "unknown";
    return [[String(g.vmid), g.name, String(c.pve), c.nas === null ? "-" : String(c.nas), off]];
  });
  if (rows.length > 0) {
    const table = [["VMID", "NAME", "ON PVE", "ON NAS", "OFF NAS"], ...rows];
    const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] ?? "").length))) ?? [];
    for (const r of table)
      out.push(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  "));
  }
  for (const f of v.findings) out.push(`! ${f.message}`);
  return `${out.map(terminalSafe).join("\n")}\n`;
}

/**
 * A line as a terminal shows it harmlessly: DSM's task names and errors are free text, so a line
 * break or an escape sequence in one (clearing the screen, forging a line) is written as `\xNN`.
 */
export function terminalSafe(line: string): string {
  // \p{Cc}: C0, DEL and C1 (ESC and CSI among them).
  return line.replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** The NAS entities' states (hub sensors, per guest copies) from a view; null before the first. */
export function toNasEntities(v: NasView | undefined): NasEntities | null {
  if (!v) return null;
  const offsite = v.findings.filter((f) => f.kind !== "capacity");
  return {
    freeBytes: v.capacity?.freeBytes ?? null,
    totalBytes: v.capacity?.totalBytes ?? null,
    share: v.capacity?.share ?? null,
    growthBytesPerWeek: v.capacity?.growthBytesPerWeek ?? null,
    fillDate: v.capacity?.fillMs == null ? null : new Date(v.capacity.fillMs).toISOString().slice(0, 10),
    capacityProblems: v.capacity?.problems ?? [],
    offsiteProblem: offsite.some((f) => f.kind !== "unknown") ? true : offsite.length > 0 ? null : false,
    findings: v.findings.map((f) => f.message),
    copies: v.copies,
  };
}

/**
 * `status --json` / `GET /api/status` with the NAS: the `nas` key (null before the first read)
 * and each guest of every cluster its `copies` from its cluster's view. Without `nas` configured
 * (`watching` false), the status as it was.
 */
export function statusWithNas(
  status: StatusJson | undefined,
  watching: boolean,
  views: readonly ClusterNasView[],
): StatusJson | undefined {
  if (!status || !watching) return status;
  return {
    ...status,
    guests: status.guests.map((g) => {
      const c = views.find((v) => v.cluster === g.cluster)?.view.copies.get(g.vmid);
      return c ? { ...g, copies: toCopiesJson(c) } : g;
    }),
    nas: toNasJsonAll(views),
  };
}
