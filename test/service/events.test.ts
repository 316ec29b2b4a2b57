import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { parseOptions } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import { type Logger, silentLogger } from "../../src/log.js";
import type { BackupEvent, GuestBackupResult } from "../../src/service/backups.js";
import { EVENTS_STATE_FILE, relayFinishedEvents } from "../../src/service/events.js";
import { createRuntime, type Runtime } from "../../src/service/runtime.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { tieredLab } from "../support/scenarios.js";

/**
 * The finished-backup events against the simulated lab: the tiered lab's nightly jobs (P0
 * 100,102 at 03:00, P1 101,105 at 03:15) run on their own when the lab's clock passes them.
 */

const MINUTE = 60_000;
/** 2026-02-12 03:40 UTC: the nightly P0 and P1 runs have ended. */
const AFTER_NIGHT = Date.parse("2026-02-12T03:40:00Z");

const labs: SimLab[] = [];
const apps: App[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const lab of labs.splice(0)) await lab.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function startLab(scenario = tieredLab()): Promise<SimLab> {
  const lab = await startSimLab({ scenario, clock: "manual" });
  labs.push(lab);
  return lab;
}

/** The service's parts as main.ts wires them, with the events collected instead of fired. */
function service(lab: SimLab, opts: { optionsPath?: string; log?: Logger } = {}) {
  const config = parseOptions(demoOptions(lab), { defaultTimeZone: "UTC" });
  const fired: GuestBackupResult[] = [];
  const started: string[] = [];
  let runtime: Runtime | undefined;
  const app = createApp(config, silentLogger, {
    nowMs: () => lab.nowMs(),
    onBackupEvent: (e) => events.fromFollower(e),
    onChange: () => runtime?.soon(),
  });
  apps.push(app);
  runtime = createRuntime({ app, log: silentLogger, nowMs: () => lab.nowMs(), minGapMs: 0 });
  const announce = (e: BackupEvent) => {
    if (e.kind === "finished") fired.push(e.result);
    if (e.kind === "started") started.push(e.task.upid);
  };
  const events = relayFinishedEvents({
    runtime,
    app,
    log: opts.log ?? silentLogger,
    announce,
    optionsPath: opts.optionsPath,
  });
  const r = runtime;
  return { app, events, fired, started, refresh: () => r.refreshNow(), stop: () => r.stop() };
}

const summary = (fired: readonly GuestBackupResult[]) =>
  fired.map((r) => `${r.vmid} ${r.status}`).sort((a, b) => a.localeCompare(b));

describe("finished-backup events for PVE's scheduled jobs", () => {
  it("fires nothing for the history found at start, then one event per guest of the nightly run", async () => {
    const lab = await startLab();
    const svc = service(lab);
    await svc.refresh();
    expect(svc.fired).toEqual([]);

    await lab.advance(AFTER_NIGHT - lab.nowMs());
    await svc.refresh();
    expect(summary(svc.fired)).toEqual(["100 ok", "101 ok", "102 ok", "105 ok"]);
    for (const r of svc.fired) {
      expect(r).toMatchObject({ cluster: "home", error: null, upid: expect.stringMatching(/^UPID:pve:/) });
      // An OK job is known from the head of its log: the size comes from the archive it made.
      expect(r.sizeBytes).toBeGreaterThan(0);
    }
    expect(svc.fired.find((r) => r.vmid === 100)?.name).toBe(
      lab.state.guests.find((g) => g.vmid === 100)?.name,
    );

    await lab.advance(5 * MINUTE);
    await svc.refresh();
    await svc.refresh();
    expect(svc.fired).toHaveLength(4);
    svc.stop();
  });

  it("fires a failed event for the guest that failed in the nightly run, finished for the others", async () => {
    const scenario = tieredLab();
    const g102 = scenario.guests.find((g) => g.vmid === 102);
    if (!g102) throw new Error("the tiered lab has no guest 102");
    g102.failWith = "vma_queue_write: write error - No space left on device";
    const lab = await startLab(scenario);
    const svc = service(lab);
    await svc.refresh();
    await lab.advance(AFTER_NIGHT - lab.nowMs());
    await svc.refresh();
    expect(summary(svc.fired)).toEqual(["100 ok", "101 ok", "102 failed", "105 ok"]);
    expect(svc.fired.find((r) => r.vmid === 102)).toMatchObject({
      sizeBytes: null,
      error: "vma_queue_write: write error - No space left on device",
    });
    await svc.refresh();
    expect(svc.fired).toHaveLength(4);
    svc.stop();
  });

  // The nightly job's task fails before any guest begins (PVE cannot activate the NAS): its log
  // is one `TASK ERROR` line and its UPID names no guest; the job due at its start names them.
  it("fires a failed event per guest when the nightly run meets an inactive NAS", async () => {
    const lab = await startLab();
    const svc = service(lab);
    await svc.refresh();
    const nas = lab.state.storages.find((s) => s.id === "nas-backups");
    if (!nas) throw new Error("the tiered lab has no nas-backups");
    nas.active = false;
    await lab.advance(AFTER_NIGHT - lab.nowMs());
    await svc.refresh();
    svc.stop();
    expect(summary(svc.fired)).toEqual(["100 failed", "101 failed", "102 failed", "105 failed"]);
  });
});

describe("finished-backup events for back up now", () => {
  it("fires one event per run, whether a refresh or the follower sees it first", async () => {
    const lab = await startLab();
    const svc = service(lab);
    await svc.refresh();
    const outcome = await svc.app.backups.backupNow({ vmids: [103], tiers: [] }, { follow: false });
    expect(outcome.started).toHaveLength(1);
    await lab.advance(20 * MINUTE);
    // Nobody follows this one: the refresh tells it.
    await svc.refresh();
    expect(summary(svc.fired)).toEqual(["103 ok"]);
    const upid = outcome.started[0]?.upid;
    expect(svc.fired[0]?.upid).toBe(upid);

    // Followed to its end: the follower tells it, the refreshes after it do not.
    const waiting = svc.app.backups.backupNow({ vmids: [105], tiers: [] }, { wait: true });
    while (svc.started.length < 2) await new Promise((r) => setTimeout(r, 10));
    await lab.advance(20 * MINUTE);
    expect((await waiting).results).toHaveLength(1);
    await svc.refresh();
    await svc.refresh();
    expect(summary(svc.fired)).toEqual(["103 ok", "105 ok"]);
    svc.stop();
  });

  it("fires one event when the follower reports a result after a refresh told it", async () => {
    const lab = await startLab();
    const svc = service(lab);
    await svc.refresh();
    await svc.app.backups.backupNow({ vmids: [103], tiers: [] }, { follow: false });
    await lab.advance(20 * MINUTE);
    await svc.refresh();
    expect(summary(svc.fired)).toEqual(["103 ok"]);
    // What the follower of that task reports when its poll comes after the refresh.
    const told = svc.fired[0] as GuestBackupResult;
    svc.events.fromFollower({ kind: "finished", result: { ...told, durationSec: 1 } });
    await svc.refresh();
    expect(svc.fired).toEqual([told]);
    svc.stop();
  });
});

describe("finished-backup events across a restart", () => {
  it("fires once, after the restart, for the results that ended while the service was down", async () => {
    const lab = await startLab();
    const dir = mkdtempSync(join(tmpdir(), "pve-backup-events-"));
    dirs.push(dir);
    const optionsPath = join(dir, "options.json");
    const before = service(lab, { optionsPath });
    await before.refresh();
    expect(before.fired).toEqual([]);
    before.stop();
    const kept = JSON.parse(readFileSync(join(dir, EVENTS_STATE_FILE), "utf8"));
    expect(kept).toMatchObject({ version: 1, clusters: { home: expect.any(Object) } });

    // Down across the nightly run.
    await lab.advance(AFTER_NIGHT - lab.nowMs());
    const after = service(lab, { optionsPath });
    await after.refresh();
    expect(summary(after.fired)).toEqual(["100 ok", "101 ok", "102 ok", "105 ok"]);
    after.stop();

    // And again: nothing is told twice.
    const again = service(lab, { optionsPath });
    await again.refresh();
    expect(again.fired).toEqual([]);
    again.stop();
  });

  it("starts afresh, with a warning, from a kept file it cannot read", async () => {
    const lab = await startLab();
    const dir = mkdtempSync(join(tmpdir(), "pve-backup-events-"));
    dirs.push(dir);
    writeFileSync(join(dir, EVENTS_STATE_FILE), '{"version": 1, "clusters": {"home": {"100": "x"}}}');
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (m: string) => warnings.push(m) };
    const svc = service(lab, { optionsPath: join(dir, "options.json"), log });
    await svc.refresh();
    expect(svc.fired).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining("starting afresh")]);
    svc.stop();
  });

  it("keeps firing, with one warning, when the kept file cannot be written", async () => {
    const lab = await startLab();
    const dir = mkdtempSync(join(tmpdir(), "pve-backup-events-"));
    dirs.push(dir);
    // A file where the folder should be: nothing can be written beside the options file.
    const blocked = join(dir, "not-a-folder");
    writeFileSync(blocked, "");
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (m: string) => warnings.push(m) };
    const svc = service(lab, { optionsPath: join(blocked, "options.json"), log });
    await svc.refresh();
    await lab.advance(AFTER_NIGHT - lab.nowMs());
    await svc.refresh();
    expect(svc.fired).toHaveLength(4);
    expect(warnings).toEqual([expect.stringContaining("cannot write")]);
    svc.stop();
  });
});
