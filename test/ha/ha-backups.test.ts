import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectToHa } from "../../src/ha/connection.js";
import { createHaBackupsApi, type HaBackupsApi, refForAgent } from "../../src/ha/ha-backups.js";
import { silentLogger } from "../../src/log.js";
import { openNas } from "../../src/ssh/nas.js";
import { verifyHaBackup } from "../../src/ssh/verify.js";
import { openPathFor, type Sshd, sshdAvailable, startSshd } from "../support/sshd.js";
import { freePort, type Hass, startHass } from "./hass.js";

/**
 * Home Assistant's own backup manager (the real Core of the bridge tests) backing up to its local
 * agent, whose folder (`<config>/backups`) a real OpenSSH server serves as the NAS share.
 */
describe.skipIf(!sshdAvailable())("HA backups through the websocket API, verified over SFTP", () => {
  let hass: Hass;
  let sshd: Sshd;
  let api: HaBackupsApi;
  let close: () => void;
  let share: string;

  beforeAll(async () => {
    hass = await startHass({ withIntegration: false });
    share = join(hass.configDir, "backups");
    mkdirSync(share, { recursive: true });
    openPathFor(share);
    sshd = await startSshd({ port: await freePort() });
    const c = await connectToHa(
      {
        wsUrl: `${hass.url.replace(/^http/, "ws")}/api/websocket`,
        restUrl: `${hass.url}/api`,
        token: hass.token,
      },
      silentLogger,
    );
    close = c.close;
    api = createHaBackupsApi(c.connection);
  });
  afterAll(async () => {
    close?.();
    await sshd?.stop();
    await hass?.stop();
  });

  const nasTarget = () => ({
    host: "127.0.0.1",
    port: sshd.port,
    username: sshd.user,
    privateKey: sshd.privateKey,
    hostKeyFingerprint: sshd.hostKeyFingerprint,
    sharePath: share,
  });

  it("offers the local agent outside the Supervisor", async () => {
    expect((await api.agents()).map((a) => a.agentId)).toContain("backup.local");
  });

  it("sets schedule, retention, content and agents in this release's shape", async () => {
    await api.updateConfig({
      agentIds: ["backup.local"],
      includeDatabase: true,
      includeFolders: [],
      retentionCopies: 2,
      schedule: { recurrence: "daily" },
    });
    const config = await api.config();
    expect(config).toMatchObject({
      agentIds: ["backup.local"],
      retentionCopies: 2,
      schedule: { recurrence: "daily" },
    });
    expect(["2025.1", "2025.2"]).toContain(config.shape);
  });

  it("backs up now, follows the events to the end, and the file verifies on the NAS", async () => {
    const seen: string[] = [];
    const outcome = await api.backupNow(
      { agentIds: ["backup.local"], name: "pve-backup test" },
      { timeoutMs: 120_000, onEvent: (e) => seen.push(`${e.managerState}/${e.state ?? ""}`) },
    );
    expect(outcome.kind).toBe("completed");
    if (outcome.kind !== "completed") return;
    expect(seen).toContain("create_backup/completed");
    const ref = refForAgent(outcome.backup, "backup.local");
    expect(ref).toBeDefined();
    if (!ref) return;
    const nas = await openNas(nasTarget(), silentLogger);
    try {
      const v = await verifyHaBackup(nas, ref, { retentionCopies: null });
      expect(v.verdict).toMatchObject({ kind: "ok" });
      expect(v.facts.tar.members).toEqual(expect.arrayContaining(["backup.json", "homeassistant.tar.gz"]));
      expect(v.facts.file?.sizeBytes).toBe(ref.sizeBytes);
    } finally {
      nas.close();
    }
  });

  it("keeps exactly the retained number of automatic backups on the share", async () => {
    for (let i = 0; i < 3; i++) {
      const outcome = await api.backupNow({ automaticSettings: true, agentIds: [] }, { timeoutMs: 120_000 });
      expect(outcome.kind).toBe("completed");
    }
    const automatic = (await api.info()).backups.filter((b) => b.withAutomaticSettings === true);
    expect(automatic).toHaveLength(2);
    const onShare = readdirSync(share).filter((f) => f.endsWith(".tar"));
    const newest = automatic.sort((a, b) => b.dateMs - a.dateMs)[0];
    const ref = newest && refForAgent(newest, "backup.local");
    if (!ref) throw new Error("no automatic backup on the local agent");
    const nas = await openNas(nasTarget(), silentLogger);
    try {
      // The manual backup of the test before stays: retention applies to automatic backups only.
      expect(onShare).toHaveLength(3);
      const v = await verifyHaBackup(nas, ref, { retentionCopies: 3 });
      expect(v.copiesOnShare).toBe(3);
      expect(v.verdict).toMatchObject({ kind: "ok" });
    } finally {
      nas.close();
    }
  });
});
