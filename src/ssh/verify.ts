import { createHash } from "node:crypto";
import { createGunzip, type ZlibOptions } from "node:zlib";
import {
  type ChecksumRecord,
  checkRetention,
  type HaBackupRef,
  judgeVerification,
  type Verdict,
  type VerifyFacts,
} from "../core/ha-backup.js";
import type { NasSession, ShareFile } from "./nas.js";
import { type MemberSink, TarScanner } from "./tar-scan.js";

/**
 * Verify Home Assistant's newest backup where the NAS keeps it: find its file on the share, read
 * it once from start to end (sha256, tar headers, each inner `.tar.gz`'s gzip CRC unless the
 * backup is encrypted, `backup.json`'s slug), count the copies against retention, ask for free
 * space. Streams: memory holds the reads in flight and one header, whatever the file's size.
 */

export interface VerifyOptions {
  /** HA's retention in copies for automatic backups; null = unlimited. */
  readonly retentionCopies: number | null;
  /**
   * What Home Assistant lists for this agent: all its backups there, and the automatic ones
   * (retention applies to those only). Without it every `.tar` on the share counts as a copy.
   */
  readonly listedByHa?: { readonly all: number; readonly automatic: number };
  /** What an earlier verification recorded for this backup. */
  readonly previous?: ChecksumRecord;
  /** Called with the bytes read so far (for progress and throughput). */
  readonly onProgress?: (readBytes: number) => void;
}

export interface Verification {
  readonly verdict: Verdict;
  readonly facts: VerifyFacts;
  readonly fileName?: string;
  readonly copiesOnShare: number;
  readonly freeBytes?: number;
}

const MAX_BACKUP_JSON_BYTES = 1 << 20;

export async function verifyHaBackup(
  nas: NasSession,
  backup: HaBackupRef,
  opts: VerifyOptions,
): Promise<Verification> {
  const tars = (await nas.list()).filter((f) => f.name.endsWith(".tar"));
  const retention = checkRetention(opts.listedByHa?.automatic ?? tars.length, opts.retentionCopies);
  const share = opts.listedByHa && { files: tars.length, knownToHa: opts.listedByHa.all };
  const freeBytes = await nas.freeBytes();
  const file = await findBackupFile(nas, tars, backup.backupId);
  if (file === undefined) {
    const facts: VerifyFacts = {
      backup,
      readBytes: 0,
      tar: { members: [] },
      innerErrors: [],
      sha256: "",
      retention,
      share,
    };
    return { verdict: judgeVerification(facts), facts, copiesOnShare: tars.length, freeBytes };
  }
  const hash = createHash("sha256");
  const innerErrors: { member: string; message: string }[] = [];
  let backupJson: Buffer[] | undefined;
  let backupJsonBytes = 0;
  const scanner = new TarScanner((m): MemberSink | undefined => {
    if (m.name === "backup.json") {
      backupJson = [];
      return {
        write(c) {
          backupJsonBytes += c.length;
          if (backupJsonBytes <= MAX_BACKUP_JSON_BYTES) backupJson?.push(Buffer.from(c));
        },
        end() {},
      };
    }
    if (m.name.endsWith(".tar.gz") && !backup.protected) return gunzipCheck(m.name, innerErrors);
    return undefined;
  });
  let readBytes = 0;
  const read = await nas.read(file.name, async (chunk) => {
    hash.update(chunk);
    readBytes += chunk.length;
    opts.onProgress?.(readBytes);
    await scanner.push(chunk);
  });
  const tar = await scanner.end();
  const facts: VerifyFacts = {
    backup,
    file: { name: file.name, sizeBytes: file.sizeBytes },
    readBytes: read.sizeBytes,
    tar: { members: tar.members.map((m) => m.name), error: tar.error },
    innerErrors,
    backupJsonId: backupJson ? slugOf(Buffer.concat(backupJson)) : undefined,
    sha256: hash.digest("hex"),
    previous: opts.previous,
    changedWhileRead: read.changed,
    retention,
    share,
  };
  return {
    verdict: judgeVerification(facts),
    facts,
    fileName: file.name,
    copiesOnShare: tars.length,
    freeBytes,
  };
}

/**
 * The backup's file: `<backup_id>.tar` (the Supervisor's and Core 2025.1's name), else the `.tar`
 * whose `backup.json` names it (later Core releases name files after the backup), newest first.
 */
async function findBackupFile(
  nas: NasSession,
  tars: readonly ShareFile[],
  backupId: string,
): Promise<ShareFile | undefined> {
  const exact = tars.find((f) => f.name === `${backupId}.tar`);
  if (exact) return exact;
  for (const f of [...tars].sort((a, b) => b.mtimeMs - a.mtimeMs)) {
    if ((await slugInHead(nas, f.name)) === backupId) return f;
  }
  return undefined;
}

const STOP = Symbol("stop");

/** The slug in a tar's `backup.json`, reading only until that member is over. */
async function slugInHead(nas: NasSession, name: string): Promise<string | undefined> {
  let slug: string | undefined;
  const parts: Buffer[] = [];
  let members = 0;
  const scanner = new TarScanner((m) => {
    members += 1;
    if (m.name !== "backup.json" || m.sizeBytes > MAX_BACKUP_JSON_BYTES) return undefined;
    return {
      write: (c) => void parts.push(Buffer.from(c)),
      end: () => {
        slug = slugOf(Buffer.concat(parts));
      },
    };
  });
  try {
    await nas.read(name, async (chunk) => {
      await scanner.push(chunk);
      // backup.json comes first; give up once a few members went by without it.
      if (slug !== undefined || members > 3) throw STOP;
    });
  } catch (err) {
    if (err !== STOP) throw err;
  }
  return slug;
}

function slugOf(json: Buffer): string | undefined {
  try {
    const slug = (JSON.parse(json.toString("utf8")) as { slug?: unknown }).slug;
    return typeof slug === "string" ? slug : undefined;
  } catch {
    // Not JSON: the slug is unknown, and the member check reports the damage.
    return undefined;
  }
}

/** A sink that inflates an inner `.tar.gz` and discards the output: zlib checks length and CRC. */
function gunzipCheck(member: string, errors: { member: string; message: string }[]): MemberSink {
  // Room for a few reads' worth of input and large output chunks: inflating runs on libuv's pool
  // while the next reads arrive, instead of a drain wait after every chunk.
  const gz = createGunzip({ chunkSize: 256 * 1024, writableHighWaterMark: 4 * 1024 * 1024 } as ZlibOptions);
  let failed: string | undefined;
  gz.on("error", (err) => {
    failed ??= err.message;
  });
  gz.resume();
  return {
    write(chunk) {
      if (failed !== undefined) return;
      if (!gz.write(chunk))
        return new Promise<void>((r) => {
          // A damaged stream errors instead of draining: either ends the wait.
          gz.once("drain", r);
          gz.once("error", () => r());
        });
    },
    end() {
      return new Promise<void>((resolve) => {
        const finish = () => {
          if (failed !== undefined) errors.push({ member, message: failed });
          resolve();
        };
        if (failed !== undefined) return finish();
        gz.once("end", finish);
        gz.once("error", finish);
        gz.end();
      });
    },
  };
}
