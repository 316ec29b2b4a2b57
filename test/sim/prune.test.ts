import { describe, expect, it } from "vitest";
import { localClock } from "../../src/sim/local-time.js";
import { BUILTIN_ROLES, privilegesOn } from "../../src/sim/permissions.js";
import { markBackupGroup, parsePruneBackups } from "../../src/sim/prune.js";

/** The sim's retention (pve-storage `prune_mark_backup_group`) and ACL evaluation. */

const utc = localClock("UTC");
const at = (iso: string, prot = false) => ({ iso, ctimeSec: Date.parse(iso) / 1000, protected: prot });

function marks(options: string, entries: ReturnType<typeof at>[], zone = utc) {
  const parsed = parsePruneBackups(options);
  if (!parsed.ok) throw new Error(parsed.error);
  const m = markBackupGroup(entries, parsed.value, zone);
  return Object.fromEntries(entries.map((e) => [e.iso, m.get(e)]));
}

describe("markBackupGroup", () => {
  it("keeps the newest N with keep-last and removes the rest", () => {
    expect(
      marks("keep-last=2", [
        at("2026-02-01T03:00:00Z"),
        at("2026-02-02T03:00:00Z"),
        at("2026-02-03T03:00:00Z"),
      ]),
    ).toEqual({
      "2026-02-01T03:00:00Z": "remove",
      "2026-02-02T03:00:00Z": "keep",
      "2026-02-03T03:00:00Z": "keep",
    });
  });

  it("keeps the newest backup per day and skips days already kept by keep-last", () => {
    expect(
      marks("keep-last=1,keep-daily=2", [
        at("2026-02-01T03:00:00Z"),
        at("2026-02-02T03:00:00Z"),
        at("2026-02-02T15:00:00Z"),
        at("2026-02-03T03:00:00Z"),
        at("2026-02-03T15:00:00Z"),
      ]),
    ).toEqual({
      "2026-02-01T03:00:00Z": "keep",
      "2026-02-02T03:00:00Z": "remove",
      "2026-02-02T15:00:00Z": "keep",
      "2026-02-03T03:00:00Z": "remove",
      "2026-02-03T15:00:00Z": "keep",
    });
  });

  it("never touches protected backups and does not count them", () => {
    expect(
      marks("keep-last=1", [
        at("2026-02-01T03:00:00Z"),
        at("2026-02-02T03:00:00Z"),
        at("2026-02-03T03:00:00Z", true),
      ]),
    ).toEqual({
      "2026-02-01T03:00:00Z": "remove",
      "2026-02-02T03:00:00Z": "keep",
      "2026-02-03T03:00:00Z": "protected",
    });
  });

  it("numbers weeks by ISO week in node-local time", () => {
    // Sunday 23:30 UTC is already Monday (next ISO week) in Berlin.
    const berlin = localClock("Europe/Berlin");
    const entries = [at("2026-02-08T22:30:00Z"), at("2026-02-08T23:30:00Z")];
    expect(marks("keep-weekly=2", entries, utc)).toEqual({
      "2026-02-08T22:30:00Z": "remove",
      "2026-02-08T23:30:00Z": "keep",
    });
    expect(marks("keep-weekly=2", entries, berlin)).toEqual({
      "2026-02-08T22:30:00Z": "keep",
      "2026-02-08T23:30:00Z": "keep",
    });
  });

  it("treats an all-zero retention as keep-all", () => {
    expect(parsePruneBackups("keep-last=0")).toEqual({ ok: true, value: { "keep-all": "1" } });
    expect(parsePruneBackups("keep-foo=1")).toEqual({
      ok: false,
      error: "invalid key in comma-separated list property: keep-foo",
    });
  });
});

describe("privilegesOn", () => {
  const acl = [
    { path: "/", roles: ["PVEAuditor"], propagate: true },
    { path: "/vms/100", roles: ["PVEVMUser"], propagate: true },
    { path: "/storage/nas", roles: ["NoAccess"], propagate: true },
    { path: "/pool/prod", roles: ["PVEVMUser"], propagate: true },
  ];
  const poolOf = (vmid: number) => (vmid === 101 ? "prod" : undefined);

  it.each<[string, string, boolean]>([
    ["/vms/102", "VM.Audit", true],
    ["/vms/102", "VM.Backup", false],
    // A deeper ACL replaces what is inherited: 100 gets PVEVMUser, not PVEVMUser + PVEAuditor's Sys.Audit.
    ["/vms/100", "VM.Backup", true],
    ["/vms/100", "Sys.Audit", false],
    ["/vms/101", "VM.Backup", true],
    ["/storage/nas", "Datastore.Audit", false],
    ["/storage/local", "Datastore.Audit", true],
  ])("%s holds %s: %s", (path, priv, expected) => {
    expect(priv in privilegesOn(acl, path, BUILTIN_ROLES, poolOf)).toBe(expected);
  });

  it("applies a non-propagating ACL only to its own path", () => {
    const own = [{ path: "/vms", roles: ["PVEVMUser"], propagate: false }];
    expect(privilegesOn(own, "/vms", BUILTIN_ROLES)["VM.Backup"]).toBe(0);
    expect(privilegesOn(own, "/vms/100", BUILTIN_ROLES)).toEqual({});
  });
});
