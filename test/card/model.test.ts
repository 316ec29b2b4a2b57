import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lovelace/pve-backup-card/config.js";
import {
  arrange,
  type ClusterSummary,
  catalogue,
  formatBytes,
  formatRelative,
  type HassLike,
  haBackupRow,
  matchesCluster,
  sizeHistory,
  sparkline,
  summarize,
} from "../../lovelace/pve-backup-card/model.js";

/** The card's model on registry and state shapes as Home Assistant's frontend has them. */

type Status = "ok" | "late" | "failed" | "never" | "not_in_job" | "running" | "unknown";

function fakeHass(
  guests: { vmid: number; name: string; status: Status; tier?: string; lastIso?: string }[],
): HassLike {
  const entities: Record<string, object> = {};
  const devices: Record<string, object> = {};
  const states: Record<string, object> = {};
  const put = (id: string, device: string, tk: string | null, state: string, attributes: object = {}) => {
    entities[id] = { entity_id: id, device_id: device, platform: "pve_backup", translation_key: tk };
    states[id] = { entity_id: id, state, attributes };
  };
  devices.cdev = {
    id: "cdev",
    name: "Proxmox VE home",
    identifiers: [["pve_backup", "home"]],
    via_device_id: null,
  };
  // Entity ids chosen to be unlike anything the card could guess.
  put(
    "sensor.a1",
    "cdev",
    null,
    String(guests.filter((g) => ["failed", "late", "never"].includes(g.status)).length),
    {
      ok: guests.filter((g) => g.status === "ok").length,
      problems: [],
    },
  );
  put("sensor.a2", "cdev", null, "2026-02-12T03:00:00+00:00", { device_class: "timestamp" });
  put("sensor.a3", "cdev", null, "123456789012", { device_class: "data_size" });
  put("binary_sensor.a4", "cdev", null, "off", { device_class: "problem" });
  for (const g of guests) {
    const d = `dev${g.vmid}`;
    devices[d] = {
      id: d,
      name: `${g.name} (VM ${g.vmid})`,
      identifiers: [["pve_backup", `home_${g.vmid}`]],
      via_device_id: "cdev",
    };
    put(`sensor.x${g.vmid}_1`, d, "last_backup", g.lastIso ?? "2026-02-11T03:00:00+00:00");
    put(`sensor.x${g.vmid}_2`, d, "backup_status", g.status, { reason: `reason ${g.vmid}` });
    put(
      `binary_sensor.x${g.vmid}_3`,
      d,
      "backup_problem",
      ["failed", "late", "never", "not_in_job"].includes(g.status)
        ? "on"
        : g.status === "unknown"
          ? "unknown"
          : "off",
    );
    put(`sensor.x${g.vmid}_4`, d, "backup_size", "2500000000");
    put(`button.x${g.vmid}_5`, d, "backup_now", "unknown");
    put(`select.x${g.vmid}_6`, d, "tier", g.tier ?? "none");
  }
  // Another integration's entity on its own device is ignored.
  entities["sensor.other"] = {
    entity_id: "sensor.other",
    device_id: "zz",
    platform: "other",
    translation_key: "backup_status",
  };
  return { entities, devices, states } as unknown as HassLike;
}

const lab = fakeHass([
  { vmid: 100, name: "homeassistant", status: "ok", tier: "P0" },
  { vmid: 101, name: "db", status: "failed", tier: "P1" },
  { vmid: 102, name: "web", status: "running", tier: "P0" },
  { vmid: 103, name: "nas", status: "unknown" },
  { vmid: 104, name: "mail", status: "late", tier: "P1" },
]);

describe("the card's model", () => {
  it("finds guests and the cluster through the registries, not entity ids", () => {
    const cat = catalogue(lab);
    expect(cat.guests.map((g) => [g.vmid, g.name, g.status, g.tier]).sort()).toEqual([
      [100, "homeassistant", "ok", "P0"],
      [101, "db", "failed", "P1"],
      [102, "web", "running", "P0"],
      [103, "nas", "unknown", null],
      [104, "mail", "late", "P1"],
    ]);
    expect(cat.guests.find((g) => g.vmid === 101)).toMatchObject({
      problem: true,
      reason: "reason 101",
      sizeBytes: 2_500_000_000,
      kind: "VM",
      entities: { backup_now: "button.x101_5" },
    });
    expect(cat.clusters).toHaveLength(1);
    expect(cat.clusters[0]).toMatchObject({
      key: "home",
      ok: 1,
      problems: 2,
      storageFreeBytes: 123_456_789_012,
      nextRunMs: Date.parse("2026-02-12T03:00:00Z"),
    });
    expect(matchesCluster(cat.clusters[0] as never, "home")).toBe(true);
    expect(matchesCluster(cat.clusters[0] as never, "cdev")).toBe(true);
    expect(matchesCluster(cat.clusters[0] as never, "other")).toBe(false);
  });

  it("puts problems first, then unknown, running, ok; filters and groups", () => {
    const { guests } = catalogue(lab);
    expect(arrange(guests, "none", false)[0]?.guests.map((g) => g.vmid)).toEqual([101, 104, 103, 102, 100]);
    expect(arrange(guests, "none", true)[0]?.guests.map((g) => g.vmid)).toEqual([101, 104, 103]);
    expect(arrange(guests, "status", false).map((g) => g.key)).toEqual([
      "failed",
      "late",
      "unknown",
      "running",
      "ok",
    ]);
    expect(arrange(guests, "tier", false).map((g) => [g.key, g.guests.map((x) => x.vmid)])).toEqual([
      ["P1", [101, 104]],
      ["", [103]],
      ["P0", [102, 100]],
    ]);
    expect(arrange([], "none", false)).toEqual([]);
  });

  it("sums clusters, unknown when any is unknown", () => {
    const { clusters } = catalogue(lab);
    expect(summarize(clusters)).toMatchObject({ ok: 1, problems: 2 });
    expect(
      summarize([...clusters, { ...(clusters[0] as ClusterSummary), ok: null, storageFreeBytes: 5 }]),
    ).toMatchObject({
      ok: null,
      problems: 4,
      storageFreeBytes: 5,
    });
  });

  it("formats sizes and relative times", () => {
    expect(formatBytes(2_500_000_000)).toBe("2.5 GB");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(null)).toBe("—");
    const now = Date.parse("2026-02-11T10:00:00Z");
    expect(formatRelative(now - 3 * 3_600_000, now)).toBe("3 hours ago");
    expect(formatRelative(now + 90_000, now)).toBe("in 2 minutes");
    expect(formatRelative(null, now)).toBe("—");
  });

  it("validates the config with sentences that say what to fix", () => {
    expect(parseConfig({ type: "custom:pve-backup-card" })).toMatchObject({
      filter: "all",
      group_by: "none",
      compact: false,
      columns: ["vmid", "tier", "status", "age", "size", "actions"],
    });
    expect(() => parseConfig({ filter: "some" })).toThrow(/filter must be one of all, problems/);
    expect(() => parseConfig({ columns: ["nope"] })).toThrow(/each column must be one of/);
    expect(() => parseConfig({ compact: "yes" })).toThrow(/compact must be true or false/);
    expect(() => parseConfig(null)).toThrow(/mapping/);
    expect(parseConfig({ cluster: "home", columns: ["status"] })).toMatchObject({
      cluster: "home",
      columns: ["status"],
    });
  });
});

/** The lab with Home Assistant's backups watched: the hub's entities by translation key. */
function withHaBackups(
  states: { last?: string; problem?: string; check?: string; size?: number },
  registered = true,
): HassLike {
  const base = lab as unknown as {
    entities: Record<string, object>;
    devices: Record<string, object>;
    states: Record<string, object>;
  };
  const entities = { ...base.entities };
  const st = { ...base.states };
  const put = (id: string, key: string, state: string | undefined, attributes: object = {}) => {
    if (state === undefined) return;
    if (registered)
      entities[id] = { entity_id: id, device_id: "cdev", platform: "pve_backup", translation_key: key };
    st[id] = { entity_id: id, state, attributes };
  };
  const ids = registered
    ? ["sensor.h1", "sensor.h2", "binary_sensor.h3"]
    : [
        "sensor.pve_backup_ha_backup_last",
        "sensor.pve_backup_ha_backup_verification",
        "binary_sensor.pve_backup_ha_backup_problem",
      ];
  put(ids[0] as string, "ha_backup_last", states.last, {
    device_class: "timestamp",
    size_bytes: states.size,
    name: "Automatic backup",
  });
  put(ids[1] as string, "ha_backup_verification", states.check, { message: "sha256 differs" });
  put(ids[2] as string, "ha_backup_problem", states.problem, { device_class: "problem" });
  return { ...base, entities, states: st } as unknown as HassLike;
}

describe("the card's HA-backup row and size history", () => {
  it("shows Home Assistant's backups only when their entities exist, and keeps them out of the cluster's numbers", () => {
    expect(haBackupRow(lab)).toBeNull();
    const hass = withHaBackups({ last: "2026-02-11T04:00:00+00:00", problem: "off", check: "ok", size: 2e9 });
    expect(haBackupRow(hass)).toMatchObject({
      status: "ok",
      lastMs: Date.parse("2026-02-11T04:00:00Z"),
      sizeBytes: 2e9,
      name: "Automatic backup",
      verification: "ok",
    });
    // A timestamp sensor on the hub with a translation key is not the next run.
    expect(catalogue(hass).clusters[0]?.nextRunMs).toBe(Date.parse("2026-02-12T03:00:00Z"));
    expect(haBackupRow(withHaBackups({ last: "2026-02-11T04:00:00+00:00", problem: "on" }))?.status).toBe(
      "failed",
    );
    expect(
      haBackupRow(withHaBackups({ last: "2026-02-11T04:00:00+00:00", problem: "off", check: "failed" })),
    ).toMatchObject({ status: "failed", message: "sha256 differs" });
    expect(haBackupRow(withHaBackups({ last: "unknown", problem: "off" }))?.status).toBe("never");
    expect(haBackupRow(withHaBackups({ last: "unavailable" }))?.status).toBe("unknown");
    // States set at the hub's default entity ids, without registry entries.
    expect(
      haBackupRow(withHaBackups({ last: "2026-02-11T04:00:00+00:00", problem: "off" }, false)),
    ).toMatchObject({ status: "ok", entities: { ha_backup_last: "sensor.pve_backup_ha_backup_last" } });
  });

  it("reads archive sizes from the recorder's compressed history, one point per new size", () => {
    const result = {
      "sensor.s": [
        { s: "100", a: {}, lu: 1_770_000_000 },
        { s: "100", lu: 1_770_000_100 },
        { s: "unknown", lu: 1_770_000_200 },
        { s: "150", lu: 1_770_086_400 },
        { s: "120", lc: 1_770_172_800 },
        { s: "", lu: 1_770_172_900 },
      ],
    };
    const pts = sizeHistory(result, "sensor.s");
    expect(pts).toEqual([
      { ms: 1_770_000_000_000, bytes: 100 },
      { ms: 1_770_086_400_000, bytes: 150 },
      { ms: 1_770_172_800_000, bytes: 120 },
    ]);
    expect(sizeHistory({}, "sensor.s")).toEqual([]);
    expect(sizeHistory(null, "sensor.s")).toEqual([]);
    expect(sparkline(pts, 100, 20)).toBe("1.0,19.0 50.0,1.0 99.0,11.8");
    expect(sparkline([{ ms: 1, bytes: 5 }], 100, 20)).toBe("50.0,10.0");
    expect(sparkline([], 100, 20)).toBe("");
  });
});
