import {
  archiveLayers,
  type FullCheckFacts,
  judgeFullCheck,
  throttleDelayMs,
  type VerifyOutcome,
} from "../core/verify-archive.js";
import { checkArchiveStream, type StreamCheckOptions } from "./archive-stream.js";

/**
 * The full check of one archive where the NAS keeps it (the storage's `dump/` directory over
 * SFTP): read it start to end at no more than `bytesPerSec`, decode and read its structure on the
 * way, then read the `.log` beside it. A `NasSession` from `src/ssh/nas.ts` is such a source.
 */

export interface DumpSource {
  read(name: string, onChunk: (chunk: Buffer) => Promise<void> | void): Promise<{ sizeBytes: number }>;
}

export interface FullCheckOptions extends StreamCheckOptions {
  /** Read at most this many bytes per second; 0 = as fast as the NAS gives them. */
  readonly bytesPerSec: number;
  readonly nowMs: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onProgress?: (readBytes: number) => void;
}

/** Logs are a few KiB; only the tail of a larger one is kept (its last line decides). */
const LOG_TAIL_BYTES = 256 * 1024;
const STOP = Symbol("stop");

export async function fullCheckArchive(
  source: DumpSource,
  file: { readonly name: string; readonly sizeBytes: number },
  opts: FullCheckOptions,
): Promise<{ outcome: VerifyOutcome; facts?: FullCheckFacts; readError?: string }> {
  const layers = archiveLayers(file.name);
  if (layers === undefined)
    return {
      outcome: {
        result: "failed",
        message: `'${file.name}' is not a vzdump archive name`,
        problems: ["not a vzdump archive"],
        unchecked: [],
      },
    };
  const check = checkArchiveStream(layers, opts);
  const startMs = opts.nowMs();
  let readBytes = 0;
  let readError: string | undefined;
  let stoppedEarly = false;
  try {
    await source.read(file.name, async (chunk) => {
      readBytes += chunk.length;
      opts.onProgress?.(readBytes);
      await check.write(chunk);
      if (check.failed) {
        stoppedEarly = true;
        throw STOP;
      }
      const waitMs = throttleDelayMs(readBytes, opts.nowMs() - startMs, opts.bytesPerSec);
      if (waitMs > 0) await opts.sleep(waitMs);
    });
  } catch (err) {
    if (err !== STOP) {
      check.abort();
      readError = err instanceof Error ? err.message : String(err);
    }
  }
  const decoded = await check.end();
  const log = await readLog(source, layers.logName);
  const facts: FullCheckFacts = {
    layers,
    // A problem found early stops the read: the size then says nothing more.
    listedBytes: stoppedEarly ? readBytes : file.sizeBytes,
    readBytes,
    ...decoded,
    log,
  };
  const outcome = judgeFullCheck(facts);
  if (readError === undefined) return { outcome, facts };
  const message = `reading the archive failed after ${readBytes} bytes: ${readError}`;
  return {
    outcome: { ...outcome, result: "failed", message, problems: [message, ...outcome.problems] },
    facts,
    readError,
  };
}

async function readLog(source: DumpSource, name: string): Promise<string | undefined> {
  const parts: Buffer[] = [];
  let held = 0;
  try {
    await source.read(name, (chunk) => {
      parts.push(chunk);
      held += chunk.length;
      while (held - (parts[0]?.length ?? 0) >= LOG_TAIL_BYTES) held -= (parts.shift() as Buffer).length;
    });
  } catch {
    // No log beside the archive: the verdict says so.
    return undefined;
  }
  return Buffer.concat(parts).toString("utf8");
}
