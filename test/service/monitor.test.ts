import { describe, expect, it } from "vitest";
import type { ClusterFacts } from "../../src/core/model.js";
import type { PveReader } from "../../src/pve/reader.js";
import { createMonitor } from "../../src/service/monitor.js";

/** A reader that takes a while and records whether two reads ever overlapped. */
class FakeReader implements PveReader {
  inFlight = 0;
  maxInFlight = 0;
  reads: number[] = [];
  fail = false;
  async readFacts(nowMs: number): Promise<ClusterFacts> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, 20));
    this.inFlight--;
    this.reads.push(nowMs);
    if (this.fail) throw new Error("boom");
    return { cluster: "home", reachable: false, error: `read at ${nowMs}` };
  }
}

const policy = { timeZone: "UTC", defaultGraceMin: 60, tierOf: () => undefined };

describe("createMonitor", () => {
  it("runs refreshes one at a time, in the order asked", async () => {
    const reader = new FakeReader();
    const monitor = createMonitor({ readers: new Map([["home", reader]]), policy });
    await Promise.all([monitor.refresh(1), monitor.refresh(2), monitor.refresh(3)]);
    expect(reader.maxInFlight).toBe(1);
    expect(reader.reads).toEqual([1, 2, 3]);
    expect(monitor.latest()[0]?.problems).toEqual(["cluster unreachable: read at 3"]);
  });

  it("goes on after a refresh that failed", async () => {
    const reader = new FakeReader();
    const monitor = createMonitor({ readers: new Map([["home", reader]]), policy });
    reader.fail = true;
    const failed = monitor.refresh(1);
    const next = monitor.refresh(2);
    await expect(failed).rejects.toThrow("boom");
    reader.fail = false;
    await expect(next).resolves.toHaveLength(1);
    expect(reader.reads).toEqual([1, 2]);
  });
});
