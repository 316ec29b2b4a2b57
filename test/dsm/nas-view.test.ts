import { describe, expect, it } from "vitest";
import type { NasConfig } from "../../src/config/schema.js";
import { createDsmClient } from "../../src/dsm/client.js";
import { nasExitCode } from "../../src/dsm/report.js";
import { readNasView } from "../../src/dsm/view.js";
import { silentLogger } from "../../src/log.js";
import { createPveReader } from "../../src/pve/reader.js";
import type { SimHyperBackupTask } from "../../src/sim/dsm.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { seed, tieredLab } from "../support/scenarios.js";
import { simApiPerTest } from "../support/sim-api.js";
import { hyperBackupTask, NAS_USER, selfSignedCert, simDsmPerTest } from "./support.js";

const startLab = simApiPerTest();
const startDsm = simDsmPerTest();
const NOW = Date.parse("2026-02-11T10:00:00Z");
const H = 3_600_000;
const GUESTS = [100, 101, 102, 103, 105];

/** A Hyper Backup task over the whole `backups` share; by default it succeeded at 04:00 UTC today. */
const backupsTask = (over: Partial<SimHyperBackupTask> = {}): SimHyperBackupTask =>
  hyperBackupTask(NOW, { lastEndMs: NOW - 5.5 * H, ...over });

const nasConfig = (url: string, fingerprint: string): NasConfig => ({
  baseUrl: url,
  username: NAS_USER.account,
  password: NAS_USER.password,
  fingerprint,
  timeZone: "Europe/Berlin",
  minFreeBytes: 100e9,
  fillWarnDays: 30,
  // The seed lab's storage mounts the NAS as 10.0.0.150; the stand-in listens on loopback.
  nfsServers: ["10.0.0.150"],
});

async function viewOf(
  scenario: Scenario,
  tasks: SimHyperBackupTask[] | undefined,
  opts: {
    fingerprint?: string;
    nfsServers?: string[];
    resolve?: (host: string) => Promise<readonly string[]>;
  } = {},
) {
  const { api } = await startLab(scenario);
  const { dsm, cert } = await startDsm({ tasks, hyperBackup: tasks !== undefined });
  const nas = {
    ...nasConfig(dsm.url, opts.fingerprint ?? cert.fingerprint),
    ...(opts.nfsServers ? { nfsServers: opts.nfsServers } : {}),
  };
  const client = createDsmClient({ ...nas, timeoutMs: 5000 }, { log: silentLogger });
  const facts = await createPveReader({ cluster: "home", api, log: silentLogger }).readFacts(NOW);
  try {
    const view = await readNasView({
      cluster: "home",
      dsm: client,
      api,
      facts,
      storage: "nas-backups",
      nas,
      haBackupsPath: "/volume1/backups/homeassistant_backups",
      keepOf: () => 3,
      nowMs: NOW,
      resolve: opts.resolve,
    });
    return { view, dsm };
  } finally {
    await client.close();
  }
}

describe("which storage is on the NAS", () => {
  it("a storage whose server is not the NAS: nothing judged, every guest's copy off the NAS unknown with the reason", async () => {
    const asked: string[] = [];
    const { view } = await viewOf(seed(), [backupsTask()], {
      nfsServers: [],
      resolve: async (host) => {
        asked.push(host);
        return host === "127.0.0.1" ? ["127.0.0.1"] : ["10.0.0.150"];
      },
    });
    expect(asked.sort()).toEqual(["10.0.0.150", "127.0.0.1"]);
    expect(view.placement.onNas).toBe(false);
    expect(view.coverage.map((c) => c.label)).toEqual(["Home Assistant backups"]);
    expect(view.capacity).toBeNull();
    for (const vmid of GUESTS)
      expect(view.copies.get(vmid)).toMatchObject({ nas: null, offNas: "unknown", offNasMs: null });
    expect(view.copies.get(100)?.offNasReason).toBe(
      "storage 'nas-backups' of cluster 'home' is an NFS export of 10.0.0.150, not of the NAS (127.0.0.1): its copies off the NAS are unknown; set nas.nfs_server to 10.0.0.150 if that is the NAS",
    );
    expect(view.findings.map((f) => f.kind)).toEqual(["unknown"]);
    expect(nasExitCode(view)).toBe(2);
  });

  it("a storage server that resolves to the NAS's address is the NAS", async () => {
    const { view } = await viewOf(tieredLab(), [backupsTask()], {
      nfsServers: [],
      resolve: async () => ["192.168.1.5"],
    });
    expect(view.placement.onNas).toBe(true);
    expect(view.copies.get(100)).toMatchObject({ offNas: "yes" });
  });
});

describe("the NAS view on the seed lab with the DSM stand-in", () => {
  it("without a Hyper Backup task: the finding, and no off-NAS copy for any guest", async () => {
    const { view } = await viewOf(seed(), []);
    expect(view.storage).toEqual({
      id: "nas-backups",
      server: "10.0.0.150",
      export: "/volume1/backups/proxmox",
    });
    expect(view.findings.map((f) => [f.kind, f.folder])).toEqual([
      ["no_task", "/volume1/backups/proxmox/dump"],
      ["no_task", "/volume1/backups/homeassistant_backups"],
    ]);
    for (const vmid of GUESTS) expect(view.copies.get(vmid)).toMatchObject({ offNas: "no", offNasMs: null });
    expect(nasExitCode(view)).toBe(1);
  });

  it("says so when Hyper Backup is not installed at all", async () => {
    const { view } = await viewOf(seed(), undefined);
    expect(view.hyperBackup).toBe("not_installed");
    expect(view.findings[0]?.message).toMatch(/Hyper Backup is not installed/);
    for (const vmid of GUESTS) expect(view.copies.get(vmid)?.offNas).toBe("no");
  });

  it("a task covering /volume1/backups that succeeded last night: covered, every guest copied off the NAS", async () => {
    const { view } = await viewOf(tieredLab(), [backupsTask()]);
    expect(view.coverage.map((c) => [c.folder, c.covered, c.task?.name])).toEqual([
      ["/volume1/backups/proxmox/dump", "yes", "backups to USB"],
      ["/volume1/backups/homeassistant_backups", "yes", "backups to USB"],
    ]);
    expect(view.findings).toEqual([]);
    for (const vmid of GUESTS)
      expect(view.copies.get(vmid)).toEqual({
        pve: 3,
        nas: 3,
        offNas: "yes",
        offNasMs: NOW - 6 * H,
        offNasReason: null,
      });
    expect(view.capacity).toMatchObject({ share: "backups", freeBytes: 6_765_432_109_876, fillMs: null });
    expect(nasExitCode(view)).toBe(0);
  });

  it("a failed last run is a problem; the copy from the night before still counts, with its age", async () => {
    const { view } = await viewOf(tieredLab(), [
      backupsTask({
        last_bkp_error: "SYNO.SDS.Backup.Application:error:status_target_broken",
        lastSuccessMs: NOW - 30 * H,
      }),
    ]);
    expect(view.findings[0]).toMatchObject({ kind: "failed", task: "backups to USB" });
    expect(view.findings[0]?.message).toMatch(/did not succeed .*status_target_broken/);
    expect(view.copies.get(100)).toMatchObject({ offNas: "yes", offNasMs: NOW - 30 * H });
    expect(nasExitCode(view)).toBe(1);
  });

  it("a wrong certificate fingerprint: refused before login, off-NAS copies unknown, never ok", async () => {
    const { view, dsm } = await viewOf(tieredLab(), [backupsTask()], {
      fingerprint: selfSignedCert("impostor").fingerprint,
    });
    expect(dsm.calls).toEqual([]);
    expect(view.error).toMatch(/fingerprint mismatch/);
    expect(view.error).not.toContain(NAS_USER.password);
    expect(view.findings.map((f) => f.kind)).toEqual(["unknown"]);
    for (const vmid of GUESTS) expect(view.copies.get(vmid)?.offNas).toBe("unknown");
    expect(nasExitCode(view)).toBe(2);
  });

  it("a task that last succeeded before the newest archive and is not scheduled is stale", async () => {
    const { view } = await viewOf(tieredLab(), [
      backupsTask({ lastRunMs: NOW - 30 * H, lastSuccessMs: NOW - 30 * H, nextRunMs: null }),
    ]);
    expect(view.findings.map((f) => f.kind)).toEqual(["stale"]);
    expect(view.copies.get(100)).toMatchObject({ offNas: "yes", offNasMs: NOW - 30 * H });
  });
});
