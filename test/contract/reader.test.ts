import { describe, expect, it } from "vitest";
import type { ClusterFacts } from "../../src/core/model.js";
import { type AssessPolicy, assessCluster } from "../../src/core/status.js";
import { parseTaskLog } from "../../src/core/task-log.js";
import type { Logger } from "../../src/log.js";
import { createPveReader } from "../../src/pve/reader.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { tieredLab } from "../support/scenarios.js";
import { simApiPerTest } from "../support/sim-api.js";

/** The PVE reader against the simulated PVE: its request budget, what it keeps, and PVE failing. */

const startLab = simApiPerTest();

async function setup(scenario: Scenario = tieredLab()) {
  const { lab, api } = await startLab(scenario);
  const warnings: string[] = [];
  const log: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} };
  const reader = createPveReader({ cluster: "home", api, log });
  const l = lab;
  const read = async () => {
    const before = l.requestLog.length;
    const facts = await reader.readFacts(l.nowMs());
    return { facts, requests: l.requestLog.slice(before) };
  };
  return { lab: l, api, reader, read, warnings };
}

function reachable(facts: ClusterFacts) {
  if (!facts.reachable) throw new Error(`unreachable: ${facts.error}`);
  return facts;
}

const logReads = (requests: readonly { path: string }[]) => requests.filter((r) => r.path.includes("/log?"));

describe("createPveReader against the sim", () => {
  it("costs the same requests for a bigger lab, and reads each finished task's log once", async () => {
    const small = await setup();
    const first = await small.read();
    const second = await small.read();
    // Round 1: resources (nodes, storages, guests), jobs, permissions; round 2 on one node:
    // its storages, its tasks, and the backup storages' contents (local + the shared NAS).
    expect(second.requests.map((r) => r.path.split("?")[0]).sort()).toEqual(
      [
        "/api2/json/access/permissions",
        "/api2/json/cluster/backup",
        "/api2/json/cluster/resources",
        "/api2/json/cluster/resources",
        "/api2/json/cluster/resources",
        "/api2/json/nodes/pve/storage",
        "/api2/json/nodes/pve/storage/local/content",
        "/api2/json/nodes/pve/storage/nas-backups/content",
        "/api2/json/nodes/pve/tasks",
      ].sort(),
    );
    const tasks = reachable(first.facts).attempts.length;
    expect(tasks).toBeGreaterThan(0);
    expect(logReads(first.requests).length).toBe(first.requests.length - second.requests.length);
    expect(logReads(second.requests)).toEqual([]);

    // Twice the guests, three times the archives each: not one request more.
    const scenario = tieredLab();
    const extra = Array.from({ length: 5 }, (_, i) => ({
      vmid: 200 + i,
      name: `extra-${i}`,
      type: "qemu" as const,
      node: "pve",
    }));
    scenario.guests.push(...extra);
    const archives = scenario.archives ?? [];
    for (const a of [...archives]) {
      for (let k = 1; k <= 2; k++)
        archives.push({ ...a, time: new Date(Date.parse(a.time) - k * 7 * 86_400_000).toISOString() });
    }
    const big = await setup(scenario);
    await big.read();
    const warm = await big.read();
    expect(warm.requests.length).toBe(second.requests.length);
  });

  it("keeps only the newest archive of each guest, as the listing has it", async () => {
    const { read, api } = await setup();
    const facts = reachable((await read()).facts);
    const listing = (await api.get("/nodes/pve/storage/nas-backups/content", { content: "backup" })) as {
      vmid: number;
      ctime: number;
      volid: string;
    }[];
    expect(listing.length).toBeGreaterThan(facts.archives.length);
    const newest = new Map<number, { ctime: number; volid: string }>();
    for (const row of listing) {
      const best = newest.get(row.vmid);
      if (!best || row.ctime > best.ctime) newest.set(row.vmid, row);
    }
    expect(facts.archives.map((a) => a.volid).sort()).toEqual(
      [...newest.values()].map((r) => r.volid).sort(),
    );
  });

  it("calls the cluster unreachable when the guests cannot be read, and waits for every request", async () => {
    const { lab, read } = await setup();
    lab.failNext({
      method: "GET",
      path: /^\/cluster\/resources$/,
      query: { type: "vm" },
      status: 500,
      message: "boom",
    });
    const { facts } = await read();
    expect(facts.reachable).toBe(false);
    expect(facts.reachable ? "" : facts.error).toMatch(/cluster\/resources.*boom/);
    // Nothing is still in flight: the next read sees only its own requests.
    const next = await read();
    expect(reachable(next.facts).guests.length).toBeGreaterThan(0);
  });

  it("calls the cluster unreachable when its storages cannot be read", async () => {
    const { lab, read } = await setup();
    lab.failNext({
      method: "GET",
      path: /^\/cluster\/resources$/,
      query: { type: "storage" },
      status: 500,
      message: "storage rows gone",
    });
    const { facts } = await read();
    expect(facts.reachable ? "" : facts.error).toMatch(/storage rows gone/);
  });

  it("reports a part it could not read as a problem, and reads it again next time", async () => {
    const { lab, read, warnings } = await setup();
    lab.failNext({ method: "GET", path: /^\/access\/permissions$/, status: 500, message: "perm" });
    lab.failNext({ method: "GET", path: /^\/nodes\/pve\/tasks$/, status: 500, message: "tasks" });
    lab.failNext({
      method: "GET",
      path: /^\/nodes\/pve\/storage\/nas-backups\/content$/,
      status: 500,
      message: "nfs",
    });
    const failed = reachable((await read()).facts);
    expect(failed.problems.join("\n")).toMatch(/permissions.*perm/);
    expect(failed.problems.join("\n")).toMatch(/backup tasks of node pve.*tasks/);
    expect(failed.listed).not.toContain("nas-backups");
    expect(failed.archives).toEqual([]);
    expect(failed.attempts).toEqual([]);

    lab.failNext({ method: "GET", path: /\/log$/, status: 500, message: "log gone" });
    const oneLogMissing = await read();
    expect(warnings.join("\n")).toMatch(/cannot read log of UPID:pve:.*log gone/);
    const missed = logReads(oneLogMissing.requests).length;
    // The log that failed is read again; the others are not.
    const again = await read();
    expect(logReads(again.requests)).toHaveLength(1);
    expect(missed).toBeGreaterThan(1);
    const ok = reachable(again.facts);
    expect(ok.problems).toEqual([]);
    expect(ok.listed).toContain("nas-backups");
    // A multi-guest task without its log names no guest: its attempts come back with the log.
    expect(ok.attempts.length).toBeGreaterThan(reachable(oneLogMissing.facts).attempts.length);
  });

  it("reports jobs it cannot read as a jobs error, not as no jobs", async () => {
    const { lab, read } = await setup();
    lab.failNext({
      method: "GET",
      path: /^\/cluster\/backup$/,
      status: 403,
      message: "Permission check failed",
    });
    const facts = reachable((await read()).facts);
    expect(facts.jobsError).toMatch(/cannot read backup jobs.*Sys.Audit/);
    expect(facts.jobs).toEqual([]);
  });

  it("reads only the head of a task that ended OK, nothing of a single guest's, all of a failed one", async () => {
    const scenario = tieredLab();
    scenario.tasks?.push({
      node: "pve",
      start: "2026-02-11T09:00:00Z",
      end: "2026-02-11T09:10:00Z",
      user: "root@pam",
      storage: "nas-backups",
      guests: [{ vmid: 101 }, { vmid: 105, error: "vma_queue_write: write error - Broken pipe" }],
    });
    const { read, api, lab } = await setup(scenario);
    const { facts, requests } = await read();
    // The tasks of the reader's window: the last 14 days.
    const since = Math.floor(lab.nowMs() / 1000) - 14 * 86_400;
    const tasks = (await api.get("/nodes/pve/tasks", { typefilter: "vzdump", since, limit: 1000 })) as {
      upid: string;
      id: string;
      status: string;
    }[];
    const limits = new Map(
      logReads(requests).map((r) => {
        const u = new URL(r.path, "https://x");
        return [decodeURIComponent(u.pathname.split("/")[6] ?? ""), u.searchParams.get("limit")];
      }),
    );
    for (const t of tasks) {
      if (t.status !== "OK") expect(limits.get(t.upid), t.upid).toBe("0");
      else if (t.id) expect(limits.has(t.upid), t.upid).toBe(false);
      else expect(limits.get(t.upid), t.upid).toBe("20");
    }
    expect(tasks.some((t) => t.status === "OK" && t.id)).toBe(true);
    expect(tasks.some((t) => t.status === "OK" && !t.id)).toBe(true);
    // The same attempts as from whole logs: every guest of an OK task ok, the failed one failed.
    const attempts = reachable(facts).attempts;
    const failed = attempts.filter((a) => a.outcome === "failed");
    expect(failed.map((a) => [a.vmid, a.error])).toEqual([
      [105, "vma_queue_write: write error - Broken pipe"],
    ]);
    for (const t of tasks.filter((x) => x.status === "OK")) {
      const whole = (await api.get(`/nodes/pve/tasks/${encodeURIComponent(t.upid)}/log`, { limit: 0 })) as {
        t: string;
      }[];
      const guests = parseTaskLog(
        whole.map((l) => l.t),
        { requestedVmids: t.id ? [Number(t.id)] : [] },
      ).guests.map((g) => g.vmid);
      const mine = attempts.filter((a) => a.upid === t.upid);
      expect(mine.map((a) => a.vmid).sort(), t.upid).toEqual(guests.sort());
      expect(mine.every((a) => a.outcome === "ok")).toBe(true);
    }
  });
});

describe("a scheduled run that fails before its first guest", () => {
  const POLICY: AssessPolicy = { timeZone: "UTC", defaultGraceMin: 60, tierOf: () => undefined };
  const NAS_DOWN = "could not activate storage 'nas-backups': storage 'nas-backups' is not online";

  it("is each of its job's guests failing, by the job due at its start; the next good night is ok", async () => {
    const { lab, read } = await setup();
    await read();
    const nas = lab.state.storages.find((s) => s.id === "nas-backups");
    if (!nas) throw new Error("the tiered lab has no nas-backups");
    nas.active = false;
    const newest = (facts: ClusterFacts, vmid: number) =>
      reachable(facts)
        .attempts.filter((a) => a.vmid === vmid)
        .sort((a, b) => b.startMs - a.startMs)[0];
    const status = (facts: ClusterFacts) =>
      Object.fromEntries(
        assessCluster(facts, POLICY, lab.nowMs())
          .guests.filter((g) => [100, 101, 102, 105].includes(g.vmid))
          .map((g) => [g.vmid, g.status]),
      );

    await lab.advance(Date.parse("2026-02-12T03:05:00Z") - lab.nowMs());
    let facts = (await read()).facts;
    for (const vmid of [100, 102])
      expect(newest(facts, vmid), `${vmid}`).toMatchObject({
        startMs: Date.parse("2026-02-12T03:00:00Z"),
        outcome: "failed",
        error: NAS_DOWN,
      });
    // P1 is not due yet: its guests' newest attempt is last night's.
    expect(newest(facts, 101)?.outcome).toBe("ok");
    expect(status(facts)).toMatchObject({ 100: "failed", 102: "failed" });
    const report = assessCluster(facts, POLICY, lab.nowMs()).guests.find((g) => g.vmid === 100);
    expect(report?.reason).toContain(NAS_DOWN);

    await lab.advance(Date.parse("2026-02-12T03:20:00Z") - lab.nowMs());
    facts = (await read()).facts;
    for (const vmid of [101, 105])
      expect(newest(facts, vmid), `${vmid}`).toMatchObject({
        startMs: Date.parse("2026-02-12T03:15:00Z"),
        outcome: "failed",
        error: NAS_DOWN,
      });
    // Read again, from the kept logs: the same.
    expect((await read()).facts).toEqual(facts);
    expect(status(facts)).toEqual({ 100: "failed", 101: "failed", 102: "failed", 105: "failed" });

    nas.active = true;
    await lab.advance(Date.parse("2026-02-13T03:40:00Z") - lab.nowMs());
    facts = (await read()).facts;
    for (const vmid of [100, 101, 102, 105]) expect(newest(facts, vmid)?.outcome, `${vmid}`).toBe("ok");
    expect(status(facts)).toEqual({ 100: "ok", 101: "ok", 102: "ok", 105: "ok" });
  });
});
