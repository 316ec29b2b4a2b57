/**
 * Verdicts on vzdump archives: which layers a file has (compression, VMA or tar), what the `.log`
 * beside it says, and how the facts of a cheap check (the guest config PVE extracts through its
 * API) or a full read (decoder, structure, log) add up to `ok` or `failed` with a sentence naming
 * what is wrong. Anything that could not be checked is said so, never counted as ok.
 */

import { parseArchiveName } from "./archive-name.js";
import type { VmaResult } from "./verify-vma.js";

export type Compression = "zst" | "gz" | "lzo" | "bz2" | "none";

export interface ArchiveLayers {
  readonly vmid: number;
  readonly guestType: "qemu" | "lxc";
  readonly format: "vma" | "tar";
  readonly compression: Compression;
  /** The `.log` vzdump copies beside the archive. */
  readonly logName: string;
}

/** The layers of a standard archive file name; undefined for anything else (and legacy openvz). */
export function archiveLayers(fileName: string): ArchiveLayers | undefined {
  const name = parseArchiveName(fileName);
  if (name === undefined || name.type === "openvz") return undefined;
  const [format, ext] = name.format === "tgz" ? ["tar", "gz"] : name.format.split(".");
  const base = fileName.slice(0, fileName.length - name.format.length - 1);
  return {
    vmid: name.vmid,
    guestType: name.type,
    format: format as "vma" | "tar",
    compression: (ext ?? "none") as Compression,
    logName: `${base}.log`,
  };
}

export type LogVerdict = { readonly ok: true } | { readonly ok: false; readonly problem: string };

// Per-guest log lines: `YYYY-MM-DD HH:MM:SS INFO: …` (PVE VZDump/Plugin.pm debugmsg).
const LOG_LINE_RE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (INFO|WARN|ERROR): (.*)$/;

/** The run that wrote the archive ended well: its log's last entry is `Finished Backup of VM <vmid>`. */
export function judgeBackupLog(text: string | undefined, vmid: number): LogVerdict {
  if (text === undefined) return { ok: false, problem: "the run's .log beside the archive is missing" };
  const entries = text
    .split("\n")
    .map((l) => LOG_LINE_RE.exec(l.trimEnd()))
    .filter((m): m is RegExpExecArray => m !== null);
  const failed = entries.find((m) => /^Backup of VM \d+ failed - /.test(m[2] as string));
  if (failed) return { ok: false, problem: `the run's log says: ${failed[2]}` };
  const last = entries[entries.length - 1];
  if (last && new RegExp(`^Finished Backup of VM ${vmid} \\(`).test(last[2] as string)) return { ok: true };
  return { ok: false, problem: `the run's log does not end with 'Finished Backup of VM ${vmid}'` };
}

/** One check's verdict, as the status and the events carry it. */
export interface VerifyOutcome {
  readonly result: "ok" | "failed";
  /** One sentence: what is wrong, or what was checked. */
  readonly message: string;
  readonly problems: readonly string[];
  /** Layers that were not checked (e.g. lzo), said plainly. */
  readonly unchecked: readonly string[];
}

function outcome(problems: string[], unchecked: string[], okMessage: string): VerifyOutcome {
  const tail = unchecked.length > 0 ? `; not checked: ${unchecked.join(", ")}` : "";
  return problems.length > 0
    ? { result: "failed", message: `${problems.join("; ")}${tail}`, problems, unchecked }
    : { result: "ok", message: `${okMessage}${tail}`, problems, unchecked };
}

export type StructureFacts =
  | { readonly kind: "vma"; readonly result: VmaResult }
  | { readonly kind: "tar"; readonly members: readonly string[]; readonly error?: string }
  | { readonly kind: "unchecked"; readonly reason: string };

export interface FullCheckFacts {
  readonly layers: ArchiveLayers;
  /** Size the storage lists for the file. */
  readonly listedBytes: number;
  readonly readBytes: number;
  /** The compression layer: undefined when it could not be checked (the reason says why). */
  readonly decode: { readonly error?: string } | { readonly unchecked: string };
  readonly structure: StructureFacts;
  /** The `.log` text; undefined when there is none. */
  readonly log: string | undefined;
}

const DECODER_NAME: Record<Compression, string> = {
  zst: "zstd",
  gz: "gzip",
  lzo: "lzo",
  bz2: "bzip2",
  none: "",
};

/** A full read's verdict: every layer whole, and the run that wrote it ended OK. */
export function judgeFullCheck(f: FullCheckFacts): VerifyOutcome {
  const problems: string[] = [];
  const unchecked: string[] = [];
  const { layers } = f;
  if (f.readBytes < f.listedBytes)
    problems.push(`only ${f.readBytes} of ${f.listedBytes} bytes could be read`);
  const decoder = DECODER_NAME[layers.compression];
  if ("unchecked" in f.decode) unchecked.push(`${decoder} layer (${f.decode.unchecked})`);
  else if (f.decode.error !== undefined) problems.push(`the ${decoder} stream is damaged: ${f.decode.error}`);
  const s = f.structure;
  if (s.kind === "unchecked") unchecked.push(`${layers.format} structure (${s.reason})`);
  else if (s.kind === "vma") {
    if (!s.result.ok) problems.push(s.result.problem);
    else if (s.result.facts.config === undefined) problems.push("the VMA carries no qemu-server.conf");
  } else if (s.error !== undefined) problems.push(s.error);
  else if (layers.guestType === "lxc" && s.members[0] !== "etc/vzdump/pct.conf")
    problems.push("the container archive does not start with ./etc/vzdump/pct.conf");
  const log = judgeBackupLog(f.log, layers.vmid);
  if (!log.ok) problems.push(log.problem);
  const what = layers.format === "vma" ? "VMA header, extents and disks" : "tar listing";
  const layer = decoder && !("unchecked" in f.decode) ? `${decoder} checksum, ` : "";
  return outcome(
    problems,
    unchecked,
    `read ${f.readBytes} bytes: ${layer}${what} and the run's log are whole`,
  );
}

/** What the cheap check learns from the guest config PVE extracts from the archive's header. */
export interface ExtractedConfig {
  readonly nets: readonly { readonly key: string; readonly value: string }[];
  readonly agent: boolean;
  readonly onboot: boolean;
  /** Disks with data in the archive (`#qmdump#map` lines) or container volumes. */
  readonly disks: readonly string[];
}

/** Parse `vzdump/extractconfig` text (the guest's config lines). */
export function parseExtractedConfig(text: string): ExtractedConfig {
  const nets: { key: string; value: string }[] = [];
  const disks: string[] = [];
  let agent = false;
  let onboot = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const map = /^#qmdump#map:([a-z]+\d+):/.exec(line);
    if (map) disks.push(map[1] as string);
    const kv = /^([a-z][a-z0-9_-]*):\s*(.*)$/.exec(line);
    if (!kv) continue;
    const [, key, value] = kv as unknown as [string, string, string];
    if (/^net\d+$/.test(key)) nets.push({ key, value });
    else if (key === "agent") agent = /^(1|enabled=1)\b/.test(value);
    else if (key === "onboot") onboot = value === "1";
    else if (key === "rootfs" || /^mp\d+$/.test(key)) disks.push(key);
  }
  return { nets, agent, onboot, disks };
}

/**
 * The cheap check's verdict: PVE could read the archive's header and found a guest config in it.
 * `error` is PVE's refusal (e.g. "Failed to extract config from VMA archive: …").
 */
export function judgeExtractedConfig(
  guestType: "qemu" | "lxc",
  result: { readonly text: string } | { readonly error: string },
): VerifyOutcome {
  if ("error" in result) return outcome([`PVE cannot read the archive's config: ${result.error}`], [], "");
  const config = parseExtractedConfig(result.text);
  const looksRight =
    guestType === "qemu"
      ? /^(memory|cores|sockets|ostype|#qmdump#map):/m.test(result.text)
      : /^(arch|rootfs|hostname):/m.test(result.text);
  if (!looksRight)
    return outcome(
      [
        `the config PVE extracted from the archive is not a ${guestType === "qemu" ? "VM" : "container"} config`,
      ],
      [],
      "",
    );
  return outcome(
    [],
    ["the data past the header (run a full check)"],
    `PVE read the archive's header and config (${config.disks.length} disk${config.disks.length === 1 ? "" : "s"})`,
  );
}

/**
 * How long to pause so reading stays at or below `bytesPerSec`: the time `readBytes` should have
 * taken minus the time it did. 0 when unthrottled (`bytesPerSec` 0) or behind schedule.
 */
export function throttleDelayMs(readBytes: number, elapsedMs: number, bytesPerSec: number): number {
  if (bytesPerSec <= 0) return 0;
  return Math.max(0, Math.ceil((readBytes / bytesPerSec) * 1000 - elapsedMs));
}
