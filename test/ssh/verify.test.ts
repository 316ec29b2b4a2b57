import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HaBackupRef } from "../../src/core/ha-backup.js";
import { silentLogger } from "../../src/log.js";
import { NasError, type NasTarget, openNas } from "../../src/ssh/nas.js";
import { verifyHaBackup } from "../../src/ssh/verify.js";
import { freePort } from "../ha/hass.js";
import { makeBackupTar } from "../support/ha-backup-tar.js";
import { openPathFor, type Sshd, sshdAvailable, startSshd } from "../support/sshd.js";

const refFor = (backupId: string, file: string): HaBackupRef => ({
  backupId,
  name: `Backup ${backupId}`,
  dateMs: 0,
  sizeBytes: statSync(file).size,
  protected: false,
  homeassistantIncluded: true,
  addons: [],
  folders: [],
});

describe.skipIf(!sshdAvailable())("HA backup verification over SFTP against OpenSSH", () => {
  let sshd: Sshd;
  let share: string;
  let target: NasTarget;

  beforeAll(async () => {
    sshd = await startSshd({ port: await freePort() });
    share = join(sshd.dir, "share");
    mkdirSync(share);
    openPathFor(share);
    target = {
      host: "127.0.0.1",
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.privateKey,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      sharePath: share,
    };
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it("verifies a whole backup: size, members, backup.json, checksum, copies and free space", async () => {
    const file = makeBackupTar(share, "aa11bb22", 300_000);
    const nas = await openNas(target, silentLogger);
    try {
      const v = await verifyHaBackup(nas, refFor("aa11bb22", file), { retentionCopies: 1 });
      expect(v.verdict).toMatchObject({ kind: "ok" });
      expect(v.facts.tar.members).toEqual(["backup.json", "homeassistant.tar.gz"]);
      expect(v.facts.backupJsonId).toBe("aa11bb22");
      expect(v.facts.sha256).toBe(execFileSync("sha256sum", [file]).toString().split(" ")[0]);
      expect(v.copiesOnShare).toBe(1);
      expect(v.freeBytes).toBeGreaterThan(0);
    } finally {
      nas.close();
    }
  });

  it("logs in with a password too", async () => {
    const nas = await openNas({ ...target, privateKey: undefined, password: sshd.password }, silentLogger);
    try {
      expect((await nas.list()).length).toBeGreaterThanOrEqual(0);
    } finally {
      nas.close();
    }
  });

  it("detects a truncated backup", async () => {
    const file = makeBackupTar(share, "cc33dd44", 200_000);
    const ref = refFor("cc33dd44", file);
    truncateSync(file, Math.floor(ref.sizeBytes / 2));
    const nas = await openNas(target, silentLogger);
    try {
      const v = await verifyHaBackup(nas, ref, { retentionCopies: null });
      expect(v.verdict.kind).toBe("failed");
      const problems = v.verdict.kind === "failed" ? v.verdict.problems.join("\n") : "";
      expect(problems).toContain("Home Assistant reports");
      expect(problems).toMatch(/truncated/);
    } finally {
      nas.close();
    }
  });

  it("detects a flipped bit inside the compressed Home Assistant archive", async () => {
    const file = makeBackupTar(share, "ee55ff66", 200_000);
    const bytes = readFileSync(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] as number) ^ 0x10;
    writeFileSync(file, bytes);
    const nas = await openNas(target, silentLogger);
    try {
      const v = await verifyHaBackup(nas, refFor("ee55ff66", file), { retentionCopies: null });
      expect(v.verdict.kind).toBe("failed");
      expect(v.verdict.kind === "failed" && v.verdict.problems.join("\n")).toContain(
        "homeassistant.tar.gz is damaged",
      );
    } finally {
      nas.close();
    }
  });

  it("detects a flipped bit in a tar header", async () => {
    const file = makeBackupTar(share, "a0b1c2d3", 10_000);
    const bytes = readFileSync(file);
    bytes[10] = (bytes[10] as number) ^ 0x01; // inside the first member's name
    writeFileSync(file, bytes);
    const nas = await openNas(target, silentLogger);
    try {
      const v = await verifyHaBackup(nas, refFor("a0b1c2d3", file), { retentionCopies: null });
      expect(v.verdict.kind === "failed" && v.verdict.problems.join("\n")).toContain("fails its checksum");
    } finally {
      nas.close();
    }
  });

  it("reports a backup whose checksum changed since the last verification", async () => {
    const file = makeBackupTar(share, "0a0b0c0d", 10_000);
    const nas = await openNas(target, silentLogger);
    try {
      const v = await verifyHaBackup(nas, refFor("0a0b0c0d", file), {
        retentionCopies: null,
        previous: {
          sha256: "0".repeat(64),
          sizeBytes: statSync(file).size,
          fileName: "0a0b0c0d.tar",
          verifiedAtMs: 0,
        },
      });
      expect(v.verdict.kind === "failed" && v.verdict.problems.join("\n")).toContain("changed since");
    } finally {
      nas.close();
    }
  });

  it("refuses a wrong host key before offering any password or key", async () => {
    let offeredAuth = 0;
    const wrong = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const before = sshd.log();
    const err = await openNas(
      {
        ...target,
        hostKeyFingerprint: wrong,
        password: sshd.password,
        // Counts what the client would offer: it must never be asked.
        get privateKey() {
          offeredAuth += 1;
          return sshd.privateKey;
        },
      },
      silentLogger,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NasError);
    expect((err as NasError).failure).toBe("host_key_mismatch");
    expect((err as NasError).offeredFingerprint).toBe(sshd.hostKeyFingerprint);
    expect((err as Error).message).not.toContain(sshd.password);
    await new Promise((r) => setTimeout(r, 300));
    const during = sshd.log().slice(before.length);
    expect(during).not.toMatch(/Accepted|Failed (password|publickey)|Postponed/);
    // The key text is read once when the config is built, never for an authentication attempt.
    expect(offeredAuth).toBeLessThanOrEqual(1);
  });

  it("refuses an unpinned host key and says which one the NAS offered", async () => {
    const err = await openNas({ ...target, hostKeyFingerprint: undefined }, silentLogger).catch(
      (e: unknown) => e,
    );
    expect((err as NasError).failure).toBe("host_key_unpinned");
    expect((err as Error).message).toContain(sshd.hostKeyFingerprint);
  });

  it("gives a clear error, not a crash, when the NAS is unreachable", async () => {
    const err = await openNas(
      { ...target, port: await freePort(), connectTimeoutMs: 5_000 },
      silentLogger,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NasError);
    expect((err as NasError).failure).toBe("unreachable");
    expect((err as Error).message).toMatch(/could not reach the NAS at 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it("says when the login is refused", async () => {
    const err = await openNas({ ...target, privateKey: undefined, password: "wrong" }, silentLogger).catch(
      (e: unknown) => e,
    );
    expect((err as NasError).failure).toBe("auth");
    expect((err as Error).message).not.toContain("wrong");
  });
});
