import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoOptions } from "../../src/demo.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { tieredLab } from "../support/scenarios.js";
import { type AddonProcess, addon } from "./addon.js";
import { freePort, type Hass, startHass, waitFor } from "./hass.js";

/**
 * A real Home Assistant without the companion integration: the add-on still publishes the
 * essential sensors through `POST /api/states`, and says how to finish the install.
 */

let hass: Hass;
let lab: SimLab;
let add: AddonProcess;

beforeAll(async () => {
  hass = await startHass({ withIntegration: false });
  lab = await startSimLab({
    scenario: tieredLab({ now: new Date(Date.now() - (Date.now() % 60_000)).toISOString() }),
    clock: "manual",
  });
  add = addon({ ...demoOptions(lab), timezone: "UTC" }, hass, await freePort());
  await add.start();
}, 240_000);

afterAll(async () => {
  await add?.stop();
  await hass?.stop();
  await lab?.stop();
});

describe("without the companion integration", () => {
  it("posts each guest's status, problem flag and last backup as plain states", async () => {
    await waitFor(
      async () => (await add.bridge()).bridge?.mode === "fallback",
      30_000,
      "the add-on did not fall back",
    );
    const get = async (id: string) =>
      (await hass.rest<{ state: string; attributes: Record<string, unknown> }>("GET", `/api/states/${id}`))
        .body;
    await waitFor(
      async () =>
        (await hass.rest("GET", "/api/states/sensor.pve_backup_home_105_backup_status")).status === 200,
      10_000,
      "no fallback sensor",
    );
    const status = await get("sensor.pve_backup_home_105_backup_status");
    expect(status.state).toBe("ok");
    expect(status.attributes.reason).toMatch(/^backed up /);
    expect((await get("binary_sensor.pve_backup_home_105_backup_problem")).state).toBe("off");
    const last = await get("sensor.pve_backup_home_105_last_backup");
    expect(last.attributes.device_class).toBe("timestamp");
    expect(Date.parse(last.state)).toBeGreaterThan(Date.now() - 2 * 86_400_000);
  });

  it("leaves a notification that says how to finish the install", async () => {
    const notes = await hass.ws<{ notification_id: string; title: string; message: string }[]>({
      type: "persistent_notification/get",
    });
    const note = notes.find((n) => n.notification_id === "pve_backup_install");
    expect(note?.title).toBe("PVE Backup: finish the install");
    expect(note?.message).toContain("install_integration");
  });
});
