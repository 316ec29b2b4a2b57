import { describe, expect, it } from "vitest";
import { CAPABILITIES, checkCapabilities, pveumCommands } from "../../src/core/doctor.js";

const AUDITOR = {
  "/": { "VM.Audit": 1, "Sys.Audit": 1, "Datastore.Audit": 1, "Mapping.Audit": 1, "Pool.Audit": 1 },
};
const ADMIN = {
  "/": Object.fromEntries(
    [
      "VM.Audit",
      "VM.Backup",
      "Sys.Audit",
      "Sys.Modify",
      "Datastore.Allocate",
      "Datastore.AllocateSpace",
      "Mapping.Modify",
    ].map((p) => [p, 1]),
  ),
};

describe("checkCapabilities", () => {
  it("tells a read-only token what it cannot do and which privileges are missing", () => {
    const checks = checkCapabilities(AUDITOR, "nas-backups");
    expect(checks.map((c) => [c.capability, c.ok])).toEqual([
      ["read_guests", true],
      ["see_archives", false],
      ["read_jobs_and_tasks", true],
      ["run_backups", false],
      ["manage_jobs", false],
      ["manage_storage", false],
      ["create_webhooks", false],
    ]);
    expect(checks[1]?.missing).toEqual(["Datastore.Allocate on /storage/nas-backups"]);
    expect(checks[3]?.missing).toEqual([
      "VM.Backup on /vms",
      "Datastore.AllocateSpace on /storage/nas-backups",
    ]);
    expect(checks[6]?.missing).toEqual(["Mapping.Modify on /mapping/notifications", "Sys.Modify on /"]);
  });

  it("accepts the alternative ways PVE allows", () => {
    const perms = {
      "/storage/nas": { "Datastore.AllocateSpace": 1 },
      "/vms": { "VM.Backup": 1 },
      "/": { "Sys.AccessNetwork": 1 },
      "/mapping": { "Mapping.Modify": 1 },
    };
    const ok = Object.fromEntries(checkCapabilities(perms, "nas").map((c) => [c.capability, c.ok]));
    expect(ok).toMatchObject({
      see_archives: true,
      run_backups: true,
      create_webhooks: true,
      read_guests: false,
    });
  });

  it("finds everything in an administrator token", () => {
    expect(checkCapabilities(ADMIN, "nas").every((c) => c.ok && c.missing.length === 0)).toBe(true);
  });
});

describe("pveumCommands", () => {
  it("builds a least-privilege role for the chosen capabilities and grants it to user and token", () => {
    expect(
      pveumCommands("pve-backup@pve!addon", ["read_guests", "see_archives", "read_jobs_and_tasks"], "nas"),
    ).toEqual([
      'pveum role add PVEBackupPanel --privs "Datastore.Allocate,Sys.Audit,VM.Audit"   # or: pveum role modify PVEBackupPanel --privs "…"',
      "pveum user add pve-backup@pve   # skip if the user exists",
      "pveum user token add pve-backup@pve addon --privsep 1   # skip if the token exists; note the secret",
      "pveum acl modify / --users pve-backup@pve --roles PVEBackupPanel",
      "pveum acl modify / --tokens 'pve-backup@pve!addon' --roles PVEBackupPanel",
    ]);
  });

  it("covers every capability with one role", () => {
    const [role] = pveumCommands("u@pve!t", CAPABILITIES, "nas");
    expect(role).toContain(
      '"Datastore.Allocate,Datastore.AllocateSpace,Mapping.Modify,Sys.Audit,Sys.Modify,VM.Audit,VM.Backup"',
    );
  });
});
