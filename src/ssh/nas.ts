import { createHash } from "node:crypto";
import { Client, type ConnectConfig, type SFTPWrapper } from "ssh2";
import type { Logger } from "../log.js";
import { NasError } from "./nas-error.js";

export { NasError, type NasFailure } from "./nas-error.js";

/**
 * The NAS over SSH/SFTP (`ssh2`), read-only: list the share, stat a file, read it in order with
 * several requests in flight (as OpenSSH's `sftp` does), and ask for free space
 * (`statvfs@openssh.com`). The host key is pinned by its `SHA256:…` fingerprint and checked during
 * the key exchange, before any password or key is offered; without a pin the connection is refused
 * and the error carries the fingerprint the NAS offered, so the first use is never silent.
 */

export interface NasTarget {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password?: string;
  /** OpenSSH or PEM private key text. */
  readonly privateKey?: string;
  readonly passphrase?: string;
  /** `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it. */
  readonly hostKeyFingerprint?: string;
  /** The share's directory as the SFTP server sees it. */
  readonly sharePath: string;
  readonly connectTimeoutMs?: number;
  /** Log ssh2's per-packet protocol trace at debug level (default off). */
  readonly traceProtocol?: boolean;
  /** Bytes asked for per SFTP read request (default READ_CHUNK_BYTES). */
  readonly readChunkBytes?: number;
  /** Read requests kept outstanding at once (default READS_IN_FLIGHT). */
  readonly readsInFlight?: number;
}

export interface ShareFile {
  readonly name: string;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
}

export interface NasSession {
  /** The regular files in the share directory. */
  list(): Promise<ShareFile[]>;
  /**
   * Read `name` start to end, handing each chunk in order to `onChunk` (awaited). `changed`: the
   * file's size or modification time after the read differs from before it, or it is gone.
   */
  read(
    name: string,
    onChunk: (chunk: Buffer) => Promise<void> | void,
  ): Promise<{ sizeBytes: number; changed?: boolean }>;
  /** Bytes free on the share's filesystem for an unprivileged user; undefined if the server cannot say. */
  freeBytes(): Promise<number | undefined>;
  close(): void;
}

/** `SHA256:…` of a raw SSH public key blob, the form `ssh-keygen -lf` prints. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

const READ_CHUNK_BYTES = 64 * 1024;
const READS_IN_FLIGHT = 64;

export async function openNas(target: NasTarget, log: Logger): Promise<NasSession> {
  const where = `${target.host}:${target.port}`;
  const client = new Client();
  let offered: string | undefined;
  let hostKeyRefused = false;
  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.username,
    password: target.password,
    privateKey: target.privateKey,
    passphrase: target.passphrase,
    readyTimeout: target.connectTimeoutMs ?? 20_000,
    keepaliveInterval: 15_000,
    keepaliveCountMax: 4,
    tryKeyboard: false,
    // ssh2's protocol trace (packet types, no payloads), when asked for: it builds a line per
    // packet, several per read request, which costs throughput even when the logger drops it.
    debug: target.traceProtocol ? (line: string) => log.debug(`ssh2: ${line}`) : undefined,
    hostVerifier: (key: Buffer) => {
      offered = fingerprintOf(key);
      const ok =
        target.hostKeyFingerprint !== undefined && sameFingerprint(offered, target.hostKeyFingerprint);
      hostKeyRefused = !ok;
      return ok;
    },
  };
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    // `on`, not `once`: a reset after the first error must not become an unhandled 'error'.
    client.on("error", (err: Error & { level?: string }) => {
      if (hostKeyRefused && offered !== undefined) {
        reject(
          target.hostKeyFingerprint === undefined
            ? new NasError(
                `the NAS at ${where} offered host key ${offered} and none is pinned: nothing was sent. If that is your NAS's key (check with 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' on it), set ha_backups.host_key_fingerprint to it`,
                "host_key_unpinned",
                offered,
              )
            : new NasError(
                `the NAS at ${where} offered host key ${offered}, not the pinned ${target.hostKeyFingerprint}: refused before logging in. If the NAS's key really changed, pin the new one in ha_backups.host_key_fingerprint`,
                "host_key_mismatch",
                offered,
              ),
        );
      } else if (err.level === "client-authentication")
        reject(
          new NasError(
            `the NAS at ${where} refused user '${target.username}': check ha_backups.username and its password or private key`,
            "auth",
            offered,
            err,
          ),
        );
      else
        reject(
          new NasError(`could not reach the NAS at ${where}: ${describe(err)}`, "unreachable", offered, err),
        );
    });
    try {
      client.connect(config);
    } catch (err) {
      // ssh2 throws synchronously on a key it cannot parse.
      reject(new NasError(`cannot use the configured private key: ${describe(err)}`, "auth", undefined, err));
    }
  });
  // After `ready`, a dropped connection is logged (the pending call fails on its own).
  client.removeAllListeners("error");
  client.on("error", (err) => log.warn(`NAS ${where}: ${describe(err)}`));
  let sftp: SFTPWrapper;
  try {
    sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
      client.sftp((err, s) => (err ? reject(err) : resolve(s))),
    );
  } catch (err) {
    client.end();
    throw new NasError(`the NAS at ${where} offers no SFTP: ${describe(err)}`, "sftp", offered, err);
  }
  const chunkBytes = target.readChunkBytes ?? READ_CHUNK_BYTES;
  const inFlightMax = target.readsInFlight ?? READS_IN_FLIGHT;
  const dir = target.sharePath.replace(/\/+$/, "") || "/";
  const pathOf = (name: string) => {
    if (name.includes("/") || name === "." || name === "..") throw new Error(`not a file name: ${name}`);
    return `${dir}/${name}`;
  };
  const fail = (what: string, err: unknown): NasError =>
    new NasError(`NAS ${where}: ${what}: ${describe(err)}`, "sftp", offered, err);

  return {
    list: () =>
      new Promise((resolve, reject) =>
        sftp.readdir(dir, (err, entries) => {
          if (err) return reject(fail(`cannot list ${dir}`, err));
          resolve(
            entries
              .filter((e) => e.attrs.isFile())
              .map((e) => ({ name: e.filename, sizeBytes: e.attrs.size, mtimeMs: e.attrs.mtime * 1000 })),
          );
        }),
      ),
    async read(name, onChunk) {
      const path = pathOf(name);
      const handle = await new Promise<Buffer>((resolve, reject) =>
        sftp.open(path, "r", (err, h) => (err ? reject(fail(`cannot open ${path}`, err)) : resolve(h))),
      );
      try {
        const before = await new Promise<{ size: number; mtime: number }>((resolve, reject) =>
          sftp.fstat(handle, (err, st) => (err ? reject(fail(`cannot stat ${path}`, err)) : resolve(st))),
        );
        const sizeBytes = before.size;
        const readAt = (position: number, length: number): Promise<Buffer> =>
          new Promise((resolve, reject) => {
            const buf = Buffer.allocUnsafe(length);
            let got = 0;
            const next = () =>
              sftp.read(handle, buf, got, length - got, position + got, (err, n) => {
                if (err) return reject(fail(`cannot read ${path}`, err));
                // A short read is not the end; zero bytes is (the file shrank while being read).
                if (n === 0) return resolve(buf.subarray(0, got));
                got += n;
                if (got < length) next();
                else resolve(buf);
              });
            next();
          });
        const inFlight: Promise<Buffer>[] = [];
        let issued = 0;
        const issue = () => {
          while (inFlight.length < inFlightMax && issued < sizeBytes) {
            const length = Math.min(chunkBytes, sizeBytes - issued);
            const p = readAt(issued, length);
            // Settled later in order; a rejection before then is not unhandled.
            p.catch(() => {});
            inFlight.push(p);
            issued += length;
          }
        };
        issue();
        let done = 0;
        while (inFlight.length > 0) {
          const chunk = await (inFlight.shift() as Promise<Buffer>);
          done += chunk.length;
          issue();
          if (chunk.length > 0) await onChunk(chunk);
          if (chunk.length < Math.min(chunkBytes, sizeBytes - (done - chunk.length))) {
            // The file ended early: later reads would only find nothing.
            await Promise.allSettled(inFlight.splice(0));
            break;
          }
        }
        // Replaced (renamed over) or written to meanwhile: what was read may not be what is there.
        const after = await new Promise<{ size: number; mtime: number } | undefined>((resolve) =>
          sftp.stat(path, (err, st) => resolve(err ? undefined : st)),
        );
        const changed = after === undefined || after.size !== before.size || after.mtime !== before.mtime;
        return { sizeBytes: done, changed };
      } finally {
        sftp.close(handle, () => {});
      }
    },
    freeBytes: () =>
      new Promise((resolve) => {
        try {
          sftp.ext_openssh_statvfs(dir, (err, st) => {
            if (err || !st) return resolve(undefined);
            const v = st as unknown as Record<string, number | bigint>;
            const free = Number(v.f_bavail) * Number(v.f_frsize || v.f_bsize);
            resolve(Number.isFinite(free) ? free : undefined);
          });
        } catch {
          // The server has no statvfs@openssh.com extension: free space is unknown, not zero.
          resolve(undefined);
        }
      }),
    close() {
      client.end();
    },
  };
}

/** Compare two `SHA256:` fingerprints; base64 padding and the prefix's case do not matter. */
export function sameFingerprint(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .trim()
      .replace(/^sha256:/i, "")
      .replace(/=+$/, "");
  return /^sha256:/i.test(b.trim()) && norm(a) === norm(b);
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
