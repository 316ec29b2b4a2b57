import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import { type NasSession, openNas } from "../../src/ssh/nas.js";
import { fullCheckArchive } from "../../src/verify/full-check.js";
import { freePort } from "../ha/hass.js";
import { openPathFor, type Sshd, sshdAvailable, startSshd } from "../support/sshd.js";
import { md5, smallVmaSpec, vmaBytes, vmaHeader } from "./vma-fixture.js";

/**
 * Real archives (system `zstd`, `gzip`, `tar`; a VMA built from the format facts) in a real
 * OpenSSH server's `dump/` directory, read over SFTP: the good ones pass, each damaged copy fails
 * with a message naming what is wrong.
 */

const STAMP = "2026_12_06-03_00_01";
const logFor = (vmid: number, ok = true) =>
  [
    `2026-12-06 03:00:01 INFO: Starting Backup of VM ${vmid} (qemu)`,
    ok
      ? `2026-12-06 03:01:24 INFO: Finished Backup of VM ${vmid} (00:01:23)`
      : `2026-12-06 03:01:24 ERROR: Backup of VM ${vmid} failed - vma_queue_write: write error - Broken pipe`,
    "",
  ].join("\n");

function flip(buf: Buffer, at: number): Buffer {
  const b = Buffer.from(buf);
  b[at] = (b[at] as number) ^ 0x10;
  return b;
}

const describeSshd = sshdAvailable() ? describe : describe.skip;

describeSshd("full check over SFTP against a real OpenSSH server", () => {
  let sshd: Sshd;
  let nas: NasSession;
  let dump: string;
  const files: Record<string, string> = {};

  /** Put `data` in dump/ as the archive of `vmid` with extension `ext`, with a log beside it. */
  function put(
    vmid: number,
    type: "qemu" | "lxc",
    ext: string,
    data: Buffer,
    log: string | null = logFor(vmid),
  ) {
    const base = `vzdump-${type}-${vmid}-${STAMP}`;
    writeFileSync(join(dump, `${base}.${ext}`), data);
    if (log !== null) writeFileSync(join(dump, `${base}.log`), log);
    files[`${vmid}`] = `${base}.${ext}`;
  }
  const zstd = (b: Buffer) => execFileSync("zstd", ["-q", "-c", "-3"], { input: b, maxBuffer: 1 << 28 });
  const gzip = (b: Buffer) => execFileSync("gzip", ["-c", "--rsyncable"], { input: b, maxBuffer: 1 << 28 });

  beforeAll(async () => {
    sshd = await startSshd({ port: await freePort() });
    const root = mkdtempSync(join(tmpdir(), "pve-backup-dump-"));
    dump = join(root, "dump");
    mkdirSync(dump);
    openPathFor(dump);
    const vma = vmaBytes(smallVmaSpec());
    const vmaZst = zstd(vma);
    put(100, "qemu", "vma.zst", vmaZst);
    put(101, "qemu", "vma.gz", gzip(vma));
    put(102, "qemu", "vma", vma);
    put(110, "qemu", "vma.zst", vmaZst.subarray(0, Math.floor(vmaZst.length / 2)));
    put(111, "qemu", "vma.zst", flip(vmaZst, Math.floor(vmaZst.length / 2)));
    const badHeader = Buffer.from(vma);
    badHeader[12300] = (badHeader[12300] as number) ^ 1; // inside the blob buffer: MD5 no longer matches
    put(112, "qemu", "vma.zst", zstd(badHeader));
    // Cut at an extent boundary and recompressed: zstd is whole, the disk is not.
    put(113, "qemu", "vma.zst", zstd(vma.subarray(0, vmaHeader(smallVmaSpec()).length)));
    put(114, "qemu", "vma.zst", vmaZst, logFor(114, false));
    put(115, "qemu", "vma.zst", vmaZst, null);
    put(116, "qemu", "vma.lzo", Buffer.from("LZO bytes nobody here can decode"));
    // A container the way vzdump lays it out: ./etc/vzdump/pct.conf first, then the root fs.
    const ct = mkdtempSync(join(tmpdir(), "pve-backup-ct-"));
    mkdirSync(join(ct, "conf/etc/vzdump"), { recursive: true });
    writeFileSync(
      join(ct, "conf/etc/vzdump/pct.conf"),
      "arch: amd64\nhostname: immich-db\nrootfs: local:101/vm-101-disk-0.raw,size=8G\n",
    );
    mkdirSync(join(ct, "root/etc"), { recursive: true });
    writeFileSync(join(ct, "root/etc/hostname"), "immich-db\n");
    writeFileSync(join(ct, "root/etc/big"), Buffer.alloc(300_000, 1));
    const tar = execFileSync(
      "tar",
      [
        "cpf",
        "-",
        "--numeric-owner",
        "--directory",
        join(ct, "conf"),
        "./etc/vzdump/pct.conf",
        "--directory",
        join(ct, "root"),
        ".",
      ],
      {
        maxBuffer: 1 << 28,
      },
    );
    const tarZst = zstd(tar);
    const tarGz = gzip(tar);
    put(200, "lxc", "tar.zst", tarZst);
    put(201, "lxc", "tar.gz", tarGz);
    put(202, "lxc", "tar", tar);
    put(210, "lxc", "tar.gz", tarGz.subarray(0, tarGz.length - 100));
    // In the CRC-32 trailer: deterministic whatever the tar's mtimes made of the deflate stream.
    put(211, "lxc", "tar.gz", flip(tarGz, tarGz.length - 6));
    put(212, "lxc", "tar", tar.subarray(0, 20_480));
    const otherTar = execFileSync("tar", ["cpf", "-", "--directory", join(ct, "root"), "."], {
      maxBuffer: 1 << 28,
    });
    put(213, "lxc", "tar.zst", zstd(otherTar));
    nas = await openNas(
      {
        host: "127.0.0.1",
        port: sshd.port,
        username: sshd.user,
        privateKey: sshd.privateKey,
        hostKeyFingerprint: sshd.hostKeyFingerprint,
        sharePath: dump,
      },
      silentLogger,
    );
  });
  afterAll(async () => {
    nas?.close();
    await sshd?.stop();
  });

  const check = (vmid: number, bytesPerSec = 0) => {
    const name = files[`${vmid}`] as string;
    const sizeBytes = readFileSync(join(dump, name)).length;
    return fullCheckArchive(
      nas,
      { name, sizeBytes },
      {
        bytesPerSec,
        nowMs: () => Date.now(),
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      },
    );
  };

  it.each([
    [100, /zstd checksum, VMA header, extents and disks and the run's log are whole/],
    [101, /gzip checksum, VMA header/],
    [102, /VMA header, extents and disks/],
    [200, /zstd checksum, tar listing/],
    [201, /gzip checksum, tar listing/],
    [202, /tar listing and the run's log are whole/],
  ])("passes the good archive of %i", async (vmid, message) => {
    const { outcome } = await check(vmid);
    expect(outcome.problems).toEqual([]);
    expect(outcome).toMatchObject({ result: "ok", message: expect.stringMatching(message) });
  });

  it.each([
    [
      110,
      "a truncated zstd archive",
      /zstd stream is damaged: .*(Read error \(39\) : premature end|unexpected end of file)/,
    ],
    [
      111,
      "a bit flipped in a zstd archive",
      /zstd stream is damaged: .*Restored data doesn.t match checksum/,
    ],
    [112, "a VMA with a wrong header checksum", /wrong VMA header checksum/],
    [113, "a VMA whose disk is cut short", /drive-scsi0 is missing 16 of 16 clusters/],
    [114, "a run whose log says it failed", /log says: Backup of VM 114 failed - vma_queue_write/],
    [115, "an archive without its log", /\.log beside the archive is missing/],
    [210, "a truncated gzip archive", /gzip stream is damaged: unexpected end of file/],
    [211, "a bit flipped in a gzip archive", /gzip stream is damaged: incorrect data check/],
    [212, "a tar cut short", /after 20480 bytes \(truncated\)/],
    [213, "a container archive without its config first", /does not start with \.\/etc\/vzdump\/pct\.conf/],
  ])("fails %i, %s, naming what is wrong", async (vmid, _what, message) => {
    const { outcome } = await check(vmid);
    expect(outcome.result).toBe("failed");
    expect(outcome.message).toMatch(message);
  });

  it("fails an archive shorter on the NAS than PVE lists it", async () => {
    const name = files["100"] as string;
    const sizeBytes = readFileSync(join(dump, name)).length;
    const { outcome } = await fullCheckArchive(
      nas,
      { name, sizeBytes: sizeBytes + 4096 },
      {
        bytesPerSec: 0,
        nowMs: () => 0,
        sleep: async () => {},
      },
    );
    expect(outcome).toMatchObject({
      result: "failed",
      message: `only ${sizeBytes} of ${sizeBytes + 4096} bytes could be read`,
    });
  });

  it("says plainly that an lzo archive's contents were not checked", async () => {
    const { outcome } = await check(116);
    expect(outcome).toMatchObject({
      result: "ok",
      unchecked: ["lzo layer (no lzo decoder here)", "vma structure (not decoded)"],
    });
  });

  it("reads no faster than the configured rate", async () => {
    const name = files["100"] as string;
    const sizeBytes = readFileSync(join(dump, name)).length;
    let slept = 0;
    let clock = 0;
    const { outcome } = await fullCheckArchive(
      nas,
      { name, sizeBytes },
      {
        bytesPerSec: sizeBytes / 2,
        nowMs: () => clock,
        sleep: async (ms) => {
          slept += ms;
          clock += ms;
        },
      },
    );
    expect(outcome.result).toBe("ok");
    // Reading the whole file at half its size per second takes two seconds.
    expect(slept).toBe(2000);
  });

  it("reports a missing zstd program as not checked, not as ok", async () => {
    const name = files["100"] as string;
    const { outcome } = await fullCheckArchive(
      nas,
      { name, sizeBytes: readFileSync(join(dump, name)).length },
      {
        bytesPerSec: 0,
        zstdPath: "/nonexistent/zstd",
        nowMs: () => 0,
        sleep: async () => {},
      },
    );
    expect(outcome.unchecked).toEqual([
      "zstd layer (the zstd program is not installed (/nonexistent/zstd))",
      "vma structure (not decoded)",
    ]);
  });

  it("checks the header fixture against md5 the same way", () => {
    // Guards the fixture itself: its stored checksum is the MD5 of the header with the field zeroed.
    const h = vmaHeader(smallVmaSpec());
    const z = Buffer.from(h);
    z.fill(0, 32, 48);
    expect(Buffer.from(md5(z)).equals(h.subarray(32, 48))).toBe(true);
  });
});
