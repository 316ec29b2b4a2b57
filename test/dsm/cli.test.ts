import { afterEach, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { optionsFileFor, runCli } from "../support/cli.js";
import { tieredLab } from "../support/scenarios.js";
import { NAS_USER, simDsmPerTest } from "./support.js";

const startDsm = simDsmPerTest();
const labs: SimLab[] = [];
afterEach(async () => {
  for (const lab of labs.splice(0)) await lab.stop();
});
const NOW = Date.parse("2026-02-11T10:00:00Z");
const H = 3_600_000;
const env = { PVE_BACKUP_NOW: new Date(NOW).toISOString() };

async function setup() {
  const lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
  labs.push(lab);
  const { dsm, cert } = await startDsm({
    tasks: [
      {
        task_id: 4,
        name: "backups to USB",
        state: "backupable",
        status: "none",
        last_bkp_result: "done",
        last_bkp_error: "",
        lastRunMs: NOW - 6 * H,
        lastEndMs: NOW - 5 * H,
        lastSuccessMs: NOW - 6 * H,
        nextRunMs: NOW + 18 * H,
        type: "image:image_local",
        folders: ["/volume1/backups"],
      },
    ],
  });
  const file = optionsFileFor(lab, {
    nas: {
      url: dsm.url,
      username: NAS_USER.account,
      password: NAS_USER.password,
      fingerprint: cert.fingerprint,
      timezone: "Europe/Berlin",
    },
  });
  return { lab, dsm, file };
}

describe("pve-backup with nas options", () => {
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
    });
    expect(r.stdout).not.toContain(NAS_USER.password);
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
