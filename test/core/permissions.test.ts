import { describe, expect, it } from "vitest";
import type { BackupJob } from "../../src/core/model.js";
import { canSeeBackups, hasPrivilege } from "../../src/core/permissions.js";
import { jobSelects } from "../../src/core/selection.js";

describe("hasPrivilege", () => {
  const perms = {
    "/": { "Sys.Audit": 1, "VM.Audit": 0 },
    "/storage/nas": { "Datastore.AllocateSpace": 1 },
    "/vms": { "VM.Backup": 1 },
  };
  it.each<[string, string, boolean]>([
    ["/", "Sys.Audit", true],
    ["/", "VM.Audit", true], // listed at the path itself: effective there, propagating or not
    ["/nodes/pve", "Sys.Audit", true], // inherited from / (propagates)
    ["/vms/100", "VM.Audit", false], // on / but not propagating
    ["/vms/100", "VM.Backup", true],
    ["/storage/nas", "Datastore.Allocate", false],
    ["/storage/other", "Datastore.AllocateSpace", false],
  ])("%s %s → %s", (path, priv, expected) => {
    expect(hasPrivilege(perms, path, priv)).toBe(expected);
  });
  it("has nothing when nothing is listed", () => {
    expect(hasPrivilege({}, "/vms/100", "VM.Audit")).toBe(false);
  });
});

describe("canSeeBackups: pve-storage check_volume_access", () => {
  it.each<[string, Record<string, Record<string, number>>, boolean]>([
    ["Datastore.Allocate on the storage", { "/storage/nas": { "Datastore.Allocate": 1 } }, true],
    [
      "AllocateSpace plus VM.Backup",
      { "/storage/nas": { "Datastore.AllocateSpace": 1 }, "/vms/100": { "VM.Backup": 1 } },
      true,
    ],
    ["AllocateSpace without VM.Backup", { "/storage/nas": { "Datastore.AllocateSpace": 1 } }, false],
    ["PVEAuditor only", { "/": { "Datastore.Audit": 1, "VM.Audit": 1, "Sys.Audit": 1 } }, false],
  ])("%s → %s", (_n, perms, expected) => {
    expect(canSeeBackups(perms, "nas", 100)).toBe(expected);
  });
});

describe("jobSelects", () => {
  const base = { id: "j", enabled: true } as const;
  it.each<[string, BackupJob, { vmid: number; node: string; pool?: string }, boolean]>([
    [
      "vmid list includes",
      { ...base, selection: { kind: "vmids", vmids: [100, 101] } },
      { vmid: 101, node: "a" },
      true,
    ],
    [
      "vmid list excludes",
      { ...base, selection: { kind: "vmids", vmids: [100] } },
      { vmid: 101, node: "a" },
      false,
    ],
    ["all", { ...base, selection: { kind: "all", exclude: [] } }, { vmid: 101, node: "a" }, true],
    [
      "all with exclude",
      { ...base, selection: { kind: "all", exclude: [101] } },
      { vmid: 101, node: "a" },
      false,
    ],
    [
      "pool member",
      { ...base, selection: { kind: "pool", pool: "prod" } },
      { vmid: 1, node: "a", pool: "prod" },
      true,
    ],
    ["not in pool", { ...base, selection: { kind: "pool", pool: "prod" } }, { vmid: 1, node: "a" }, false],
    [
      "pinned to the guest's node",
      { ...base, node: "a", selection: { kind: "all", exclude: [] } },
      { vmid: 1, node: "a" },
      true,
    ],
    [
      "pinned to another node",
      { ...base, node: "b", selection: { kind: "all", exclude: [] } },
      { vmid: 1, node: "a" },
      false,
    ],
  ])("%s", (_n, job, guest, expected) => {
    expect(jobSelects(job, guest)).toBe(expected);
  });
});
