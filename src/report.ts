import type { ClusterConfig } from "./config/schema.js";
import type { HaBackupsJson } from "./core/ha-backup.js";
import { type ClusterReport, formatWall, type GuestReport, isProblem } from "./core/status.js";
import type { VerifyLedger } from "./core/verify-run.js";
import type { CopiesJson, NasJson } from "./dsm/report.js";

/**
 * The public output of `pve-backup status` and `GET /api/status`: stable field names, ISO-8601
 * times, sizes in bytes. Cron jobs and scripts depend on it.
 */
export interface StatusJson {
  readonly guests: readonly GuestJson[];
  readonly clusters: readonly { cluster: string; reachable: boolean; problems: readonly string[] }[];
  /** The NAS side (Hyper Backup, share space, findings); null when `nas` is not configured. */
  nas?: NasJson | null;
  /** Home Assistant's own backups on the NAS (core/ha-backup.ts); null when `ha_backups` is not set. */
  readonly haBackups?: HaBackupsJson | null;
}

export interface GuestJson {
  cluster: string;
  vmid: number;
  name: string;
  type: string;
  node: string;
  tier: string | null;
  status: string;
  lastBackup: { time: string; volid: string; storage: string; size: number } | null;
  lastAttempt: {
    time: string;
    end: string | null;
    upid: string;
    outcome: string;
    error: string | null;
  } | null;
  expectedBy: string | null;
  reason: string;
  /** The 3-2-1 view: copies on PVE storage, on the NAS, off the NAS (Hyper Backup). */
  copies?: CopiesJson;
  /** The newest archive's last verification (null: never verified). */
  lastVerified?: LastVerifiedJson | null;
  lastTestRestore?: LastTestRestoreJson | null;
  /** Alerts about this guest (only with `alerts` set): snoozed until when, archived, and why. */
  alert?: { snoozedUntil: string | null; archived: boolean; archivedReason?: string | null };
}

export interface LastVerifiedJson {
  time: string;
  depth: "api" | "full";
  result: "ok" | "failed";
  durationMs: number;
  message: string;
}

export interface LastTestRestoreJson {
  time: string;
  result: "ok" | "failed";
  durationMs: number;
  message: string;
}

/** Data kept beside the monitor's, per guest key `<cluster>_<vmid>`. */
export interface StatusExtras {
  readonly ledger?: Pick<VerifyLedger, "lastVerified" | "lastTestRestore">;
  /** Home Assistant's own backups on the NAS; null or absent: `ha_backups` is not set. */
  readonly haBackups?: HaBackupsJson | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function toStatusJson(reports: readonly ClusterReport[], extras: StatusExtras = {}): StatusJson {
  return {
    guests: reports.flatMap((r) =>
      r.guests.map((g) => (extras.ledger ? withVerification(toGuestJson(g), extras.ledger) : toGuestJson(g))),
    ),
    clusters: reports.map((r) => ({ cluster: r.cluster, reachable: r.reachable, problems: r.problems })),
    haBackups: extras.haBackups ?? null,
  };
}

/** The service's status with the newest look at Home Assistant's backups on the NAS. */
export function withHaBackups(
  status: StatusJson | undefined,
  haBackups: HaBackupsJson | null,
): StatusJson | undefined {
  return status && { ...status, haBackups };
}

function withVerification(g: GuestJson, ledger: NonNullable<StatusExtras["ledger"]>): GuestJson {
  const key = `${g.cluster}_${g.vmid}`;
  const v = ledger.lastVerified[key];
  const t = ledger.lastTestRestore[key];
  return {
    ...g,
    lastVerified: v
      ? { time: v.time, depth: v.depth, result: v.result, durationMs: v.durationMs, message: v.message }
      : null,
    lastTestRestore: t
      ? { time: t.time, result: t.result, durationMs: t.durationMs, message: t.message }
      : null,
  };
}

function toGuestJson(g: GuestReport): GuestJson {
  return {
    cluster: g.cluster,
    vmid: g.vmid,
    name: g.name,
    type: g.type,
    node: g.node,
    tier: g.tier,
    status: g.status,
    lastBackup: g.lastBackup
      ? {
          time: iso(g.lastBackup.timeMs),
          volid: g.lastBackup.volid,
          storage: g.lastBackup.storage,
          size: g.lastBackup.sizeBytes,
        }
      : null,
    lastAttempt: g.lastAttempt
      ? {
          time: iso(g.lastAttempt.startMs),
          end: g.lastAttempt.endMs === undefined ? null : iso(g.lastAttempt.endMs),
          upid: g.lastAttempt.upid,
          outcome: g.lastAttempt.outcome,
          error: g.lastAttempt.error ?? null,
        }
      : null,
    expectedBy: g.expectedByMs === null ? null : iso(g.expectedByMs),
    reason: g.reason,
  };
}

/**
 * 0: every guest is fine; 1: some guest has a problem; 2: some state could not be determined.
 * `excused` guests (archived on purpose) are not counted as problems.
 */
export function statusExitCode(
  reports: readonly ClusterReport[],
  excused: (g: GuestReport) => boolean = () => false,
): 0 | 1 | 2 {
  const guests = reports.flatMap((r) => r.guests);
  if (guests.some((g) => isProblem(g.status) && !excused(g))) return 1;
  if (
    reports.some((r) => !r.reachable || r.problems.length > 0) ||
    guests.some((g) => g.status === "unknown")
  )
    return 2;
  return 0;
}

/**
 * A table for a terminal, one guest a line, problems underneath; times in `timeZone`, which the
 * header names. With the clusters' options, a cluster that could not be reached gets a hint.
 */
export function renderStatusTable(
  reports: readonly ClusterReport[],
  timeZone: string,
  clusters: readonly ClusterConfig[] = [],
  haBackups: HaBackupsJson | null = null,
): string {
  const multi = reports.length > 1;
  const header = [
    ...(multi ? ["CLUSTER"] : []),
    "VMID",
    "NAME",
    "TYPE",
    "NODE",
    "TIER",
    "STATUS",
    `LAST BACKUP (${timeZone})`,
    "SIZE",
    "REASON",
  ];
  const rows = reports.flatMap((r) =>
    r.guests.map((g) => [
      ...(multi ? [g.cluster] : []),
      String(g.vmid),
      g.name,
      g.type,
      g.node,
      g.tier ?? "-",
      g.status,
      g.lastBackup ? formatWall(g.lastBackup.timeMs, timeZone) : "-",
      g.lastBackup ? humanBytes(g.lastBackup.sizeBytes) : "-",
      g.reason,
    ]),
  );
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (i === header.length - 1 ? 0 : (r[i] ?? "").length))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  if (rows.length === 0) out.push("(no guests)");
  for (const r of reports) {
    for (const p of r.problems) out.push(`! ${r.cluster}: ${p}`);
    const hint = r.reachable ? undefined : connectionHint(clusters.find((c) => c.name === r.cluster));
    if (hint) out.push(`  hint: ${hint}`);
  }
  if (haBackups) out.push("", ...haBackupRows(haBackups, timeZone));
  return `${out.join("\n")}\n`;
}

/** Home Assistant's own backups on the NAS: one row under the guests, problems underneath. */
function haBackupRows(h: HaBackupsJson, timeZone: string): string[] {
  const wall = (iso: string) => formatWall(Date.parse(iso), timeZone);
  if (h.checkedAt === null)
    return ["HA BACKUP  not checked yet (the service checks once Home Assistant is connected)"];
  const last = h.lastBackup
    ? `last ${wall(h.lastBackup.time)} ${humanBytes(h.lastBackup.sizeBytes)} on ${h.agent ?? "-"}`
    : `no backup on ${h.agent ?? "the NAS"}`;
  const v = h.verification;
  const verified = v ? `verification ${v.result} ${wall(v.time)}` : "not verified";
  const next = h.nextAutomatic ? `next ${wall(h.nextAutomatic)}` : "no automatic backup";
  const rows = [`HA BACKUP  ${last}  ${verified}  ${next}`];
  for (const p of h.problems) rows.push(`! ha-backup: ${p}`);
  return rows;
}

/** What to check when a cluster cannot be reached, from its options alone. */
export function connectionHint(cluster: ClusterConfig | undefined): string | undefined {
  if (!cluster || cluster.fingerprint || !cluster.verifyTls) return undefined;
  return "PVE's own certificate is self-signed, so unless this machine trusts it, set fingerprint: … as shown by `pvenode cert info` or in the node's Certificates panel";
}

function humanBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}
