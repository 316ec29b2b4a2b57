import { afterEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { parseOptions } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import { silentLogger } from "../../src/log.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { archiveVolid } from "../../src/sim/state.js";
import { tieredLab } from "../support/scenarios.js";

/** The backup service (what the CLI, HA services and buttons call) against the simulated lab. */

const running: { lab: SimLab; app: App }[] = [];
afterEach(async () => {
  for (const { lab, app } of running.splice(0)) {
    await app.close();
    await lab.stop();
  }
});

async function setup(scenario: Scenario = tieredLab()) {
  const lab = await startSimLab({ scenario, clock: "manual" });
  const config = parseOptions(demoOptions(lab), { defaultTimeZone: "UTC" });
  const app = createApp(config, silentLogger, { nowMs: () => lab.nowMs() });
  running.push({ lab, app });
  return { lab, app };
}

const archivesOf = (lab: SimLab, vmid: number) =>
  lab.state.archives
    .filter((a) => a.vmid === vmid)
    .sort((a, b) => a.ctimeSec - b.ctimeSec)
    .map((a) => ({ volid: archiveVolid(a), protected: a.protected }));

describe("backup now and retention", () => {
  it("keeps every scheduled archive of a keep-last=3 guest through three manual backups and the next scheduled run", async () => {
    const { lab, app } = await setup();
    const scheduled = archivesOf(lab, 100).map((a) => a.volid);
    expect(scheduled).toHaveLength(3);
    for (let press = 0; press < 3; press++) {
      const outcome = await app.backups.backupNow({ vmids: [100], tiers: [] }, { follow: false });
      expect(outcome.started).toHaveLength(1);
      // Guest 100 takes 95 s.
      await lab.advance(10 * 60_000);
    }
    const afterManual = archivesOf(lab, 100);
    expect(afterManual).toHaveLength(6);
    expect(afterManual.map((a) => a.volid).slice(0, 3)).toEqual(scheduled);
    expect(afterManual.slice(3).every((a) => a.protected)).toBe(true);

    // The next P0 run (03:00, keep-last=3) keeps the 3 newest scheduled archives and every manual one.
    await lab.advance(Date.parse("2026-02-12T03:30:00Z") - lab.nowMs());
    const afterScheduled = archivesOf(lab, 100);
    expect(afterScheduled).toHaveLength(6);
    const unprotected = afterScheduled.filter((a) => !a.protected).map((a) => a.volid);
    expect(unprotected.slice(0, 2)).toEqual(scheduled.slice(1));
    expect(unprotected[2]).toMatch(/vzdump-qemu-100-2026_02_12-03_0/);
    expect(afterScheduled.filter((a) => a.protected)).toEqual(afterManual.slice(3));
  });
});
