import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { optionsFileFor, runCli } from "../support/cli.js";
import { seed } from "../support/scenarios.js";

/**
 * `pve-backup status` with archived guests: the seed lab's guests are all `not_in_job`; an
 * archived one keeps that status and shows why, in the table and as `alert` in the JSON, with the
 * snoozes the service saved beside the options.
 */

let lab: SimLab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

describe("pve-backup status with archived guests", () => {
  it("keeps them not_in_job and tells why, in the JSON and the table", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    const options = optionsFileFor(lab, {
      alerts: {
        targets: ["persistent_notification"],
        archived: ["105: retired,\n data moved to the NAS 🪦", "home/103"],
      },
    } as never);
    const now = new Date(lab.nowMs());
    writeFileSync(
      join(dirname(options), "pve-backup-alerts.json"),
      JSON.stringify({
        version: 1,
        guests: { "home/105": { snoozedUntilMs: now.getTime() + 3_600_000 } },
      }),
    );
    const env = { PVE_BACKUP_NOW: now.toISOString() };
    const json = await runCli(["status", "--json", "--options", options], env);
    const guests = JSON.parse(json.stdout).guests as Array<Record<string, unknown> & { vmid: number }>;
    const byVmid = Object.fromEntries(guests.map((g) => [g.vmid, g]));
    expect(byVmid[105]).toMatchObject({
      status: "not_in_job",
      alert: {
        snoozedUntil: new Date(now.getTime() + 3_600_000).toISOString(),
        archived: true,
        archivedReason: "retired, data moved to the NAS 🪦",
      },
    });
    expect(byVmid[103]?.alert).toEqual({ snoozedUntil: null, archived: true, archivedReason: null });
    expect(byVmid[100]?.alert).toEqual({ snoozedUntil: null, archived: false, archivedReason: null });

    const table = await runCli(["status", "--options", options], env);
    const row = (vmid: number) => table.stdout.split("\n").find((l) => l.startsWith(`${vmid} `));
    expect(row(105)).toMatch(/not_in_job .*; archived: retired, data moved to the NAS 🪦$/);
    expect(row(103)).toMatch(/; archived$/);
    expect(row(100)).not.toMatch(/archived/);
    // The others are not_in_job without a reason to be: still a problem.
    expect(table.code).toBe(1);
  });

  it("does not fail the exit code for guests archived on purpose", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    const env = { PVE_BACKUP_NOW: new Date(lab.nowMs()).toISOString() };
    const all = await runCli(
      [
        "status",
        "--options",
        optionsFileFor(lab, {
          alerts: { targets: ["persistent_notification"], archived: ["100", "101", "102", "103", "105"] },
        } as never),
      ],
      env,
    );
    expect(all.stdout).toMatch(/^100 .*not_in_job/m);
    expect(all.code).toBe(0);
    const some = await runCli(
      [
        "status",
        "--options",
        optionsFileFor(lab, {
          alerts: { targets: ["persistent_notification"], archived: ["100", "101", "102", "103"] },
        } as never),
      ],
      env,
    );
    expect(some.code).toBe(1);
  });
});
