import { afterEach, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { seed } from "../support/scenarios.js";
import { enc, type SimClient, simClient } from "./client.js";

/** `POST /nodes/{node}/vzdump` and the task engine behind it (reference §4). */

const SEC = 1000;
const BACKUPER = { id: "backup@pve!ha", secret: "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b" };

/** The seed lab with three nightly archives of vaultwarden (102) on the NAS and a backup-only token. */
function lab102(): Scenario {
  const s = seed();
  s.archives = ["2026-02-08", "2026-02-09", "2026-02-10"].map((day) => ({
    storage: "nas-backups",
    vmid: 102,
    type: "qemu" as const,
    time: `${day}T03:00:05Z`,
    sizeBytes: 1_100_000_000,
    notes: "vaultwarden",
  }));
  s.tokens.push({
    ...BACKUPER,
    // May write to the NAS, but may not back up any guest (no VM.Backup).
    acl: [
      { path: "/", roles: ["PVEAuditor"] },
      { path: "/storage/nas-backups", roles: ["PVEDatastoreUser"] },
    ],
  });
  return s;
}

let lab: SimLab | undefined;
let api: SimClient | undefined;
afterEach(async () => {
  await api?.close();
  await lab?.stop();
  lab = api = undefined;
});

async function start(s: Scenario) {
  lab = await startSimLab({ scenario: s, clock: "manual" });
  api = simClient(lab);
  return { lab, api };
}

async function log(a: SimClient, node: string, upid: string): Promise<string[]> {
  const lines = await a.data<Array<{ n: number; t: string }>>(`/nodes/${node}/tasks/${enc(upid)}/log`, {
    limit: 0,
  });
  return lines.map((l) => l.t);
}

async function status(a: SimClient, node: string, upid: string) {
  return a.data<Record<string, unknown>>(`/nodes/${node}/tasks/${enc(upid)}/status`);
}

async function backupVolids(a: SimClient, vmid?: number): Promise<string[]> {
  const items = await a.data<Array<{ volid: string }>>("/nodes/pve/storage/nas-backups/content", {
    content: "backup",
    ...(vmid ? { vmid } : {}),
  });
  return items.map((i) => i.volid);
}

describe("POST /nodes/{node}/vzdump", () => {
  it("answers the string OK and starts nothing when no selected guest lives on that node", async () => {
    const s = lab102();
    s.nodes.push({ name: "pve2" });
    const { lab, api } = await start(s);
    const r = await api.post("/nodes/pve2/vzdump", { vmid: "100,102", storage: "nas-backups" });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ data: "OK" });
    expect(lab.state.tasks).toEqual([]);
  });

  it("runs a backup to TASK OK: progress over time, the archive on finish, keep-last=3 pruning", async () => {
    const { lab, api } = await start(lab102());
    const r = await api.post("/nodes/pve/vzdump", {
      vmid: "102",
      storage: "nas-backups",
      mode: "snapshot",
      compress: "zstd",
      "prune-backups": "keep-last=3",
      "notes-template": "{{guestname}}",
    });
    const upid = r.json?.data as string;
    expect(upid).toMatch(/^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzdump:102:root@pam!pve-backup:$/);
    expect(await status(api, "pve", upid)).toMatchObject({
      status: "running",
      type: "vzdump",
      id: "102",
      user: "root@pam",
      tokenid: "pve-backup",
    });
    const early = await log(api, "pve", upid);
    expect(early[0]).toBe(
      "INFO: starting new backup job: vzdump 102 --storage nas-backups --mode snapshot --compress zstd " +
        "--prune-backups keep-last=3 --notes-template '{{guestname}}' --node pve",
    );
    expect(early).toContain("INFO: Starting Backup of VM 102 (qemu)");
    expect(early).toContain(
      "INFO: creating vzdump archive '/mnt/pve/nas-backups/dump/vzdump-qemu-102-2026_02_11-10_00_00.vma.zst'",
    );
    const locked = await api.data<Array<{ vmid: number; lock?: string }>>("/cluster/resources", {
      type: "vm",
    });
    expect(locked.find((g) => g.vmid === 102)?.lock).toBe("backup");

    await lab.advance(20 * SEC);
    const progress = (await log(api, "pve", upid)).filter((l) => /^INFO: +\d+% /.test(l));
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toMatch(
      /^INFO: {2}50% \(2\.0 GiB of 4\.0 GiB\) in 20s, read: .*\/s, write: .*\/s$/,
    );
    expect(await backupVolids(api, 102)).toHaveLength(3);

    await lab.advance(25 * SEC);
    const lines = await log(api, "pve", upid);
    expect(lines.slice(-9)).toEqual([
      "INFO: archive file size: 1.02GB",
      "INFO: adding notes to backup",
      "INFO: prune older backups with retention: keep-last=3",
      "INFO: removing backup 'nas-backups:backup/vzdump-qemu-102-2026_02_08-03_00_05.vma.zst'",
      "INFO: pruned 1 backup(s) not covered by keep-retention policy",
      "INFO: Finished Backup of VM 102 (00:00:40)",
      "INFO: Backup finished at 2026-02-11 10:00:40",
      "INFO: Backup job finished successfully",
      "TASK OK",
    ]);
    expect(await status(api, "pve", upid)).toMatchObject({ status: "stopped", exitstatus: "OK" });
    expect(await backupVolids(api, 102)).toEqual([
      "nas-backups:backup/vzdump-qemu-102-2026_02_09-03_00_05.vma.zst",
      "nas-backups:backup/vzdump-qemu-102-2026_02_10-03_00_05.vma.zst",
      "nas-backups:backup/vzdump-qemu-102-2026_02_11-10_00_00.vma.zst",
    ]);
    const newest = (
      await api.data<Array<Record<string, unknown>>>("/nodes/pve/storage/nas-backups/content")
    ).at(-1);
    expect(newest).toEqual({
      volid: "nas-backups:backup/vzdump-qemu-102-2026_02_11-10_00_00.vma.zst",
      content: "backup",
      format: "vma.zst",
      subtype: "qemu",
      vmid: 102,
      ctime: Date.parse("2026-02-11T10:00:00Z") / 1000,
      size: 1_100_000_000,
      notes: "vaultwarden",
    });
    const unlocked = await api.data<Array<{ vmid: number; lock?: string }>>("/cluster/resources", {
      type: "vm",
    });
    expect(unlocked.find((g) => g.vmid === 102)?.lock).toBeUndefined();
  });

  it("fails one guest of a multi-guest task and ends the task with job errors", async () => {
    const s = lab102();
    const pihole = s.guests.find((g) => g.vmid === 105);
    if (pihole) pihole.failWith = "command 'lxc-freeze' failed: exit code 1";
    const { lab, api } = await start(s);
    const upid = (await api.post("/nodes/pve/vzdump", { vmid: "105,103", storage: "nas-backups" })).json
      ?.data as string;
    // Several local guests: the UPID carries no id.
    expect(upid).toMatch(/:vzdump::root@pam!pve-backup:$/);
    await lab.advance(60 * SEC);
    const lines = await log(api, "pve", upid);
    const blocks = lines.filter((l) =>
      /Starting Backup of VM|Finished Backup of VM|Backup of VM \d+ failed/.test(l),
    );
    expect(blocks).toEqual([
      "INFO: Starting Backup of VM 103 (lxc)",
      "INFO: Finished Backup of VM 103 (00:00:30)",
      "INFO: Starting Backup of VM 105 (lxc)",
      "ERROR: Backup of VM 105 failed - command 'lxc-freeze' failed: exit code 1",
    ]);
    expect(lines.slice(-2)).toEqual(["INFO: Backup job finished with errors", "TASK ERROR: job errors"]);
    expect(await status(api, "pve", upid)).toMatchObject({
      status: "stopped",
      exitstatus: "job errors",
      id: "",
    });
    // Uncompressed by default (the API's compress=0), and only the good guest left an archive.
    expect(await backupVolids(api)).toContain("nas-backups:backup/vzdump-lxc-103-2026_02_11-10_00_00.tar");
    expect((await backupVolids(api)).some((v) => v.includes("-105-"))).toBe(false);
  });

  it("lets a second backup on the node wait for the global lock, running meanwhile", async () => {
    const { lab, api } = await start(lab102());
    const first = (await api.post("/nodes/pve/vzdump", { vmid: "100", storage: "nas-backups" })).json
      ?.data as string;
    await lab.advance(10 * SEC);
    const second = (await api.post("/nodes/pve/vzdump", { vmid: "102", storage: "nas-backups" })).json
      ?.data as string;
    expect(await log(api, "pve", second)).toEqual(["INFO: trying to get global lock - waiting..."]);
    await lab.advance(80 * SEC);
    expect(await status(api, "pve", second)).toMatchObject({ status: "running" });
    await lab.advance(10 * SEC); // the first (95 s) is done, the second has the lock
    expect(await status(api, "pve", first)).toMatchObject({ status: "stopped", exitstatus: "OK" });
    expect((await log(api, "pve", second)).slice(0, 3)).toEqual([
      "INFO: trying to get global lock - waiting...",
      "INFO: got global lock",
      expect.stringMatching(/^INFO: starting new backup job: vzdump 102 /),
    ]);
    await lab.advance(45 * SEC);
    expect(await status(api, "pve", second)).toMatchObject({ status: "stopped", exitstatus: "OK" });
  });

  it("fails the whole task when the storage cannot be activated", async () => {
    const { lab, api } = await start(lab102());
    const nas = lab.state.storages.find((st) => st.id === "nas-backups");
    if (nas) nas.active = false;
    const upid = (await api.post("/nodes/pve/vzdump", { vmid: "100", storage: "nas-backups" })).json
      ?.data as string;
    expect(await log(api, "pve", upid)).toEqual([
      "TASK ERROR: could not activate storage 'nas-backups': storage 'nas-backups' is not online",
    ]);
    expect(await status(api, "pve", upid)).toMatchObject({
      status: "stopped",
      exitstatus: "could not activate storage 'nas-backups': storage 'nas-backups' is not online",
    });
  });

  it("checks VM.Backup inside the worker: the task starts, then fails on the guest", async () => {
    const { lab } = await start(lab102());
    const asBackuper = simClient(lab, BACKUPER);
    try {
      const r = await asBackuper.post("/nodes/pve/vzdump", { vmid: "100", storage: "nas-backups" });
      expect(r.status).toBe(200);
      const upid = r.json?.data as string;
      expect((await log(asBackuper, "pve", upid)).at(-1)).toBe(
        "TASK ERROR: Permission check failed (/vms/100, VM.Backup)",
      );
      // Datastore.AllocateSpace is checked before forking: no task at all without it.
      const denied = await asBackuper.post("/nodes/pve/vzdump", { vmid: "100", storage: "local" });
      expect([denied.status, denied.statusText]).toEqual([
        403,
        "Permission check failed (/storage/local, Datastore.AllocateSpace)",
      ]);
    } finally {
      await asBackuper.close();
    }
  });

  it("rejects conflicting selections and a notes-template without storage", async () => {
    const { api } = await start(lab102());
    expect((await api.post("/nodes/pve/vzdump", { vmid: "100", all: "1" })).json?.errors).toEqual({
      all: "option conflicts with option 'vmid'",
    });
    expect(
      (await api.post("/nodes/pve/vzdump", { vmid: "100", "notes-template": "{{name}}" })).json?.errors,
    ).toEqual({
      storage: "missing property required by 'notes-template'",
      "notes-template": "invalid format - found unknown: variable 'name' at char 4\n",
    });
    expect((await api.post("/nodes/pve/vzdump", { storage: "nas-backups" })).json?.errors).toEqual({
      vmid: "property is missing",
    });
  });
});

describe("scheduled jobs", () => {
  it("runs an enabled job on its calendar as root@pam with its job-id, one task per node", async () => {
    const s = lab102();
    s.nodes.push({ name: "pve2" });
    const job = s.jobs?.find((j) => j.id === "backup-2f93d6b8-41aa"); // 03:15, vmid 101,105 to local
    if (job) job.enabled = 1;
    const pihole = s.guests.find((g) => g.vmid === 105);
    if (pihole) pihole.node = "pve2";
    const { lab, api } = await start(s);
    await lab.advance(17 * 3600 * SEC + 15 * 60 * SEC + 30 * SEC); // to 03:15:30 next day
    const tasks = lab.state.tasks.filter((t) => t.jobId === "backup-2f93d6b8-41aa");
    expect(tasks.map((t) => [t.node, t.user, t.id, new Date(t.startMs).toISOString()])).toEqual([
      ["pve", "root@pam", "101", "2026-02-12T03:15:00.000Z"],
      ["pve2", "root@pam", "105", "2026-02-12T03:15:00.000Z"],
    ]);
    const onPve = tasks[0]?.upid as string;
    expect((await log(api, "pve", onPve)).slice(0, 2)).toEqual([
      "INFO: starting new backup job: vzdump 101 105 --storage local --mode snapshot --compress zstd " +
        "--prune-backups keep-last=3 --quiet 1 --job-id backup-2f93d6b8-41aa",
      "INFO: skip external VMs: 105",
    ]);
    // The task list shows it; the read-only token (PVEAuditor: Sys.Audit) sees root's tasks too.
    const list = await api.get("/nodes/pve/tasks", { source: "all", typefilter: "vzdump" });
    expect(list.json?.total).toBe(1);
    expect(list.json?.data).toEqual([
      expect.objectContaining({ upid: onPve, status: "RUNNING", user: "root@pam" }),
    ]);
    // By default only finished tasks are listed (source=archive).
    expect((await api.get("/nodes/pve/tasks")).json).toEqual({ data: [] });
    await lab.advance(420 * SEC);
    expect(await status(api, "pve", onPve)).toMatchObject({ exitstatus: "OK" });
    const local = await api.data<Array<{ volid: string }>>("/nodes/pve/storage/local/content", {
      content: "backup",
    });
    expect(local.map((i) => i.volid)).toEqual(["local:backup/vzdump-qemu-101-2026_02_12-03_15_00.vma.zst"]);
  });

  it("does not run disabled jobs", async () => {
    const { lab } = await start(lab102());
    await lab.advance(3 * 86_400 * SEC);
    expect(lab.state.tasks).toEqual([]);
  });
});
