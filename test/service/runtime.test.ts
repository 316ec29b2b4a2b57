import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { ClusterReport } from "../../src/core/status.js";
import type { Logger } from "../../src/log.js";
import type { Monitor } from "../../src/service/monitor.js";
import { createRuntime, type Runtime } from "../../src/service/runtime.js";

/** A monitor whose refreshes end when the test says, each reporting the number of its start. */
class HeldMonitor implements Monitor {
  started = 0;
  private releases: (() => void)[] = [];
  failNext = false;
  refresh(): Promise<readonly ClusterReport[]> {
    const n = ++this.started;
    const fail = this.failNext;
    this.failNext = false;
    return new Promise((resolve, reject) => {
      this.releases.push(() =>
        fail
          ? reject(new Error(`refresh ${n} broke`))
          : resolve([{ cluster: `run ${n}`, reachable: true, problems: [], guests: [] }]),
      );
    });
  }
  /** Ends the oldest refresh still running, and lets the runtime take its result. */
  async release(): Promise<void> {
    this.releases.shift()?.();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }
  latest = () => [];
  facts = () => undefined;
}

const config = { refreshIntervalMs: 3_600_000, timeZone: "UTC" } as unknown as Config;
let runtime: Runtime | undefined;
afterEach(() => runtime?.stop());

function setup(minGapMs = 0) {
  const monitor = new HeldMonitor();
  const errors: string[] = [];
  const log: Logger = { debug() {}, info() {}, warn: (m) => errors.push(m), error: (m) => errors.push(m) };
  runtime = createRuntime({ app: { monitor, config }, log, nowMs: () => 0, minGapMs });
  const seen: string[] = [];
  runtime.onReports((reports) => {
    seen.push(reports[0]?.cluster ?? "");
  });
  return { monitor, runtime, errors, seen };
}

describe("createRuntime", () => {
  it("makes a caller that asks during a refresh wait for the next one, not the one already reading", async () => {
    const { monitor, runtime, seen } = setup();
    const first = runtime.refreshNow();
    expect(monitor.started).toBe(1);
    let done = false;
    const asked = runtime.refreshNow().then(() => {
      done = true;
    });
    await monitor.release();
    await first;
    expect(done).toBe(false); // refresh 1 began before the request
    expect(monitor.started).toBe(2);
    await monitor.release();
    await asked;
    expect(seen).toEqual(["run 1", "run 2"]);
  });

  it("runs one refresh for all the requests made during a refresh", async () => {
    const { monitor, runtime } = setup();
    void runtime.refreshNow();
    const waits = [runtime.refreshNow(), runtime.refreshNow()];
    runtime.soon();
    expect(waits[0]).toBe(waits[1]);
    await monitor.release();
    await monitor.release();
    await Promise.all(waits);
    expect(monitor.started).toBe(2);
  });

  it("logs a refresh that failed and goes on", async () => {
    const { monitor, runtime, errors, seen } = setup();
    monitor.failNext = true;
    const failed = runtime.refreshNow();
    await monitor.release();
    await failed;
    expect(errors).toEqual(["refresh failed: refresh 1 broke"]);
    const next = runtime.refreshNow();
    await monitor.release();
    await next;
    expect(seen).toEqual(["run 2"]);
    expect(runtime.count()).toBe(1);
  });

  it("keeps refreshing when a listener fails", async () => {
    const { monitor, runtime, errors } = setup();
    runtime.onReports(() => {
      throw new Error("HA is gone");
    });
    const r = runtime.refreshNow();
    await monitor.release();
    await r;
    expect(errors).toEqual(["publishing the status: HA is gone"]);
    expect(runtime.status()?.guests).toEqual([]);
    expect(runtime.count()).toBe(1);
  });

  it("starts no queued refresh once stopped", async () => {
    const { monitor, runtime } = setup();
    void runtime.refreshNow();
    const queued = runtime.refreshNow();
    runtime.stop();
    await monitor.release();
    await queued;
    expect(monitor.started).toBe(1);
  });

  it("starts the next refresh no sooner than the least gap after the last one, and keeps one queued", async () => {
    const { monitor, runtime } = setup(150);
    const first = runtime.refreshNow();
    await monitor.release();
    await first;
    // Right after a refresh: every request shares one, which waits out the gap.
    const waits = Array.from({ length: 50 }, () => runtime.refreshNow());
    for (let i = 0; i < 50; i++) runtime.soon(0);
    expect(new Set(waits).size).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(monitor.started).toBe(1);
    while (monitor.started < 2) await new Promise((r) => setTimeout(r, 10));
    await monitor.release();
    await waits[0];
    expect(monitor.started).toBe(2);
  });

  it("lets no steady trickle of requests postpone a refresh for ever", async () => {
    const { monitor, runtime } = setup();
    const first = runtime.refreshNow();
    await monitor.release();
    await first;
    // A request every 20 ms, each asking for a refresh within 100 ms: one still happens.
    for (let i = 0; i < 20 && monitor.started < 2; i++) {
      runtime.soon(100);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(monitor.started).toBe(2);
  });

  it("ends the wait for the gap when stopped", async () => {
    const { monitor, runtime } = setup(60_000);
    const first = runtime.refreshNow();
    await monitor.release();
    await first;
    const queued = runtime.refreshNow();
    runtime.stop();
    await queued;
    expect(monitor.started).toBe(1);
  });
});
