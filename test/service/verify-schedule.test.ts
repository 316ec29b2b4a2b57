import { afterEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { parseOptions } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import { UpstreamError } from "../../src/errors.js";
import { silentLogger } from "../../src/log.js";
import { createVerifyService, type VerificationResult } from "../../src/service/verify.js";
import { createVerifySchedule, createVerifyUpkeep } from "../../src/service/verify-schedule.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { memoryLedgerStore } from "../../src/verify/ledger-file.js";
import { tieredLab } from "../support/scenarios.js";

/** Scheduled verification (options verify.schedule) against the simulated lab's real job runs. */

const running: { lab: SimLab; app: App }[] = [];
afterEach(async () => {
  for (const { lab, app } of running.splice(0)) {
    await app.close();
    await lab.stop();
  }
});

async function setup(schedule: string[], openDump?: () => Promise<never>) {
  const lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
  const dumpOptions = openDump
    ? { ha_backups: { host: "10.0.0.150", username: "pve", password: "x", share_path: "/volume1/ha" } }
    : {};
  const config = parseOptions(
    {
      ...demoOptions(lab),
      ...dumpOptions,
      verify: { schedule, ...(openDump ? { dump_path: "/volume1/pve/dump" } : {}) },
    },
    { defaultTimeZone: "UTC" },
  );
  const app = createApp(config, silentLogger, { nowMs: () => lab.nowMs() });
  running.push({ lab, app });
  const ledger = memoryLedgerStore();
  const events: VerificationResult[] = [];
  const logs: string[] = [];
  const log = { ...silentLogger, info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m) };
  const verify = createVerifyService({
    config,
    apis: app.apis,
    ledger,
    log,
    nowMs: () => lab.nowMs(),
    openDump,
    onResult: (r) => events.push(r),
  });
  const sched = createVerifySchedule({
    clusters: config.clusters,
    tiers: config.tiers,
    entries: config.verify.schedule,
    verify,
    monitor: app.monitor,
    ledger,
    nowMs: () => lab.nowMs(),
    log,
  });
  /** A refresh, the schedule's look at it, and whatever it queued run to the end. */
  const tick = async () => {
    await app.monitor.refresh(lab.nowMs());
    await sched.check();
    await verify.idle();
  };
  return { lab, app, ledger, events, logs, tick, config };
}

describe("scheduled verification", () => {
  it("checks a tier's archives after its job ended OK, once, and again after the next night's run", async () => {
    const s = await setup(["P0 after_run"]);
    expect(s.config.verify.schedule).toEqual([
      { tier: "P0", afterRun: true, everyDays: undefined, full: false },
    ]);
    await s.tick();
    expect(s.events.map((e) => [e.vmid, e.result, e.trigger])).toEqual([
      [100, "ok", "schedule"],
      [102, "ok", "schedule"],
    ]);
    await s.tick();
    expect(s.events).toHaveLength(2);
    // The next run: P0 at 03:00 tomorrow; the lab's scheduler runs it.
    await s.lab.advance(17 * 3_600_000 + 30 * 60_000);
    await s.tick();
    expect(s.events.map((e) => e.vmid)).toEqual([100, 102, 100, 102]);
    const v100 = s.ledger.load().lastVerified.home_100;
    expect(Date.parse(v100?.time ?? "")).toBeGreaterThan(Date.parse("2026-02-12T03:00:00Z"));
    expect(v100?.volid).toMatch(/2026_02_12-03_0/);
  });

  it("checks periodically outside the backup windows", async () => {
    const s = await setup(["P2 every 7 days"]);
    // Wednesday 10:00: the next job (P0, 03:00) is hours away.
    await s.tick();
    expect(s.events.map((e) => e.vmid)).toEqual([103]);
    await s.tick();
    expect(s.events).toHaveLength(1);
  });

  it("does not start within the hour before a job's next run", async () => {
    const s = await setup(["P2 every 7 days"]);
    await s.lab.advance(16 * 3_600_000 + 30 * 60_000);
    await s.tick();
    expect(s.events).toEqual([]);
  });

  it("says the NAS could not be reached, records no verdict, and waits before it tries again", async () => {
    let opens = 0;
    const s = await setup(["P2 every 7 days full"], () => {
      opens++;
      return Promise.reject(
        new UpstreamError("could not reach the NAS at 10.0.0.150:22: connect EHOSTUNREACH", {
          retryable: true,
        }),
      );
    });
    await s.tick();
    await s.tick();
    expect(opens).toBe(1);
    expect(s.ledger.load().lastVerified).toEqual({});
    expect(s.events).toEqual([]);
    expect(s.logs.join("\n")).toMatch(
      /scheduled full verification of tier P2 on home \(periodic\) stopped: could not reach the NAS at 10\.0\.0\.150:22/,
    );
    await s.lab.advance(31 * 60_000);
    await s.tick();
    expect(opens).toBe(2);
  });
});

describe("the verification upkeep after each refresh", () => {
  it("logs a pass that fails (the ledger cannot be written) and tries the unfinished steps again on the next", async () => {
    const warnings: string[] = [];
    const calls: string[] = [];
    let diskFull = true;
    const upkeep = createVerifyUpkeep({
      testRestores: {
        cleanUpInterrupted: async () => {
          calls.push("cleanup");
          if (diskFull) throw new Error("ENOSPC: no space left on device, write");
          return "cleaned";
        },
      },
      verify: {
        resumeInterrupted: async () => {
          calls.push("resume");
          return "resumed";
        },
      },
      schedule: {
        check: async () => {
          calls.push("check");
        },
      },
      log: { ...silentLogger, warn: (m: string) => warnings.push(m) },
    });
    await expect(upkeep()).resolves.toBeUndefined();
    expect(calls).toEqual(["cleanup"]);
    expect(warnings).toEqual([
      "verification upkeep: ENOSPC: no space left on device, write; tried again after the next refresh",
    ]);
    diskFull = false;
    await upkeep();
    await upkeep();
    // Cleanup and resume once each when they succeed; the schedule on every pass.
    expect(calls).toEqual(["cleanup", "cleanup", "resume", "check", "check"]);
  });

  it("runs one pass at a time: a refresh during a pass adds none", async () => {
    let release: () => void = () => {};
    let checks = 0;
    const upkeep = createVerifyUpkeep({
      verify: { resumeInterrupted: async () => "none" },
      schedule: {
        check: () => {
          checks++;
          return new Promise<void>((r) => {
            release = r;
          });
        },
      },
      log: silentLogger,
    });
    const first = upkeep();
    await new Promise((r) => setTimeout(r, 0));
    await upkeep();
    release();
    await first;
    expect(checks).toBe(1);
  });
});
