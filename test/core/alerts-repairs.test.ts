import { describe, expect, it } from "vitest";
import type { BackupJob, ClusterFacts, StorageView } from "../../src/core/model.js";
import { findRepairs, type RepairContext } from "../../src/core/repairs.js";

type Facts = Extract<ClusterFacts, { reachable: true }>;

const ALL = {
  "/": {
    "Sys.Audit": 1,
    "Sys.Modify": 1,
    "Datastore.Allocate": 1,
    "Datastore.AllocateSpace": 1,
    "VM.Audit": 1,
    "VM.Backup": 1,
  },
};
const storage = (id: string, over: Partial<StorageView> = {}): StorageView => ({
  storage: id,
  node: "pve",
  type: "nfs",
  shared: true,
  enabled: true,
  active: true,
  totalBytes: 1e12,
  usedBytes: 1e11,
  availBytes: 9e11,
  ...over,
});
const job = (id: string, storageId: string | undefined, over: Partial<BackupJob> = {}): BackupJob => ({
  id,
  enabled: true,
  schedule: "03:00",
  storage: storageId,
  selection: { kind: "vmids", vmids: [100] },
  ...over,
});
const facts = (over: Partial<Facts> = {}): Facts => ({
  cluster: "Home Lab",
  reachable: true,
  nodes: [{ name: "pve", online: true }],
  guests: [],
  jobs: [job("pve-backup-p0", "nas-backups")],
  jobRows: [],
  storages: [storage("nas-backups"), storage("local", { type: "dir", shared: false })],
  listed: [],
  archives: [],
  attempts: [],
  permissions: ALL,
  problems: [],
  ...over,
});
const CTX: RepairContext = {
  baseUrl: "https://10.0.0.5:8006",
  tokenId: "pve-backup@pve!addon",
  storage: "nas-backups",
  manageJobs: true,
};

describe("findRepairs", () => {
  it("finds nothing on a healthy cluster", () => {
    expect(findRepairs(facts(), CTX)).toEqual([]);
  });

  it("says nothing about a cluster it cannot reach or has not read", () => {
    expect(findRepairs(undefined, CTX)).toEqual([]);
    expect(findRepairs({ cluster: "home", reachable: false, error: "timeout" }, CTX)).toEqual([]);
  });

  it("flags a job that points at a storage PVE does not have (the seed's synology-nas-storage)", () => {
    const jobs = [
      job("backup-7c1e4a52-9b0d", "synology-nas-storage", { enabled: false, comment: "nightly critical" }),
      job("backup-2f93d6b8-41aa", "gone"),
      job("legacy", undefined),
    ];
    expect(findRepairs(facts({ jobs }), CTX)).toEqual([
      {
        id: "job_missing_storage_home_lab_backup_7c1e4a52_9b0d",
        kind: "job_missing_storage",
        placeholders: {
          cluster: "Home Lab",
          job: "backup-7c1e4a52-9b0d (nightly critical)",
          storage: "synology-nas-storage",
          state: "disabled",
        },
        learnMoreUrl: "https://10.0.0.5:8006",
      },
      {
        id: "job_missing_storage_home_lab_backup_2f93d6b8_41aa",
        kind: "job_missing_storage",
        placeholders: { cluster: "Home Lab", job: "backup-2f93d6b8-41aa", storage: "gone", state: "enabled" },
        learnMoreUrl: "https://10.0.0.5:8006",
      },
    ]);
  });

  it.each([
    ["a node is offline (its storages are not listed)", { nodes: [{ name: "pve", online: false }] }],
    ["the jobs could not be read", { jobsError: "403" }],
  ])("does not call a storage missing when %s", (_, over) => {
    expect(findRepairs(facts({ jobs: [job("j", "elsewhere")], ...over }), CTX)).toEqual([]);
  });

  it("flags a token lacking a privilege, with the pveum lines", () => {
    const permissions = { "/": { "Sys.Audit": 1, "VM.Audit": 1, "Datastore.Allocate": 1 } };
    const [issue, ...rest] = findRepairs(facts({ permissions }), CTX);
    expect(rest).toEqual([]);
    expect(issue?.id).toBe("token_privilege_home_lab");
    expect(issue?.placeholders.missing).toBe(
      "run backups (VM.Backup on /vms, Datastore.AllocateSpace on /storage/nas-backups); manage backup jobs (Sys.Modify on /)",
    );
    expect(issue?.placeholders.pveum).toContain(
      "pveum acl modify / --tokens 'pve-backup@pve!addon' --roles PVEBackupPanel",
    );
    // Without tiers the token need not manage jobs.
    expect(findRepairs(facts({ permissions }), { ...CTX, manageJobs: false })[0]?.placeholders.missing).toBe(
      "run backups (VM.Backup on /vms, Datastore.AllocateSpace on /storage/nas-backups)",
    );
  });

  it.each([
    ["the privileges could not be read", { permissions: {} }, CTX],
    ["no backup storage is set", { permissions: { "/": { "VM.Audit": 1 } } }, { ...CTX, storage: undefined }],
  ])("does not judge the token when %s", (_, over, ctx) => {
    expect(findRepairs(facts(over), ctx)).toEqual([]);
  });

  it("flags the backup storage, or one an enabled job uses, that PVE cannot activate", () => {
    const storages = [
      storage("nas-backups", { active: false, node: "pve" }),
      storage("nas-backups", { active: false, node: "pve2" }),
      storage("usb", { active: false, shared: false }),
      storage("old", { active: false }),
      storage("off", { active: false, enabled: false }),
    ];
    const jobs = [job("usb-job", "usb"), job("old-job", "old", { enabled: false }), job("off-job", "off")];
    expect(findRepairs(facts({ storages, jobs }), CTX).map((i) => [i.id, i.placeholders.nodes])).toEqual([
      ["storage_inactive_home_lab_nas_backups", "pve, pve2"],
      ["storage_inactive_home_lab_usb", "pve"],
    ]);
    expect(
      findRepairs(facts({ storages: [storage("nas-backups", { active: false })], jobs: [] }), {
        ...CTX,
        storage: undefined,
      }),
    ).toEqual([]);
  });
});
