import { afterEach, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { optionsFileFor, runCli, statusOf } from "../support/cli.js";
import { seed, tieredLab } from "../support/scenarios.js";

/** `pve-backup backup` against the simulated lab, whose clock the test moves while the CLI waits. */

let lab: SimLab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

/** Run the CLI while moving the sim's clock `stepMs` every 40 ms, so tasks progress. */
async function runWhileTimeFlows(l: SimLab, args: string[], stepMs = 10_000) {
  let done = false;
  const ticking = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, 40));
      await l.advance(stepMs);
    }
  })();
  const r = await runCli([...args, "--options", optionsFileFor(l)]);
  done = true;
  await ticking;
  return r;
}

describe("pve-backup backup", () => {
  it("backs up a tier now and, with --wait, reports each guest's outcome; status then shows the new backup", async () => {
    lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    const r = await runWhileTimeFlows(lab, ["backup", "P1", "--wait", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.started).toHaveLength(1);
    expect(out.started[0]).toMatchObject({ node: "pve", vmids: [101, 105] });
    expect(out.results.map((x: { vmid: number; status: string }) => [x.vmid, x.status])).toEqual([
      [101, "ok"],
      [105, "ok"],
    ]);
    expect(out.results[0].sizeBytes).toBeGreaterThan(2e10);
    const s = await statusOf(lab);
    const last = s.byVmid[105]?.lastBackup as { time: string } | null | undefined;
    expect(Date.parse(String(last?.time))).toBeGreaterThan(Date.parse("2026-02-11T10:00:00Z"));
  });

  it("prints a plain progress log when not on a terminal", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    // 0.5 s of sim time every 40 ms: the 40 s backup lasts about 3.2 s, the follower polls 2 s apart.
    const r = await runWhileTimeFlows(lab, ["backup", "102", "--wait"], 500);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /^started 102 on pve: UPID:pve:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:vzdump:102:root@pam!pve-backup:$/,
    );
    expect(lines.some((l) => /^pve: guest 102 \[#+-*\] \d+%/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^ok {6}102 vaultwarden in 40 s, 1\.0\d GiB$/);
  });

  it.each([
    [["backup", "999"], "nothing started: guest 999 does not exist (or the token cannot see it)"],
    [["backup", "P7"], "unknown tier 'P7'; tiers are: P0, P1, P2"],
    [["backup"], "name the guests (vmids) or tiers to back up"],
  ])("refuses %j with a clear message and starts nothing", async (args, message) => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    const r = await runCli([...args, "--options", optionsFileFor(lab)]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(message);
    expect(lab.requestLog.filter((x) => x.method === "POST")).toEqual([]);
  });

  it("refuses a guest that is already being backed up", async () => {
    const s = tieredLab();
    s.tasks?.push({
      node: "pve",
      start: "2026-02-11T09:59:00Z",
      storage: "nas-backups",
      guests: [{ vmid: 101 }],
    });
    lab = await startSimLab({ scenario: s, clock: "manual" });
    const r = await runCli(["backup", "101", "--options", optionsFileFor(lab)], {
      PVE_BACKUP_NOW: "2026-02-11T10:00:00Z",
    });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("nothing started: guest 101 (immich) is already being backed up");
  });
});
