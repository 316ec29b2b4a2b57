import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haBackupService, runHaBackup } from "../../src/commands/ha-backup.js";
import type { HaBackupsConfig } from "../../src/config/schema.js";
import type { HaBackup } from "../../src/ha/ha-backups.js";
import type { Logger } from "../../src/log.js";
import { type SupervisorStandIn, startSupervisorStandIn } from "../../src/sim/supervisor.js";
import { openNas } from "../../src/ssh/nas.js";
import { createSupervisorClient } from "../../src/supervisor/client.js";
import { freePort } from "../ha/hass.js";
import { FakeHaBackups, recordingLog } from "../support/fake-ha-backups.js";
import { openPathFor, type Sshd, sshdAvailable, startSshd } from "../support/sshd.js";

describe.skipIf(!sshdAvailable())("the HA backup run against a real OpenSSH NAS", () => {
  let sshd: Sshd;
  let share: string;
  let cfg: HaBackupsConfig;

  beforeAll(async () => {
    sshd = await startSshd({ port: await freePort() });
    share = join(sshd.dir, "run-share");
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

  const depsFor = (ha: FakeHaBackups, log: Logger, events: [string, unknown][]) => ({
    ha,
    openNas: () => openNas(cfg, log),
    log,
    emit: (type: string, data: Record<string, unknown>) => void events.push([type, data]),
  });

  it("backs up, verifies, and sets a schedule clear of the PVE window", async () => {
    const ha = new FakeHaBackups(share);
    const log = recordingLog();
    const events: [string, unknown][] = [];
    const report = await runHaBackup(depsFor(ha, log, events), cfg, {
      backupNow: true,
      configure: true,
      busy: [{ startMin: 240, endMin: 360 }],
    });
    expect(report.problems).toEqual([]);
    expect(report.verification).toMatchObject({ result: "ok" });
    expect(report.configured).toEqual({
      schedule: "daily",
      time: "06:00",
      retentionCopies: 3,
      note: undefined,
    });
    expect(ha.updates[0]).toMatchObject({ agentIds: ["backup.local"], retentionCopies: 3 });
    expect(events).toEqual([]);
  });

  it("raises a problem, an event and a log line when the file on the NAS is damaged", async () => {
    const ha = new FakeHaBackups(share);
    await ha.backupNow({ agentIds: ["backup.local"] });
    const newest = ha.backups[0] as HaBackup;
    const file = join(share, `${newest.backupId}.tar`);
    const bytes = readFileSync(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] as number) ^ 0x40;
    writeFileSync(file, bytes);
    const log = recordingLog();
    const events: [string, unknown][] = [];
    const report = await runHaBackup(depsFor(ha, log, events), cfg, { verify: true });
    expect(report.verification?.result).toBe("failed");
    expect(report.problems.join("\n")).toContain("homeassistant.tar.gz is damaged");
    expect(events.map((e) => e[0])).toEqual(["pve_backup_ha_backup_verification_failed"]);
    expect(log.lines.some((l) => l.startsWith("error ") && l.includes(newest.backupId))).toBe(true);
  });

  it("answers two service calls at once with one backup", async () => {
    const ha = new FakeHaBackups(share);
    const deps = depsFor(ha, recordingLog(), []);
    const service = haBackupService((o) => runHaBackup(deps, cfg, o));
    const [a, b] = await Promise.all([service({ name: "before upgrade" }), service({})]);
    expect(ha.backupsStarted).toBe(1);
    expect(a).toBe(b);
    expect(a.backup).toMatchObject({ kind: "completed", name: "before upgrade" });
  });

  describe("under the Supervisor", () => {
    let standIn: SupervisorStandIn;
    beforeAll(async () => {
      const root = mkdtempSync(join(tmpdir(), "pve-backup-sup-"));
      standIn = await startSupervisorStandIn({
        token: "t",
        core: { url: "http://127.0.0.1:9", token: "core" },
        addon: {
          slug: "local_pve_backup",
          name: "PVE Backup",
          version: "0.1.0",
          discovery: [],
          homeassistantApi: true,
          hassioApi: true,
          hassioRole: "manager",
          options: {},
        },
        storage: { backupDir: join(root, "backup"), mountRoot: join(root, "mounts") },
      });
    });
    afterAll(async () => {
      await standIn?.close();
    });

    it("names the missing mount instead of backing up somewhere else", async () => {
      const ha = new FakeHaBackups(share);
      ha.agentIds = ["hassio.local"];
      const supervisor = createSupervisorClient({ baseUrl: standIn.url, token: "t" });
      const report = await runHaBackup({ ...depsFor(ha, recordingLog(), []), supervisor }, cfg, {
        backupNow: true,
      });
      expect(report.agentIds).toEqual([]);
      expect(ha.backupsStarted).toBe(0);
      expect(report.problems[0]).toContain("no backup agent hassio.nas_backups");
    });

    it("creates the NFS mount on request and backs up to its agent", async () => {
      const ha = new FakeHaBackups(share);
      ha.agentIds = ["hassio.local"];
      const supervisor = createSupervisorClient({ baseUrl: standIn.url, token: "t" });
      // Core offers hassio.<mount> once the Supervisor has the mount.
      const agents = ha.agents.bind(ha);
      ha.agents = async () => {
        const mounts = await supervisor.mounts();
        return [
          ...(await agents()),
          ...mounts.mounts.map((m) => ({ agentId: `hassio.${m.name}`, name: m.name })),
        ];
      };
      const report = await runHaBackup({ ...depsFor(ha, recordingLog(), []), supervisor }, cfg, {
        backupNow: true,
        createMount: { type: "nfs", server: "10.0.0.150", path: "/volume1/backups/homeassistant_backups" },
      });
      expect(await supervisor.mounts()).toMatchObject({
        defaultBackupMount: "nas_backups",
        mounts: [
          {
            name: "nas_backups",
            type: "nfs",
            usage: "backup",
            path: "/volume1/backups/homeassistant_backups",
          },
        ],
      });
      expect(report).toMatchObject({ agentIds: ["hassio.nas_backups"], agentSource: "supervisor_mount" });
      expect(report.verification?.result).toBe("ok");
    });
  });
});
