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
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGzip } from "node:zlib";
import { silentLogger } from "../src/log.js";
import { openNas } from "../src/ssh/nas.js";
import { verifyHaBackup } from "../src/ssh/verify.js";
import { freePort } from "../test/ha/hass.js";
import { openPathFor, startSshd } from "../test/support/sshd.js";

const sizeMiB = Number(process.argv[2] ?? 1024);

async function makeBackup(dir: string, backupId: string): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), "pve-backup-bench-"));
  writeFileSync(
    join(work, "backup.json"),
    JSON.stringify({ slug: backupId, name: "bench", protected: false }),
  );
  // Incompressible content at gzip level 1, so the inner archive is about sizeMiB.
  const gz = createGzip({ level: 1 });
  const fd = openSync(join(work, "homeassistant.tar.gz"), "w");
  gz.on("data", (c: Buffer) => writeSync(fd, c));
  for (let i = 0; i < sizeMiB; i += 1) {
    if (!gz.write(randomBytes(1 << 20))) await new Promise((r) => gz.once("drain", r));
  }
  await new Promise((r) => gz.end(r));
  closeSync(fd);
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

  const verifyOnce = async () => {
    const nas = await openNas(
      {
        host: "127.0.0.1",
        port: sshd.port,
        username: sshd.user,
        privateKey: sshd.privateKey,
        hostKeyFingerprint: sshd.hostKeyFingerprint,
        sharePath: share,
      },
      silentLogger,
    );
    const baseRss = process.memoryUsage.rss();
    let peakRss = baseRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, 20);
    const t0 = process.hrtime.bigint();
    try {
      const v = await verifyHaBackup(
        nas,
        {
          backupId: "be0c4b0a",
          name: "bench",
          dateMs: 0,
          sizeBytes,
          protected: false,
          homeassistantIncluded: true,
          addons: [],
          folders: [],
        },
        { retentionCopies: 1 },
      );
      if (v.verdict.kind !== "ok") throw new Error(`verification failed: ${JSON.stringify(v.verdict)}`);
      return {
        s: Number(process.hrtime.bigint() - t0) / 1e9,
        baseRss,
        peakRss: Math.max(peakRss, process.memoryUsage.rss()),
      };
    } finally {
      clearInterval(sampler);
      nas.close();
    }
  };

  const sftpRuns: number[] = [];
  const ours: { s: number; baseRss: number; peakRss: number }[] = [];
  for (let i = 0; i < 2; i++) {
    sftpRuns.push(sftpOnce());
    ours.push(await verifyOnce());
  }
  const bestSftp = Math.min(...sftpRuns);
  const bestOurs = Math.min(...ours.map((o) => o.s));
  for (const [i, s] of sftpRuns.entries())
    console.log(`openssh sftp get     run ${i + 1}: ${(mb / s).toFixed(1)} MB/s (${s.toFixed(2)} s)`);
  for (const [i, o] of ours.entries())
    console.log(
      `verifyHaBackup       run ${i + 1}: ${(mb / o.s).toFixed(1)} MB/s (${o.s.toFixed(2)} s), RSS ${(o.baseRss / 1048576).toFixed(0)} MiB before, peak ${(o.peakRss / 1048576).toFixed(0)} MiB`,
    );
  console.log(`ratio (best/best): ${(bestSftp / bestOurs).toFixed(2)}x of OpenSSH sftp`);
} finally {
  await sshd.stop();
  rmSync(sshd.dir, { recursive: true, force: true });
}
