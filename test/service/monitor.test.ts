import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { parseOptions } from "../../src/config/schema.js";
import type { ClusterFacts } from "../../src/core/model.js";
import { formatWall } from "../../src/core/status.js";
import { demoOptions } from "../../src/demo.js";
import { silentLogger } from "../../src/log.js";
import type { PveReader } from "../../src/pve/reader.js";
import { createMonitor } from "../../src/service/monitor.js";
import { startSimLab } from "../../src/sim/lab.js";
import { tieredLab } from "../support/scenarios.js";

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

describe("a storage PVE cannot list", () => {
  it("keeps each guest's last archive seen there, until the storage is back", async () => {
    const lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    const config = parseOptions(demoOptions(lab), { defaultTimeZone: "UTC" });
    const app = createApp(config, silentLogger, { nowMs: () => lab.nowMs() });
    try {
      const guest100 = async () => {
        const reports = await app.monitor.refresh(lab.nowMs());
        return reports[0]?.guests.find((g) => g.vmid === 100);
      };
      const before = await guest100();
      expect(before).toMatchObject({ status: "ok", lastBackup: { storage: "nas-backups" } });

      const nas = lab.state.storages.find((s) => s.id === "nas-backups");
      if (!nas) throw new Error("the tiered lab has no nas-backups");
      nas.active = false;
      // A day later: the run due meanwhile failed, as PVE could not activate the NAS.
      await lab.advance(86_400_000);
      const during = await guest100();
      expect(during?.status).toBe("failed");
      expect(during?.lastBackup).toEqual(before?.lastBackup);
      expect(during?.reason).toContain("could not activate storage 'nas-backups'");
      expect(during?.reason).toContain(
        `the last backup seen on 'nas-backups' (unreadable now) is from ${formatWall(before?.lastBackup?.timeMs ?? 0, "UTC")}`,
      );

      nas.active = true;
      const after = await guest100();
      expect(after?.reason).not.toContain("last backup seen");
      expect(after?.lastBackup?.storage).toBe("nas-backups");
    } finally {
      await app.close();
      await lab.stop();
    }
  });
});
