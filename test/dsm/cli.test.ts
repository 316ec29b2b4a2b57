import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UNCHECKED_HA_BACKUPS } from "../../src/core/ha-backup.js";
import type { SimHyperBackupTask } from "../../src/sim/dsm.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { parseIcs } from "../register/ics-parse.js";
import { optionsFileFor, runCli } from "../support/cli.js";
import { tieredLab } from "../support/scenarios.js";
import { hyperBackupTask, NAS_USER, nasOptionsFor, simDsmPerTest } from "./support.js";

const startDsm = simDsmPerTest();
const labs: SimLab[] = [];
afterEach(async () => {
  for (const lab of labs.splice(0)) await lab.stop();
});
const NOW = Date.parse("2026-02-11T10:00:00Z");
const H = 3_600_000;
const env = { PVE_BACKUP_NOW: new Date(NOW).toISOString() };

async function setup(more: Record<string, unknown> = {}) {
  const lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
  labs.push(lab);
  const { dsm, cert } = await startDsm({
    tasks: [hyperBackupTask(NOW, { task_id: 4 })],
  });
  const file = optionsFileFor(lab, {
    nas: nasOptionsFor(dsm, cert),
    ...more,
  } as never);
  return { lab, dsm, file };
}

describe("pve-backup with nas options", () => {
  it("status --json with the NAS read still carries each guest's alert info, and the table its archive note", async () => {
    const { file } = await setup({
      alerts: { targets: ["persistent_notification"], archived: ["103: kept by hand on a USB disk"] },
    });
    const r = await runCli(["status", "--json", "--options", file], env);
    const json = JSON.parse(r.stdout) as { guests: { vmid: number; alert?: unknown; copies?: unknown }[] };
    expect(json.guests.find((g) => g.vmid === 103)).toMatchObject({
      alert: { archived: true, archivedReason: "kept by hand on a USB disk" },
      copies: { offNas: "yes" },
    });
    const table = await runCli(["status", "--options", file], env);
    expect(table.stdout.split("\n").find((l) => l.startsWith("103 "))).toMatch(
      /; archived: kept by hand on a USB disk$/,
    );
  });

  it("status --json adds the nas key and each guest's copies", async () => {
    const { file } = await setup();
    const r = await runCli(["status", "--json", "--options", file], env);
    expect(r.stderr).toBe("");
    const json = JSON.parse(r.stdout) as {
      guests: { vmid: number; copies?: unknown }[];
      nas: {
        coverage: { covered: string; task: string }[];
        findings: unknown[];
        tasks: { lastSuccess: string }[];
      };
    };
    expect(json.nas.coverage[0]).toMatchObject({ covered: "yes", task: "backups to USB" });
    expect(json.nas.tasks[0]?.lastSuccess).toBe("2026-02-11T04:00:00.000Z");
    expect(json.guests.find((g) => g.vmid === 100)?.copies).toEqual({
      pve: 3,
      nas: 3,
      offNas: "yes",
      offNasTime: "2026-02-11T04:00:00.000Z",
      offNasReason: null,
    });
    expect(r.stdout).not.toContain(NAS_USER.password);
    expect(json.guests.find((g) => g.vmid === 100)).not.toHaveProperty("alert");
  });

  it("export carries each guest's copies off the NAS from DSM, and unknown when DSM cannot be read", async () => {
    const { dsm, file } = await setup();
    const r = await runCli(["export", "--format", "json", "--options", file], env);
    expect(r.stderr).toBe("");
    const rows = (JSON.parse(r.stdout) as { guests: { vmid: number; offNas: string }[] }).guests;
    expect(rows.find((g) => g.vmid === 100)).toMatchObject({ offNas: "yes" });
    await dsm.stop();
    const down = await runCli(["export", "--format", "json", "--options", file], env);
    expect(down.code).toBe(0);
    const unknown = (JSON.parse(down.stdout) as { guests: { vmid: number; offNas: string }[] }).guests;
    expect(unknown.find((g) => g.vmid === 100)?.offNas).toBe("unknown");
  });

  it("nas run starts a task by name; an unknown one is named with the ones there are", async () => {
    const { dsm, file } = await setup();
    const ok = await runCli(["nas", "run", "backups to USB", "--options", file], env);
    expect(ok).toMatchObject({ code: 0, stdout: "started Hyper Backup task 'backups to USB' (4)\n" });
    expect(dsm.tasks[0]?.status).toBe("backup");
    const bad = await runCli(["nas", "run", "nope", "--options", file], env);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain("no Hyper Backup task 'nope'; the NAS has: 'backups to USB' (4)");
    // Every login was followed by a logout.
    expect(dsm.sessions()).toBe(0);
  });

  it.each([
    [["nas", "frob"], "nas takes nothing, 'status' or 'run TASK'"],
    [["nas", "run"], "nas run takes one Hyper Backup task"],
    [["nas", "status", "x"], "nas status takes no argument 'x'"],
  ])("%j is a usage error", async (args, message) => {
    const r = await runCli([...args, "--demo"]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(message);
  });

  it("nas --demo: the seed lab's NAS has no Hyper Backup task, and no guest a copy off the NAS", async () => {
    const r = await runCli(["nas", "--demo"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("! no Hyper Backup task covers /volume1/backups/proxmox/dump");
    expect(r.stdout.match(/no off-NAS copy/g)).toHaveLength(5);
  });
});

describe("pve-backup nas run twice", () => {
  it("does not start a task that is already running, and says so", async () => {
    const { dsm, file } = await setup();
    expect((await runCli(["nas", "run", "4", "--options", file], env)).code).toBe(0);
    const again = await runCli(["nas", "run", "4", "--options", file], env);
    expect(again.code).toBe(64);
    expect(again.stderr).toContain(
      "Hyper Backup task 'backups to USB' is busy (backup); nothing was started",
    );
    expect(dsm.calls.filter((c) => c.method === "backup")).toHaveLength(1);
  });
});

describe("pve-backup calendar with the NAS and Home Assistant", () => {
  const BERLIN_NOW = Date.parse("2026-03-20T10:00:00Z");
  const task = (over: Partial<SimHyperBackupTask>): SimHyperBackupTask => ({
    task_id: 7,
    name: "NAS to B2",
    state: "backupable",
    status: "none",
    last_bkp_result: "done",
    last_bkp_error: "",
    lastRunMs: BERLIN_NOW - 8 * H,
    lastEndMs: BERLIN_NOW - 7 * H,
    lastSuccessMs: BERLIN_NOW - 8 * H,
    nextRunMs: null,
    type: "cloud_image:image_remote",
    folders: ["/volume1/backups"],
    ...over,
  });

  async function calendarSetup(tasks: SimHyperBackupTask[], haNext?: string) {
    const lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    labs.push(lab);
    // The NAS keeps New York time, the lab Berlin time: DSM's local times must still land right.
    const { dsm, cert } = await startDsm({ timeZone: "America/New_York", tasks });
    const file = optionsFileFor(lab, {
      timezone: "Europe/Berlin",
      nas: nasOptionsFor(dsm, cert, "America/New_York"),
    });
    if (haNext)
      writeFileSync(
        join(dirname(file), "pve-backup-ha-backups.json"),
        JSON.stringify({
          version: 1,
          checksums: {},
          status: { ...UNCHECKED_HA_BACKUPS, nextAutomatic: haNext, checkedAt: haNext },
        }),
      );
    return { dsm, file };
  }

  it("lists Hyper Backup's next runs and Home Assistant's next backup at their local times across DST", async () => {
    const { file } = await calendarSetup(
      [
        // 03:30 Berlin summer time, the night the clocks go forward; 21:30 the evening before in New York.
        task({ nextRunMs: Date.parse("2026-03-29T01:30:00Z") }),
        task({ task_id: 8, name: "no schedule", nextRunMs: null }),
        task({ task_id: 9, name: "overdue", nextRunMs: BERLIN_NOW - 2 * H }),
      ],
      "2026-03-30T04:52:00.000Z",
    );
    const r = await runCli(["calendar", "--ics", "--days", "14", "--options", file], {
      PVE_BACKUP_NOW: new Date(BERLIN_NOW).toISOString(),
    });
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const { events } = parseIcs(r.stdout);
    const hb = events.filter((e) => e.summary.startsWith("Hyper Backup"));
    expect(hb.map((e) => [e.uid, e.summary, e.start, e.startWall])).toEqual([
      [
        "hyper-backup-7-20260329T013000Z@pve-backup",
        "Hyper Backup: NAS to B2",
        "2026-03-29T01:30:00.000Z",
        "2026-03-29T03:30:00",
      ],
    ]);
    const ha = events.find((e) => e.uid === "ha-backup-20260330@pve-backup");
    expect(ha).toMatchObject({
      summary: "Home Assistant automatic backup",
      start: "2026-03-30T04:52:00.000Z",
      startWall: "2026-03-30T06:52:00",
      startZone: "Europe/Berlin",
    });
    // PVE's own runs are there too.
    expect(events.some((e) => e.summary.startsWith("Backup "))).toBe(true);
  });

  it("keeps PVE's runs when DSM is down, says so, and exits 2", async () => {
    const { dsm, file } = await calendarSetup([task({ nextRunMs: BERLIN_NOW + 5 * H })]);
    const env = { PVE_BACKUP_NOW: new Date(BERLIN_NOW).toISOString() };
    const up = parseIcs((await runCli(["calendar", "--ics", "--options", file], env)).stdout).events;
    expect(up.some((e) => e.summary === "Hyper Backup: NAS to B2")).toBe(true);
    await dsm.stop();
    const down = await runCli(["calendar", "--ics", "--options", file], env);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain("Hyper Backup's next runs are left out");
    const events = parseIcs(down.stdout).events;
    expect(events.map((e) => e.uid)).toEqual(
      up.filter((e) => !e.summary.startsWith("Hyper Backup")).map((e) => e.uid),
    );
    expect(events.length).toBeGreaterThan(0);
  });
});
