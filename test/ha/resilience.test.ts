import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Options } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { tieredLab } from "../support/scenarios.js";
import { type AddonProcess, addon } from "./addon.js";
import { freePort, type Hass, startHass, waitFor } from "./hass.js";

/**
 * Home Assistant down, refusing the token, and restarting slowly: the add-on monitors and
 * serves its API regardless, retries with back-off, says why in plain words, and comes back to
 * the integration (never to the fallback) once Home Assistant is up.
 */

let hass: Hass;
let lab: SimLab;
let options: Options;
const addons: AddonProcess[] = [];

interface HaState {
  state: string;
}

async function statusEntity(vmid: number): Promise<string> {
  const list = await hass.ws<{ entity_id: string; unique_id: string }[]>({
    type: "config/entity_registry/list",
  });
  const e = list.find((x) => x.unique_id === `pve_backup_home_${vmid}_backup_status`);
  if (!e) throw new Error(`no status entity for ${vmid}`);
  return e.entity_id;
}
async function stateOf(entityId: string): Promise<string | undefined> {
  const r = await hass.rest<HaState>("GET", `/api/states/${entityId}`).catch(() => undefined);
  return r?.status === 200 ? r.body.state : undefined;
}
async function installNotification(): Promise<boolean> {
  const notes = await hass.ws<{ notification_id: string }[]>({ type: "persistent_notification/get" });
  return notes.some((n) => n.notification_id === "pve_backup_install");
}
function started(a: AddonProcess): AddonProcess {
  addons.push(a);
  return a;
}
/** The add-on connected to the real Home Assistant (the first test's, or a new one). */
let steady: AddonProcess | undefined;
async function connectedAddon(): Promise<AddonProcess> {
  if (!steady) {
    steady = started(addon(options, hass, await freePort()));
    await steady.start();
  }
  const a = steady;
  await waitFor(
    async () => (await a.bridge()).bridge?.mode === "integration",
    60_000,
    `the add-on is not connected (see ${a.logFile})`,
  );
  return a;
}

beforeAll(async () => {
  hass = await startHass({ frontend: true });
  lab = await startSimLab({
    scenario: tieredLab({ now: new Date(Date.now() - (Date.now() % 60_000)).toISOString() }),
    clock: "manual",
  });
  options = { ...demoOptions(lab), timezone: "UTC", refresh_interval_s: 30 };
}, 300_000);

afterAll(async () => {
  for (const a of addons) await a.stop();
  await hass?.stop();
  await lab?.stop();
});

describe.sequential("Home Assistant down, refusing, restarting", () => {
  it("starts and monitors while Home Assistant is down, and connects when it comes up", async () => {
    await hass.stop();
    const add = started(addon(options, hass, await freePort()));
    steady = add;
    // Waits for GET /api/status: the service serves while Home Assistant is down.
    await add.start();
    await waitFor(
      () =>
        /Home Assistant at ws:\/\/127\.0\.0\.1:\d+\/api\/websocket is not reachable \(ECONNREFUSED\); retrying in \d+(\.\d)? s/.test(
          add.log(),
        ),
      10_000,
      `no clear line about Home Assistant being down (see ${add.logFile})`,
    );
    await waitFor(async () => (await add.bridge()).refreshes > 0, 20_000, "no refresh while HA is down");
    expect((await (await fetch(`${add.apiUrl}/api/status`)).json()) as object).toHaveProperty("guests");
    await hass.start();
    await waitFor(
      async () => (await add.bridge()).bridge?.mode === "integration",
      120_000,
      `did not connect once Home Assistant came up (see ${add.logFile})`,
    );
    const entity = await statusEntity(100);
    await waitFor(async () => (await stateOf(entity)) === "ok", 30_000, "no state after connecting");
    expect(add.log()).not.toContain("[object Object]");
  });

  it("keeps running and retries when Home Assistant refuses the token", async () => {
    const bad = started(addon(options, { url: hass.url, token: "not-a-valid-token" }, await freePort()));
    await bad.start();
    const refused =
      /Home Assistant at ws:\/\/\S+ refused the token \(auth_invalid\): check SUPERVISOR_TOKEN\/HA_TOKEN; retrying in \d+(\.\d)? s/g;
    await waitFor(
      () => (bad.log().match(refused) ?? []).length >= 2,
      20_000,
      `no clear, repeated line about the refused token (see ${bad.logFile})`,
    );
    expect((await fetch(`${bad.apiUrl}/api/status`)).ok).toBe(true);
    expect((await bad.bridge()).refreshes).toBeGreaterThan(0);
    expect(bad.log()).not.toContain("[object Object]");
    await bad.stop();
  });

  it("comes back to the integration after a restart that holds its set-up back, with one connect", async () => {
    const add = await connectedAddon();
    const entity = await statusEntity(101);
    await waitFor(async () => (await stateOf(entity)) === "ok", 30_000, "not connected before the restart");
    const connects = hass.connects();
    await hass.stop();
    // Longer than the add-on's reconnect back-off: its first connections find no pve_backup commands.
    await hass.start({ holdSetupS: 20 });
    await waitFor(
      async () => (await stateOf(entity)) === "ok",
      120_000,
      `entities did not come back after the restart (see ${add.logFile}, ${hass.logFile})`,
    );
    expect((await add.bridge()).bridge?.mode).toBe("integration");
    expect(await stateOf("sensor.pve_backup_home_101_backup_status")).toBeUndefined();
    expect(await installNotification()).toBe(false);
    // A late second connect (a stale retry) would show within a few seconds.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(hass.connects() - connects).toBe(1);
  });

  it("sends one connect per reconnect after a plain restart", async () => {
    const add = await connectedAddon();
    const entity = await statusEntity(102);
    const connects = hass.connects();
    await hass.stop();
    await hass.start();
    await waitFor(
      async () => (await stateOf(entity)) === "ok",
      120_000,
      `entities did not come back (see ${add.logFile})`,
    );
    await new Promise((r) => setTimeout(r, 5_000));
    expect(hass.connects() - connects).toBe(1);
  });

  it("keeps running, warns and leaves a notification when install_integration cannot write", async () => {
    const configDir = mkdtempSync(join(tmpdir(), "ha-config-"));
    writeFileSync(join(configDir, "configuration.yaml"), "default_config:\n");
    // A file where the folder should be: what a read-only or broken config folder does.
    writeFileSync(join(configDir, "custom_components"), "");
    const add = started(
      addon({ ...options, install_integration: true }, hass, await freePort(), { HA_CONFIG_DIR: configDir }),
    );
    await add.start();
    expect(add.log()).toMatch(
      /WARN\s+install_integration: could not write \S+custom_components\/pve_backup: /,
    );
    await waitFor(
      async () =>
        (await hass.ws<{ notification_id: string }[]>({ type: "persistent_notification/get" })).some(
          (n) => n.notification_id === "pve_backup_install_failed",
        ),
      30_000,
      `no notification about the failed install (see ${add.logFile})`,
    );
    expect((await fetch(`${add.apiUrl}/api/status`)).ok).toBe(true);
  });
});
