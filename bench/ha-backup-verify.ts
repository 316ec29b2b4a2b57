/**
 * Verification throughput on loopback: OpenSSH's own `sftp` fetching a 1 GB Home Assistant-shaped
 * backup (to /dev/null) beside `verifyHaBackup` reading the same file (sha256, tar headers, gzip CRC
 * of the inner archive) over ssh2, against one real sshd, in one run; and the process's peak RSS
 * while verifying. Needs root and /usr/sbin/sshd (Debian openssh-server). Prints numbers only.
 *
 *   npm run build && node dist/bench/ha-backup-verify.js [sizeMiB]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { silentLogger } from "../src/log.js";
import { openNas } from "../src/ssh/nas.js";
import { verifyHaBackup } from "../src/ssh/verify.js";
import { freePort } from "../test/ha/hass.js";
import { openPathFor, startSshd } from "../test/support/sshd.js";

const sizeMiB = Number(process.argv[2] ?? 1024);

/** The verifier runs in a child process of its own, so its RSS is its own, not the file maker's. */
if (process.argv[2] === "--child") {
  const job = JSON.parse(process.argv[3] as string) as {
    port: number;
    user: string;
    privateKey: string;
    fingerprint: string;
    share: string;
    sizeBytes: number;
  };
  const nas = await openNas(
    {
      host: "127.0.0.1",
      port: job.port,
      username: job.user,
      privateKey: job.privateKey,
      hostKeyFingerprint: job.fingerprint,
      sharePath: job.share,
      ...readShape(process.env.BENCH_READ),
    },
    silentLogger,
  );
  const baseRss = process.memoryUsage.rss();
  let peakRss = baseRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 20);
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const v = await verifyHaBackup(
    nas,
    {
      backupId: "be0c4b0a",
      name: "bench",
      dateMs: 0,
      sizeBytes: job.sizeBytes,
      protected: false,
      homeassistantIncluded: true,
      addons: [],
      folders: [],
    },
    { retentionCopies: 1 },
  );
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  nas.close();
  process.stdout.write(
    JSON.stringify({
      s,
      cpuS: (cpu.user + cpu.system) / 1e6,
      baseRss,
      peakRss: Math.max(peakRss, process.memoryUsage.rss()),
      verdict: v.verdict.kind,
    }),
  );
  process.exit(0);
}

/** `BENCH_READ=CHUNK_KIB:IN_FLIGHT` tries another read shape than the built-in one. */
function readShape(raw: string | undefined): { readChunkBytes?: number; readsInFlight?: number } {
  const m = raw ? /^(\d+):(\d+)$/.exec(raw) : null;
  return m ? { readChunkBytes: Number(m[1]) * 1024, readsInFlight: Number(m[2]) } : {};
}

async function makeBackup(dir: string, backupId: string): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), "pve-backup-bench-"));
  writeFileSync(
    join(work, "backup.json"),
    JSON.stringify({ slug: backupId, name: "bench", protected: false }),
  );
  // Incompressible content at gzip level 1, so the inner archive is about sizeMiB.
  const gz = createGzip({ level: 1 });
  const written = pipeline(gz, createWriteStream(join(work, "homeassistant.tar.gz")));
  for (let i = 0; i < sizeMiB; i += 1) {
    if (!gz.write(randomBytes(1 << 20))) await new Promise((r) => gz.once("drain", r));
  }
  gz.end();
  await written;
  const file = join(dir, `${backupId}.tar`);
  execFileSync("tar", ["-cf", file, "-C", work, "./backup.json", "./homeassistant.tar.gz"]);
  rmSync(work, { recursive: true });
  return file;
}

const sshd = await startSshd({ port: await freePort() });
try {
  const share = join(sshd.dir, "share");
  mkdirSync(share);
  openPathFor(share);
  const file = await makeBackup(share, "be0c4b0a");
  const sizeBytes = statSync(file).size;
  execFileSync("chmod", ["644", file]);
  const mb = sizeBytes / 1e6;
  console.log(`file: ${sizeBytes} bytes (${(sizeBytes / 1048576).toFixed(0)} MiB)`);

  const sftpOnce = () => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(
      "sftp",
      [
        "-q",
        "-b",
        "-",
        "-i",
        sshd.privateKeyPath,
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-P",
        String(sshd.port),
        `${sshd.user}@127.0.0.1`,
      ],
      { input: `get ${file} /dev/null\n` },
    );
    if (r.status !== 0) throw new Error(`sftp failed: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };

  const verifyOnce = () => {
    const job = {
      port: sshd.port,
      user: sshd.user,
      privateKey: sshd.privateKey,
      fingerprint: sshd.hostKeyFingerprint,
      share,
      sizeBytes,
    };
    const r = spawnSync(
      process.execPath,
      [
        ...(process.env.BENCH_CHILD_FLAGS?.split(" ").filter(Boolean) ?? []),
        process.argv[1] as string,
        "--child",
        JSON.stringify(job),
      ],
      {
        encoding: "utf8",
      },
    );
    if (r.status !== 0) throw new Error(`verifier failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as {
      s: number;
      cpuS: number;
      baseRss: number;
      peakRss: number;
      verdict: string;
    };
    if (out.verdict !== "ok") throw new Error(`verification did not pass: ${out.verdict}`);
    return out;
  };

  const sftpRuns: number[] = [];
  const ours: { s: number; cpuS: number; baseRss: number; peakRss: number }[] = [];
  for (let i = 0; i < 2; i++) {
    ours.push(verifyOnce());
    sftpRuns.push(sftpOnce());
  }
  const bestSftp = Math.min(...sftpRuns);
  const bestOurs = Math.min(...ours.map((o) => o.s));
  for (const [i, s] of sftpRuns.entries())
    console.log(`openssh sftp get     run ${i + 1}: ${(mb / s).toFixed(1)} MB/s (${s.toFixed(2)} s)`);
  for (const [i, o] of ours.entries())
    console.log(
      `verifyHaBackup       run ${i + 1}: ${(mb / o.s).toFixed(1)} MB/s (${o.s.toFixed(2)} s, ${o.cpuS.toFixed(2)} s CPU), RSS ${(o.baseRss / 1048576).toFixed(0)} MiB before, peak ${(o.peakRss / 1048576).toFixed(0)} MiB`,
    );
  console.log(`ratio (best/best): ${(bestSftp / bestOurs).toFixed(2)}x of OpenSSH sftp`);
} catch (err) {
  console.error(
    `bench failed: ${err instanceof Error ? err.message : String(err)}\nsshd log:\n${sshd.log().slice(-3000)}`,
  );
  process.exitCode = 1;
} finally {
  await sshd.stop();
  rmSync(sshd.dir, { recursive: true, force: true });
}
