import { describe, expect, it } from "vitest";
import { type BackupNowInput, planBackupNow } from "../../src/core/backup-now.js";
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
            "notes-template": "{{guestname}}",
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
});
