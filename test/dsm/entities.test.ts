import { describe, expect, it } from "vitest";
import type { ClusterReport, GuestReport } from "../../src/core/status.js";
import { statusWithNas, toNasEntities } from "../../src/dsm/report.js";
import type { NasView } from "../../src/dsm/view.js";
import { type CatalogueInput, declare, type NasEntities, states } from "../../src/entities/catalogue.js";
import { toStatusJson } from "../../src/report.js";

const NOW = Date.parse("2026-02-11T10:00:00Z");
const guest = (vmid: number): GuestReport => ({
  cluster: "home",
  vmid,
  name: `g${vmid}`,
  type: "qemu",
  node: "pve",
  tier: "P0",
  status: "ok",
  lastBackup: null,
  lastAttempt: null,
  expectedByMs: null,
  reason: "fine",
  jobs: [],
});
const reports: ClusterReport[] = [
  { cluster: "home", reachable: true, problems: [], guests: [guest(100), guest(101)] },
];
const input = (nas: NasEntities | null | undefined): CatalogueInput => ({
  reports,
  clusters: [{ cluster: "home", baseUrl: "https://pve:8006", storageFreeBytes: 1, nextRunMs: null, nas }],
  tiers: ["P0"],
});

const view = (over: Partial<NasView> = {}): NasView => ({
  url: "https://nas:5001",
  error: null,
  tasks: [],
  hyperBackup: "installed",
  storage: { id: "nas-backups", server: "10.0.0.150", export: "/volume1/backups/proxmox" },
  placement: { onNas: true },
  coverage: [],
  capacity: {
    share: "backups",
    freeBytes: 5e12,
    totalBytes: 8e12,
    backupBytes: 1e11,
    steadyBytes: 1e11,
    growthBytesPerWeek: 1e10,
    fillMs: Date.parse("2035-06-01T12:00:00Z"),
    problems: [],
  },
  findings: [],
  copies: new Map([
    [100, { pve: 3, nas: 3, offNas: "yes" as const, offNasMs: NOW - 6 * 3_600_000, offNasReason: null }],
  ]),
  ...over,
});

const stateOf = (nas: NasEntities | null | undefined, key: string) =>
  states(input(nas)).find((s) => s.key === key);

describe("NAS entities", () => {
  it("are not declared without the nas options", () => {
    expect(declare(input(undefined)).entities.map((e) => e.key)).not.toContain("home_nas_free_space");
    expect(stateOf(undefined, "home_100_last_backup")?.attributes).not.toHaveProperty("off_nas");
  });

  it("declares free space, the fill date and the off-NAS problem on the hub", () => {
    const nas = declare(input(null)).entities.filter((e) => /nas|offsite/.test(e.key));
    expect(nas.map((e) => [e.key, e.platform, e.translation_key, e.device_class])).toEqual([
      ["home_nas_free_space", "sensor", "nas_free_space", "data_size"],
      ["home_nas_fill_forecast", "sensor", "nas_fill_forecast", "date"],
      ["home_offsite_problem", "binary_sensor", "offsite_problem", "problem"],
    ]);
  });

  it("stay unknown before DSM was read, never 'no problem'", () => {
    expect(stateOf(null, "home_offsite_problem")?.state).toBeNull();
    expect(stateOf(null, "home_nas_free_space")?.state).toBeNull();
    expect(stateOf(null, "home_100_last_backup")?.attributes).toMatchObject({
      off_nas: "unknown",
      copies_pve: null,
    });
  });

  it("show the view: space, fill date, copies per guest", () => {
    const nas = toNasEntities(view());
    expect(stateOf(nas, "home_nas_free_space")).toMatchObject({
      state: 5e12,
      attributes: { share: "backups", problem: false },
    });
    expect(stateOf(nas, "home_nas_fill_forecast")?.state).toBe("2035-06-01");
    expect(stateOf(nas, "home_offsite_problem")?.state).toBe(false);
    expect(stateOf(nas, "home_100_last_backup")?.attributes).toMatchObject({
      copies_pve: 3,
      copies_nas: 3,
      off_nas: "yes",
      off_nas_time: "2026-02-11T04:00:00.000Z",
    });
    expect(stateOf(nas, "home_101_last_backup")?.attributes).toMatchObject({ off_nas: "unknown" });
  });

  it("carry why a guest's copy off the NAS is unknown: its cluster's storage is not on this NAS", () => {
    const reason = "storage 'nas-backups' of cluster 'home' is an NFS export of 10.0.0.99, not of the NAS";
    const nas = toNasEntities(
      view({
        placement: { onNas: false, reason },
        capacity: null,
        findings: [{ kind: "unknown", folder: "nas-backups", task: null, message: reason }],
        copies: new Map([
          [100, { pve: 3, nas: null, offNas: "unknown", offNasMs: null, offNasReason: reason }],
        ]),
      }),
    );
    expect(stateOf(nas, "home_100_last_backup")?.attributes).toMatchObject({
      off_nas: "unknown",
      copies_nas: null,
      off_nas_reason: reason,
    });
    expect(stateOf(nas, "home_offsite_problem")).toMatchObject({
      state: null,
      attributes: { findings: [reason] },
    });
    expect(stateOf(nas, "home_nas_free_space")?.state).toBeNull();
    expect(stateOf(toNasEntities(view()), "home_100_last_backup")?.attributes).toMatchObject({
      off_nas_reason: null,
    });
  });

  it.each<[string, NasView["findings"], boolean | null]>([
    ["a missing task is a problem", [{ kind: "no_task", folder: "/f", task: null, message: "m" }], true],
    ["only unknowns are unknown", [{ kind: "unknown", folder: "/f", task: null, message: "m" }], null],
    [
      "a capacity problem is not an off-NAS one",
      [{ kind: "capacity", folder: "backups", task: null, message: "m" }],
      false,
    ],
  ])("%s", (_, findings, problem) => {
    expect(toNasEntities(view({ findings }))?.offsiteProblem).toBe(problem);
  });

  it("without capacity (the share not found) shows nothing for it", () => {
    expect(toNasEntities(view({ capacity: null }))).toMatchObject({
      freeBytes: null,
      fillDate: null,
      capacityProblems: [],
    });
    expect(toNasEntities(undefined)).toBeNull();
  });
});

describe("statusWithNas", () => {
  it("adds nas and copies only when the NAS is watched", () => {
    const status = toStatusJson(reports);
    expect(statusWithNas(status, false, [])).toBe(status);
    expect(statusWithNas(undefined, true, [])).toBeUndefined();
    expect(statusWithNas(status, true, [])?.nas).toBeNull();
    const withView = statusWithNas(status, true, [{ cluster: "home", view: view() }]);
    expect(withView?.guests.map((g) => g.copies?.offNas ?? null)).toEqual(["yes", null]);
    expect(withView?.nas?.capacity?.fillDate).toBe("2035-06-01");
    expect(
      statusWithNas(status, true, [{ cluster: "other", view: view() }])?.guests[0]?.copies,
    ).toBeUndefined();
  });
});
