import { afterEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { parseOptions } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import { silentLogger } from "../../src/log.js";
import { createVerifyService } from "../../src/service/verify.js";
import { createVerifyRepairs } from "../../src/service/verify-repairs.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { restoreFaults } from "../../src/sim/restore.js";
import { archiveVolid } from "../../src/sim/state.js";
import { memoryLedgerStore } from "../../src/verify/ledger-file.js";
import { tieredLab } from "../support/scenarios.js";

/** Repairs from the consistency findings, against the simulated lab. */

const running: { lab: SimLab; app: App }[] = [];
afterEach(async () => {
  for (const { lab, app } of running.splice(0)) {
    await app.close();
    await lab.stop();
  }
});

const newest = (lab: SimLab, vmid: number) =>
  archiveVolid(
    lab.state.archives
      .filter((a) => a.vmid === vmid)
      .sort((a, b) => b.ctimeSec - a.ctimeSec)[0] as NonNullable<SimLab["state"]["archives"][number]>,
  );

describe("verification Repairs", () => {
  it("raises one for a guest none of whose archives is known to restore and one for a VM without its agent, and drops them when fixed", async () => {
    const lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    const config = parseOptions(demoOptions(lab), { defaultTimeZone: "UTC" });
    const app = createApp(config, silentLogger, { nowMs: () => lab.nowMs() });
    running.push({ lab, app });
    await app.monitor.refresh(lab.nowMs());
    const ledger = memoryLedgerStore();
    let changes = 0;
    let wall = 0;
    const repairs = createVerifyRepairs({
      config,
      apis: app.apis,
      ledger,
      monitor: app.monitor,
      log: silentLogger,
      nowMs: () => wall,
      intervalMs: 60_000,
      onChange: () => changes++,
    });
    const verify = createVerifyService({
      config,
      apis: app.apis,
      ledger,
      log: silentLogger,
      nowMs: () => lab.nowMs(),
      onRunEnd: () => repairs.soon(),
    });
    const check = async (vmid: number) => {
      await (
        await verify.request({
          cluster: "home",
          selection: { vmids: [vmid] },
          full: false,
          trigger: "service",
        })
      ).done;
      await repairs.idle();
    };
    restoreFaults(lab.state).agentOff.add(100);
    restoreFaults(lab.state).damaged.add(newest(lab, 102));
    await check(102);
    expect(repairs.issues().map((i) => [i.id, i.kind, i.placeholders.name])).toEqual([
      ["crash_consistent_home_100", "crash_consistent", "homeassistant"],
      ["verification_failed_home_102", "verification_failed", "vaultwarden"],
    ]);
    expect(repairs.issues()[1]?.placeholders.message).toMatch(
      /none of its 3 archive\(s\) is known to restore: the newest failed verification \(PVE cannot read/,
    );
    expect(changes).toBe(1);
    // Read again hourly only: a refresh a minute later reads nothing.
    restoreFaults(lab.state).agentOff.delete(100);
    repairs.afterRefresh();
    await repairs.idle();
    expect(repairs.issues()).toHaveLength(2);
    wall += 60_000;
    repairs.afterRefresh();
    await repairs.idle();
    expect(repairs.issues().map((i) => i.kind)).toEqual(["verification_failed"]);
    // The archive reads again: the next verification passes and the Repair goes.
    restoreFaults(lab.state).damaged.clear();
    await check(102);
    expect(repairs.issues()).toEqual([]);
    expect(changes).toBe(3);
  });
});
