import { afterEach } from "vitest";
import { parseOptions } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import { createPveApi, type PveApi } from "../../src/pve/api.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import type { Scenario } from "../../src/sim/scenario.js";

/**
 * A simulated lab on a manual clock and the demo options' PVE client for it, started when a test
 * asks (as often as it asks) and stopped after that test.
 */
export function simApiPerTest(): (
  scenario: Scenario,
  timeoutMs?: number,
) => Promise<{ lab: SimLab; api: PveApi }> {
  const started: { lab: SimLab; api: PveApi }[] = [];
  afterEach(async () => {
    for (const { lab, api } of started.splice(0)) {
      await api.close();
      await lab.stop();
    }
  });
  return async (scenario, timeoutMs = 10_000) => {
    const lab = await startSimLab({ scenario, clock: "manual" });
    const config = parseOptions(demoOptions(lab), { defaultTimeZone: "UTC" });
    const api = createPveApi(config.clusters[0] as (typeof config.clusters)[0], { timeoutMs });
    started.push({ lab, api });
    return { lab, api };
  };
}
