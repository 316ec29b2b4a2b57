import { describe, expect, it } from "vitest";
import type { VzdumpCall } from "../../src/core/backup-now.js";
import { silentLogger } from "../../src/log.js";
import { followTask, startBackups, type TaskProgress } from "../../src/pve/backup.js";
import type { SimLab } from "../../src/sim/lab.js";
import { seed, tieredLab } from "../support/scenarios.js";
import { simApiPerTest } from "../support/sim-api.js";

/** "Back up now" and the task follower against the simulated PVE. */

const startLab = simApiPerTest();

async function setup(scenario = seed(), timeoutMs = 10_000) {
  const { lab, api } = await startLab(scenario, timeoutMs);
  const l = lab;
  // The sim's clock stands still unless moved: each wait of the follower moves it 5 s.
  const deps = {
    api,
    log: silentLogger,
    tokenId: "root@pam!pve-backup",
    nowMs: () => l.nowMs(),
    sleep: () => l.advance(5_000),
  };
  return { lab: l, api, deps };
}

const call = (node: string, vmids: number[], extra: Record<string, string | number> = {}): VzdumpCall => ({
  node,
  vmids,
  params: {
    vmid: vmids.join(","),
    storage: "nas-backups",
    mode: "snapshot",
    compress: "zstd",
    "notes-template": "{{guestname}}: manual backup (PVE Backup)",
    "notification-mode": "notification-system",
    ...extra,
  },
});

const vzdumpPosts = (l: SimLab) =>
  l.requestLog.filter((r) => r.method === "POST" && r.path.includes("/vzdump"));

describe("startBackups and followTask", () => {
  it("backs a guest up and follows the task to its end, with size and duration", async () => {
    const { lab, deps } = await setup();
    const started = await startBackups(deps, [call("pve", [102])]);
    expect(started.failed).toEqual([]);
    expect(started.started).toHaveLength(1);
    const updates: TaskProgress[] = [];
    const end = await followTask(deps, started.started[0]?.upid as string, (p) => updates.push(p));
    expect(end.running).toBe(false);
    expect(end.exitStatus).toBe("OK");
    expect(end.summary.guests).toMatchObject([{ vmid: 102, outcome: "ok", durationSec: 40 }]);
    expect(end.summary.guests[0]?.sizeBytes).toBeGreaterThan(1e9);
    expect(updates.some((u) => u.running && u.summary.progress?.vmid === 102)).toBe(true);
    expect(lab.state.archives.some((a) => a.vmid === 102)).toBe(true);
  });

  it("reports the one failing guest of a multi-guest task whose other guest succeeded", async () => {
    const s = seed();
    for (const g of s.guests)
      if (g.vmid === 102)
        g.failWith =
          "unable to create temporary directory '/mnt/pve/nas-backups/dump/vzdump-qemu-102.tmp' - Permission denied";
    const { deps } = await setup(s);
    const started = await startBackups(deps, [call("pve", [100, 102])]);
    const end = await followTask(deps, started.started[0]?.upid as string, () => {});
    expect(end.exitStatus).toBe("job errors");
    expect(end.summary.guests.map((g) => [g.vmid, g.outcome, g.error])).toEqual([
      [100, "ok", undefined],
      [
        102,
        "failed",
        "unable to create temporary directory '/mnt/pve/nas-backups/dump/vzdump-qemu-102.tmp' - Permission denied",
      ],
    ]);
  });

  it("answers PVE's 'OK' on the wrong node by asking the node the guest moved to, once", async () => {
    const s = seed();
    s.nodes.push({ name: "pve2", online: true });
    for (const g of s.guests) if (g.vmid === 105) g.node = "pve2";
    const { lab, deps } = await setup(s);
    const started = await startBackups(deps, [call("pve", [105])]);
    expect(started.started.map((t) => t.node)).toEqual(["pve2"]);
    expect(vzdumpPosts(lab).map((r) => r.path)).toEqual([
      "/api2/json/nodes/pve/vzdump",
      "/api2/json/nodes/pve2/vzdump",
    ]);
  });

  it("follows a guest deleted since it was planned to its visible failure, without retrying", async () => {
    const { lab, deps } = await setup();
    lab.state.guests = lab.state.guests.filter((g) => g.vmid !== 105);
    const started = await startBackups(deps, [call("pve", [103, 105])]);
    const end = await followTask(deps, started.started[0]?.upid as string, () => {});
    expect(end.summary.guests.find((g) => g.vmid === 105)).toMatchObject({ outcome: "failed" });
    expect(end.summary.guests.find((g) => g.vmid === 103)).toMatchObject({ outcome: "ok" });
    expect(vzdumpPosts(lab)).toHaveLength(1);
  });

  it("resolves a lost POST answer by finding the task it started: exactly one task, never a second POST", async () => {
    const { lab, deps } = await setup(seed(), 500);
    // The sim handles the POST at once but answers after 2 s: the client gives up at 500 ms.
    lab.setLatency(2_000);
    const restore = setTimeout(() => lab.setLatency(0), 150);
    const started = await startBackups({ ...deps, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }, [
      call("pve", [100, 102]),
    ]);
    clearTimeout(restore);
    expect(started.failed).toEqual([]);
    expect(started.started).toHaveLength(1);
    expect(vzdumpPosts(lab)).toHaveLength(1);
    const tasks = lab.state.tasks.filter((t) => t.type === "vzdump");
    expect(tasks).toHaveLength(1);
    expect(started.started[0]?.upid).toBe(tasks[0]?.upid);
  });

  it("shows a backup asked for while another holds the node's lock as waiting, then runs it", async () => {
    const { deps } = await setup(tieredLab());
    const first = await startBackups(deps, [call("pve", [101])]);
    const second = await startBackups(deps, [call("pve", [105])]);
    const states: string[] = [];
    const end = await followTask(deps, second.started[0]?.upid as string, (p) => {
      const s = p.summary.waitingForLock ? "waiting" : p.running ? "running" : "done";
      if (states.at(-1) !== s) states.push(s);
    });
    expect(states).toEqual(["waiting", "running", "done"]);
    expect(end.summary.guests).toMatchObject([{ vmid: 105, outcome: "ok" }]);
    const firstEnd = await followTask(deps, first.started[0]?.upid as string, () => {});
    expect(firstEnd.exitStatus).toBe("OK");
  });

  it("rides out a PVE that stops answering for a while, and says so once", async () => {
    const { lab, deps } = await setup();
    const lines: string[] = [];
    const log = { ...silentLogger, warn: (m: string) => lines.push(m), info: (m: string) => lines.push(m) };
    const started = await startBackups(deps, [call("pve", [102])]);
    lab.failNext({ method: "GET", path: /\/status$/, status: 503, message: "proxy loop", skip: 2, times: 4 });
    const end = await followTask({ ...deps, log }, started.started[0]?.upid as string, () => {});
    expect(end.exitStatus).toBe("OK");
    expect(end.summary.guests).toMatchObject([{ vmid: 102, outcome: "ok" }]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^following UPID:pve:.*503 proxy loop; trying again \(the task runs on in PVE\)$/,
    );
    expect(lines[1]).toMatch(/PVE answers again$/);
  });

  it("backs off from 2 s to 15 s while the log stands still, and polls soon again after a change", async () => {
    const { lab, deps } = await setup();
    const waits: number[] = [];
    // The sim's clock moves by exactly what the follower waits.
    const sleep = (ms: number) => {
      waits.push(ms);
      return lab.advance(ms);
    };
    const timed = { ...deps, sleep };
    // Guest 101: 420 s, a progress line every 42 s.
    const started = await startBackups(timed, [call("pve", [101])]);
    const percents: number[] = [];
    const end = await followTask(timed, started.started[0]?.upid as string, (p) => {
      if (p.summary.progress && p.summary.progress.percent !== percents.at(-1))
        percents.push(p.summary.progress.percent);
    });
    expect(end.summary.guests).toMatchObject([{ vmid: 101, outcome: "ok" }]);
    expect(Math.min(...waits)).toBe(2_000);
    expect(Math.max(...waits)).toBe(15_000);
    expect(waits.slice(0, 4)).toEqual([2_000, 4_000, 8_000, 15_000]);
    // After a long wait, the next change brings the 2 s polls back.
    expect(waits.some((w, i) => w === 15_000 && waits[i + 1] === 2_000)).toBe(true);
    // Fewer polls than 2 s apart for 420 s would take, and every progress step seen.
    expect(waits.length).toBeLessThan(100);
    expect(percents.slice(0, 9)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    // Each log read asks for the lines after those already read.
    const starts = lab.requestLog
      .filter((r) => r.method === "GET" && /\/log\?/.test(r.path))
      .map((r) => Number(new URLSearchParams(r.path.split("?")[1]).get("start")));
    expect(starts[0]).toBe(0);
    expect(starts.every((v, i) => i === 0 || v >= (starts[i - 1] as number))).toBe(true);
    expect(starts.at(-1)).toBeGreaterThan(10);
  });

  it("gives a task up after a long outage, and at once on an answer that will not change", async () => {
    const { lab, deps } = await setup();
    const started = await startBackups(deps, [call("pve", [102])]);
    const upid = started.started[0]?.upid as string;
    lab.failNext({ method: "GET", path: /\/status$/, status: 500, message: "gone", times: 1_000 });
    await expect(followTask(deps, upid, () => {}, { outageMs: 60_000 })).rejects.toThrow(
      /^gave up following UPID:pve:.* after PVE did not answer for 1 min: .*500 gone$/,
    );
    const fresh = await setup();
    const again = await startBackups(fresh.deps, [call("pve", [102])]);
    fresh.lab.failNext({ method: "GET", path: /\/status$/, status: 403, message: "Permission check failed" });
    await expect(followTask(fresh.deps, again.started[0]?.upid as string, () => {})).rejects.toThrow(/403/);
  });
});
