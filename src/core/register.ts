/**
 * The backup register: one row per guest, an ops inventory a person keeps in git. Built from the
 * status snapshot (the verdicts), the backup jobs, the tiers and each guest's archives; what other
 * parts of the product know (copies on the NAS and off it, verifications, test restores) comes in
 * as optional facts and reads `unknown` when absent. Stable: rows by cluster and vmid, keys in one
 * order, times ISO-8601 UTC, nothing that changes by itself (an age, when it was made) unless the
 * caller asks for it (`volatileAtMs`). Pure.
 */

import type { Archive, GuestStatusKind } from "./model.js";
import type { GuestReport } from "./status.js";

/** A backup job as the register needs it (`GET /cluster/backup`). */
export interface RegisterJob {
  readonly cluster: string;
  readonly id: string;
  readonly enabled: boolean;
  readonly schedule?: string;
  readonly storage?: string;
  /** The job's `prune-backups`, as PVE's property string (`keep-last=3`). */
  readonly retention?: string;
}

export interface RegisterTier {
  readonly name: string;
  readonly schedule: string;
  readonly keepLast: number;
}

/** Copies of a guest's newest backup by place (the NAS side's view). */
export interface CopiesFacts {
  readonly pve: number;
  readonly nas: number | null;
  readonly offNas: "yes" | "no" | "unknown";
  readonly offNasTime: string | null;
}

/** A verification or test restore; `null` (known: there was none) differs from absent (unknown). */
export interface CheckFacts {
  readonly time: string;
  readonly result: "ok" | "failed";
  readonly depth?: string;
  readonly message?: string;
}

export interface GuestExtras {
  readonly copies?: CopiesFacts;
  readonly lastVerified?: CheckFacts | null;
  readonly lastTestRestore?: CheckFacts | null;
}

export interface RegisterInput {
  readonly guests: readonly GuestReport[];
  readonly jobs: readonly RegisterJob[];
  readonly tiers: readonly RegisterTier[];
  /** Every archive of a guest, by `guestKey`; absent when its storages could not be listed. */
  readonly archives: ReadonlyMap<string, readonly Archive[]>;
  /** Facts owned by other parts of the product, by `guestKey`. */
  readonly extras?: ReadonlyMap<string, GuestExtras>;
  /** Adds what changes by itself (the register's time, each backup's age), for a person, not git. */
  readonly volatileAtMs?: number;
}

export type Unknown = "unknown";
export type SizeTrend = "growing" | "shrinking" | "steady" | Unknown;

/** One guest's line in the register; keys in this order, always all of them. */
export interface RegisterRow {
  readonly cluster: string;
  readonly vmid: number;
  readonly name: string;
  readonly type: string;
  readonly tier: string | null;
  readonly status: GuestStatusKind;
  readonly jobs: readonly string[];
  readonly schedule: string | null;
  readonly storage: string | null;
  readonly retention: string | null;
  readonly lastOk: string | null;
  readonly lastVolid: string | null;
  readonly sizeBytes: number | null;
  readonly sizeTrend: SizeTrend;
  /** Newest archive against the oldest of the last five, in percent (one decimal). */
  readonly sizeTrendPct: number | null;
  readonly pveCopies: number | Unknown;
  readonly protectedCopies: number | Unknown;
  readonly nasCopies: number | Unknown;
  readonly offNas: "yes" | "no" | Unknown;
  readonly offNasTime: string | null | Unknown;
  readonly coverageGaps: readonly string[];
  readonly lastVerified: string | "never" | Unknown;
  readonly lastVerifiedResult: "ok" | "failed" | "never" | Unknown;
  readonly lastTestRestore: string | "never" | Unknown;
  readonly lastTestRestoreResult: "ok" | "failed" | "never" | Unknown;
  /** Only with `volatileAtMs`: hours since the newest archive. */
  readonly ageHours?: number | null;
}

export interface Register {
  /** The register's format; bumped when a key changes meaning. */
  readonly format: 1;
  /** Only with `volatileAtMs`. */
  readonly generatedAt?: string;
  readonly guests: readonly RegisterRow[];
}

/** The key of a guest in the maps of {@link RegisterInput}. */
export function guestKey(cluster: string, vmid: number): string {
  return `${cluster}/${vmid}`;
}

const TREND_ARCHIVES = 5;
/** Changes smaller than this, in percent, are steady. */
const STEADY_PCT = 5;

/** Build the register: one row per guest, by cluster then vmid. */
export function buildRegister(input: RegisterInput): Register {
  const rows = [...input.guests]
    .sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : a.vmid - b.vmid))
    .map((g) => buildRow(g, input));
  return input.volatileAtMs === undefined
    ? { format: 1, guests: rows }
    : { format: 1, generatedAt: new Date(input.volatileAtMs).toISOString(), guests: rows };
}

function buildRow(g: GuestReport, input: RegisterInput): RegisterRow {
  const key = guestKey(g.cluster, g.vmid);
  const jobs = g.jobs
    .map((id) => input.jobs.find((j) => j.cluster === g.cluster && j.id === id))
    .filter((j): j is RegisterJob => j !== undefined);
  const tier = input.tiers.find((t) => t.name === g.tier);
  const archives = input.archives.get(key);
  const extras = input.extras?.get(key) ?? {};
  const trend = sizeTrendOf(archives);
  const verified = checkOf(extras.lastVerified);
  const restored = checkOf(extras.lastTestRestore);
  const row: RegisterRow = {
    cluster: g.cluster,
    vmid: g.vmid,
    name: g.name,
    type: g.type,
    tier: g.tier,
    status: g.status,
    jobs: [...g.jobs].sort(),
    schedule: joined(jobs.map((j) => j.schedule)) ?? tier?.schedule ?? null,
    storage: joined(jobs.map((j) => j.storage)),
    retention: joined(jobs.map((j) => j.retention)) ?? (tier ? `keep-last=${tier.keepLast}` : null),
    lastOk: g.lastBackup ? new Date(g.lastBackup.timeMs).toISOString() : null,
    lastVolid: g.lastBackup?.volid ?? null,
    sizeBytes: g.lastBackup?.sizeBytes ?? null,
    sizeTrend: trend.trend,
    sizeTrendPct: trend.pct,
    pveCopies: archives ? archives.length : "unknown",
    protectedCopies: archives ? archives.filter((a) => a.protected).length : "unknown",
    nasCopies: extras.copies?.nas ?? "unknown",
    offNas: extras.copies?.offNas ?? "unknown",
    offNasTime: extras.copies ? extras.copies.offNasTime : "unknown",
    coverageGaps: gapsOf(g, extras),
    lastVerified: verified.time,
    lastVerifiedResult: verified.result,
    lastTestRestore: restored.time,
    lastTestRestoreResult: restored.result,
  };
  if (input.volatileAtMs === undefined) return row;
  return {
    ...row,
    ageHours: g.lastBackup ? Math.floor((input.volatileAtMs - g.lastBackup.timeMs) / 3_600_000) : null,
  };
}

/** The distinct values, sorted, joined by `; `; null when there is none. */
function joined(values: readonly (string | undefined)[]): string | null {
  const set = [...new Set(values.filter((v): v is string => v !== undefined && v !== ""))].sort();
  return set.length > 0 ? set.join("; ") : null;
}

function sizeTrendOf(archives: readonly Archive[] | undefined): { trend: SizeTrend; pct: number | null } {
  const recent = [...(archives ?? [])].sort((a, b) => b.timeMs - a.timeMs).slice(0, TREND_ARCHIVES);
  const newest = recent[0];
  const oldest = recent[recent.length - 1];
  if (recent.length < 2 || !newest || !oldest || oldest.sizeBytes <= 0)
    return { trend: "unknown", pct: null };
  const pct = Math.round(((newest.sizeBytes - oldest.sizeBytes) / oldest.sizeBytes) * 1000) / 10;
  const trend = Math.abs(pct) < STEADY_PCT ? "steady" : pct > 0 ? "growing" : "shrinking";
  return { trend, pct };
}

function checkOf(c: CheckFacts | null | undefined): {
  time: string;
  result: "ok" | "failed" | "never" | Unknown;
} {
  if (c === undefined) return { time: "unknown", result: "unknown" };
  if (c === null) return { time: "never", result: "never" };
  return { time: c.time, result: c.result };
}

const STATUS_GAPS: Partial<Record<GuestStatusKind, string>> = {
  not_in_job: "not in any enabled backup job",
  never: "no backup yet",
  late: "backup is late",
  failed: "last backup attempt failed",
  unknown: "backup state unknown",
};

/** What is missing from this guest's protection, in a fixed order. */
function gapsOf(g: GuestReport, extras: GuestExtras): string[] {
  const gaps: string[] = [];
  const status = STATUS_GAPS[g.status];
  if (status) gaps.push(status);
  if (g.tier === null) gaps.push("no tier in the policy");
  if (g.jobs.length > 1) gaps.push(`backed up by ${g.jobs.length} jobs`);
  if (extras.copies?.offNas === "no") gaps.push("no copy off the NAS");
  if (extras.lastVerified === null) gaps.push("never verified");
  else if (extras.lastVerified?.result === "failed") gaps.push("last verification failed");
  // Test restores are opt-in: one never made is no gap, one that failed is.
  if (extras.lastTestRestore?.result === "failed") gaps.push("last test restore failed");
  return gaps;
}

/** The CSV columns, in order: every key of a row (lists joined by `; `). */
export const REGISTER_COLUMNS = [
  "cluster",
  "vmid",
  "name",
  "type",
  "tier",
  "status",
  "jobs",
  "schedule",
  "storage",
  "retention",
  "lastOk",
  "lastVolid",
  "sizeBytes",
  "sizeTrend",
  "sizeTrendPct",
  "pveCopies",
  "protectedCopies",
  "nasCopies",
  "offNas",
  "offNasTime",
  "coverageGaps",
  "lastVerified",
  "lastVerifiedResult",
  "lastTestRestore",
  "lastTestRestoreResult",
] as const satisfies readonly (keyof RegisterRow)[];

function cellText(value: RegisterRow[keyof RegisterRow]): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.join("; ");
  return String(value);
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF; quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The register as RFC 4180 CSV: a header line, CRLF line ends (also after the last record). */
export function renderRegisterCsv(register: Register): string {
  const columns: readonly (keyof RegisterRow)[] =
    register.generatedAt === undefined ? REGISTER_COLUMNS : [...REGISTER_COLUMNS, "ageHours"];
  const lines = [
    columns.join(","),
    ...register.guests.map((r) => columns.map((c) => csvField(cellText(r[c]))).join(",")),
  ];
  return `${lines.join("\r\n")}\r\n`;
}

/** Text in a Markdown table cell: pipes escaped, line breaks as spaces, empty as `-`. */
export function mdCell(text: string): string {
  const t = text
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/\r?\n|\r/g, " ");
  return t === "" ? "-" : t;
}

/** The register as a Markdown table, one guest a line. */
export function renderRegisterMarkdown(register: Register): string {
  const head = ["Guest", "Tier", "Status", "Schedule", "Storage", "Retention", "Last ok", "Size", "Trend"];
  const more = ["Copies (protected)", "Off NAS", "Verified", "Test restore", "Gaps"];
  const rows = register.guests.map((r) => [
    `${r.cluster}/${r.vmid} ${r.name} (${r.type === "qemu" ? "VM" : "CT"})`,
    r.tier ?? "",
    r.status,
    r.schedule ?? "",
    r.storage ?? "",
    r.retention ?? "",
    r.lastOk ?? "",
    r.sizeBytes === null ? "" : String(r.sizeBytes),
    r.sizeTrendPct === null ? r.sizeTrend : `${r.sizeTrend} (${r.sizeTrendPct}%)`,
    `${r.pveCopies} (${r.protectedCopies})`,
    r.offNasTime === null || r.offNasTime === "unknown" ? r.offNas : `${r.offNas} (${r.offNasTime})`,
    r.lastVerifiedResult === r.lastVerified ? r.lastVerified : `${r.lastVerifiedResult} ${r.lastVerified}`,
    r.lastTestRestoreResult === r.lastTestRestore
      ? r.lastTestRestore
      : `${r.lastTestRestoreResult} ${r.lastTestRestore}`,
    r.coverageGaps.join("; "),
  ]);
  const all = [...head, ...more];
  const line = (cells: readonly string[]) => `| ${cells.map(mdCell).join(" | ")} |`;
  const out = ["# Backup register", ""];
  if (register.generatedAt !== undefined) out.push(`Generated ${register.generatedAt}.`, "");
  out.push(line(all), `|${all.map(() => " --- ").join("|")}|`, ...rows.map(line));
  return `${out.join("\n")}\n`;
}
