import { execFile } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { parseOptions } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import { silentLogger } from "../../src/log.js";
import { createPveApi } from "../../src/pve/api.js";
import { createPveReader } from "../../src/pve/reader.js";
import { MAX_CONNECTIONS } from "../../src/pve/transport.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { CLI, optionsFileFor } from "../support/cli.js";
import { type HostilePve, type Hostility, startHostilePve } from "../support/hostile-pve.js";
import { seed, tieredLab } from "../support/scenarios.js";

/**
 * The client against a PVE that answers too much, too slowly or forever: the CLI (built, in a
 * child process with the service's 256 MB heap) must end normally and say which answer it refused
 * and why, never die of memory; and however many requests a refresh wants, only a few connections
 * and requests reach PVE at once.
 */

let lab: SimLab | undefined;
let hostile: HostilePve | undefined;
afterEach(async () => {
  await hostile?.stop();
  await lab?.stop();
  lab = hostile = undefined;
});

async function hostileLab(scenario: Scenario): Promise<{ lab: SimLab; hostile: HostilePve }> {
  lab = await startSimLab({ scenario, clock: "manual" });
  hostile = await startHostilePve(lab);
  return { lab, hostile };
}

/** Prints the process's peak RSS (KiB) on stderr as it exits. */
const PEAK_RSS = `--import=data:text/javascript,process.on("exit",()=>process.stderr.write("peak-rss-kib "+process.resourceUsage().maxRSS+"\\n"))`;

interface Run {
  code: number | null;
  signal: string | null;
  stderr: string;
  peakRssMb: number;
  json: {
    guests: { vmid: number; status: string; reason: string }[];
    clusters: { reachable: boolean; problems: string[] }[];
  };
}

/** `pve-backup status --json` against the hostile PVE, with the service's heap limit. */
function statusWithSmallHeap(target: HostilePve, nowMs: number, timeoutS = 60): Promise<Run> {
  const options = optionsFileFor(target, { request_timeout_s: timeoutS });
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [
        "--max-semi-space-size=2",
        "--max-old-space-size=256",
        PEAK_RSS,
        CLI,
        "status",
        "--json",
        "--options",
        options,
      ],
      { env: { ...process.env, PVE_BACKUP_NOW: new Date(nowMs).toISOString() }, timeout: 120_000 },
      (_err, stdout, stderr) => {
        const rss = /peak-rss-kib (\d+)/.exec(stderr);
        let json: Run["json"] = { guests: [], clusters: [] };
        try {
          json = JSON.parse(stdout);
        } catch {
          // Left empty: the assertions on the exit code and the output say what went wrong.
        }
        resolve({
          code: child.exitCode,
          signal: child.signalCode,
          stderr,
          peakRssMb: rss ? Number(rss[1]) / 1024 : Number.NaN,
          json,
        });
      },
    );
  });
}

const LISTING = /^\/nodes\/pve\/storage\/nas-backups\/content/;
const GUESTS = /^\/cluster\/resources\?type=vm/;
const LOG = /^\/nodes\/pve\/tasks\/[^/]+\/log/;

describe("a hostile PVE", () => {
  it.each<[Hostility, RegExp, number?]>([
    ["gzip-bomb", /answer larger than 64 MiB; not read/],
    ["endless", /answer larger than 64 MiB; not read/],
    ["huge-json", /answer larger than 64 MiB; not read/],
    ["endless-item", /an item of the answer larger than 1 MiB; not read/],
    // The deadline covers the body: one that keeps coming, slowly, is cut off with the head's.
    ["trickle", /timeout after 2000 ms/, 2],
  ])("reports a storage unreadable when its listing is a %s, and lives", async (how, reason, timeoutS) => {
    const { lab, hostile } = await hostileLab(tieredLab());
    hostile.sabotage(LISTING, how);
    const run = await statusWithSmallHeap(hostile, lab.nowMs(), timeoutS);
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(2);
    const [cluster] = run.json.clusters;
    expect(cluster?.reachable).toBe(true);
    const problem = cluster?.problems.find((p) =>
      p.startsWith("cannot list the backups on storage nas-backups"),
    );
    expect(problem).toMatch(/GET \/nodes\/pve\/storage\/nas-backups\/content: /);
    expect(problem).toMatch(reason);
    // Their backups are on the storage that could not be read: unknown, not ok and not late.
    for (const vmid of [100, 101, 102, 105])
      expect(run.json.guests.find((g) => g.vmid === vmid)?.status).toBe("unknown");
    expect(run.peakRssMb).toBeLessThan(300);
  });

  it.each<[Hostility]>([["gzip-bomb"], ["endless"], ["huge-json"]])(
    "reports the cluster unreachable when its guest list is a %s, and lives",
    async (how) => {
      const { lab, hostile } = await hostileLab(tieredLab());
      hostile.sabotage(GUESTS, how);
      const run = await statusWithSmallHeap(hostile, lab.nowMs());
      expect(run.signal, run.stderr).toBeNull();
      expect(run.code, run.stderr).toBe(2);
      expect(run.json.clusters[0]?.reachable).toBe(false);
      expect(run.json.clusters[0]?.problems.join("\n")).toMatch(
        /GET \/cluster\/resources: answer larger than 8 MiB; not read/,
      );
      expect(run.json.guests.every((g) => g.status === "unknown")).toBe(true);
      expect(run.peakRssMb).toBeLessThan(300);
    },
  );

  it.each<[Hostility, RegExp]>([
    ["huge-log-line", /an item of the answer larger than 1 MiB; not read/],
    ["endless", /answer larger than 8 MiB; not read/],
  ])("says which task logs it could not read when they are a %s, and lives", async (how, reason) => {
    const { lab, hostile } = await hostileLab(tieredLab());
    hostile.sabotage(LOG, how);
    const run = await statusWithSmallHeap(hostile, lab.nowMs());
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(2);
    const problem = run.json.clusters[0]?.problems.find((p) => /backup tasks? on node pve/.test(p));
    expect(problem).toMatch(/^cannot read the logs? of \d+ backup tasks? on node pve/);
    expect(problem).toMatch(/GET \/nodes\/pve\/tasks\/UPID[^/]+\/log: /);
    expect(problem).toMatch(reason);
    expect(run.peakRssMb).toBeLessThan(300);
  });
});

describe("requests toward one cluster", () => {
  it("keep to a few connections and requests at once when 300 failed tasks' logs are read", async () => {
    const scenario = seed();
    const now = Date.parse(scenario.now);
    scenario.tasks = Array.from({ length: 300 }, (_, i) => {
      const start = now - (i + 1) * 3_600_000;
      return {
        node: "pve",
        start: new Date(start).toISOString(),
        end: new Date(start + 60_000).toISOString(),
        storage: "nas-backups",
        guests: [{ vmid: 100, error: "job failed with err -5 - Input/output error" }],
      };
    });
    const { lab, hostile } = await hostileLab(scenario);
    const config = parseOptions(demoOptions(hostile), { defaultTimeZone: "UTC" });
    const api = createPveApi(config.clusters[0] as (typeof config.clusters)[0], { timeoutMs: 20_000 });
    try {
      const reader = createPveReader({ cluster: "home", api, log: silentLogger });
      const facts = await reader.readFacts(lab.nowMs());
      expect(facts.reachable && facts.problems).toEqual([]);
      expect(facts.reachable && facts.attempts.filter((a) => a.outcome === "failed")).toHaveLength(300);
    } finally {
      await api.close();
    }
    expect(lab.requestLog.filter((r) => /\/log\?/.test(r.path))).toHaveLength(300);
    expect(hostile.seen.maxInFlight).toBeLessThanOrEqual(MAX_CONNECTIONS);
    expect(hostile.seen.maxConnections).toBeLessThanOrEqual(MAX_CONNECTIONS);
    expect(hostile.seen.connections).toBeLessThanOrEqual(MAX_CONNECTIONS);
  });
});
