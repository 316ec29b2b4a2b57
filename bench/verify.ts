/**
 * Full verification of one large VM archive (`.vma.zst`, about `sizeMiB` on disk: a VMA of
 * incompressible clusters, zeros and repeats, built from the format facts and compressed by the
 * system zstd), in one run: `zstd -t` on the file, our full check reading the same file from local
 * disk, and our full check over SFTP from a real sshd on loopback; each check in a child process
 * of its own so its peak RSS is its own. Needs root and /usr/sbin/sshd. Prints numbers only.
 *
 *   npm run build && node dist/bench/verify.js [sizeMiB=2048]
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { silentLogger } from "../src/log.js";
import { openNas } from "../src/ssh/nas.js";
import { type DumpSource, fullCheckArchive } from "../src/verify/full-check.js";
import { freePort } from "../test/ha/hass.js";
import { openPathFor, startSshd } from "../test/support/sshd.js";
import { vmaChunks } from "../test/verify/vma-fixture.js";

const NAME = "vzdump-qemu-100-2026_12_06-03_00_01.vma.zst";

if (process.argv[2] === "--child") {
  const job = JSON.parse(process.argv[3] as string) as {
    mode: "local" | "sftp";
    dir: string;
    sizeBytes: number;
    port?: number;
    user?: string;
    privateKey?: string;
    fingerprint?: string;
  };
  const nas =
    job.mode === "sftp"
      ? await openNas(
          {
            host: "127.0.0.1",
            port: job.port as number,
            username: job.user as string,
            privateKey: job.privateKey,
            hostKeyFingerprint: job.fingerprint,
            sharePath: job.dir,
          },
          silentLogger,
        )
      : undefined;
  const local: DumpSource = {
    async read(name, onChunk) {
      let sizeBytes = 0;
      for await (const c of createReadStream(join(job.dir, name), { highWaterMark: 1 << 20 })) {
        sizeBytes += (c as Buffer).length;
        await onChunk(c as Buffer);
      }
      return { sizeBytes };
    },
  };
  const baseRss = process.memoryUsage.rss();
  let peakRss = baseRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 20);
  const t0 = process.hrtime.bigint();
  const { outcome } = await fullCheckArchive(
    nas ?? local,
    { name: NAME, sizeBytes: job.sizeBytes },
    { bytesPerSec: 0, nowMs: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  );
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(sampler);
  nas?.close();
  process.stdout.write(
    JSON.stringify({ s, baseRss, peakRss: Math.max(peakRss, process.memoryUsage.rss()), outcome }),
  );
  process.exit(0);
}

const sizeMiB = Number(process.argv[2] ?? 2048);

async function makeArchive(file: string): Promise<void> {
  const clusters = Math.ceil((sizeMiB * 1048576) / 65536);
  const random = randomBytes(8 * 1048576);
  const repeat = Buffer.alloc(65536, 0x5a);
  const zstd = spawn("zstd", ["-q", "-1", "-T2", "-f", "-o", file], {
    stdio: ["pipe", "inherit", "inherit"],
  });
  const done = new Promise<number>((r) => zstd.once("close", (code) => r(code ?? 1)));
  const spec = {
    configs: [{ name: "qemu-server.conf", data: "memory: 4096\nscsi0: local-lvm:vm-100-disk-0\n" }],
    // Most clusters incompressible (a rolling window over 8 MiB of random bytes, so zstd's 8 MiB
    // window at level 1 finds no repeats), one in eight zero, one in eight a repeated pattern.
    devices: [{ name: "drive-scsi0", sizeBytes: clusters * 65536 }],
    cluster: (_d: number, c: number) => {
      if (c % 8 === 0) return null;
      if (c % 8 === 1) return repeat;
      const at = ((c * 7919) % 127) * 65536;
      return random.subarray(at, at + 65536);
    },
  };
  for (const chunk of vmaChunks(spec)) {
    if (!zstd.stdin.write(chunk)) await new Promise((r) => zstd.stdin.once("drain", r));
  }
  zstd.stdin.end();
  if ((await done) !== 0) throw new Error("zstd could not compress the archive");
}

const sshd = await startSshd({ port: await freePort() });
try {
  const dir = join(sshd.dir, "dump");
  mkdirSync(dir);
  openPathFor(dir);
  const file = join(dir, NAME);
  await makeArchive(file);
  writeFileSync(
    join(dir, NAME.replace(/\.vma\.zst$/, ".log")),
    "2026-12-06 03:00:01 INFO: Starting Backup of VM 100 (qemu)\n2026-12-06 03:09:00 INFO: Finished Backup of VM 100 (00:09:00)\n",
  );
  spawnSync("chmod", ["-R", "a+r", dir]);
  const sizeBytes = statSync(file).size;
  const mb = sizeBytes / 1e6;
  console.log(
    `archive: ${sizeBytes} bytes (${(sizeBytes / 1048576).toFixed(0)} MiB .vma.zst, ${sizeMiB} MiB disk)`,
  );

  const zstdT = () => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync("zstd", ["-q", "-t", file]);
    if (r.status !== 0) throw new Error(`zstd -t failed: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const ours = (mode: "local" | "sftp") => {
    const job = {
      mode,
      dir,
      sizeBytes,
      port: sshd.port,
      user: sshd.user,
      privateKey: sshd.privateKey,
      fingerprint: sshd.hostKeyFingerprint,
    };
    const r = spawnSync(process.execPath, [process.argv[1] as string, "--child", JSON.stringify(job)], {
      encoding: "utf8",
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0) throw new Error(`verifier failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as {
      s: number;
      baseRss: number;
      peakRss: number;
      outcome: { result: string; message: string };
    };
    if (out.outcome.result !== "ok") throw new Error(`verification did not pass: ${out.outcome.message}`);
    return out;
  };
  const line = (what: string, s: number, extra = "") =>
    console.log(`${what.padEnd(28)} ${(mb / s).toFixed(1)} MB/s (${s.toFixed(2)} s)${extra}`);
  const rss = (o: { baseRss: number; peakRss: number }) =>
    `, RSS ${(o.baseRss / 1048576).toFixed(0)} MiB before, peak ${(o.peakRss / 1048576).toFixed(0)} MiB`;
  for (let i = 1; i <= 2; i++) {
    line(`zstd -t (local)       run ${i}`, zstdT());
    const l = ours("local");
    line(`full check, local     run ${i}`, l.s, rss(l));
    const s = ours("sftp");
    line(`full check, SFTP      run ${i}`, s.s, rss(s));
  }
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await sshd.stop();
  rmSync(sshd.dir, { recursive: true, force: true });
}
