import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoOptions } from "../../src/demo.js";
import { connectToHa } from "../../src/ha/connection.js";
import {
  createHaBackupsApi,
  type HaBackupsApi,
  refForAgent,
  whenConnected,
  wsPortOf,
} from "../../src/ha/ha-backups.js";
import { silentLogger } from "../../src/log.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { openNas } from "../../src/ssh/nas.js";
import { verifyHaBackup } from "../../src/ssh/verify.js";
import { runCli } from "../support/cli.js";
import { tieredLab } from "../support/scenarios.js";
import { openPathFor, type Sshd, sshdAvailable, startSshd } from "../support/sshd.js";
import { type AddonProcess, addon } from "./addon.js";
import { collectEvents, freePort, type Hass, startHass, waitFor } from "./hass.js";

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
    const c = connectToHa(
      {
        wsUrl: `${hass.url.replace(/^http/, "ws")}/api/websocket`,
        restUrl: `${hass.url}/api`,
        token: hass.token,
      },
      silentLogger,
    );
    close = () => c.close();
    await whenConnected(c, hass.url);
    api = createHaBackupsApi(wsPortOf(c));
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
      const v = await verifyHaBackup(nas, ref, { retentionCopies: 2, listedByHa: { all: 3, automatic: 2 } });
      expect(v.copiesOnShare).toBe(3);
      expect(v.facts.retention).toEqual({ kind: "ok", copies: 2 });
      expect(v.verdict).toMatchObject({ kind: "ok" });
    } finally {
      nas.close();
    }
  });

  const optionsFile = (over: Record<string, unknown> = {}) => {
    const file = join(mkdtempSync(join(tmpdir(), "pve-backup-opts-")), "options.json");
    writeFileSync(
      file,
      JSON.stringify({
        timezone: "UTC",
        // The PVE side is not used by ha-backup; the cluster only satisfies the options.
        clusters: [
          {
            name: "home",
            url: "https://127.0.0.1:9",
            token_id: "pve-backup@pve!addon",
            token_secret: "00000000-0000-0000-0000-000000000000",
          },
        ],
        tiers: [{ name: "P1", schedule: "01:00", keep_last: 3, guests: [100] }],
        ha_backups: {
          host: "127.0.0.1",
          port: sshd.port,
          username: sshd.user,
          password: sshd.password,
          host_key_fingerprint: sshd.hostKeyFingerprint,
          share_path: share,
          copies: 3,
          ...over,
        },
      }),
    );
    return file;
  };
  const env = () => ({ HA_URL: hass.url, HA_TOKEN: hass.token, SUPERVISOR_TOKEN: "" });

  it("pve-backup ha-backup backs up now and verifies the backup on the NAS", async () => {
    const r = await runCli(["ha-backup", "--json", "--options", optionsFile()], env());
    expect(r.stderr).not.toContain(sshd.password);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      agentIds: ["backup.local"],
      agentSource: "installation",
      backup: { kind: "completed" },
      verification: { result: "ok" },
      problems: [],
    });
    expect(report.verification.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.agents["backup.local"].lastSuccessMs).toBeGreaterThan(0);
    expect(r.code).toBe(0);
  });

  it("pve-backup ha-backup configure sets HA's schedule and copies", async () => {
    const r = await runCli(
      ["ha-backup", "configure", "--json", "--options", optionsFile({ copies: 4 })],
      env(),
    );
    expect(JSON.parse(r.stdout).configured).toMatchObject({ schedule: "daily", retentionCopies: 4 });
    expect((await api.config()).retentionCopies).toBe(4);
  });

  it("reports a wrong NAS host key as a problem, exit 1, without a crash", async () => {
    const wrong = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const r = await runCli(
      ["ha-backup", "verify", "--json", "--options", optionsFile({ host_key_fingerprint: wrong })],
      env(),
    );
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.verification).toMatchObject({ result: "error", failure: "host_key_mismatch" });
    expect(report.problems.join("\n")).toContain(sshd.hostKeyFingerprint);
    expect(r.stderr).toMatch(/ERROR .*host key/);
  });

  it("reports an unreachable NAS as a problem, exit 1, without a crash", async () => {
    const r = await runCli(
      ["ha-backup", "verify", "--json", "--options", optionsFile({ port: await freePort() })],
      env(),
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).verification).toMatchObject({ result: "error", failure: "unreachable" });
  });
});

/**
 * The add-on as it runs beside a real Home Assistant with the companion integration: its service
 * backs HA up, verifies the file where the sshd serves it, and the hub's entities follow; a file
 * changed on the NAS raises the problem entity, an event and a log line.
 */
describe.skipIf(!sshdAvailable())("HA backup entities on the hub, in a real Home Assistant", () => {
  let hass: Hass;
  let sshd: Sshd;
  let lab: SimLab;
  let add: AddonProcess;
  let share: string;

  beforeAll(async () => {
    hass = await startHass();
    share = join(hass.configDir, "backups");
    mkdirSync(share, { recursive: true });
    openPathFor(share);
    sshd = await startSshd({ port: await freePort() });
    lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    add = addon(
      {
        ...demoOptions(lab),
        timezone: "UTC",
        ha_backups: {
          host: "127.0.0.1",
          port: sshd.port,
          username: sshd.user,
          private_key: sshd.privateKey,
          host_key_fingerprint: sshd.hostKeyFingerprint,
          share_path: share,
          copies: 3,
        },
      } as never,
      hass,
      await freePort(),
    );
    await add.start();
    await waitFor(
      async () => (await add.bridge()).bridge?.mode === "integration",
      60_000,
      "the add-on did not reach the integration",
    );
  }, 240_000);
  afterAll(async () => {
    await add?.stop();
    await sshd?.stop();
    await hass?.stop();
    await lab?.stop();
  });

  const entityId = async (key: string): Promise<string> => {
    const list = await hass.ws<{ unique_id: string; entity_id: string; platform: string }[]>({
      type: "config/entity_registry/list",
    });
    const e = list.find((x) => x.platform === "pve_backup" && x.unique_id.endsWith(key));
    if (!e) throw new Error(`no entity ${key}`);
    return e.entity_id;
  };
  const stateOf = async (key: string) =>
    (
      await hass.rest<{ state: string; attributes: Record<string, unknown> }>(
        "GET",
        `/api/states/${await entityId(key)}`,
      )
    ).body;
  const backUp = (data: Record<string, unknown>) =>
    hass.ws<{
      response: { verification: { result: string; sha256?: string }; newest: { backupId: string } };
    }>({
      type: "call_service",
      domain: "pve_backup",
      service: "backup_home_assistant",
      service_data: data,
      return_response: true,
    });

  it("publishes the verified backup, then a changed file as a problem, an event and a log line", async () => {
    await waitFor(
      async () => (await entityId("home_ha_backup_problem").catch(() => undefined)) !== undefined,
      30_000,
      "no HA backup entities on the hub",
    );
    const first = (await backUp({ name: "entities test" })).response;
    expect(first.verification.result).toBe("ok");
    await waitFor(
      async () => (await stateOf("home_ha_backup_verification")).state === "ok",
      30_000,
      "the verification entity did not turn ok",
    );
    expect((await stateOf("home_ha_backup_problem")).state).toBe("off");
    const last = await stateOf("home_ha_backup_last");
    expect(Date.parse(last.state)).toBeGreaterThan(Date.now() - 600_000);
    expect(last.attributes).toMatchObject({ agent: "backup.local", name: "entities test" });
    expect((await stateOf("home_ha_backup_verification")).attributes.sha256).toBe(first.verification.sha256);

    const events = await collectEvents(hass.url, hass.token, "pve_backup_ha_backup_verification_failed");
    try {
      const file = join(share, `${first.newest.backupId}.tar`);
      const bytes = readFileSync(file);
      bytes[700] = (bytes[700] as number) ^ 0x01;
      writeFileSync(file, bytes);
      const again = (await backUp({ backup: false })).response;
      expect(again.verification.result).toBe("failed");
      await waitFor(
        async () => (await stateOf("home_ha_backup_problem")).state === "on",
        30_000,
        "the problem entity did not turn on",
      );
      const problem = await stateOf("home_ha_backup_problem");
      expect(String(problem.attributes.problems)).toContain(`${first.newest.backupId}.tar changed since`);
      expect((await stateOf("home_ha_backup_verification")).state).toBe("failed");
      await waitFor(() => events.events.length > 0, 10_000, "no pve_backup_ha_backup_verification_failed");
      expect(events.events[0]?.data).toMatchObject({ backup_id: first.newest.backupId, result: "failed" });
      expect(add.log()).toMatch(new RegExp(`ERROR .*${first.newest.backupId}\\.tar changed since`));
    } finally {
      events.close();
    }
  });
});
