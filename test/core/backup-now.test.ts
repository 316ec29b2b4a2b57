import { describe, expect, it } from "vitest";
import { type BackupNowInput, planBackupNow, requestedVmids } from "../../src/core/backup-now.js";
import type { Guest } from "../../src/core/model.js";

const g = (vmid: number, over: Partial<Guest> = {}): Guest => ({
  vmid,
  name: `g${vmid}`,
  type: "qemu",
  node: "pve",
  powerState: "running",
  template: false,
  ...over,
});
const input = (over: Partial<BackupNowInput> = {}): BackupNowInput => ({
  request: { vmids: [100], tiers: [] },
  guests: [
    g(100),
    g(101, { node: "pve2" }),
    g(102),
    g(103, { template: true }),
    g(104, { lock: "backup" }),
    g(105),
  ],
  tiers: [
    { name: "P0", schedule: "03:00", keepLast: 3, guests: [100, 102] },
    { name: "P1", schedule: "03:15", keepLast: 5, guests: [101, 105] },
  ],
  active: [],
  storage: "nas",
  ...over,
});

describe("planBackupNow", () => {
  it("posts one guest to the node it lives on, protected and pruning nothing", () => {
    expect(planBackupNow(input())).toEqual({
      ok: true,
      calls: [
        {
          node: "pve",
          vmids: [100],
          params: {
            vmid: "100",
            mode: "snapshot",
            compress: "zstd",
            remove: 0,
            "notification-mode": "notification-system",
            storage: "nas",
            protected: 1,
            "notes-template": "{{guestname}}: manual backup (PVE Backup)",
          },
        },
      ],
    });
  });

  it("starts one task per node, whatever the guests' tiers and retention", () => {
    const plan = planBackupNow(input({ request: { vmids: [105], tiers: ["P0", "P1"] } }));
    expect(plan.ok && plan.calls.map((c) => [c.node, c.vmids, c.params.vmid])).toEqual([
      ["pve", [100, 102, 105], "100,102,105"],
      ["pve2", [101], "101"],
    ]);
    // Never the tier's retention: a manual run must not prune the scheduled archives.
    expect(plan.ok && plan.calls.every((c) => c.params["prune-backups"] === undefined)).toBe(true);
    expect(plan.ok && plan.calls.every((c) => c.params.remove === 0 && c.params.protected === 1)).toBe(true);
  });

  it("prunes nothing but cannot protect without a configured storage (protected needs one)", () => {
    const plan = planBackupNow(input({ storage: undefined }));
    expect(plan.ok && plan.calls[0]?.params).toEqual({
      vmid: "100",
      mode: "snapshot",
      compress: "zstd",
      remove: 0,
      "notification-mode": "notification-system",
    });
  });

  it.each<[string, Partial<BackupNowInput>, string]>([
    [
      "an unknown guest",
      { request: { vmids: [999], tiers: [] } },
      "nothing started: guest 999 does not exist (or the token cannot see it)",
    ],
    [
      "a template",
      { request: { vmids: [103], tiers: [] } },
      "nothing started: guest 103 (g103) is a template; templates are not backed up on demand",
    ],
    [
      "a guest PVE holds a backup lock on",
      { request: { vmids: [104], tiers: [] } },
      "nothing started: guest 104 (g104) is already being backed up",
    ],
    [
      "a guest in a running task",
      { active: [{ vmid: 100, upid: "u", node: "pve", startMs: 0, outcome: "running" }] },
      "nothing started: guest 100 (g100) is already being backed up",
    ],
    ["an unknown tier", { request: { vmids: [], tiers: ["P9"] } }, "unknown tier 'P9'; tiers are: P0, P1"],
    [
      "an unknown tier without tiers",
      { request: { vmids: [], tiers: ["P9"] }, tiers: [] },
      "unknown tier 'P9'; tiers are: (none configured)",
    ],
    [
      "an empty request",
      { request: { vmids: [], tiers: [] } },
      "name at least one guest (vmid) or tier to back up",
    ],
    [
      "one bad guest among good ones: nothing starts",
      { request: { vmids: [100, 999], tiers: [] } },
      "nothing started: guest 999 does not exist (or the token cannot see it)",
    ],
  ])("refuses %s", (_n, over, error) => {
    expect(planBackupNow(input(over))).toEqual({ ok: false, error });
  });

  describe("the token's privileges", () => {
    const TOKEN = "backup@pve!now";
    const access = (permissions: Record<string, Record<string, number>>) => ({
      access: { permissions, tokenId: TOKEN },
    });
    const BACKUP = { "VM.Backup": 1, "VM.Audit": 1 };
    const SPACE = { "Datastore.AllocateSpace": 1, "Datastore.Audit": 1 };

    it("starts when the token may back up the guests and write to the storage", () => {
      const plan = planBackupNow(input(access({ "/vms": BACKUP, "/storage/nas": SPACE })));
      expect(plan.ok).toBe(true);
    });

    it.each<[string, Partial<BackupNowInput>, string]>([
      [
        "VM.Backup on one guest",
        { ...access({ "/vms": { "VM.Audit": 1 }, "/storage/nas": SPACE }) },
        "nothing started: the token backup@pve!now lacks VM.Backup on guest 100 (g100); grant it with: " +
          "pveum acl modify /vms/100 --users backup@pve --tokens 'backup@pve!now' --roles PVEVMUser",
      ],
      [
        "VM.Backup on some guests of a tier, across nodes",
        {
          request: { vmids: [], tiers: ["P1"] },
          ...access({ "/vms": { "VM.Audit": 1 }, "/vms/105": BACKUP, "/storage/nas": SPACE }),
          guests: [g(101, { node: "pve2" }), g(105)],
        },
        "nothing started: the token backup@pve!now lacks VM.Backup on guest 101 (g101); grant it with: " +
          "pveum acl modify /vms/101 --users backup@pve --tokens 'backup@pve!now' --roles PVEVMUser",
      ],
      [
        "VM.Backup on several guests",
        { request: { vmids: [100, 102], tiers: [] }, ...access({ "/storage/nas": SPACE }) },
        "nothing started: the token backup@pve!now lacks VM.Backup on guests 100 (g100), 102 (g102); grant it with: " +
          "pveum acl modify /vms --users backup@pve --tokens 'backup@pve!now' --roles PVEVMUser",
      ],
      [
        "Datastore.AllocateSpace on the storage",
        { ...access({ "/vms": BACKUP, "/storage": { "Datastore.Audit": 1 } }) },
        "nothing started: the token backup@pve!now lacks Datastore.AllocateSpace on /storage/nas; grant it with: " +
          "pveum acl modify /storage/nas --users backup@pve --tokens 'backup@pve!now' --roles PVEDatastoreUser",
      ],
    ])("refuses a token without %s, naming the pveum line", (_n, over, error) => {
      expect(planBackupNow(input(over))).toEqual({ ok: false, error });
    });

    it("checks only the guests without a storage configured (PVE picks one)", () => {
      expect(planBackupNow(input({ ...access({ "/vms": BACKUP }), storage: undefined })).ok).toBe(true);
    });

    it("names a guest's own problem before the token's privileges", () => {
      expect(planBackupNow(input({ request: { vmids: [999], tiers: [] }, ...access({}) }))).toEqual({
        ok: false,
        error: "nothing started: guest 999 does not exist (or the token cannot see it)",
      });
    });
  });

  it("lists the vmids a request names, directly and through known tiers, ascending and once", () => {
    const tiers = input().tiers;
    expect(requestedVmids({ vmids: [105, 100], tiers: ["P0", "P9"] }, tiers)).toEqual([100, 102, 105]);
    expect(requestedVmids({ vmids: [], tiers: ["P9"] }, tiers)).toEqual([]);
  });
});
