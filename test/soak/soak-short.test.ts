import { beforeAll, describe, expect, it } from "vitest";
import { runSoak, type SoakReport } from "../../bench/soak-run.js";

/**
 * One simulated day of the soak (bench/soak-run.ts): the tiered lab's nightly run with PVE
 * unreachable for ten minutes in the middle of it, the NAS storage inactive across a noon
 * "back up now" through Home Assistant, and Home Assistant restarting in the evening. The
 * service bundle (dist/main.js, `npm run build` first) refreshes once a simulated minute.
 */

let report: SoakReport;
const invariant = (name: string) => {
  const found = report.invariants.find((i) => i.name === name);
  if (!found) throw new Error(`no invariant '${name}'`);
  return found;
};

beforeAll(async () => {
  report = await runSoak({ days: 1 });
}, 300_000);

describe("a simulated day with outages", () => {
  it("keeps the service running and refreshing once a simulated minute throughout", () => {
    expect(report.serviceExit).toBeNull();
    expect(report.steps).toBe(1440);
    expect(report.refreshes).toBeGreaterThanOrEqual(report.steps);
    expect(report.faults.map((f) => f.what)).toEqual([
      "PVE unreachable (connection refused)",
      "NAS storage nas-backups inactive",
      "Home Assistant restart",
    ]);
  });

  it("ends with every guest's status as pve-backup status --json has it, in the service and in HA", () => {
    expect(invariant("every guest's status = pve-backup status --json")).toMatchObject({ ok: true });
    expect(invariant("Home Assistant shows the same statuses")).toMatchObject({ ok: true });
    expect(report.statesSent).toBeGreaterThan(0);
  });

  it("fires one event per guest result of a back up now, failed ones as failed, none twice", () => {
    // The noon run meets the inactive NAS: one failed guest result, one failed event (the
    // nightly run's four guests are the finished ones).
    expect(report.backupNowCalls).toHaveLength(1);
    expect(report.lab.manual).toBe(1);
    expect(report.events.failed).toBe(1);
    expect(report.events.duplicates).toBe(0);
  });

  it("fires one event per guest result of the scheduled nightly run too", () => {
    expect(report.lab.scheduled).toBe(4);
    expect(report.events).toEqual({ finished: 4, failed: 1, duplicates: 0 });
    expect(invariant("events fired = backups finished in the lab")).toMatchObject({ ok: true });
    expect(invariant("finished/failed events = ok/failed results")).toMatchObject({ ok: true });
  });
});
