import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { loadScenario, startSimLab } from "../../src/sim/lab.js";
import { seed } from "../support/scenarios.js";
import { enc, simClient } from "./client.js";

/** Starting the lab: scenario lookup, the two clocks, scenario task history. */

describe("loadScenario", () => {
  it("finds a scenario by name in src/sim/scenarios and by path", () => {
    expect(loadScenario("seed").nodes.map((n) => n.name)).toEqual(["pve"]);
    const dir = mkdtempSync(join(tmpdir(), "sim-scenario-"));
    const file = join(dir, "lab.json");
    writeFileSync(file, JSON.stringify({ ...seed(), name: "from-a-file" }));
    expect(loadScenario(file).name).toBe("from-a-file");
    expect(() => loadScenario("no-such-lab")).toThrow(/no such scenario: no-such-lab/);
  });
});

describe("clocks", () => {
  it("lets time flow from the scenario's now in real-clock mode, finishing tasks on its own", async () => {
    const s = seed();
    for (const g of s.guests) g.backupSeconds = 1;
    const lab = await startSimLab({ scenario: s, clock: "real" });
    const api = simClient(lab);
    try {
      expect(Math.abs(lab.nowMs() - Date.parse(s.now))).toBeLessThan(1000);
      const upid = (await api.post("/nodes/pve/vzdump", { vmid: "105", storage: "local" })).json
        ?.data as string;
      await sleep(2200);
      const status = await api.data<Record<string, unknown>>(`/nodes/pve/tasks/${enc(upid)}/status`);
      expect(status).toMatchObject({ status: "stopped", exitstatus: "OK" });
    } finally {
      await api.close();
      await lab.stop();
    }
  });
});

describe("scenario task history", () => {
  it("writes finished and running scenario tasks with the vzdump log writer", async () => {
    const s = seed();
    s.tasks = [
      {
        node: "pve",
        start: "2026-02-10T03:00:00Z",
        end: "2026-02-10T03:05:00Z",
        storage: "nas-backups",
        guests: [{ vmid: 100 }, { vmid: 102, error: "job failed with err -5 - Input/output error" }],
      },
      { node: "pve", start: "2026-02-11T09:59:30Z", storage: "nas-backups", guests: [{ vmid: 101 }] },
    ];
    const lab = await startSimLab({ scenario: s, clock: "manual" });
    const api = simClient(lab);
    try {
      const tasks = await api.data<Array<Record<string, unknown>>>("/nodes/pve/tasks", { source: "all" });
      expect(tasks.map((t) => [t.id, t.status, t.starttime, t.endtime])).toEqual([
        // A running task has no endtime yet.
        ["101", "RUNNING", Date.parse("2026-02-11T09:59:30Z") / 1000, undefined],
        [
          "",
          "job errors",
          Date.parse("2026-02-10T03:00:00Z") / 1000,
          Date.parse("2026-02-10T03:05:00Z") / 1000,
        ],
      ]);
      const failed = await api.data<Array<{ t: string }>>(
        `/nodes/pve/tasks/${enc(String(tasks[1]?.upid))}/log`,
        {
          limit: 0,
        },
      );
      expect(failed.map((l) => l.t)).toContain(
        "ERROR: Backup of VM 102 failed - job failed with err -5 - Input/output error",
      );
      expect(failed.map((l) => l.t)).toContain("INFO: Finished Backup of VM 100 (00:01:35)");
      // The running one holds its guest and goes on once time moves.
      const vms = await api.data<Array<{ vmid: number; lock?: string }>>("/cluster/resources", {
        type: "vm",
      });
      expect(vms.find((v) => v.vmid === 101)?.lock).toBe("backup");
      await lab.advance(420_000);
      const running = await api.data<Record<string, unknown>>(
        `/nodes/pve/tasks/${enc(String(tasks[0]?.upid))}/status`,
      );
      expect(running).toMatchObject({ status: "stopped", exitstatus: "OK" });
      const items = await api.data<Array<{ volid: string }>>("/nodes/pve/storage/nas-backups/content");
      expect(items.map((i) => i.volid)).toEqual([
        "nas-backups:backup/vzdump-qemu-101-2026_02_11-09_59_30.vma.zst",
      ]);
    } finally {
      await api.close();
      await lab.stop();
    }
  });

  it("pages a task log: 1-based n, default limit 50, total in the envelope", async () => {
    const s = seed();
    s.tasks = [
      {
        node: "pve",
        start: "2026-02-10T03:00:00Z",
        end: "2026-02-10T03:30:00Z",
        storage: "local",
        guests: [{ vmid: 101 }, { vmid: 100 }, { vmid: 102 }],
      },
    ];
    const lab = await startSimLab({ scenario: s, clock: "manual" });
    const api = simClient(lab);
    try {
      const upid = lab.state.tasks[0]?.upid as string;
      const page = await api.get(`/nodes/pve/tasks/${enc(upid)}/log`, { start: 2, limit: 3 });
      const total = lab.state.tasks[0]?.log.length;
      expect(page.json).toEqual({
        data: [
          { n: 3, t: "INFO: Backup started at 2026-02-10 03:00:00" },
          { n: 4, t: "INFO: status = running" },
          { n: 5, t: "INFO: VM Name: homeassistant" },
        ],
        total,
      });
      const firstPage = await api.get(`/nodes/pve/tasks/${enc(upid)}/log`);
      expect(total).toBeGreaterThan(50);
      expect(firstPage.json?.data).toHaveLength(50);
      expect(firstPage.json?.total).toBe(total);
      // Asked on the wrong node the task does not exist there.
      lab.state.nodes.push({ name: "pve2", online: true, fingerprint: "" });
      const elsewhere = await api.get(`/nodes/pve2/tasks/${enc(upid)}/status`);
      expect(elsewhere.json?.errors).toEqual({ upid: "no such task" });
      const garbage = await api.get("/nodes/pve/tasks/UPID:nope/status");
      expect(garbage.json?.errors).toEqual({ upid: "unable to parse worker upid" });
    } finally {
      await api.close();
      await lab.stop();
    }
  });
});
