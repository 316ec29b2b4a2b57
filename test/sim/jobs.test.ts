import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { type SimClient, simClient } from "./client.js";

/** Backup jobs on `/cluster/backup` and the calendar endpoints around them (reference §3). */

let lab: SimLab;
let api: SimClient;
beforeEach(async () => {
  lab = await startSimLab({ scenario: "seed", clock: "manual" });
  api = simClient(lab);
});
afterEach(async () => {
  await api.close();
  await lab.stop();
});

const NEW_JOB = {
  id: "pve-backup-p0",
  schedule: "sun 01:00",
  storage: "nas-backups",
  vmid: "100,102",
  mode: "snapshot",
  compress: "zstd",
  "prune-backups": "keep-last=3,keep-daily=7",
  "notes-template": "{{guestname}}",
  "notification-mode": "notification-system",
  comment: "pve-backup tier P0",
};

describe("/cluster/backup", () => {
  it("round-trips a job: POST, GET with property strings as objects, PUT, DELETE", async () => {
    expect((await api.post("/cluster/backup", NEW_JOB)).json).toEqual({ data: null });

    const job = await api.data("/cluster/backup/pve-backup-p0");
    expect(job).toEqual({
      id: "pve-backup-p0",
      type: "vzdump",
      comment: "pve-backup tier P0",
      schedule: "sun 01:00",
      compress: "zstd",
      enabled: 1,
      mode: "snapshot",
      "notes-template": "{{guestname}}",
      "notification-mode": "notification-system",
      "prune-backups": { "keep-daily": "7", "keep-last": "3" },
      storage: "nas-backups",
      vmid: "100,102",
    });
    // Only the list computes next-run: the Sunday after Wednesday 2026-02-11 10:00 UTC.
    const list = await api.data<Array<Record<string, unknown>>>("/cluster/backup");
    expect(list.find((j) => j.id === "pve-backup-p0")?.["next-run"]).toBe(
      Date.parse("2026-02-15T01:00:00Z") / 1000,
    );

    expect(
      (
        await api.put("/cluster/backup/pve-backup-p0", {
          pool: "critical",
          delete: "comment,notes-template",
          enabled: "0",
        })
      ).status,
    ).toBe(200);
    const updated = await api.data<Record<string, unknown>>("/cluster/backup/pve-backup-p0");
    // Setting pool drops the vmid selection (MGR `Backup.pm` update_job).
    expect(updated).toMatchObject({ pool: "critical", enabled: 0 });
    expect(updated).not.toHaveProperty("vmid");
    expect(updated).not.toHaveProperty("comment");
    expect(updated).not.toHaveProperty("notes-template");

    expect((await api.delete("/cluster/backup/pve-backup-p0")).json).toEqual({ data: null });
    const gone = await api.get("/cluster/backup/pve-backup-p0");
    expect([gone.status, gone.json?.errors]).toEqual([400, { id: "No such job 'pve-backup-p0'" }]);
  });

  it("accepts a JSON body with real booleans and gives a job without id a UUID", async () => {
    const r = await api.request("POST", "/cluster/backup", {
      json: { schedule: "21:00", all: true, exclude: "101", storage: "local", enabled: false },
    });
    expect(r.status).toBe(200);
    const created = lab.state.jobs.at(-1);
    expect(created?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(created).toMatchObject({ all: 1, exclude: "101", enabled: 0 });
  });

  it.each<[string, Record<string, string>, number, Record<string, string> | string]>([
    [
      "a duplicate id",
      { ...NEW_JOB, id: "backup-2f93d6b8-41aa" },
      500,
      "Job 'backup-2f93d6b8-41aa' already exists",
    ],
    [
      "an invalid schedule",
      { ...NEW_JOB, schedule: "sun 3:60" },
      400,
      {
        schedule: expect.stringMatching(
          /^invalid format - invalid calendar event 'sun 3:60'/,
        ) as unknown as string,
      },
    ],
    ["no schedule", { vmid: "100" }, 400, { schedule: "neither 'starttime' nor 'schedule' were set" }],
    ["no selection", { schedule: "daily" }, 400, { vmid: "property is missing" }],
    ["vmid with pool", { ...NEW_JOB, pool: "x" }, 400, { pool: "option conflicts with option 'vmid'" }],
    [
      "a bad id",
      { ...NEW_JOB, id: "1-job" },
      400,
      { id: "invalid format - invalid configuration ID '1-job'\n" },
    ],
    [
      "bad retention",
      { ...NEW_JOB, "prune-backups": "keep-all=1,keep-last=2" },
      400,
      { "prune-backups": "invalid format - keep-all cannot be set together with other options.\n" },
    ],
    [
      "a 'true' boolean",
      { ...NEW_JOB, enabled: "true" },
      400,
      { enabled: "type check ('boolean') failed - got 'true'" },
    ],
  ])("refuses %s", async (_name, form, status, expected) => {
    const r = await api.post("/cluster/backup", form);
    expect(r.status).toBe(status);
    if (typeof expected === "string") expect(r.statusText).toBe(expected);
    else expect(r.json?.errors).toEqual(expected);
  });

  it("converts a legacy starttime/dow to a schedule", async () => {
    await api.post("/cluster/backup", { id: "legacy", starttime: "02:30", dow: "mon,fri", vmid: "100" });
    expect(await api.data("/cluster/backup/legacy")).toMatchObject({ schedule: "mon,fri 02:30" });
  });

  it("refuses to update an unknown job or delete an unknown key", async () => {
    const r = await api.put("/cluster/backup/nope", { comment: "x" });
    expect([r.status, r.statusText]).toEqual([500, "no such vzdump job"]);
    const d = await api.put("/cluster/backup/backup-2f93d6b8-41aa", { delete: "frobnicate" });
    expect(d.json?.errors).toEqual({ delete: "unknown option 'frobnicate'" });
  });
});

describe("coverage and calendars", () => {
  it("counts disabled jobs as coverage in not-backed-up, as PVE does", async () => {
    expect(await api.data("/cluster/backup-info/not-backed-up")).toEqual([]);
    await api.delete("/cluster/backup/backup-e05b7731-c2f4");
    expect(await api.data("/cluster/backup-info/not-backed-up")).toEqual([
      { vmid: 103, type: "lxc", name: "download-home" },
    ]);
  });

  it("simulates a schedule with schedule-analyze", async () => {
    const r = await api.data("/cluster/jobs/schedule-analyze", {
      schedule: "mon..fri 03:00",
      iterations: 3,
      starttime: Date.parse("2026-02-12T12:00:00Z") / 1000,
    });
    expect(r).toEqual([
      { timestamp: Date.parse("2026-02-13T03:00:00Z") / 1000, utc: "Fri Feb 13 03:00:00 2026" },
      { timestamp: Date.parse("2026-02-16T03:00:00Z") / 1000, utc: "Mon Feb 16 03:00:00 2026" },
      { timestamp: Date.parse("2026-02-17T03:00:00Z") / 1000, utc: "Tue Feb 17 03:00:00 2026" },
    ]);
    const bad = await api.get("/cluster/jobs/schedule-analyze", { schedule: "someday" });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json?.errors ?? {})).toEqual(["schedule"]);
  });
});
