import { afterEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { parseOptions } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import { silentLogger } from "../../src/log.js";
import type { PveApi } from "../../src/pve/api.js";
import { createVerifyService } from "../../src/service/verify.js";
import { createVerifySchedule } from "../../src/service/verify-schedule.js";
import {
  createTestRestoreService,
  type TestRestoreOutcome,
  testRestoreEvent,
} from "../../src/service/verify-test-restore.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { restoreFaults } from "../../src/sim/restore.js";
import { archiveVolid, findGuest } from "../../src/sim/state.js";
import { type LedgerStore, memoryLedgerStore } from "../../src/verify/ledger-file.js";
import { tieredLab } from "../support/scenarios.js";

/** Scheduled test restores (verify.schedule `test_restore` lines) against the simulated lab. */

const running: { lab: SimLab; app: App }[] = [];
afterEach(async () => {
  for (const { lab, app } of running.splice(0)) {
    await app.close();
    await lab.stop();
  }
});

async function setup(schedule: string[], spareVmid = 9100, ledger: LedgerStore = memoryLedgerStore()) {
  const lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
  const config = parseOptions(
    { ...demoOptions(lab), verify: { schedule, spare_vmid: spareVmid, boot_timeout_s: 120 } },
    { defaultTimeZone: "UTC" },
  );
  const app = createApp(config, silentLogger, { nowMs: () => lab.nowMs() });
  running.push({ lab, app });
  const results: TestRestoreOutcome[] = [];
  const logs: string[] = [];
  const log = { ...silentLogger, info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m) };
  const clock = { nowMs: () => lab.nowMs(), sleep: (ms: number) => lab.advance(ms) };
  const verify = createVerifyService({ config, apis: app.apis, ledger, log, ...clock, clockMs: clock.nowMs });
  const deletes: string[] = [];
  const api = app.apis.get("home") as PveApi;
  const spied = new Map([
    [
      "home",
      {
        ...api,
        delete: (p: string, params?: Record<string, unknown>) => {
          deletes.push(p);
          return api.delete(p, params as never);
        },
      } as PveApi,
    ],
  ]);
  const restores = createTestRestoreService({
    config,
    apis: spied,
    ledger,
    log,
    ...clock,
    pollMs: 1000,
    lock: verify,
    onResult: (r) => results.push(r),
  });
  const sched = createVerifySchedule({
    clusters: config.clusters,
    tiers: config.tiers,
    entries: config.verify.schedule,
    verify,
    monitor: app.monitor,
    ledger,
    nowMs: clock.nowMs,
    log,
    testRestore: restores,
  });
  const tick = async () => {
    await app.monitor.refresh(lab.nowMs());
    await sched.check();
    await verify.idle();
  };
  return { lab, app, api, ledger, results, logs, tick, verify, restores, deletes };
}

function newestVolid(lab: SimLab, vmid: number): string {
  const a = lab.state.archives.filter((x) => x.vmid === vmid).sort((x, y) => y.ctimeSec - x.ctimeSec)[0];
  if (!a) throw new Error(`no archive of ${vmid}`);
  return archiveVolid(a);
}

describe("scheduled test restores", () => {
  it("restores the tier's first guest to the spare VMID, records it, tells it, removes the copy, and rests", async () => {
    const s = await setup(["P0 test_restore every 30 days"]);
    await s.tick();
    expect(s.results).toHaveLength(1);
    const r = s.results[0] as TestRestoreOutcome;
    expect(r).toMatchObject({ cluster: "home", vmid: 100, result: "ok", spareVmid: 9100 });
    expect(r.volid).toBe(newestVolid(s.lab, 100));
    expect(testRestoreEvent(r)).toEqual({
      type: "pve_backup_test_restore_finished",
      data: {
        cluster: "home",
        vmid: 100,
        name: r.name,
        volid: r.volid,
        result: "ok",
        message: expect.stringMatching(/guest agent answered/),
        duration_ms: expect.any(Number),
        spare_vmid: 9100,
      },
    });
    expect(r.name).not.toBe("");
    const ledger = s.ledger.load();
    expect(ledger.lastTestRestore.home_100).toMatchObject({ result: "ok", volid: r.volid });
    expect(ledger.testRestoreRun ?? null).toBeNull();
    expect(findGuest(s.lab.state, 9100)).toBeUndefined();
    expect(s.deletes).toEqual(["/nodes/pve/qemu/9100"]);
    // Not due again for 30 days.
    await s.tick();
    expect(s.results).toHaveLength(1);
  });

  it("waits for a verification the same look queued, and starts at the next look", async () => {
    const s = await setup(["P0 after_run", "P0 test_restore every 30 days"]);
    await s.tick();
    expect(s.results).toEqual([]);
    expect(s.logs.join("\n")).toMatch(
      /scheduled test restore of 100 \(tier P0\) on home waits: a scheduled verification/,
    );
    expect(Object.keys(s.ledger.load().lastVerified)).toEqual(["home_100", "home_102"]);
    await s.tick();
    expect(s.results).toMatchObject([{ vmid: 100, result: "ok" }]);
  });

  it("holds the verifier: a verification asked for meanwhile is refused with what runs", async () => {
    const s = await setup([]);
    const done = s.restores.start("home", 102);
    expect(() => s.restores.start("home", 100)).toThrow(/a test restore of 102 on home to 9100 is running/);
    await expect(
      s.verify.request({ cluster: "home", selection: { vmids: [100] }, full: false, trigger: "service" }),
    ).rejects.toThrow(/a test restore of 102 on home to 9100 is running: call again when it has finished/);
    await expect(done).resolves.toMatchObject({ vmid: 102, result: "ok" });
    await expect(
      s.verify.request({ cluster: "home", selection: { vmids: [100] }, full: false, trigger: "service" }),
    ).resolves.toMatchObject({ joined: false });
    await s.verify.idle();
  });

  it("records a restore that failed half-way as failed, and removes the half-made copy", async () => {
    const s = await setup(["P0 test_restore every 30 days guest 102"]);
    restoreFaults(s.lab.state).failAfterCreate.add(newestVolid(s.lab, 102));
    await s.tick();
    expect(s.results).toMatchObject([{ vmid: 102, result: "failed", message: /NOT cleaned up/ }]);
    expect(testRestoreEvent(s.results[0] as TestRestoreOutcome).type).toBe("pve_backup_test_restore_failed");
    expect(s.ledger.load().lastTestRestore.home_102?.result).toBe("failed");
    expect(s.ledger.load().testRestoreRun ?? null).toBeNull();
    expect(findGuest(s.lab.state, 9100)).toBeUndefined();
    // A failing restore is not tried again at once.
    await s.lab.advance(60 * 60_000);
    await s.tick();
    expect(s.results).toHaveLength(1);
  });

  it("never touches a guest on the spare VMID: a clear failure, nothing destroyed", async () => {
    const s = await setup(["P0 test_restore every 30 days"], 101);
    const before = { ...findGuest(s.lab.state, 101) };
    await s.tick();
    expect(s.results).toMatchObject([
      { vmid: 100, result: "failed", spareVmid: 101, message: /^spare VMID 101 is in use/ },
    ]);
    expect(s.deletes).toEqual([]);
    expect(findGuest(s.lab.state, 101)).toEqual(before);
    expect(s.ledger.load().lastTestRestore.home_100?.message).toMatch(/set verify\.spare_vmid/);
  });
});

describe("a test restore a restart interrupted", () => {
  async function interrupted(copyName: string) {
    const ledger = memoryLedgerStore();
    const s = await setup([], 9100, ledger);
    // What a restart mid-restore leaves: the ledger's note, and the copy on the spare VMID.
    const volid = newestVolid(s.lab, 100);
    ledger.save({
      ...ledger.load(),
      testRestoreRun: {
        cluster: "home",
        key: "home_100",
        vmid: 100,
        name: "guest100",
        volid,
        spareVmid: 9100,
        guestType: "qemu",
        startedMs: s.lab.nowMs(),
      },
    });
    await s.api.post("/nodes/pve/qemu", { vmid: 9100, archive: volid, storage: "local-lvm", name: copyName });
    await s.lab.advance(60_000);
    expect(findGuest(s.lab.state, 9100)?.lock).toBeUndefined();
    return s;
  }

  it("destroys the copy the product made, and records the restore as failed", async () => {
    const s = await interrupted("pve-backup-test-restore-100");
    await expect(s.restores.cleanUpInterrupted()).resolves.toBe("cleaned");
    expect(findGuest(s.lab.state, 9100)).toBeUndefined();
    expect(s.deletes).toEqual(["/nodes/pve/qemu/9100"]);
    expect(s.ledger.load().testRestoreRun ?? null).toBeNull();
    expect(s.results).toMatchObject([
      {
        vmid: 100,
        result: "failed",
        message: /a restart interrupted the test restore; its copy on 9100 was destroyed/,
      },
    ]);
    await expect(s.restores.cleanUpInterrupted()).resolves.toBe("none");
  });

  it("leaves alone a guest on the spare VMID that the product did not name", async () => {
    const s = await interrupted("someones-new-vm");
    await expect(s.restores.cleanUpInterrupted()).resolves.toBe("cleaned");
    expect(findGuest(s.lab.state, 9100)).toBeDefined();
    expect(s.deletes).toEqual([]);
    expect(s.results[0]?.message).toMatch(/did not create \(someones-new-vm\): it was left alone/);
  });
});
