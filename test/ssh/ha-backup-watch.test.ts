import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HaBackupDeps } from "../../src/commands/ha-backup.js";
import type { HaBackupsConfig } from "../../src/config/schema.js";
import type { HaBackup } from "../../src/ha/ha-backups.js";
import { type Logger, silentLogger } from "../../src/log.js";
import {
  createHaBackupWatch,
  HA_BACKUP_STATE_FILE,
  haBackupStatePath,
  loadHaBackupState,
} from "../../src/service/ha-backup-watch.js";
import { openNas } from "../../src/ssh/nas.js";
import { verifyHaBackup } from "../../src/ssh/verify.js";
import { freePort } from "../ha/hass.js";
import { FakeHaBackups, recordingLog } from "../support/fake-ha-backups.js";
import { makeBackupTar } from "../support/ha-backup-tar.js";
import { openPathFor, type Sshd, sshdAvailable, startSshd } from "../support/sshd.js";

/** A TCP relay to the sshd that can cut every connection: the NAS going away mid-transfer. */
async function startRelay(
  to: number,
): Promise<{ port: number; cutAfter(bytes: number): void; close(): void }> {
  const sockets = new Set<Socket>();
  let cutAt = Number.POSITIVE_INFINITY;
  let relayed = 0;
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    upstream.connect(to, "127.0.0.1");
    client.pipe(upstream);
    upstream.on("data", (d: Buffer) => {
      relayed += d.length;
      if (relayed > cutAt) {
        for (const s of sockets) s.destroy();
        return;
      }
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as { port: number }).port,
    cutAfter(bytes) {
      relayed = 0;
      cutAt = bytes;
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe.skipIf(!sshdAvailable())(
  "Home Assistant's backups watched by the service, on a real OpenSSH NAS",
  () => {
    let sshd: Sshd;
    let share: string;
    let cfg: HaBackupsConfig;

    beforeAll(async () => {
      sshd = await startSshd({ port: await freePort() });
      share = join(sshd.dir, "watch-share");
      mkdirSync(share);
      openPathFor(share);
      cfg = {
        host: "127.0.0.1",
        port: sshd.port,
        username: sshd.user,
        privateKey: sshd.privateKey,
        hostKeyFingerprint: sshd.hostKeyFingerprint,
        sharePath: share,
        mountName: "nas_backups",
        schedule: { recurrence: "daily", days: [] },
        copies: 3,
      };
    });
    afterAll(async () => {
      await sshd?.stop();
    });

    let shares = 0;
    /** A share of its own per test: the copies on it are counted. */
    const setup = (payloadBytes = 20_000, log: Logger = silentLogger, port = cfg.port) => {
      const own = join(sshd.dir, `watch-share-${++shares}`);
      mkdirSync(own);
      openPathFor(own);
      const ha = new FakeHaBackups(own, payloadBytes);
      const target = { ...cfg, sharePath: own, port };
      const events: [string, Record<string, unknown>][] = [];
      let opened = 0;
      const deps: HaBackupDeps = {
        ha,
        openNas: () => {
          opened += 1;
          return openNas(target, log);
        },
        log,
        emit: (type, data) => void events.push([type, data]),
      };
      const optionsPath = join(mkdtempSync(join(tmpdir(), "pve-backup-watch-")), "options.json");
      let now = Date.parse("2026-12-06T06:00:00Z");
      const watch = (statePath = haBackupStatePath(optionsPath)) =>
        createHaBackupWatch({
          cfg: target,
          busy: [],
          log,
          nowMs: () => now,
          statePath,
          firstCheckMs: 3_600_000,
        });
      return {
        ha,
        share: own,
        deps,
        events,
        optionsPath,
        watch,
        opened: () => opened,
        advance: (ms: number) => {
          now += ms;
        },
      };
    };

    it("records the checksum beside the options, then names the file when it changes on the NAS", async () => {
      const log = recordingLog();
      const t = setup(20_000, log);
      const { ha, share } = t;
      const w = t.watch();
      const service = w.attach(t.deps);
      const report = await service({ name: "nightly" });
      w.stop();
      expect(report.verification?.result).toBe("ok");
      const id = ha.backups[0]?.backupId as string;
      const file = join(share, `${id}.tar`);
      const statePath = join(t.optionsPath, "..", HA_BACKUP_STATE_FILE);
      const saved = JSON.parse(readFileSync(statePath, "utf8"));
      const sha = (report.verification as { sha256: string }).sha256;
      expect(saved.checksums[id]).toMatchObject({ sha256: sha, sizeBytes: statSync(file).size });
      expect(w.status()).toMatchObject({
        agent: "backup.local",
        lastBackup: { backupId: id, name: "nightly" },
        verification: { result: "ok", backupId: id, sha256: sha },
        problems: [],
      });

      // Same size, one byte different: a restarted service (a new watch on the same file) sees it.
      const bytes = readFileSync(file);
      bytes[600] = (bytes[600] as number) ^ 0x01;
      writeFileSync(file, bytes);
      const again = t.watch();
      again.attach(t.deps);
      t.advance(25 * 3_600_000);
      await again.checkNow();
      again.stop();
      const status = again.status();
      expect(status.verification?.result).toBe("failed");
      expect(status.problems.join("\n")).toContain(`${id}.tar changed since it was verified on`);
      expect(t.events.map((e) => e[0])).toEqual(["pve_backup_ha_backup_verification_failed"]);
      expect(t.events[0]?.[1]).toMatchObject({ backup_id: id, result: "failed" });
      expect(log.lines.some((l) => l.startsWith("error ") && l.includes(`${id}.tar changed`))).toBe(true);
      // The first checksum stays the reference.
      expect(loadHaBackupState(statePath, silentLogger).checksums[id]?.sha256).toBe(sha);
    });

    it("reads a backup that passed only once a day, and a new one at once", async () => {
      const t = setup();
      const { ha } = t;
      const w = t.watch();
      const service = w.attach(t.deps);
      await service({});
      expect(t.opened()).toBe(1);
      t.advance(3_600_000);
      await w.checkNow();
      expect(t.opened()).toBe(1);
      expect(w.status().checkedAt).toBe("2026-12-06T07:00:00.000Z");
      t.advance(24 * 3_600_000);
      await w.checkNow();
      expect(t.opened()).toBe(2);
      await ha.backupNow({ agentIds: ["backup.local"] });
      await w.checkNow();
      expect(t.opened()).toBe(3);
      expect(w.status().verification?.backupId).toBe(ha.backups[1]?.backupId);
      w.stop();
    });

    it("raises a clear problem when the NAS goes away mid-transfer, and verifies again once it is back", async () => {
      const relay = await startRelay(sshd.port);
      try {
        const log = recordingLog();
        const t = setup(8_000_000, log, relay.port);
        const { ha } = t;
        const w = t.watch();
        const service = w.attach(t.deps);
        await ha.backupNow({ agentIds: ["backup.local"] });
        relay.cutAfter(2_000_000);
        const report = await service({ backup: false });
        expect(report.verification?.result).toBe("error");
        expect(w.status().verification?.result).toBe("unknown");
        expect(w.status().problems.join("\n")).toMatch(/NAS 127\.0\.0\.1:\d+/);
        expect(t.events.map((e) => e[0])).toEqual(["pve_backup_ha_backup_verification_failed"]);
        // An unknown result is tried again at the next check, not a day later.
        relay.cutAfter(Number.POSITIVE_INFINITY);
        t.advance(3_600_000);
        await w.checkNow();
        expect(w.status().verification?.result).toBe("ok");
        expect(w.status().problems).toEqual([]);
        w.stop();
      } finally {
        relay.close();
      }
    });

    it("says when retention is not keeping the share to the copies HA is set to keep", async () => {
      const t = setup();
      const { ha } = t;
      for (let i = 0; i < 3; i++) await ha.backupNow({ agentIds: ["backup.local"] });
      ha.backups = ha.backups.map((b: HaBackup): HaBackup => ({ ...b, withAutomaticSettings: true }));
      ha.config_ = { ...ha.config_, retentionCopies: 1 };
      const w = t.watch();
      w.attach(t.deps);
      await w.checkNow();
      w.stop();
      expect(w.status().problems.join("\n")).toContain("retention keeps 1: old copies are not being removed");
    });

    it("keeps running on a damaged state file and says so", async () => {
      const log = recordingLog();
      const dir = mkdtempSync(join(tmpdir(), "pve-backup-watch-"));
      const statePath = join(dir, HA_BACKUP_STATE_FILE);
      writeFileSync(statePath, "{ half a fi");
      expect(loadHaBackupState(statePath, log)).toMatchObject({ checksums: {}, status: { checkedAt: null } });
      expect(log.lines.join("\n")).toContain("is damaged");
    });
  },
);

describe.skipIf(!sshdAvailable())("a backup file replaced while it is being verified", () => {
  let sshd: Sshd;
  let share: string;
  beforeAll(async () => {
    sshd = await startSshd({ port: await freePort() });
    share = join(sshd.dir, "replace-share");
    mkdirSync(share);
    openPathFor(share);
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it("is reported, not passed", async () => {
    const file = makeBackupTar(share, "0e0e0e0e", 4_000_000);
    const other = makeBackupTar(mkdtempSync(join(tmpdir(), "pve-backup-other-")), "0e0e0e0e", 4_000_000);
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
    try {
      let replaced = false;
      const v = await verifyHaBackup(
        nas,
        {
          backupId: "0e0e0e0e",
          name: "x",
          dateMs: 0,
          sizeBytes: statSync(file).size,
          protected: false,
          homeassistantIncluded: true,
          addons: [],
          folders: [],
        },
        {
          retentionCopies: null,
          onProgress: () => {
            if (replaced) return;
            replaced = true;
            // A later mtime for sure, whatever the filesystem's resolution.
            writeFileSync(other, readFileSync(other));
            const later = new Date(Date.now() + 5_000);
            utimesSync(other, later, later);
            renameSync(other, file);
          },
        },
      );
      expect(v.verdict.kind).toBe("failed");
      expect(v.verdict.kind === "failed" && v.verdict.problems.join("\n")).toContain(
        "was replaced or written to while being read",
      );
    } finally {
      nas.close();
    }
  });
});
