import { describe, expect, it } from "vitest";
import { type Options, parseOptions } from "../../src/config/schema.js";
import { ConfigError } from "../../src/errors.js";

const SECRET = "5d1c6a0e-8f3b-4c2a-9e71-2b8d4f6a9c10";
const env = { defaultTimeZone: "UTC" };
const cluster = (name: string) => ({
  name,
  url: "https://10.0.0.5:8006",
  token_id: "pve-backup@pve!addon",
  token_secret: SECRET,
});
const base = (alerts: unknown, clusters = [cluster("home")]): Options =>
  ({
    clusters,
    tiers: [{ name: "P0", schedule: "03:00", keep_last: 3, guests: [100] }],
    alerts,
  }) as Options;

function problems(raw: unknown): string[] {
  try {
    parseOptions(raw, env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe("the alerts options", () => {
  it("map to the alerts config, with minutes after midnight and cluster/vmid guests", () => {
    const c = parseOptions(
      base({
        targets: ["notify.mobile_app_pixel_8", "persistent_notification", "notify.mobile_app_pixel_8"],
        statuses: ["failed", "late"],
        grace_min: 15,
        quiet_hours: "22:00-07:30",
        digest_time: "08:05",
        immediate_tiers: ["P0"],
        archived: ["105", "home/106"],
        dashboard_path: "/lovelace/backups",
      }),
      env,
    );
    expect(c.alerts).toEqual({
      targets: ["notify.mobile_app_pixel_8", "persistent_notification"],
      statuses: ["failed", "late"],
      graceMin: 15,
      quietHours: { startMin: 22 * 60, endMin: 7 * 60 + 30 },
      digestMin: 8 * 60 + 5,
      immediateTiers: ["P0"],
      archived: ["home/105", "home/106"],
      dashboardPath: "/lovelace/backups",
      archivedReasons: {},
    });
  });

  it.each([
    ["absent", undefined],
    ["the Supervisor's empty block", {}],
    ["no target", { targets: [], digest_time: "08:00" }],
  ])("are off when %s", (_, alerts) => {
    expect(parseOptions(base(alerts), env).alerts).toBeUndefined();
  });

  it("default to every status, a 60 min grace, no quiet hours and no digest", () => {
    expect(
      parseOptions(base({ targets: ["persistent_notification"], quiet_hours: "", digest_time: "" }), env)
        .alerts,
    ).toEqual({
      targets: ["persistent_notification"],
      statuses: ["failed", "late", "never", "not_in_job", "unknown", "verify_failed", "ha_backup"],
      graceMin: 60,
      quietHours: undefined,
      digestMin: undefined,
      immediateTiers: [],
      archived: [],
      dashboardPath: "/lovelace",
      archivedReasons: {},
    });
  });

  it.each([
    [
      { targets: ["mobile_app_pixel"] },
      "alerts.targets.0: must be a notify service like notify.mobile_app_pixel_8, or persistent_notification",
    ],
    [
      { statuses: ["stale"] },
      "alerts.statuses.0: must be one of failed, late, never, not_in_job, unknown, verify_failed, ha_backup",
    ],
    [{ grace_min: -1 }, "alerts.grace_min: must be 0 or more minutes"],
    [
      { quiet_hours: "22-7" },
      "alerts.quiet_hours: must be a span of local time like 22:00-07:00 (or empty for none)",
    ],
    [
      { quiet_hours: "24:00-07:00" },
      "alerts.quiet_hours: must be a span of local time like 22:00-07:00 (or empty for none)",
    ],
    [{ digest_time: "8am" }, "alerts.digest_time: must be a local time like 08:00 (or empty for no digest)"],
    [{ immediate_tiers: ["P9"] }, "alerts.immediate_tiers.0: no tier named 'P9' (the tiers are P0)"],
    [
      { archived: ["web"] },
      "alerts.archived.0: must be a guest's vmid like 105 or cluster/vmid like home/105, optionally with a reason: 105: retired, data moved to the NAS",
    ],
    [
      { archived: ["retired: 105"] },
      "alerts.archived.0: must be a guest's vmid like 105 or cluster/vmid like home/105, optionally with a reason: 105: retired, data moved to the NAS",
    ],
    [
      { archived: [`105: ${"x".repeat(201)}`] },
      "alerts.archived.0: the reason must be at most 200 characters",
    ],
    [
      { archived: ["105", "home/105: retired"] },
      "alerts.archived.1: guest home/105 is archived twice: keep one entry",
    ],
    [{ archived: ["lab/105"] }, "alerts.archived.0: no cluster named 'lab'"],
    [
      { dashboard_path: "lovelace" },
      "alerts.dashboard_path: must be a path in Home Assistant, like /lovelace/backups",
    ],
    [{ target: [] }, "alerts.target: unknown option; did you mean targets?"],
  ])("refuse %j with a sentence that says what to write", (alerts, problem) => {
    expect(problems(base(alerts))).toEqual([problem]);
  });

  it("take an archived guest with its reason, on one line, and keep the bare forms", () => {
    const c = parseOptions(
      base({
        targets: ["persistent_notification"],
        archived: [
          "105: retired, data moved to the NAS",
          "home/106:  old\n  Windows VM 🪦 ",
          "107",
          "home/108:",
          " 0109 : kept: on tape",
        ],
      }),
      env,
    );
    expect(c.alerts?.archived).toEqual(["home/105", "home/106", "home/107", "home/108", "home/109"]);
    expect(c.alerts?.archivedReasons).toEqual({
      "home/105": "retired, data moved to the NAS",
      "home/106": "old Windows VM 🪦",
      "home/109": "kept: on tape",
    });
  });

  it("want cluster/vmid for an archived guest when several clusters are configured", () => {
    expect(problems(base({ archived: ["105"] }, [cluster("home"), cluster("lab")]))).toEqual([
      "alerts.archived.0: several clusters are configured: write cluster/vmid, like home/105",
    ]);
  });
});
