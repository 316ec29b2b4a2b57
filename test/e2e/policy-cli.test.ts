import { afterEach, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { optionsFileFor, runCli, statusOf } from "../support/cli.js";
import { seed } from "../support/scenarios.js";

/**
 * The tier policy carried into PVE, on the seed lab in the sim: plan, apply, the first
 * scheduled runs, idempotence, drift, and the doctor on a read-only token.
 */

const READ_ONLY = { id: "monitor@pve!readonly", secret: "0a9e3b7c-1d2f-4e5a-8b6c-7d8e9f0a1b2c" };
let lab: SimLab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

const cli = (l: SimLab, args: string[], token?: { id: string; secret: string }) =>
  runCli([...args, "--options", optionsFileFor(l, {}, token)], {
    PVE_BACKUP_NOW: new Date(l.nowMs()).toISOString(),
  });

/** Requests PVE refused on parameter validation (400), other than the ones a test provokes. */
const rejected = (l: SimLab) => l.requestLog.filter((r) => r.status === 400 && !r.path.includes("/status"));

describe("plan and apply on the seed lab", () => {
  it("lists the old jobs and the missing storage, proposes P0/P1/P2, and apply makes it so", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    const plan = await cli(lab, ["plan", "--json"]);
    expect(plan.code).toBe(1);
    const p = JSON.parse(plan.stdout);
    expect(Object.keys(p)).toEqual(["create", "update", "enable", "disable", "findings"]);
    expect(p.create.map((j: { id: string }) => j.id)).toEqual([
      "pve-backup-p0",
      "pve-backup-p1",
      "pve-backup-p2",
      "pve-backup-manual",
    ]);
    expect(p.create[0].fields).toMatchObject({
      schedule: "03:00",
      vmid: "100,102",
      storage: "nas-backups",
      "prune-backups": "keep-last=3",
      mode: "snapshot",
      compress: "zstd",
    });
    expect(p.create[2].fields.schedule).toBe("sun 04:00");
    const codes = p.findings.map((f: { code: string; jobId?: string }) =>
      `${f.code} ${f.jobId ?? ""}`.trim(),
    );
    expect(codes).toEqual([
      "foreign_job_disabled backup-7c1e4a52-9b0d",
      "foreign_job_missing_storage backup-7c1e4a52-9b0d",
      "foreign_job_disabled backup-2f93d6b8-41aa",
      "foreign_job_disabled backup-e05b7731-c2f4",
    ]);
    for (const f of p.findings) expect(f.message.length).toBeGreaterThan(20);

    const before = (await statusOf(lab)).byVmid;
    expect(before[100]?.status).toBe("not_in_job");

    const apply = await cli(lab, ["apply", "--yes"]);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("applied   create pve-backup-p0");
    expect(apply.stdout).toContain("Done: 4 change(s) applied.");
    const jobs = lab.state.jobs.map((j) => j.id);
    expect(jobs).toEqual(
      expect.arrayContaining([
        "backup-7c1e4a52-9b0d",
        "backup-2f93d6b8-41aa",
        "backup-e05b7731-c2f4",
        "pve-backup-p0",
        "pve-backup-p1",
        "pve-backup-p2",
        "pve-backup-manual",
      ]),
    );
    // The jobs it does not own are untouched.
    expect(lab.state.jobs.find((j) => j.id === "backup-7c1e4a52-9b0d")).toMatchObject({
      enabled: 0,
      storage: "synology-nas-storage",
    });

    // Covered now, but nothing has run yet: never, not not_in_job.
    const covered = await statusOf(lab);
    expect(Object.values(covered.byVmid).map((g) => g.status)).toEqual([
      "never",
      "never",
      "never",
      "never",
      "never",
    ]);

    // A second apply changes nothing.
    const again = await cli(lab, ["apply", "--yes"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe("Cluster home: jobs match the policy, nothing to do.\n");
    expect((await cli(lab, ["plan"])).code).toBe(0);

    // The sim runs the schedule: Wednesday 10:00 → Sunday 06:00 covers daily and weekly runs.
    await lab.advance(4 * 86_400_000 - 4 * 3_600_000);
    const after = await statusOf(lab);
    expect(Object.fromEntries(Object.entries(after.byVmid).map(([k, v]) => [k, v.status]))).toEqual({
      100: "ok",
      101: "ok",
      102: "ok",
      103: "ok",
      105: "ok",
    });
    expect(after.byVmid[103]?.lastBackup).toMatchObject({
      time: "2026-02-15T04:00:00.000Z",
      storage: "nas-backups",
    });
    expect(after.byVmid[100]?.lastAttempt).toMatchObject({ outcome: "ok" });
    expect(after.code).toBe(0);
    expect(rejected(lab)).toEqual([]);
  }, 60_000);

  it("shows a job hand-edited in PVE as drift, and apply puts it back", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    expect((await cli(lab, ["apply", "--yes"])).code).toBe(0);
    const p0 = lab.state.jobs.find((j) => j.id === "pve-backup-p0");
    if (!p0) throw new Error("p0 not created");
    p0.schedule = "05:30";
    p0.mailto = "root@example.com";
    p0.enabled = 0;
    const plan = await cli(lab, ["plan"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain(
      "  ~ update  pve-backup-p0\n      schedule: 05:30 -> 03:00\n      mailto: root@example.com -> (unset)\n  > enable  pve-backup-p0\n",
    );
    expect((await cli(lab, ["apply", "--yes"])).code).toBe(0);
    expect(lab.state.jobs.find((j) => j.id === "pve-backup-p0")).toMatchObject({
      schedule: "03:00",
      enabled: 1,
    });
    expect(lab.state.jobs.find((j) => j.id === "pve-backup-p0")?.mailto).toBeUndefined();
    expect((await cli(lab, ["plan"])).code).toBe(0);
    expect(rejected(lab)).toEqual([]);
  });

  it("refuses to apply a policy naming a guest the cluster does not have, and changes nothing", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    const opts = optionsFileFor(lab, {
      tiers: [
        { name: "P0", schedule: "03:00", keep_last: 3, guests: [100, 104] },
        { name: "P1", schedule: "03:15", keep_last: 3, guests: [101] },
      ],
    });
    const r = await runCli(["apply", "--yes", "--options", opts], {
      PVE_BACKUP_NOW: new Date(lab.nowMs()).toISOString(),
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("error   unknown_guest: tier P0: guest 104 does not exist in the cluster");
    expect(r.stdout).toContain("Nothing applied: fix the errors above first.");
    expect(lab.state.jobs.map((j) => j.id)).toEqual([
      "backup-7c1e4a52-9b0d",
      "backup-2f93d6b8-41aa",
      "backup-e05b7731-c2f4",
    ]);
  });

  it("validates schedules with PVE and refuses one it rejects", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    const opts = optionsFileFor(lab, {
      tiers: [{ name: "P0", schedule: "tue..xyz 03:00", keep_last: 3, guests: [100] }],
    });
    const r = await runCli(["plan", "--options", opts], {
      PVE_BACKUP_NOW: new Date(lab.nowMs()).toISOString(),
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(
      /error {3}invalid_schedule: tier P0: schedule 'tue..xyz 03:00' is not a valid PVE calendar event \(400/,
    );
    expect(lab.state.jobs).toHaveLength(3);
  });

  it("updates a job that already has a tier's id instead of creating it twice (with storage beside notes-template)", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    lab.state.jobs.push({
      id: "pve-backup-p1",
      type: "vzdump",
      schedule: "03:15",
      enabled: 1,
      storage: "nas-backups",
      vmid: "101,105",
    });
    const plan = JSON.parse((await cli(lab, ["plan", "--json"])).stdout);
    expect(plan.create.map((j: { id: string }) => j.id)).not.toContain("pve-backup-p1");
    expect(plan.update.map((u: { id: string }) => u.id)).toEqual(["pve-backup-p1"]);
    expect((await cli(lab, ["apply", "--yes"])).code).toBe(0);
    expect((await cli(lab, ["plan"])).code).toBe(0);
  });

  it("asks before applying and applies nothing without a terminal or --yes", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    const r = await cli(lab, ["apply"]);
    expect(r.code).toBe(64);
    expect(r.stdout).toContain("Nothing applied (confirm on a terminal, or pass --yes).");
    expect(lab.state.jobs).toHaveLength(3);
  });
});

describe("pve-backup doctor", () => {
  it("names what a read-only token is missing and prints the pveum fix", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    const r = await cli(lab, ["doctor"], READ_ONLY);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Token monitor@pve!readonly on cluster home (backup storage nas-backups):");
    expect(r.stdout).toContain("  ok      read guests");
    expect(r.stdout).toContain(
      "  MISSING see backup archives: needs Datastore.Allocate on /storage/nas-backups",
    );
    expect(r.stdout).toContain(
      "  MISSING run backups: needs VM.Backup on /vms, Datastore.AllocateSpace on /storage/nas-backups",
    );
    expect(r.stdout).toContain("  MISSING manage backup jobs: needs Sys.Modify on /");
    expect(r.stdout).toContain(
      'pveum role add PVEBackupPanel --privs "Datastore.Allocate,Datastore.AllocateSpace,Mapping.Modify,Sys.Audit,Sys.Modify,VM.Audit,VM.Backup"',
    );
    expect(r.stdout).toContain("pveum acl modify / --tokens 'monitor@pve!readonly' --roles PVEBackupPanel");
  });

  it("finds nothing missing for the add-on's token, and says when a job mails instead of notifying", async () => {
    const s = seed();
    s.jobs?.push({
      id: "mailer",
      type: "vzdump",
      schedule: "01:00",
      enabled: 1,
      storage: "local",
      vmid: "103",
      mailto: "root@example.com",
    });
    lab = await startSimLab({ scenario: s, clock: "manual" });
    const r = await cli(lab, ["doctor"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("The token can do everything PVE Backup needs.");
    expect(r.stdout).toContain("note: job mailer mails its results (mailto, notification-mode auto)");
  });
});

describe("apply when PVE refuses a step", () => {
  it("stops at the first failure, reports what was and was not applied, and converges on a re-run", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    // PVE takes the first two creates and refuses the third.
    lab.failNext({
      method: "POST",
      path: /^\/cluster\/backup$/,
      skip: 2,
      status: 500,
      message: "cfs-lock 'file-jobs_cfg' error: got lock request timeout",
    });
    const r = await cli(lab, ["apply", "--yes"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "applied   create pve-backup-p0\napplied   create pve-backup-p1\nFAILED    create pve-backup-p2: POST /cluster/backup: 500 cfs-lock 'file-jobs_cfg' error: got lock request timeout\nnot done  create pve-backup-manual\n",
    );
    expect(lab.state.jobs.map((j) => j.id).filter((id) => id.startsWith("pve-backup-"))).toEqual([
      "pve-backup-p0",
      "pve-backup-p1",
    ]);

    const again = await cli(lab, ["apply", "--yes"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      "applied   create pve-backup-p2\napplied   create pve-backup-manual\nDone: 2 change(s) applied.",
    );
    expect((await cli(lab, ["plan"])).code).toBe(0);
  });
});

describe("pve-backup storage", () => {
  it("checks the NFS target on every node, and the NAS export behind it", async () => {
    const s = seed();
    s.nodes.push({ name: "pve2", online: false });
    lab = await startSimLab({ scenario: s, clock: "manual" });
    const r = await cli(lab, ["storage", "check"]);
    expect(r.stdout).toContain("ok    pve: 'nas-backups' (nfs) is active");
    expect(r.stdout).toMatch(/ok {4}pve: [\d.]+ GiB free of [\d.]+ GiB \(\d+%\)/);
    expect(r.stdout).toContain("warn  pve2: node is offline, not checked");
    expect(r.stdout).toContain("ok    NAS 10.0.0.150 exports /volume1/backups/proxmox");
    expect(r.code).toBe(0);
  });

  it("fails the check when the share cannot be mounted", async () => {
    const s = seed();
    for (const st of s.storages) if (st.id === "nas-backups") st.active = false;
    lab = await startSimLab({ scenario: s, clock: "manual" });
    const r = await cli(lab, ["storage", "check"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "FAIL  pve: 'nas-backups' is not active: PVE cannot mount it (is the NAS up, is the export allowed for this node?)",
    );
  });

  it("creates the NFS storage only when asked, after checking the NAS exports it", async () => {
    const s = seed();
    s.storages = s.storages.filter((st) => st.id !== "nas-backups");
    lab = await startSimLab({ scenario: s, clock: "manual" });
    const missing = await cli(lab, ["storage", "check"]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(
      "FAIL  pve: storage 'nas-backups' does not exist (pve-backup storage create makes it)",
    );
    expect((await cli(lab, ["plan", "--json"])).stdout).toContain('"code": "storage_missing"');

    const wrong = await cli(lab, [
      "storage",
      "create",
      "--server",
      "10.0.0.150",
      "--export",
      "/volume1/nope",
      "--yes",
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      "NAS 10.0.0.150 does not export /volume1/nope; it exports: /volume1/backups/homeassistant_backups, /volume1/backups/proxmox",
    );
    expect(lab.state.storages.some((st) => st.id === "nas-backups")).toBe(false);

    const asked = await cli(lab, [
      "storage",
      "create",
      "--server",
      "10.0.0.150",
      "--export",
      "/volume1/backups/proxmox",
    ]);
    expect(asked.code).toBe(64);
    expect(lab.state.storages.some((st) => st.id === "nas-backups")).toBe(false);

    const made = await cli(lab, [
      "storage",
      "create",
      "--server",
      "10.0.0.150",
      "--export",
      "/volume1/backups/proxmox",
      "--nfs-options",
      "vers=4.1",
      "--yes",
    ]);
    expect(made.stdout).toContain(
      "Created NFS storage 'nas-backups' on cluster home: 10.0.0.150:/volume1/backups/proxmox, content backup, options vers=4.1, keep-last=3.",
    );
    expect(made.stdout).toContain("ok    pve: 'nas-backups' (nfs) is active");
    expect(made.code).toBe(0);
    expect(rejected(lab)).toEqual([]);
  });
});
