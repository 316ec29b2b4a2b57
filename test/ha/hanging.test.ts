import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoOptions } from "../../src/demo.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { tieredLab } from "../support/scenarios.js";
import { type AddonProcess, addon } from "./addon.js";
import { type HangingHa, startHangingHa } from "./fake-ha.js";
import { freePort, waitFor } from "./hass.js";

/**
 * A Home Assistant that takes connections and never answers (a hung Core, a stuck proxy): the
 * add-on gives up on each call after its timeout (30 s) and keeps monitoring meanwhile.
 */

let lab: SimLab;
const started: { ha: HangingHa; add: AddonProcess }[] = [];

async function addonAgainst(answer: readonly string[]) {
  const ha = await startHangingHa({ answer });
  const add = addon(
    { ...demoOptions(lab), timezone: "UTC", refresh_interval_s: 5 },
    { url: ha.url, token: "any" },
    await freePort(),
  );
  started.push({ ha, add });
  await add.start();
  return { ha, add };
}

beforeAll(async () => {
  lab = await startSimLab({
    scenario: tieredLab({ now: new Date(Date.now() - (Date.now() % 60_000)).toISOString() }),
    clock: "manual",
  });
});

afterAll(async () => {
  for (const { ha, add } of started) {
    await add.stop();
    await ha.close();
  }
  await lab?.stop();
});

describe.concurrent("a Home Assistant that never answers", () => {
  it("keeps refreshing while a fallback POST /api/states hangs, and gives up on it after the timeout", async () => {
    const { ha, add } = await addonAgainst(["get_config", "pve_backup/version", "call_service"]);
    await waitFor(() => ha.restCalls.length > 0, 30_000, "no fallback state was posted");
    // A state changes while that POST hangs: the next refresh has something to publish.
    lab.state.archives = lab.state.archives.filter((a) => a.vmid !== 103);
    const before = (await add.bridge()).refreshes;
    await waitFor(
      async () => (await add.bridge()).refreshes >= before + 3,
      30_000,
      `refreshes stopped while Home Assistant hung (see ${add.logFile})`,
    );
    await waitFor(
      () =>
        /WARN .*publishing to Home Assistant: POST \/api\/states\/\S+: .*(timeout|abort)/i.test(add.log()),
      45_000,
      `the hanging POST did not time out (see ${add.logFile})`,
    );
    expect((await add.bridge()).bridge?.mode).toBe("fallback");
    expect(add.log()).not.toContain("[object Object]");
  });

  it("times out websocket commands, reconnects, and keeps refreshing", async () => {
    const { ha, add } = await addonAgainst([]);
    await waitFor(
      () => /Home Assistant did not answer get_config within 30 s: reconnecting/.test(add.log()),
      45_000,
      `no timeout on an unanswered command (see ${add.logFile})`,
    );
    const before = (await add.bridge()).refreshes;
    await waitFor(
      async () => (await add.bridge()).refreshes >= before + 2,
      20_000,
      `refreshes stopped (see ${add.logFile})`,
    );
    // After the timeout it reconnected and asked again.
    await waitFor(
      () => ha.received.filter((t) => t === "get_config").length >= 2,
      20_000,
      "did not ask again after the timeout",
    );
    expect((await add.bridge()).bridge?.mode).toBe("connecting");
  });
});
