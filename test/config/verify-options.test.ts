import { describe, expect, it } from "vitest";
import { parseOptions } from "../../src/config/schema.js";
import { ConfigError } from "../../src/errors.js";

const base = (verify: unknown, extra: Record<string, unknown> = {}) => ({
  clusters: [
    {
      name: "home",
      url: "https://10.0.0.5:8006",
      token_id: "pve-backup@pve!addon",
      token_secret: "5d1c6a0e-8f3b-4c2a-9e71-2b8d4f6a9c10",
    },
  ],
  tiers: [
    { name: "P0", schedule: "03:00", keep_last: 3, guests: [100] },
    { name: "P2", schedule: "sun 04:00", keep_last: 3, guests: [103] },
  ],
  verify,
  ...extra,
});
const NAS = { ha_backups: { host: "10.0.0.150", username: "ha", password: "x", share_path: "/volume1/ha" } };

function problems(raw: unknown): string[] {
  try {
    parseOptions(raw, { defaultTimeZone: "UTC" });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe("verify.schedule", () => {
  it("maps each line to a tier, when, and depth; none by default", () => {
    const c = parseOptions(
      base(
        {
          dump_path: "/volume1/pve/dump",
          schedule: ["P0 after_run", "P2 every 7 days full", "P2 every 1 day"],
        },
        NAS,
      ),
      { defaultTimeZone: "UTC" },
    );
    expect(c.verify.schedule).toEqual([
      { tier: "P0", afterRun: true, everyDays: undefined, full: false },
      { tier: "P2", afterRun: false, everyDays: 7, full: true },
      { tier: "P2", afterRun: false, everyDays: 1, full: false },
    ]);
    expect(parseOptions(base({}), { defaultTimeZone: "UTC" }).verify.schedule).toEqual([]);
  });

  it.each([
    [
      ["P0 nightly"],
      /verify\.schedule\.0: must be '<tier> after_run' or '<tier> every <N> days'.*e\.g\. 'P0 after_run'/,
    ],
    [["P0 every 0 days"], /verify\.schedule\.0: must be '<tier> after_run'/],
    [["P9 after_run"], /verify\.schedule\.0: no tier named 'P9' \(the tiers are P0, P2\)/],
    [
      ["P2 every 7 days full"],
      /verify\.schedule\.0: a full check reads the archives from the NAS: set verify\.dump_path and the NAS login in ha_backups/,
    ],
    [
      ["P0 test_restore every 30 days"],
      /verify\.schedule\.0: a test restore needs a spare VMID.*set verify\.spare_vmid/,
    ],
    [["P0 test_restore every 0 days"], /verify\.schedule\.0: must be .*'<tier> test_restore every <N> days'/],
    [["P0 test_restore weekly"], /verify\.schedule\.0: must be /],
    [["P9 test_restore every 30 days"], /verify\.schedule\.0: no tier named 'P9'/],
    [
      ["P0 test_restore every 30 days guest 103"],
      /verify\.schedule\.0: guest 103 is not in tier P0 \(its guests are 100\)/,
    ],
  ])("refuses %j saying what to write", (schedule, message) => {
    expect(problems(base({ schedule })).join("\n")).toMatch(message);
  });

  it("maps a test restore line, with or without its guest", () => {
    const c = parseOptions(
      base({
        spare_vmid: 9100,
        schedule: ["P0 test_restore every 30 days", "P2 test_restore every 1 day guest 103", "P0 after_run"],
      }),
      { defaultTimeZone: "UTC" },
    );
    expect(c.verify.schedule).toEqual([
      { tier: "P0", afterRun: false, everyDays: 30, full: false, testRestore: {} },
      { tier: "P2", afterRun: false, everyDays: 1, full: false, testRestore: { guest: 103 } },
      { tier: "P0", afterRun: true, everyDays: undefined, full: false },
    ]);
  });
});
