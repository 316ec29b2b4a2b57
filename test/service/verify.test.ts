import { afterEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { parseOptions } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import { InputError, UpstreamError } from "../../src/errors.js";
import { createServiceHandlers } from "../../src/ha/services.js";
import { silentLogger } from "../../src/log.js";
import type { PveApi } from "../../src/pve/api.js";
import { createVerifyService, type VerificationResult, verificationEvent } from "../../src/service/verify.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { restoreFaults } from "../../src/sim/restore.js";
import { archiveVolid } from "../../src/sim/state.js";
import { type LedgerStore, memoryLedgerStore } from "../../src/verify/ledger-file.js";
import type { DumpDir } from "../../src/verify/run.js";
import { tieredLab } from "../support/scenarios.js";

/** Verification in the service (pve_backup.verify, the verify button) against the simulated lab. */

const running: { lab: SimLab; app: App }[] = [];
afterEach(async () => {
  for (const { lab, app } of running.splice(0)) {
    await app.close();
    await lab.stop();
  }
});

/** Holds `extractconfig` requests until released, to catch a run in the act. */
function gated(api: PveApi) {
  let open = true;
  let waiters: (() => void)[] = [];
  const wrapped: PveApi = {
    ...api,
    async get(path, params) {
      if (path.endsWith("/vzdump/extractconfig"))
        while (!open) await new Promise<void>((r) => waiters.push(r));
      return api.get(path, params);
    },
  };
  return {
    api: wrapped,
    hold: () => {
      open = false;
    },
    release: () => {
      open = true;
      for (const w of waiters.splice(0)) w();
      waiters = [];
    },
  };
}

async function setup(
  opts: { options?: Record<string, unknown>; openDump?: () => Promise<DumpDir & { close(): void }> } = {},
  ledger: LedgerStore = memoryLedgerStore(),
) {
  const lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
  const config = parseOptions({ ...demoOptions(lab), ...opts.options }, { defaultTimeZone: "UTC" });
  const app = createApp(config, silentLogger, { nowMs: () => lab.nowMs() });
  running.push({ lab, app });
  const gate = gated(app.apis.get("home") as PveApi);
  const events: VerificationResult[] = [];
  let changes = 0;
  const verify = createVerifyService({
    config,
    apis: new Map([["home", gate.api]]),
    ledger,
    log: silentLogger,
    nowMs: () => lab.nowMs(),
    openDump: opts.openDump,
    onResult: (r) => events.push(r),
    onChange: () => changes++,
  });
  const handlers = createServiceHandlers({
    app,
    nowMs: () => lab.nowMs(),
    refreshNow: async () => {},
    onPveNotification: () => {},
    verify,
  });
  const extracts = () => lab.requestLog.filter((r) => r.path.includes("/vzdump/extractconfig?")).length;
  return { lab, app, verify, handlers, ledger, events, gate, extracts, changes: () => changes };
}

const newest = (lab: SimLab, vmid: number) =>
  archiveVolid(
    lab.state.archives
      .filter((a) => a.vmid === vmid)
      .sort((a, b) => b.ctimeSec - a.ctimeSec)[0] as NonNullable<SimLab["state"]["archives"][number]>,
  );

describe("pve_backup.verify", () => {
  it("checks a tier's newest archives through PVE, answers with the results, writes the ledger and tells each result", async () => {
    const s = await setup();
    restoreFaults(s.lab.state).damaged.add(newest(s.lab, 102));
    const r = (await s.handlers.serviceCall("verify", { tier: "P0", guests: [], full: false })) as {
      results: { vmid: number; result: string; message: string; depth: string; duration_ms: number }[];
      pending: unknown[];
    };
    expect(r.results.map((x) => [x.vmid, x.result, x.depth])).toEqual([
      [100, "ok", "api"],
      [102, "failed", "api"],
    ]);
    expect(r.results[1]?.message).toMatch(/wrong vma header chechsum/);
    expect(r.pending).toEqual([]);
    expect(Object.keys(s.ledger.load().lastVerified).sort()).toEqual(["home_100", "home_102"]);
    expect(s.ledger.load().run).toBeNull();
    expect(s.events.map((e) => [e.cluster, e.vmid, e.result, e.volid, e.trigger])).toEqual([
      ["home", 100, "ok", newest(s.lab, 100), "service"],
      ["home", 102, "failed", newest(s.lab, 102), "service"],
    ]);
    expect(s.changes()).toBeGreaterThan(0);
    expect(verificationEvent(s.events[1] as VerificationResult)).toEqual({
      type: "pve_backup_verification_failed",
      data: {
        cluster: "home",
        vmid: 102,
        name: expect.any(String),
        volid: newest(s.lab, 102),
        depth: "api",
        result: "failed",
        message: expect.stringMatching(/wrong vma header chechsum/),
        duration_ms: expect.any(Number),
        trigger: "service",
      },
    });
    expect(verificationEvent(s.events[0] as VerificationResult).type).toBe(
      "pve_backup_verification_finished",
    );
  });

  it("takes the cluster's device as every guest of the cluster, and nothing as every guest", async () => {
    const s = await setup();
    const all = (await s.handlers.serviceCall("verify", { guests: ["home"] })) as { results: unknown[] };
    const none = (await s.handlers.serviceCall("verify", {})) as { results: unknown[] };
    expect(all.results.length).toBe(
      s.lab.state.guests.filter((g) => s.lab.state.archives.some((a) => a.vmid === g.vmid)).length,
    );
    expect(none.results.length).toBe(all.results.length);
  });

  it.each([
    [{ guests: ["99999"] }, /^guest 99999 does not exist on cluster home$/],
    [{ tier: "P9" }, /^'P9' is not a tier \(tiers: P0, P1, P2\)$/],
    [{ guests: ["abc"] }, /'abc' is not a guest/],
    [{ guests: ["100"], full: true }, /set verify\.dump_path and the NAS login in ha_backups/],
    [{ guests: ["100"], full: "yes" }, /full must be true or false/],
  ])("refuses %j with a sentence, verifying nothing", async (data, message) => {
    const s = await setup();
    await expect(s.handlers.serviceCall("verify", data)).rejects.toThrow(message);
    await expect(s.handlers.serviceCall("verify", data)).rejects.toBeInstanceOf(InputError);
    expect(s.extracts()).toBe(0);
    expect(s.ledger.load()).toMatchObject({ lastVerified: {}, run: null });
  });

  it("runs one verification at a time: a second press of the same button joins it, another call is refused", async () => {
    const s = await setup();
    s.gate.hold();
    const first = s.handlers.buttonPress("home_101_verify");
    const second = s.handlers.buttonPress("home_101_verify");
    await until(() => s.verify.busy() !== undefined);
    await expect(s.handlers.serviceCall("verify", { guests: ["103"] })).rejects.toThrow(
      /^a verification of 1 archive\(s\) on home is running \(0 checked\): call again when it has finished$/,
    );
    s.gate.release();
    await Promise.all([first, second]);
    expect(s.extracts()).toBe(1);
    expect(s.events.map((e) => [e.vmid, e.trigger])).toEqual([[101, "button"]]);
    // A third press right after the check ended answers with it; later, it checks again.
    await s.handlers.buttonPress("home_101_verify");
    expect(s.extracts()).toBe(1);
    await s.lab.advance(10_000);
    await s.handlers.buttonPress("home_101_verify");
    expect(s.extracts()).toBe(2);
    // Free again.
    await s.handlers.serviceCall("verify", { guests: ["103"] });
    expect(s.extracts()).toBe(3);
  });

  it("answers with what is done after its wait and tells the rest by events", async () => {
    const s = await setup();
    const handlers = createServiceHandlers({
      app: s.app,
      nowMs: () => s.lab.nowMs(),
      refreshNow: async () => {},
      onPveNotification: () => {},
      verify: s.verify,
      verifyAnswerWithinMs: 50,
    });
    s.gate.hold();
    const r = (await handlers.serviceCall("verify", { guests: ["100", "101"] })) as {
      results: unknown[];
      pending: { vmid: number }[];
    };
    expect(r.results).toEqual([]);
    expect(r.pending.map((p) => p.vmid)).toEqual([100, 101]);
    s.gate.release();
    await s.verify.idle();
    expect(s.events.map((e) => e.vmid)).toEqual([100, 101]);
  });

  it("resumes a run stopped by a restart with the archives it had not reached", async () => {
    const ledger = memoryLedgerStore();
    const s = await setup({}, ledger);
    const run = await s.verify.request({
      cluster: "home",
      selection: {},
      full: false,
      trigger: "schedule",
    });
    const total = run.targets.length;
    expect(total).toBeGreaterThan(1);
    // Stop after the first archive, as SIGTERM does.
    s.gate.hold();
    await until(() => s.verify.busy() !== undefined);
    s.verify.stop();
    s.gate.release();
    const stopped = await run.done;
    expect(stopped.finished).toBe(false);
    expect(ledger.load().run?.done).toHaveLength(1);
    // The next start, on the same ledger.
    const before = s.extracts();
    const next = createVerifyService({
      config: s.app.config,
      apis: s.app.apis,
      ledger,
      log: silentLogger,
      nowMs: () => s.lab.nowMs(),
    });
    expect(await next.resumeInterrupted()).toBe("resumed");
    await until(() => ledger.load().run === null);
    await next.idle();
    expect(s.extracts() - before).toBe(total - 1);
    expect(Object.keys(ledger.load().lastVerified)).toHaveLength(total);
  });
});

describe("several clusters", () => {
  it("verifies a tier on every cluster that can be read and says which it left out; guests by device stay on their cluster", async () => {
    const lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    const opts = demoOptions(lab);
    const home = opts.clusters[0] as NonNullable<(typeof opts.clusters)[0]>;
    const config = parseOptions(
      {
        ...opts,
        clusters: [
          home,
          { ...home, name: "lab" },
          { ...home, name: "attic", token_secret: "00000000-0000-0000-0000-000000000000" },
        ],
      },
      { defaultTimeZone: "UTC" },
    );
    const app = createApp(config, silentLogger, { nowMs: () => lab.nowMs() });
    running.push({ lab, app });
    const verify = createVerifyService({
      config,
      apis: app.apis,
      ledger: memoryLedgerStore(),
      log: silentLogger,
      nowMs: () => lab.nowMs(),
    });
    const handlers = createServiceHandlers({
      app,
      nowMs: () => lab.nowMs(),
      refreshNow: async () => {},
      onPveNotification: () => {},
      verify,
    });
    type Answer = {
      results: { cluster: string; vmid: number }[];
      skipped: { cluster: string; reason: string }[];
    };
    const tier = (await handlers.serviceCall("verify", { tier: "P0" })) as Answer;
    expect(tier.results.map((r) => [r.cluster, r.vmid])).toEqual([
      ["home", 100],
      ["home", 102],
      ["lab", 100],
      ["lab", 102],
    ]);
    expect(tier.skipped).toEqual([{ cluster: "attic", reason: expect.stringMatching(/401/) }]);
    const narrowed = (await handlers.serviceCall("verify", { tier: "P0", guests: ["lab"] })) as Answer;
    expect(narrowed.results.map((r) => [r.cluster, r.vmid])).toEqual([
      ["lab", 100],
      ["lab", 102],
    ]);
    const one = (await handlers.serviceCall("verify", { guests: ["lab_101"] })) as Answer;
    expect(one.results.map((r) => [r.cluster, r.vmid])).toEqual([["lab", 101]]);
    await expect(handlers.serviceCall("verify", { guests: ["attic_101"] })).rejects.toThrow(/401/);
    await expect(handlers.serviceCall("verify", { guests: ["101"] })).rejects.toThrow(
      /several clusters are configured/,
    );
  });
});

describe("the full check and the NAS", () => {
  const withNas = { ha_backups: undefined, verify: { dump_path: "/volume1/pve/dump" } };

  it("tells the caller the NAS could not be reached and records no verdict on any archive", async () => {
    const s = await setup({
      options: withNas,
      openDump: () =>
        Promise.reject(
          new UpstreamError("could not reach the NAS at 10.0.0.150:22: connect ECONNREFUSED", {
            retryable: true,
          }),
        ),
    });
    await expect(s.handlers.serviceCall("verify", { guests: ["100"], full: true })).rejects.toThrow(
      /^could not reach the NAS at 10\.0\.0\.150:22/,
    );
    expect(s.ledger.load().lastVerified).toEqual({});
    expect(s.events).toEqual([]);
  });

  it("stops on a NAS that drops mid-run without calling the archive broken, and keeps the run to resume", async () => {
    const s = await setup({
      options: withNas,
      openDump: async () => ({
        read: () => Promise.reject(new Error("No response from server")),
        alive: async () => false,
        close: () => {},
      }),
    });
    await expect(s.handlers.serviceCall("verify", { tier: "P0", full: true })).rejects.toThrow(
      /^could not reach the NAS while reading vzdump-qemu-100-.* \(No response from server\): nothing was recorded for it/,
    );
    expect(s.ledger.load().lastVerified).toEqual({});
    expect(s.ledger.load().run).toMatchObject({ depth: "full", done: [] });
    expect(s.events).toEqual([]);
  });

  it("still calls an archive that cannot be read on a NAS that answers failed", async () => {
    const s = await setup({
      options: withNas,
      openDump: async () => ({
        read: () => Promise.reject(new Error("Failure")),
        alive: async () => true,
        close: () => {},
      }),
    });
    const r = (await s.handlers.serviceCall("verify", { guests: ["100"], full: true })) as {
      results: { result: string; message: string }[];
    };
    expect(r.results).toEqual([
      expect.objectContaining({
        result: "failed",
        message: expect.stringMatching(/^reading the archive failed/),
      }),
    ]);
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error("condition not met");
}
