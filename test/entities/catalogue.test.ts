import { describe, expect, it } from "vitest";
import type { ClusterReport, GuestReport } from "../../src/core/status.js";
import {
  type CatalogueInput,
  changedStates,
  clusterContext,
  declare,
  guestKey,
  parseGuestRef,
  states,
  toPublish,
} from "../../src/entities/catalogue.js";

const guest = (vmid: number, over: Partial<GuestReport> = {}): GuestReport => ({
  cluster: "home-lab",
  vmid,
  name: `g${vmid}`,
  type: "qemu",
  node: "pve",
  tier: "P0",
  status: "ok",
  lastBackup: {
    timeMs: Date.parse("2026-02-11T03:00:02Z"),
    volid: "nas:backup/x",
    storage: "nas",
    sizeBytes: 42,
    notes: "web",
  },
  lastAttempt: { upid: "U", startMs: Date.parse("2026-02-11T03:00:00Z"), outcome: "ok" },
  expectedByMs: Date.parse("2026-02-12T04:00:00Z"),
  reason: "fine",
  jobs: ["p0"],
  ...over,
});
const report = (guests: GuestReport[], over: Partial<ClusterReport> = {}): ClusterReport => ({
  cluster: "home-lab",
  reachable: true,
  problems: [],
  guests,
  ...over,
});
const input = (guests: GuestReport[], over: Partial<ClusterReport> = {}): CatalogueInput => ({
  reports: [report(guests, over)],
  clusters: [
    {
      cluster: "home-lab",
      baseUrl: "https://10.0.0.5:8006",
      storageFreeBytes: 1000,
      nextRunMs: Date.parse("2026-02-12T03:00:00Z"),
    },
  ],
  tiers: ["P0", "P1"],
});

describe("declare", () => {
  it("declares a device per cluster and per guest, with the designed entities and stable keys", () => {
    const d = declare(input([guest(100), guest(103, { type: "lxc", name: "dl" })]));
    expect(d.devices.map((x) => [x.key, x.name, x.via_device])).toEqual([
      ["home_lab", "Proxmox VE home-lab", null],
      ["home_lab_100", "g100 (VM 100)", "home_lab"],
      ["home_lab_103", "dl (CT 103)", "home_lab"],
    ]);
    expect(d.devices[2]).toMatchObject({
      model: "LXC container",
      configuration_url: "https://10.0.0.5:8006/#v1:0:=lxc%2F103",
    });
    expect(
      d.entities.filter((e) => e.device === "home_lab_100").map((e) => [e.key, e.platform, e.device_class]),
    ).toEqual([
      ["home_lab_100_last_backup", "sensor", "timestamp"],
      ["home_lab_100_backup_status", "sensor", "enum"],
      ["home_lab_100_backup_problem", "binary_sensor", "problem"],
      ["home_lab_100_backup_size", "sensor", "data_size"],
      ["home_lab_100_backup_now", "button", null],
      ["home_lab_100_tier", "select", null],
    ]);
    expect(d.entities.find((e) => e.key === "home_lab_100_tier")?.options).toEqual(["P0", "P1", "none"]);
    // Sizes are sent in bytes and shown in GB.
    for (const key of ["home_lab_100_backup_size", "home_lab_storage_free"])
      expect(d.entities.find((e) => e.key === key)).toMatchObject({
        device_class: "data_size",
        state_class: "measurement",
        unit_of_measurement: "B",
        suggested_unit_of_measurement: "GB",
      });
    expect(d.entities.find((e) => e.key === "home_lab_100_backup_size")?.suggested_display_precision).toBe(2);
    expect(d.entities.filter((e) => e.suggested_unit_of_measurement !== null).map((e) => e.key)).toEqual([
      "home_lab_storage_free",
      "home_lab_100_backup_size",
      "home_lab_103_backup_size",
    ]);
    expect(d.entities.filter((e) => e.device === "home_lab").map((e) => e.key)).toEqual([
      "home_lab_problems",
      "home_lab_backup_problem",
      "home_lab_next_backup",
      "home_lab_storage_free",
    ]);
  });
});

describe("states", () => {
  it("gives each entity its state and attributes", () => {
    const s = Object.fromEntries(
      states(
        input([
          guest(100),
          guest(101, { status: "late", tier: null, lastBackup: null, lastAttempt: null, expectedByMs: null }),
          guest(102, { status: "unknown" }),
        ]),
      ).map((x) => [x.key, x]),
    );
    expect(s.home_lab_100_last_backup).toMatchObject({
      state: "2026-02-11T03:00:02.000Z",
      attributes: {
        size_bytes: 42,
        volid: "nas:backup/x",
        storage: "nas",
        notes: "web",
        node: "pve",
        tier: "P0",
        jobs: ["p0"],
      },
    });
    expect(s.home_lab_100_backup_status).toMatchObject({
      state: "ok",
      attributes: { reason: "fine", expected_by: "2026-02-12T04:00:00.000Z", last_attempt_outcome: "ok" },
    });
    expect(s.home_lab_100_backup_problem?.state).toBe(false);
    expect(s.home_lab_101_backup_problem?.state).toBe(true);
    expect(s.home_lab_102_backup_problem?.state).toBeNull();
    expect(s.home_lab_101_last_backup?.state).toBeNull();
    expect(s.home_lab_101_backup_size?.state).toBeNull();
    expect(s.home_lab_101_tier?.state).toBe("none");
    expect(s.home_lab_100_backup_size?.state).toBe(42);
    expect(s.home_lab_problems).toMatchObject({
      state: 1,
      attributes: { ok: 1, late: 1, unknown: 1, failed: 0 },
    });
    expect(s.home_lab_backup_problem?.state).toBe(true);
    expect(s.home_lab_next_backup?.state).toBe("2026-02-12T03:00:00.000Z");
    expect(s.home_lab_storage_free?.state).toBe(1000);
  });

  it("tells on the backup-status sensor whether a guest is archived and why, once alerts are configured", () => {
    const guests = [
      guest(100, { status: "not_in_job", reason: "no backup job selects this guest" }),
      guest(101),
    ];
    const archived = new Map([
      ["home-lab/100", "retired, data moved to the NAS"],
      ["home-lab/102", null],
    ]);
    const s = Object.fromEntries(states({ ...input(guests), archived }).map((x) => [x.key, x]));
    expect(s.home_lab_100_backup_status).toMatchObject({
      state: "not_in_job",
      attributes: {
        reason: "no backup job selects this guest",
        archived: true,
        archived_reason: "retired, data moved to the NAS",
      },
    });
    expect(s.home_lab_101_backup_status?.attributes).toMatchObject({
      archived: false,
      archived_reason: null,
    });
    expect(s.home_lab_100_last_backup?.attributes).not.toHaveProperty("archived");
    const without = Object.fromEntries(states(input(guests)).map((x) => [x.key, x]));
    expect(without.home_lab_100_backup_status?.attributes).not.toHaveProperty("archived_reason");
  });

  it("says unknown, not 'no problem', for an unreachable cluster", () => {
    const s = Object.fromEntries(states(input([], { reachable: false })).map((x) => [x.key, x.state]));
    expect(s.home_lab_problems).toBeNull();
    expect(s.home_lab_backup_problem).toBeNull();
  });
});

describe("changedStates", () => {
  it("sends a state once, and again only when value or attributes change", () => {
    const sent = new Map<string, string>();
    const all = states(input([guest(100)]));
    expect(changedStates(all, sent)).toHaveLength(all.length);
    expect(changedStates(all, sent)).toEqual([]);
    const later = states(input([guest(100, { status: "late", reason: "old" })]));
    expect(changedStates(later, sent).map((s) => s.key)).toEqual([
      "home_lab_problems",
      "home_lab_backup_problem",
      "home_lab_100_backup_status",
      "home_lab_100_backup_problem",
    ]);
  });
});

describe("keys and references", () => {
  it.each<[string, ReturnType<typeof parseGuestRef>]>([
    ["home_lab_100", { clusterKey: "home_lab", vmid: 100 }],
    ["100", { clusterKey: undefined, vmid: 100 }],
    [" 105 ", { clusterKey: undefined, vmid: 105 }],
    ["vm100", undefined],
    ["", undefined],
  ])("parses %j", (ref, out) => {
    expect(parseGuestRef(ref)).toEqual(out);
  });
  it("keys guests by cluster and vmid", () => {
    expect(guestKey("Home-Lab", 100)).toBe("home_lab_100");
  });
});

describe("clusterContext", () => {
  it("takes the smallest free space of the active target storage and the next enabled job run", () => {
    const facts = {
      cluster: "c",
      reachable: true as const,
      nodes: [],
      guests: [],
      jobs: [
        { id: "a", enabled: true, selection: { kind: "vmids" as const, vmids: [] }, nextRunMs: 200 },
        { id: "b", enabled: false, selection: { kind: "vmids" as const, vmids: [] }, nextRunMs: 100 },
        { id: "c", enabled: true, selection: { kind: "vmids" as const, vmids: [] } },
      ],
      storages: [
        {
          storage: "nas",
          node: "a",
          type: "nfs",
          shared: true,
          enabled: true,
          active: true,
          totalBytes: 9,
          usedBytes: 1,
          availBytes: 8,
        },
        {
          storage: "nas",
          node: "b",
          type: "nfs",
          shared: true,
          enabled: true,
          active: true,
          totalBytes: 9,
          usedBytes: 4,
          availBytes: 5,
        },
        {
          storage: "nas",
          node: "c",
          type: "nfs",
          shared: true,
          enabled: true,
          active: false,
          totalBytes: 0,
          usedBytes: 0,
          availBytes: 0,
        },
      ],
      listed: [],
      archives: [],
      attempts: [],
      permissions: {},
      problems: [],
      jobRows: [],
    };
    expect(clusterContext("c", "u", facts, "nas")).toEqual({
      cluster: "c",
      baseUrl: "u",
      storageFreeBytes: 5,
      nextRunMs: 200,
    });
    expect(clusterContext("c", "u", { cluster: "c", reachable: false, error: "x" }, "nas")).toEqual({
      cluster: "c",
      baseUrl: "u",
      storageFreeBytes: null,
      nextRunMs: null,
    });
    expect(clusterContext("c", "u", { ...facts, jobs: [], storages: [] }, "nas")).toMatchObject({
      storageFreeBytes: null,
      nextRunMs: null,
    });
  });
});

describe("policy drift on the cluster device", () => {
  const base = {
    cluster: "c",
    reachable: true as const,
    nodes: [{ name: "pve", online: true }],
    guests: [
      { vmid: 100, name: "g", type: "qemu" as const, node: "pve", powerState: "running", template: false },
    ],
    jobs: [],
    storages: [
      {
        storage: "nas",
        node: "pve",
        type: "nfs",
        shared: true,
        enabled: true,
        active: true,
        totalBytes: 9,
        usedBytes: 1,
        availBytes: 8,
      },
    ],
    listed: [],
    archives: [],
    attempts: [],
    permissions: {},
    problems: [],
  };
  const policy = {
    tiers: [{ name: "P0", schedule: "03:00", keepLast: 3, guests: [100] }],
    storage: "nas",
    timeZone: "UTC",
    nowMs: 0,
  };

  it("is declared only with a policy, unknown when the cluster cannot be read, on while jobs differ", () => {
    const without = clusterContext("c", "u", { ...base, jobRows: [] }, "nas");
    expect(without.drift).toBeUndefined();
    expect(
      declare({ reports: [], clusters: [without], tiers: [] }).entities.some(
        (e) => e.key === "c_policy_drift",
      ),
    ).toBe(false);

    const missing = clusterContext("c", "u", { ...base, jobRows: [] }, "nas", policy);
    expect(missing.drift?.create).toEqual(["pve-backup-p0", "pve-backup-manual"]);
    const input = { reports: [], clusters: [missing], tiers: ["P0"] };
    expect(declare(input).entities.find((e) => e.key === "c_policy_drift")?.device_class).toBe("problem");
    expect(states(input).find((s) => s.key === "c_policy_drift")).toMatchObject({
      state: true,
      attributes: { create: ["pve-backup-p0", "pve-backup-manual"] },
    });

    const unknown = clusterContext("c", "u", { cluster: "c", reachable: false, error: "x" }, "nas", policy);
    expect(
      states({ reports: [], clusters: [unknown], tiers: ["P0"] }).find((s) => s.key === "c_policy_drift")
        ?.state,
    ).toBeNull();
  });
});

describe("toPublish", () => {
  it("declares what the reports hold", () => {
    const next = toPublish(input([guest(100)]), undefined);
    expect(next?.declaration.devices.map((d) => d.key)).toEqual(["home_lab", "home_lab_100"]);
    expect(next?.states.length).toBeGreaterThan(0);
  });

  it("keeps the last declaration while a cluster cannot be read, and declares nothing before one", () => {
    const last = declare(input([guest(100)]));
    const blind = input([], { reachable: false });
    expect(toPublish(blind, last)?.declaration).toBe(last);
    expect(toPublish(blind, undefined)).toBeUndefined();
  });
});
