import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { HaBackupsJson } from "../../src/core/ha-backup.js";
import { HA_BACKUP_STATE_FILE } from "../../src/service/ha-backup-watch.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { freePort, waitFor } from "../ha/hass.js";
import { CLI, optionsFileFor, runCli } from "../support/cli.js";
import { tieredLab } from "../support/scenarios.js";

/**
 * The status contract with Home Assistant's backups on the NAS: a new top-level `haBackups` key
 * (null when `ha_backups` is not configured) and one row under the table; each guest's fields are
 * exactly what they were.
 */

const GUEST_FIELDS = [
  "cluster",
  "vmid",
  "name",
  "type",
  "node",
  "tier",
  "status",
  "lastBackup",
  "lastAttempt",
  "expectedBy",
  "reason",
  // From the verification ledger beside the options (null: never verified).
  "lastVerified",
  "lastTestRestore",
];
const HA_BACKUPS = {
  host: "10.0.0.150",
  username: "habackup",
  password: "secret-not-shown",
  host_key_fingerprint: `SHA256:${"A".repeat(43)}`,
  share_path: "/volume1/backups/homeassistant_backups",
};
const checked: HaBackupsJson = {
  agent: "hassio.nas_backups",
  lastBackup: {
    time: "2026-02-11T04:47:00.000Z",
    backupId: "9f3c2a1b",
    name: "Automatic",
    sizeBytes: 734003200,
  },
  nextAutomatic: "2026-02-12T04:45:00.000Z",
  verification: {
    time: "2026-02-11T05:00:00.000Z",
    backupId: "9f3c2a1b",
    result: "failed",
    message: "9f3c2a1b.tar changed since it was verified",
    problems: ["9f3c2a1b.tar changed since it was verified"],
    sha256: "a".repeat(64),
    fileName: "9f3c2a1b.tar",
    durationMs: 4100,
    copiesOnShare: 3,
    freeBytes: 1e12,
  },
  problems: ["Home Assistant backup 9f3c2a1b on the NAS: 9f3c2a1b.tar changed since it was verified"],
  checkedAt: "2026-02-11T05:00:00.000Z",
};

let lab: SimLab | undefined;
let service: ChildProcess | undefined;
afterEach(async () => {
  service?.kill();
  service = undefined;
  await lab?.stop();
  lab = undefined;
});

async function status(over: Record<string, unknown>, state?: unknown, json = true) {
  lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
  const options = optionsFileFor(lab, over);
  if (state !== undefined) writeFileSync(join(dirname(options), HA_BACKUP_STATE_FILE), JSON.stringify(state));
  return runCli(["status", ...(json ? ["--json"] : []), "--options", options], {
    PVE_BACKUP_NOW: new Date(lab.nowMs()).toISOString(),
  });
}

describe("pve-backup status with Home Assistant's backups", () => {
  it("has haBackups null when ha_backups is not configured, and guests as before", async () => {
    const r = await status({});
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json)).toEqual(["guests", "clusters", "haBackups"]);
    expect(json.haBackups).toBeNull();
    for (const g of json.guests) expect(Object.keys(g)).toEqual(GUEST_FIELDS);
    expect(r.code).toBe(0);
  });

  it("shows the last check the service recorded, guests unchanged", async () => {
    const r = await status({ ha_backups: HA_BACKUPS }, { version: 1, checksums: {}, status: checked });
    const json = JSON.parse(r.stdout);
    expect(json.haBackups).toEqual(checked);
    for (const g of json.guests) expect(Object.keys(g)).toEqual(GUEST_FIELDS);
    expect(r.stdout).not.toContain("secret-not-shown");
    // The exit code speaks for the guests, as before.
    expect(r.code).toBe(0);
  });

  it("is configured but unchecked before the service looked", async () => {
    const r = await status({ ha_backups: HA_BACKUPS });
    expect(JSON.parse(r.stdout).haBackups).toEqual({
      agent: null,
      lastBackup: null,
      nextAutomatic: null,
      verification: null,
      problems: [],
      checkedAt: null,
    });
  });

  it("adds an HA backup row and its problems under the table", async () => {
    const r = await status({ ha_backups: HA_BACKUPS }, { version: 1, checksums: {}, status: checked }, false);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.at(-2)).toBe(
      "HA BACKUP  last 2026-02-11 04:47 700.0 MiB on hassio.nas_backups  verification failed 2026-02-11 05:00  next 2026-02-12 04:45",
    );
    expect(lines.at(-1)).toBe(
      "! ha-backup: Home Assistant backup 9f3c2a1b on the NAS: 9f3c2a1b.tar changed since it was verified",
    );
  });
});

describe("GET /api/status with Home Assistant's backups", () => {
  it("carries the same haBackups as the CLI, from the service's state file", async () => {
    lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    const port = await freePort();
    const options = optionsFileFor(lab, { api_port: port, ha_backups: HA_BACKUPS } as never);
    writeFileSync(
      join(dirname(options), HA_BACKUP_STATE_FILE),
      JSON.stringify({ version: 1, checksums: {}, status: checked }),
    );
    service = spawn(process.execPath, [join(dirname(CLI), "main.js"), "--options", options], {
      stdio: "ignore",
    });
    const get = () => fetch(`http://127.0.0.1:${port}/api/status`).catch(() => undefined);
    await waitFor(async () => (await get())?.ok === true, 20_000, "the service did not start");
    const json = (await (await get())?.json()) as Record<string, unknown>;
    expect(json.haBackups).toEqual(checked);
    expect(Object.keys(json)).toEqual(["guests", "clusters", "haBackups"]);
  });
});
