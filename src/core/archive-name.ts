/**
 * vzdump archive file names and backup volume ids (PVE storage content `volid`s).
 *
 * File archives are named `vzdump-{type}-{vmid}-{YYYY_MM_DD-HH_MM_SS}.{ext}`, the time being the
 * node's local wall clock; PBS snapshots are `{vm|ct}/{vmid}/{ISO-8601 UTC}`.
 */

import type { GuestType, WallClock } from "./model.js";

/** The parts of a standard vzdump archive file name. */
export interface ArchiveName extends WallClock {
  vmid: number;
  /** `openvz` only for legacy archives. */
  type: GuestType | "openvz";
  /** Everything after the first dot, as PVE's `format`: `vma.zst`, `tar`, `tgz`, … */
  format: string;
}

/** What {@link formatArchiveName} needs to build a file name. */
export interface ArchiveNameSpec {
  vmid: number;
  type: GuestType;
  /** Node-local wall-clock time of the backup start. */
  wall: WallClock;
  compress: "zst" | "lzo" | "gz" | "none";
}

/** A backup volume on a file storage (dir, NFS, CIFS…). */
export interface FileVolumeId {
  storage: string;
  kind: "file";
  name: ArchiveName;
  fileName: string;
}

/** A backup snapshot on a Proxmox Backup Server storage. */
export interface PbsVolumeId {
  storage: string;
  kind: "pbs";
  type: GuestType;
  vmid: number;
  /** Backup time, epoch milliseconds (PBS snapshot names are UTC). */
  timeMs: number;
}

/** A parsed backup `volid`. */
export type VolumeId = FileVolumeId | PbsVolumeId;

// vmid per PVE's "standard name" rule: 3 to 9 digits, no leading zero.
const VMID = "[1-9][0-9]{2,8}";

const ARCHIVE_RE = new RegExp(
  `^vzdump-(qemu|lxc|openvz)-(${VMID})-(\\d{4})_(\\d{2})_(\\d{2})-(\\d{2})_(\\d{2})_(\\d{2})` +
    "\\.(tgz|(?:vma|tar)(?:\\.(?:zst|lzo|gz|bz2))?)$",
);

const STORAGE = "[A-Za-z][A-Za-z0-9_.-]*";
const FILE_VOLID_RE = new RegExp(`^(${STORAGE}):backup/([^/]+)$`);
const PBS_VOLID_RE = new RegExp(
  `^(${STORAGE}):backup/(vm|ct)/(${VMID})/(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2}):(\\d{2})Z$`,
);

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
}

/** Reads six numeric captures as a wall clock, or `undefined` if it is not a real date and time. */
function toWallClock(parts: readonly (string | undefined)[]): WallClock | undefined {
  const [year, month, day, hour, minute, second] = parts.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59;
  return valid ? { year, month, day, hour, minute, second } : undefined;
}

/**
 * Parses a standard vzdump archive file name (no directory), e.g.
 * `vzdump-qemu-100-2025_01_05-02_00_03.vma.zst`.
 *
 * Accepts `.vma`/`.tar` with optional `.zst`, `.lzo`, `.gz`, `.bz2`, and legacy `.tgz`. Returns
 * `undefined` for anything else: companions (`.log`, `.notes`, `.protected`), temporary `.dat`
 * files, non-standard vmids and impossible dates (month 13, Feb 30).
 */
export function parseArchiveName(fileName: string): ArchiveName | undefined {
  const m = ARCHIVE_RE.exec(fileName);
  if (!m) return undefined;
  const wall = toWallClock(m.slice(3, 9));
  if (!wall) return undefined;
  return { vmid: Number(m[2]), type: m[1] as ArchiveName["type"], ...wall, format: m[9] as string };
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/**
 * Builds the archive file name vzdump would write, the inverse of {@link parseArchiveName}:
 * `.vma` for qemu, `.tar` for lxc, plus the compressor's extension unless `none`.
 */
export function formatArchiveName(a: ArchiveNameSpec): string {
  const { year, month, day, hour, minute, second } = a.wall;
  const stamp = `${pad(year, 4)}_${pad(month, 2)}_${pad(day, 2)}-${pad(hour, 2)}_${pad(minute, 2)}_${pad(second, 2)}`;
  const ext = (a.type === "qemu" ? "vma" : "tar") + (a.compress === "none" ? "" : `.${a.compress}`);
  return `vzdump-${a.type}-${a.vmid}-${stamp}.${ext}`;
}

function utcMs(w: WallClock): number {
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(w.year, w.month - 1, w.day);
  date.setUTCHours(w.hour, w.minute, w.second, 0);
  return date.getTime();
}

/**
 * Parses a backup volume id: `nas:backup/vzdump-qemu-100-2025_01_05-02_00_03.vma.zst` (file
 * storage) or `pbs:backup/vm/100/2025-01-05T02:00:03Z` (PBS; `ct/` for containers).
 * Returns `undefined` for other volumes and non-standard archive names.
 */
export function parseBackupVolid(volid: string): VolumeId | undefined {
  const pbs = PBS_VOLID_RE.exec(volid);
  if (pbs) {
    const wall = toWallClock(pbs.slice(4, 10));
    if (!wall) return undefined;
    return {
      storage: pbs[1] as string,
      kind: "pbs",
      type: pbs[2] === "vm" ? "qemu" : "lxc",
      vmid: Number(pbs[3]),
      timeMs: utcMs(wall),
    };
  }
  const file = FILE_VOLID_RE.exec(volid);
  if (!file) return undefined;
  const fileName = file[2] as string;
  const name = parseArchiveName(fileName);
  if (!name) return undefined;
  return { storage: file[1] as string, kind: "file", name, fileName };
}
