import { describe, expect, it } from "vitest";
import { type HaBackupsJson, UNCHECKED_HA_BACKUPS } from "../../src/core/ha-backup.js";
import { type CatalogueInput, declare, states } from "../../src/entities/catalogue.js";

const cluster = (name: string) => ({
  cluster: name,
  baseUrl: `https://${name}:8006`,
  storageFreeBytes: null,
  nextRunMs: null,
});
const checked: HaBackupsJson = {
  agent: "hassio.nas_backups",
  lastBackup: { time: "2026-02-11T04:47:00.000Z", backupId: "9f3c2a1b", name: "Automatic", sizeBytes: 7e8 },
  nextAutomatic: "2026-02-12T04:45:00.000Z",
  verification: {
    time: "2026-02-11T05:00:00.000Z",
    backupId: "9f3c2a1b",
    result: "ok",
    message: "verified 9f3c2a1b.tar",
    problems: [],
    sha256: "a".repeat(64),
    fileName: "9f3c2a1b.tar",
    durationMs: 4100,
    copiesOnShare: 3,
    freeBytes: 1e12,
  },
  problems: [],
  checkedAt: "2026-02-11T05:00:00.000Z",
};
const input = (haBackups?: HaBackupsJson): CatalogueInput => ({
  reports: [],
  clusters: [cluster("home"), cluster("lab")],
  tiers: [],
  haBackups,
});

describe("Home Assistant backup entities on the hub", () => {
  it("declares none without ha_backups", () => {
    expect(declare(input()).entities.filter((e) => e.key.includes("ha_backup"))).toEqual([]);
    expect(states(input()).filter((s) => s.key.includes("ha_backup"))).toEqual([]);
  });

  it("declares four on the first cluster's device, with the shared translation keys", () => {
    const mine = declare(input(checked)).entities.filter((e) => e.key.includes("ha_backup"));
    expect(mine.map((e) => [e.key, e.device, e.platform, e.translation_key, e.device_class])).toEqual([
      ["home_ha_backup_last", "home", "sensor", "ha_backup_last", "timestamp"],
      ["home_ha_backup_next", "home", "sensor", "ha_backup_next", "timestamp"],
      ["home_ha_backup_verification", "home", "sensor", "ha_backup_verification", "enum"],
      ["home_ha_backup_problem", "home", "binary_sensor", "ha_backup_problem", "problem"],
    ]);
    expect(mine[2]?.options).toEqual(["ok", "failed", "unknown"]);
  });

  it("publishes the last backup, the next, the verification and no problem", () => {
    const s = Object.fromEntries(states(input(checked)).map((x) => [x.key, x]));
    expect(s.home_ha_backup_last).toEqual({
      key: "home_ha_backup_last",
      state: "2026-02-11T04:47:00.000Z",
      attributes: { size_bytes: 7e8, agent: "hassio.nas_backups", name: "Automatic", backup_id: "9f3c2a1b" },
    });
    expect(s.home_ha_backup_next?.state).toBe("2026-02-12T04:45:00.000Z");
    expect(s.home_ha_backup_verification).toMatchObject({
      state: "ok",
      attributes: {
        checked_at: "2026-02-11T05:00:00.000Z",
        message: "verified 9f3c2a1b.tar",
        sha256: "a".repeat(64),
      },
    });
    expect(s.home_ha_backup_problem?.state).toBe(false);
  });

  it("raises the problem on a failed verification and keeps it unknown before the first check", () => {
    const failed: HaBackupsJson = {
      ...checked,
      verification: {
        ...(checked.verification as NonNullable<HaBackupsJson["verification"]>),
        result: "failed",
        message: "x.tar lacks backup.json",
      },
      problems: ["Home Assistant backup 9f3c2a1b on the NAS: x.tar lacks backup.json"],
    };
    const s = Object.fromEntries(states(input(failed)).map((x) => [x.key, x]));
    expect(s.home_ha_backup_problem).toMatchObject({
      state: true,
      attributes: { problems: failed.problems },
    });
    expect(s.home_ha_backup_verification?.state).toBe("failed");
    const unchecked = Object.fromEntries(states(input(UNCHECKED_HA_BACKUPS)).map((x) => [x.key, x.state]));
    expect(unchecked).toMatchObject({
      home_ha_backup_last: null,
      home_ha_backup_next: null,
      home_ha_backup_verification: "unknown",
      home_ha_backup_problem: null,
    });
  });
});
