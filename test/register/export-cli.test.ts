import { parse as parseCsv } from "csv-parse/sync";
import { afterEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { optionsFileFor, runCli, statusOf } from "../support/cli.js";
import { seed, tieredLab } from "../support/scenarios.js";
import { parseIcs } from "./ics-parse.js";

/**
 * `pve-backup export` and `pve-backup calendar`: the built binary against the simulated lab, the
 * outputs read back with parsers made for their formats.
 */

let lab: SimLab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});
const start = async (scenario: Scenario) => {
  lab = await startSimLab({ scenario, clock: "manual" });
  return lab;
};
const run = (l: SimLab, args: string[], over = {}) =>
  runCli([...args, "--options", optionsFileFor(l, over)], {
    PVE_BACKUP_NOW: new Date(l.nowMs()).toISOString(),
  });

describe("pve-backup export", () => {
  it("writes the register as YAML that parses back to exactly the JSON export, twice the same", async () => {
    const l = await start(tieredLab());
    const yaml = await run(l, ["export", "--format", "yaml"]);
    const json = await run(l, ["export", "--format", "json"]);
    expect([yaml.code, yaml.stderr, json.code]).toEqual([0, "", 0]);
    const fromYaml = parseYaml(yaml.stdout, { version: "1.1" });
    expect(fromYaml).toEqual(JSON.parse(json.stdout));
    expect((await run(l, ["export", "--format", "yaml"])).stdout).toBe(yaml.stdout);
    expect(yaml.stdout).not.toMatch(/generatedAt|ageHours/);
    expect(fromYaml.guests.map((g: { vmid: number }) => g.vmid)).toEqual([100, 101, 102, 103, 105]);
    expect(fromYaml.guests[0]).toMatchObject({
      tier: "P0",
      status: "ok",
      jobs: ["pve-backup-p0"],
      schedule: "03:00",
      storage: "nas-backups",
      retention: "keep-last=3",
      lastOk: "2026-02-11T03:00:02.000Z",
      pveCopies: 3,
      protectedCopies: 0,
      sizeTrend: "steady",
      offNas: "unknown",
      lastVerified: "never",
      lastTestRestore: "never",
    });
    expect(fromYaml.guests[3]).toMatchObject({ vmid: 103, schedule: "sun 04:00" });
  });

  it("adds the volatile keys only when asked", async () => {
    const l = await start(tieredLab());
    const r = await run(l, ["export", "--format", "json", "--volatile"]);
    const reg = JSON.parse(r.stdout);
    expect(reg.generatedAt).toBe("2026-02-11T10:00:00.000Z");
    expect(reg.guests[0].ageHours).toBe(6);
  });

  it("writes CSV that a CSV parser reads back, one record per guest with the seed lab's gaps", async () => {
    const l = await start(seed());
    const r = await run(l, ["export", "--format", "csv"]);
    expect(r.code).toBe(0);
    const records = parseCsv(r.stdout, { columns: true }) as Record<string, string>[];
    expect(records.map((x) => [x.vmid, x.status, x.coverageGaps, x.pveCopies])).toEqual([
      ["100", "not_in_job", "not in any enabled backup job; never verified", "0"],
      ["101", "not_in_job", "not in any enabled backup job; never verified", "0"],
      ["102", "not_in_job", "not in any enabled backup job; never verified", "0"],
      ["103", "not_in_job", "not in any enabled backup job; never verified", "0"],
      ["105", "not_in_job", "not in any enabled backup job; never verified", "0"],
    ]);
  });

  it("writes a Markdown register table", async () => {
    const l = await start(tieredLab());
    const r = await run(l, ["export", "--format", "md"]);
    expect(r.stdout).toContain("| home/105 pihole-home (CT) | P1 | ok | 03:15 | nas-backups | keep-last=3 |");
  });

  it("names every guest in the strategy document with the restore command of its newest archive", async () => {
    const l = await start(tieredLab());
    const status = await statusOf(l);
    const r = await run(l, ["export", "--format", "md", "--strategy"]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const doc = r.stdout;
    expect(doc).toContain("- `nas-backups`: nfs on 10.0.0.150, export `/volume1/backups/proxmox`");
    for (const [vmid, g] of Object.entries(status.byVmid)) {
      const volid = (g.lastBackup as { volid: string }).volid;
      const command =
        g.type === "lxc"
          ? `pct restore ${vmid} ${volid} --storage local-lvm --force 1`
          : `qmrestore ${volid} ${vmid} --force 1`;
      expect(doc).toContain(`### ${vmid} ${g.name} (`);
      expect(doc).toContain(`Restore it over the guest: \`${command}\``);
    }
  });

  it("still writes the register when the cluster cannot be reached, and exits 2", async () => {
    const l = await start(tieredLab());
    const options = optionsFileFor(l);
    await l.stop();
    lab = undefined;
    for (const args of [
      ["export", "--format", "json"],
      ["calendar", "--ics"],
    ]) {
      const r = await runCli([...args, "--options", options]);
      expect(r.code).toBe(2);
    }
    const r = await runCli(["export", "--format", "json", "--options", options]);
    expect(JSON.parse(r.stdout)).toEqual({ format: 1, guests: [] });
  });

  it.each([
    [["export", "--format", "xml"], "--format must be one of yaml, json, csv, md, not 'xml'"],
    [["export", "--format", "yaml", "--strategy"], "--strategy writes Markdown: use it with --format md"],
    [["calendar", "--ics", "--days", "0"], "--days must be a whole number of days from 1 to 366, not '0'"],
    [["calendar", "--ics", "--days", "2x"], "--days must be a whole number of days from 1 to 366, not '2x'"],
  ])("refuses %j with one line and exit 64", async (args, message) => {
    const l = await start(seed());
    const r = await run(l, args);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe(`pve-backup: ${message}\n`);
  });
});

describe("pve-backup calendar --ics", () => {
  /** The tiered lab in Berlin, the Friday before the change to summer time (2026-03-29). */
  const berlinLab = () => ({ ...tieredLab({ now: "2026-03-27T10:00:00Z" }), timezone: "Europe/Berlin" });

  it("lists the scheduled runs at the tiers' Berlin times across the DST change, and the past runs", async () => {
    const l = await start(berlinLab());
    const r = await run(l, ["calendar", "--ics", "--days", "4"], { timezone: "Europe/Berlin" });
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const { cal, events } = parseIcs(r.stdout);
    expect(cal.getFirstPropertyValue("x-wr-timezone")).toBe("Europe/Berlin");
    const p0 = events.filter((e) => e.summary === "Backup pve-backup-p0");
    expect(p0.map((e) => [e.startWall, e.start])).toEqual([
      ["2026-03-28T03:00:00", "2026-03-28T02:00:00.000Z"],
      ["2026-03-29T03:00:00", "2026-03-29T01:00:00.000Z"],
      ["2026-03-30T03:00:00", "2026-03-30T01:00:00.000Z"],
      ["2026-03-31T03:00:00", "2026-03-31T01:00:00.000Z"],
    ]);
    const p2 = events.filter((e) => e.summary === "Backup pve-backup-p2");
    expect(p2.map((e) => e.start)).toEqual(["2026-03-29T02:00:00.000Z"]);
    // The disabled manual job has no runs; the lab's past tasks are there with their outcome.
    expect(events.some((e) => e.summary === "Backup pve-backup-manual")).toBe(false);
    const past = events.filter((e) => e.summary?.startsWith("Backup ok: "));
    expect(past.length).toBeGreaterThan(0);
    expect(past.every((e) => e.status === "CONFIRMED" && Date.parse(e.start) < l.nowMs())).toBe(true);
    // Stable: the same calendar again, UID for UID.
    const again = parseIcs(
      (await run(l, ["calendar", "--ics", "--days", "4"], { timezone: "Europe/Berlin" })).stdout,
    );
    expect(again.events.map((e) => e.uid)).toEqual(events.map((e) => e.uid));
  });

  it("prints a list in the lab's zone without --ics, and says when nothing runs", async () => {
    const l = await start(berlinLab());
    const r = await run(l, ["calendar", "--days", "2"], { timezone: "Europe/Berlin" });
    expect(r.stdout.split("\n").slice(0, 1)).toEqual(["START (Europe/Berlin)  END    EVENT"]);
    expect(r.stdout).toMatch(/\n2026-03-29 03:00 {7}03:30 {2}Backup pve-backup-p0\n/);
    await lab?.stop();
    const empty = await start(seed());
    expect((await run(empty, ["calendar"])).stdout).toContain("(no backup runs in this span)");
  });

  it("adds Home Assistant's automatic backups when ha_backups is configured, clear of the PVE window", async () => {
    const l = await start(berlinLab());
    const r = await run(l, ["calendar", "--json", "--days", "2"], {
      timezone: "Europe/Berlin",
      ha_backups: {
        host: "10.0.0.150",
        username: "ha",
        password: "x",
        share_path: "/volume1/backups/homeassistant_backups",
      },
    });
    const events = JSON.parse(r.stdout) as { summary: string; start: string }[];
    // The PVE window is 03:00-06:00 (P2 at 04:00 plus two hours): HA goes at 06:00 Berlin time.
    expect(events.filter((e) => e.summary === "Home Assistant automatic backup").map((e) => e.start)).toEqual(
      ["2026-03-28T05:00:00.000Z", "2026-03-29T04:00:00.000Z"],
    );
  });
});
