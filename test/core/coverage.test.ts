import { describe, expect, it } from "vitest";
import {
  assessCoverage,
  destinationKindOf,
  type FolderCoverage,
  guestCopies,
  type HyperBackupTask,
  hyperBackupNextRuns,
  isWithin,
  lastSuccessOf,
  placeStorage,
  taskHealth,
  tasksCovering,
} from "../../src/core/coverage.js";
import type { Archive } from "../../src/core/model.js";

const NOW = Date.parse("2026-02-11T10:00:00Z");
const H = 3_600_000;
const DUMP = "/volume1/backups/proxmox/dump";

const task = (over: Partial<HyperBackupTask> = {}): HyperBackupTask => ({
  id: 1,
  name: "NAS to USB",
  state: "backupable",
  status: "none",
  lastResult: "done",
  lastError: "",
  lastRunMs: NOW - 6 * H,
  lastEndMs: NOW - 5 * H,
  lastSuccessMs: NOW - 6 * H,
  nextRunMs: NOW + 18 * H,
  destination: "image:image_local",
  destinationKind: "local",
  folders: [{ path: "/volume1/backups", missing: false }],
  excludes: [],
  ...over,
});

const archive = (vmid: number, timeMs: number, storage = "nas-backups"): Archive => ({
  vmid,
  volid: `${storage}:backup/vzdump-qemu-${vmid}-${timeMs}.vma.zst`,
  storage,
  type: "qemu",
  timeMs,
  sizeBytes: 1000,
  format: "vma.zst",
  protected: false,
});

describe("destinationKindOf", () => {
  it.each([
    ["image:image_local", "local"],
    ["image_remote", "remote"],
    ["image:rsync", "remote"],
    ["cloud_image:google_drive", "cloud"],
    ["cloud_image:s3", "cloud"],
    ["image:carrier_pigeon", "unknown"],
    ["", "unknown"],
  ])("%s → %s", (type, kind) => expect(destinationKindOf(type)).toBe(kind));
});

describe("taskHealth", () => {
  it.each<[string, Partial<HyperBackupTask>, string]>([
    ["done, success at the last run", {}, "ok"],
    ["done without a success time", { lastSuccessMs: null }, "ok"],
    ["done without a run time", { lastRunMs: null }, "ok"],
    ["done but the last success came before the last run", { lastSuccessMs: NOW - 30 * H }, "failed"],
    ["an error key", { lastError: "SYNO.SDS.Backup.Application:error:status_target_broken" }, "failed"],
    ["state broken", { state: "broken" }, "failed"],
    ["state restore_only", { state: "restore_only" }, "failed"],
    ["state not known", { state: "relinkable" }, "unknown"],
    ["backing up", { status: "backup", lastResult: "backingup" }, "running"],
    ["resuming", { lastResult: "resuming" }, "running"],
    ["waiting", { status: "waiting" }, "running"],
    ["never ran", { lastResult: "none" }, "never"],
    ["suspended", { lastResult: "suspend" }, "failed"],
    ["error token", { lastResult: "error" }, "failed"],
    ["failed token", { lastResult: "failed" }, "failed"],
    ["an unconfirmed token", { lastResult: "partial" }, "unknown"],
  ])("%s", (_, over, health) => expect(taskHealth(task(over))).toBe(health));
});

describe("lastSuccessOf", () => {
  it.each<[string, Partial<HyperBackupTask>, number | null]>([
    ["the success time when given", { lastSuccessMs: NOW - 30 * H }, NOW - 30 * H],
    ["the start of a done run without it", { lastSuccessMs: null }, NOW - 6 * H],
    ["none for a run with an error", { lastSuccessMs: null, lastError: "x" }, null],
    ["none for a run not done", { lastSuccessMs: null, lastResult: "none" }, null],
  ])("%s", (_, over, ms) => expect(lastSuccessOf(task(over))).toBe(ms));
});

describe("isWithin", () => {
  it.each([
    ["/volume1/backups/proxmox/dump", "/volume1/backups", true],
    ["/volume1/backups", "/volume1/backups/", true],
    ["/volume1/backups-old", "/volume1/backups", false],
    ["/volume1/backups", "/volume1/backups/proxmox", false],
    ["/volume1/x", "/", true],
  ])("%s in %s: %s", (path, folder, within) => expect(isWithin(path, folder)).toBe(within));
});

describe("tasksCovering", () => {
  it.each<[string, Partial<HyperBackupTask>, boolean]>([
    ["a parent folder", {}, true],
    ["the folder itself", { folders: [{ path: DUMP, missing: false }] }, true],
    ["a missing folder", { folders: [{ path: "/volume1/backups", missing: true }] }, false],
    ["another share", { folders: [{ path: "/volume1/photo", missing: false }] }, false],
    ["an excluded parent", { excludes: ["/volume1/backups/proxmox"] }, false],
    ["an exclude elsewhere", { excludes: ["/volume1/backups/tmp"] }, true],
  ])("%s", (_, over, covers) => expect(tasksCovering([task(over)], DUMP).length === 1).toBe(covers));
});

const watched = (newestMs: number | null = NOW - 7 * H) => [{ label: "PVE archives", path: DUMP, newestMs }];

describe("assessCoverage", () => {
  it("finds no task when none covers the folder", () => {
    const [c] = assessCoverage(
      [task({ folders: [{ path: "/volume1/photo", missing: false }] })],
      watched(),
      NOW,
    );
    expect(c).toMatchObject({
      covered: "no",
      task: null,
      finding: { kind: "no_task", folder: DUMP, task: null },
    });
    expect(c?.finding?.message).toMatch(/no Hyper Backup task covers \/volume1\/backups\/proxmox\/dump/);
  });

  it("calls a folder covered by last night's successful run", () => {
    const [c] = assessCoverage([task()], watched(), NOW);
    expect(c).toMatchObject({
      covered: "yes",
      finding: null,
      lastSuccessMs: NOW - 6 * H,
      nextRunMs: NOW + 18 * H,
    });
    expect(c?.task).toEqual({ id: 1, name: "NAS to USB", health: "ok" });
  });

  it.each<[string, Partial<HyperBackupTask>, string, string]>([
    ["a failed run after an older success", { lastSuccessMs: NOW - 30 * H }, "failed", "yes"],
    [
      "a broken task that never succeeded",
      { state: "broken", lastSuccessMs: null, lastResult: "none" },
      "failed",
      "no",
    ],
    ["an error key", { lastError: "e:x" }, "failed", "yes"],
  ])("reports %s as a problem", (_, over, kind, covered) => {
    const [c] = assessCoverage([task(over)], watched(), NOW);
    expect(c).toMatchObject({ covered, finding: { kind, task: "NAS to USB" } });
    expect(c?.finding?.message).toContain("did not succeed");
  });

  it.each<[string, Partial<HyperBackupTask>, number | null, string | null, string]>([
    [
      "stale: succeeded before the newest archive, no schedule",
      { nextRunMs: null },
      NOW - 2 * H,
      "stale",
      "no",
    ],
    ["stale: its next run was missed", { nextRunMs: NOW - H }, NOW - 2 * H, "stale", "no"],
    [
      "stale: never succeeded, no schedule",
      { lastResult: "none", lastSuccessMs: null, nextRunMs: null },
      NOW - 2 * H,
      "stale",
      "no",
    ],
    ["pending: runs again after the archive", {}, NOW - 2 * H, null, "yes"],
    [
      "pending: never ran yet, scheduled",
      { lastResult: "none", lastSuccessMs: null, lastRunMs: null },
      NOW - 2 * H,
      null,
      "no",
    ],
    ["running now", { status: "backup", lastResult: "backingup", nextRunMs: null }, NOW - 2 * H, null, "yes"],
    ["an empty folder", { nextRunMs: null }, null, null, "yes"],
    ["an empty folder, scheduled", {}, null, null, "yes"],
    ["an unknown token, stale", { lastResult: "partial", nextRunMs: null }, NOW - 2 * H, "unknown", "no"],
    ["an unknown token, current", { lastResult: "partial" }, NOW - 7 * H, "unknown", "unknown"],
  ])("%s", (_, over, newestMs, kind, covered) => {
    const [c] = assessCoverage([task(over)], watched(newestMs), NOW);
    expect(c?.finding?.kind ?? null).toBe(kind);
    expect(c?.covered).toBe(covered);
  });

  it("names the command that runs a stale task", () => {
    const [c] = assessCoverage([task({ nextRunMs: null })], watched(NOW - H), NOW);
    expect(c?.finding?.message).toContain("pve-backup nas run 'NAS to USB'");
    const [never] = assessCoverage(
      [task({ nextRunMs: null, lastResult: "none", lastSuccessMs: null })],
      watched(NOW - H),
      NOW,
    );
    expect(never?.finding?.message).toContain("last succeeded never");
  });

  it("judges the best of several covering tasks", () => {
    const broken = task({ id: 2, name: "broken", state: "broken" });
    const older = task({ id: 3, name: "older", lastSuccessMs: NOW - 20 * H, lastRunMs: NOW - 20 * H });
    const odd = task({ id: 4, name: "odd", lastResult: "partial" });
    const running = task({
      id: 5,
      name: "running",
      status: "backup",
      lastSuccessMs: null,
      lastResult: "backingup",
    });
    const [c] = assessCoverage([broken, running, odd, older, task()], watched(), NOW);
    expect(c?.task?.name).toBe("NAS to USB");
    const [d] = assessCoverage([odd, broken, running], watched(), NOW);
    expect(d?.task?.name).toBe("running");
    const [e] = assessCoverage([broken, odd], watched(), NOW);
    expect(e?.task?.name).toBe("odd");
    const unproven = task({
      id: 6,
      name: "unproven",
      status: "backup",
      lastSuccessMs: null,
      lastResult: "resuming",
    });
    const [f] = assessCoverage([unproven, running], watched(), NOW);
    expect(f?.task?.name).toBe("unproven");
  });
});

describe("guestCopies", () => {
  const covered = (over: Partial<FolderCoverage> = {}): FolderCoverage => ({
    label: "PVE archives",
    folder: DUMP,
    task: { id: 1, name: "NAS to USB", health: "ok" },
    lastSuccessMs: NOW - 6 * H,
    nextRunMs: NOW + 18 * H,
    covered: "yes",
    finding: null,
    ...over,
  });
  const archives = [
    archive(100, NOW - 31 * H),
    archive(100, NOW - 7 * H),
    archive(100, NOW - 2 * H, "local"),
    archive(101, NOW - 2 * H),
  ];

  it("counts copies and says an archive was carried off the NAS", () => {
    const copies = guestCopies([100, 101, 102], archives, "nas-backups", covered());
    expect(copies.get(100)).toEqual({
      pve: 3,
      nas: 2,
      offNas: "yes",
      offNasMs: NOW - 6 * H,
      offNasReason: null,
    });
    expect(copies.get(101)).toEqual({ pve: 1, nas: 1, offNas: "no", offNasMs: null, offNasReason: null });
    expect(copies.get(102)).toEqual({ pve: 0, nas: 0, offNas: "no", offNasMs: null, offNasReason: null });
  });

  it.each<[string, string | null, FolderCoverage | null, string, number | null, string | null]>([
    [
      "no task covers the folder",
      "nas-backups",
      covered({ task: null, lastSuccessMs: null, covered: "no" }),
      "no",
      2,
      null,
    ],
    [
      "DSM could not be read",
      "nas-backups",
      null,
      "unknown",
      2,
      "the NAS's Hyper Backup tasks could not be read",
    ],
    [
      "no storage is known to be on the NAS",
      null,
      covered(),
      "unknown",
      null,
      "the NAS folder the archives are written to is unknown",
    ],
    [
      "the task's state is not understood",
      "nas-backups",
      covered({ task: { id: 1, name: "x", health: "unknown" } }),
      "unknown",
      2,
      "the state of Hyper Backup task 'x' is not known to be good or bad",
    ],
  ])("%s", (_, storage, coverage, offNas, nas, offNasReason) => {
    expect(guestCopies([100], archives, storage, coverage).get(100)).toMatchObject({
      pve: 3,
      nas,
      offNas,
      offNasReason,
    });
  });

  it("says the caller's reason when the storage is not on this NAS", () => {
    expect(guestCopies([100], archives, null, null, "elsewhere").get(100)).toMatchObject({
      nas: null,
      offNas: "unknown",
      offNasReason: "elsewhere",
    });
  });
});

describe("placeStorage", () => {
  const base = {
    cluster: "b",
    storage: "nas-backups",
    server: "10.0.0.150",
    export: "/volume1/backups/proxmox",
    nasNames: ["nas.lan"],
    nasAddresses: [],
    serverAddresses: [],
  };
  it.each<[string, Partial<Parameters<typeof placeStorage>[0]>, boolean, string]>([
    ["the server is the NAS's name, any case", { server: "NAS.lan" }, true, ""],
    ["the server is one of the NAS's configured names", { nasNames: ["nas.lan", "10.0.0.150"] }, true, ""],
    ["an IPv6 server in brackets", { server: "[fd00::5]", nasNames: ["fd00::5"] }, true, ""],
    [
      "the server resolves to one of the NAS's addresses",
      { nasAddresses: ["10.0.0.150"], serverAddresses: ["10.0.0.150"] },
      true,
      "",
    ],
    [
      "another server",
      { server: "10.9.9.9", nasAddresses: ["10.0.0.150"], serverAddresses: ["10.9.9.9"] },
      false,
      "storage 'nas-backups' of cluster 'b' is an NFS export of 10.9.9.9, not of the NAS (nas.lan): its copies off the NAS are unknown; set nas.nfs_server to 10.9.9.9 if that is the NAS",
    ],
    [
      "no export known",
      { export: null },
      false,
      "storage 'nas-backups' of cluster 'b' is not an NFS export this token can read (Datastore.Allocate on /storage): whether its archives are on the NAS is unknown",
    ],
    ["no server known", { server: null }, false, "is not an NFS export"],
  ])("%s", (_, over, onNas, reason) => {
    const p = placeStorage({ ...base, ...over });
    expect(p.onNas).toBe(onNas);
    if (!p.onNas) expect(p.reason).toContain(reason);
  });
});

describe("hyperBackupNextRuns", () => {
  it("lists the scheduled tasks' next runs, soonest first", () => {
    const runs = hyperBackupNextRuns([
      task({ id: 1, name: "a", nextRunMs: NOW + 5 * H }),
      task({ id: 2, name: "b", nextRunMs: null }),
      task({ id: 4, name: "d", nextRunMs: NOW + H }),
      task({ id: 3, name: "c", nextRunMs: NOW + H }),
    ]);
    expect(runs).toEqual([
      { taskId: 3, name: "c", startMs: NOW + H },
      { taskId: 4, name: "d", startMs: NOW + H },
      { taskId: 1, name: "a", startMs: NOW + 5 * H },
    ]);
  });
});
