import { afterEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { parseOptions } from "../../src/config/schema.js";
import { DEMO_TOKEN, demoOptions } from "../../src/demo.js";
import { InputError } from "../../src/errors.js";
import { silentLogger } from "../../src/log.js";
import type { BackupEvent } from "../../src/service/backups.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { archiveVolid } from "../../src/sim/state.js";
import { tieredLab } from "../support/scenarios.js";

/** The backup service (what the CLI, HA services and buttons call) against the simulated lab. */

const running: { lab: SimLab; app: App }[] = [];
afterEach(async () => {
  for (const { lab, app } of running.splice(0)) {
    await app.close();
    await lab.stop();
  }
});

async function setup(scenario: Scenario = tieredLab(), token = DEMO_TOKEN) {
  const lab = await startSimLab({ scenario, clock: "manual" });
  const options = demoOptions(lab);
  const cluster = { ...options.clusters[0], token_id: token.id, token_secret: token.secret };
  const config = parseOptions({ ...options, clusters: [cluster] }, { defaultTimeZone: "UTC" });
  const events: BackupEvent[] = [];
  const logs: string[] = [];
  const log = { ...silentLogger, info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m) };
  const app = createApp(config, log, {
    nowMs: () => lab.nowMs(),
    onBackupEvent: (e) => events.push(e),
  });
  running.push({ lab, app });
  return { lab, app, events, logs };
}

const archivesOf = (lab: SimLab, vmid: number) =>
  lab.state.archives
    .filter((a) => a.vmid === vmid)
    .sort((a, b) => a.ctimeSec - b.ctimeSec)
    .map((a) => ({ volid: archiveVolid(a), protected: a.protected }));

describe("backup now and retention", () => {
  it("keeps every scheduled archive of a keep-last=3 guest through three manual backups and the next scheduled run", async () => {
    const { lab, app } = await setup();
    const scheduled = archivesOf(lab, 100).map((a) => a.volid);
    expect(scheduled).toHaveLength(3);
    for (let press = 0; press < 3; press++) {
      const outcome = await app.backups.backupNow({ vmids: [100], tiers: [] }, { follow: false });
      expect(outcome.started).toHaveLength(1);
      // Guest 100 takes 95 s.
      await lab.advance(10 * 60_000);
    }
    const afterManual = archivesOf(lab, 100);
    expect(afterManual).toHaveLength(6);
    expect(afterManual.map((a) => a.volid).slice(0, 3)).toEqual(scheduled);
    expect(afterManual.slice(3).every((a) => a.protected)).toBe(true);

    // The next P0 run (03:00, keep-last=3) keeps the 3 newest scheduled archives and every manual one.
    await lab.advance(Date.parse("2026-02-12T03:30:00Z") - lab.nowMs());
    const afterScheduled = archivesOf(lab, 100);
    expect(afterScheduled).toHaveLength(6);
    const unprotected = afterScheduled.filter((a) => !a.protected).map((a) => a.volid);
    expect(unprotected.slice(0, 2)).toEqual(scheduled.slice(1));
    expect(unprotected[2]).toMatch(/vzdump-qemu-100-2026_02_12-03_0/);
    expect(afterScheduled.filter((a) => a.protected)).toEqual(afterManual.slice(3));
  });
});

const vzdumpPosts = (lab: SimLab) =>
  lab.requestLog.filter((r) => r.method === "POST" && r.path.endsWith("/vzdump"));

describe("backup now, pressed twice", () => {
  it("starts exactly one task for two presses 5 ms apart, and refuses the second naming the first's task", async () => {
    const { lab, app } = await setup();
    // The node is busy with guest 101 (7 min), so the new task waits for its lock without locking
    // its guests yet, and PVE's task list does not answer: PVE's facts show nothing to refuse.
    await app.backups.backupNow({ vmids: [101], tiers: [] }, { follow: false });
    lab.failNext({ method: "GET", path: /\/nodes\/pve\/tasks\?/, status: 500, message: "busy", times: 10 });
    const first = app.backups.backupNow({ vmids: [], tiers: ["P0"] });
    await new Promise((r) => setTimeout(r, 5));
    const second = app.backups.backupNow({ vmids: [], tiers: ["P0"] });
    await expect(second).rejects.toThrow(InputError);
    await expect(second).rejects.toThrow(
      /^guest 100 is already being backed up \(its task is starting\): nothing started$/,
    );
    const started = await first;
    expect(started.started).toMatchObject([{ vmids: [100, 102] }]);
    // Once started, a press names the task it would wait for.
    await expect(app.backups.backupNow({ vmids: [102], tiers: [] })).rejects.toThrow(
      `guest 102 is already being backed up (task ${started.started[0]?.upid}): nothing started`,
    );
    const p0Posts = vzdumpPosts(lab).length - 1;
    expect(p0Posts).toBe(1);
    expect(lab.state.tasks.filter((t) => t.type === "vzdump" && t.startMs >= lab.nowMs())).toHaveLength(2);
  });

  it("lets the guest be backed up again once its task has ended", async () => {
    const { lab, app, events } = await setup();
    const first = app.backups.backupNow({ vmids: [102], tiers: [] }, { wait: true });
    while (!events.some((e) => e.kind === "started")) await new Promise((r) => setTimeout(r, 10));
    // Guest 102 takes 40 s: the follower's next poll sees the task ended.
    await lab.advance(5 * 60_000);
    const done = await first;
    expect(done.results).toMatchObject([{ vmid: 102, status: "ok" }]);
    const again = await app.backups.backupNow({ vmids: [102], tiers: [] }, { follow: false });
    expect(again.started).toHaveLength(1);
    expect(vzdumpPosts(lab)).toHaveLength(2);
  });

  it("releases the guest when its start failed or the call threw, so the next press starts it", async () => {
    const { lab, app } = await setup();
    lab.failNext({ method: "POST", path: /\/vzdump$/, status: 500, message: "storage busy" });
    const failed = await app.backups.backupNow({ vmids: [100], tiers: [] });
    expect(failed.started).toEqual([]);
    expect(failed.failed[0]?.error).toMatch(/storage busy/);
    lab.failNext({ method: "GET", path: /\/cluster\/resources/, status: 500, message: "down", times: 3 });
    await expect(app.backups.backupNow({ vmids: [100], tiers: [] })).rejects.toThrow(/cannot be reached/);
    await expect(app.backups.backupNow({ vmids: [100, 999], tiers: [] })).rejects.toThrow(
      /guest 999 does not exist/,
    );
    const ok = await app.backups.backupNow({ vmids: [100], tiers: [] }, { follow: false });
    expect(ok.started).toHaveLength(1);
  });
});

describe("backup now, when following fails", () => {
  it("releases the guest when its follower gives up, leaving PVE's own lock to refuse the next press", async () => {
    const { lab, app } = await setup();
    lab.failNext({ method: "GET", path: /\/status$/, status: 403, message: "Permission check failed" });
    await expect(app.backups.backupNow({ vmids: [100], tiers: [] }, { wait: true })).rejects.toThrow(/403/);
    // The task runs on in PVE: the refusal now comes from PVE's facts, not from the guard.
    await expect(app.backups.backupNow({ vmids: [100], tiers: [] })).rejects.toThrow(
      "nothing started: guest 100 (homeassistant) is already being backed up",
    );
    await lab.advance(10 * 60_000);
    const again = await app.backups.backupNow({ vmids: [100], tiers: [] }, { follow: false });
    expect(again.started).toHaveLength(1);
  });
});

describe("backup now and the token's privileges", () => {
  const token = { id: "backup@pve!now", secret: "3f6b2c1d-0e9a-4b8c-a7d6-5e4f3a2b1c0d" };
  const labWith = (acl: { path: string; roles: string[] }[]) => {
    const s = tieredLab();
    s.tokens.push({ ...token, acl });
    return s;
  };

  it("refuses a token without VM.Backup before starting anything, naming the privilege and the pveum line", async () => {
    const { lab, app } = await setup(
      labWith([
        { path: "/", roles: ["PVEAuditor"] },
        { path: "/storage/nas-backups", roles: ["PVEDatastoreUser"] },
      ]),
      token,
    );
    const refused = app.backups.backupNow({ vmids: [100], tiers: [] });
    await expect(refused).rejects.toThrow(InputError);
    await expect(refused).rejects.toThrow(
      "nothing started: the token backup@pve!now lacks VM.Backup on guest 100 (homeassistant); grant it with: " +
        "pveum acl modify /vms/100 --users backup@pve --tokens 'backup@pve!now' --roles PVEVMUser",
    );
    expect(vzdumpPosts(lab)).toEqual([]);
    // The guard is free again: with the privilege granted, the same press starts the backup.
    lab.state.tokens
      .find((t) => t.id === token.id)
      ?.acl.push({ path: "/vms", roles: ["PVEVMUser"], propagate: true });
    const started = await app.backups.backupNow({ vmids: [100], tiers: [] }, { follow: false });
    expect(started.started).toHaveLength(1);
  });
});

describe("backup now, pressed more often than PVE allows protected archives", () => {
  // Without Datastore.Allocate PVE allows 5 protected archives per guest and storage.
  const token = { id: "backup@pve!now", secret: "3f6b2c1d-0e9a-4b8c-a7d6-5e4f3a2b1c0d" };
  const lab = (handProtected = 0) => {
    const s = tieredLab();
    // Archives someone protected by hand before an upgrade, older than the scheduled ones.
    for (let i = 0; i < handProtected; i++)
      s.archives?.push({
        storage: "nas-backups",
        vmid: 100,
        type: "qemu",
        time: `2026-01-0${i + 1}T12:00:00Z`,
        sizeBytes: 1e9,
        notes: "before the upgrade",
        protected: true,
      });
    s.tokens.push({
      ...token,
      acl: [
        { path: "/", roles: ["PVEAuditor"] },
        { path: "/storage/nas-backups", roles: ["PVEDatastoreUser"] },
        { path: "/vms", roles: ["PVEVMUser"] },
      ],
    });
    return s;
  };
  const writes = (l: SimLab, method: string) =>
    l.requestLog.filter((r) => r.method === method && r.path.includes("/content/"));
  const notesOf = (l: SimLab, volid: string) =>
    l.state.archives.find((a) => archiveVolid(a) === volid)?.notes;

  it("backs up on every one of 7 presses, keeping the 3 newest manual archives and the one protected by hand", async () => {
    const { lab: sim, app } = await setup(lab(1), token);
    const [handProtected, ...scheduled] = archivesOf(sim, 100).map((a) => a.volid);
    for (let press = 0; press < 7; press++) {
      const outcome = await app.backups.backupNow({ vmids: [100], tiers: [] }, { follow: false });
      expect(outcome.started).toHaveLength(1);
      // Guest 100 takes 95 s.
      await sim.advance(5 * 60_000);
    }
    // 1 protected by hand + 3 scheduled + the 3 newest of 7 manual: presses 4 to 7 each retired one.
    const after = archivesOf(sim, 100);
    expect(after).toHaveLength(7);
    const manual = after.slice(4).map((a) => a.volid);
    expect(manual.every((v) => notesOf(sim, v) === "homeassistant: manual backup (PVE Backup)")).toBe(true);
    expect(after.slice(0, 4).map((a) => a.volid)).toEqual([handProtected, ...scheduled]);
    expect(after.filter((a) => a.protected).map((a) => a.volid)).toEqual([handProtected, ...manual]);
    // Each retired archive: one PUT (protected=0), one DELETE, never repeated.
    expect(writes(sim, "PUT")).toHaveLength(4);
    expect(writes(sim, "DELETE")).toHaveLength(4);
    const tasks = sim.requestLog.filter((r) => r.method === "POST" && r.path.endsWith("/vzdump"));
    expect(tasks).toHaveLength(7);

    // The next P0 run (keep-last=3) keeps the 3 newest scheduled archives, as without manual backups.
    await sim.advance(Date.parse("2026-02-12T03:30:00Z") - sim.nowMs());
    const nextDay = archivesOf(sim, 100);
    expect(nextDay.filter((a) => a.protected).map((a) => a.volid)).toEqual([handProtected, ...manual]);
    const unprotected = nextDay.filter((a) => !a.protected).map((a) => a.volid);
    expect(unprotected.slice(0, 2)).toEqual(scheduled.slice(1));
    expect(unprotected[2]).toMatch(/vzdump-qemu-100-2026_02_12-03_0/);
  });

  it("refuses before starting anything when archives protected by hand fill the storage's limit", async () => {
    const { lab: sim, app } = await setup(lab(5), token);
    const refused = app.backups.backupNow({ vmids: [100], tiers: [] });
    await expect(refused).rejects.toThrow(InputError);
    await expect(refused).rejects.toThrow(
      "nothing started: guest 100 (homeassistant) has 5 protected archives on 'nas-backups' and PVE allows 5",
    );
    expect(vzdumpPosts(sim)).toEqual([]);
    expect(writes(sim, "PUT")).toEqual([]);
  });

  it("still backs up when removing a retired archive fails: it is left unprotected for retention, and the log says so", async () => {
    const { lab: sim, app, logs } = await setup(lab(), token);
    for (let press = 0; press < 3; press++) {
      await app.backups.backupNow({ vmids: [100], tiers: [] }, { follow: false });
      await sim.advance(5 * 60_000);
    }
    const oldest = archivesOf(sim, 100)[3]?.volid;
    sim.failNext({
      method: "DELETE",
      path: /\/content\//,
      status: 500,
      message: "storage 'nas-backups' is not online",
    });
    const outcome = await app.backups.backupNow({ vmids: [100], tiers: [] }, { follow: false });
    expect(outcome.started).toHaveLength(1);
    expect(sim.state.archives.find((a) => archiveVolid(a) === oldest)?.protected).toBe(false);
    expect(logs.join("\n")).toContain(
      `guest 100 (homeassistant): older manual backup ${oldest} is no longer protected but could not be removed`,
    );
  });

  it("still starts the backup when the guest's archives cannot be listed, and says older ones were not retired", async () => {
    const { lab: sim, app, logs } = await setup(lab(), token);
    sim.failNext({
      method: "GET",
      path: /\/storage\/nas-backups\/content$/,
      query: { vmid: "100" },
      status: 500,
      message: "storage 'nas-backups' is not online",
    });
    const outcome = await app.backups.backupNow({ vmids: [100], tiers: [] }, { follow: false });
    expect(outcome.started).toHaveLength(1);
    expect(logs.join("\n")).toContain(
      "guest 100 (homeassistant): its archives on 'nas-backups' could not be listed",
    );
  });

  it("starts nothing when lifting the protection of an old manual archive fails", async () => {
    const { lab: sim, app } = await setup(lab(), token);
    for (let press = 0; press < 3; press++) {
      await app.backups.backupNow({ vmids: [100], tiers: [] }, { follow: false });
      await sim.advance(5 * 60_000);
    }
    sim.failNext({
      method: "PUT",
      path: /\/content\//,
      status: 500,
      message: "storage 'nas-backups' is not online",
    });
    const refused = app.backups.backupNow({ vmids: [100], tiers: [] });
    await expect(refused).rejects.toThrow(
      /could not lift the protection of nas-backups:backup\/vzdump-qemu-100-.*nothing started/,
    );
    expect(vzdumpPosts(sim)).toHaveLength(3);
    expect(sim.state.archives.filter((a) => a.vmid === 100 && a.protected)).toHaveLength(3);
  });
});
