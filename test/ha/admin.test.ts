import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoOptions } from "../../src/demo.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { tieredLab } from "../support/scenarios.js";
import { type AddonProcess, addon } from "./addon.js";
import { freePort, type Hass, startHass, waitFor, wsCommand } from "./hass.js";
import { createUser, type HaUser, openSession } from "./users.js";

/**
 * Who may do what, in a real Home Assistant with the add-on and the simulated PVE lab: writes
 * are for administrators, only the add-on speaks for the add-on, and refused calls are
 * validation errors. The owner (`hass.token`) is the add-on's user here.
 */

interface RegistryEntity {
  entity_id: string;
  unique_id: string;
  platform: string;
}

let hass: Hass;
let lab: SimLab;
let add: AddonProcess;
let normal: HaUser;
let reader: HaUser;
let otherAdmin: HaUser;

const root = join(import.meta.dirname, "../..");
const WRITES: [string, Record<string, unknown>][] = [
  ["backup_now", { guests: ["100"] }],
  ["apply_policy", { dry_run: false }],
  ["set_guest_tier", { tier: "P1", guests: ["100"] }],
  ["configure_tier", { name: "P1", schedule: "03:00" }],
  ["backup_home_assistant", {}],
  ["verify", {}],
  ["snooze", { hours: 2 }],
];

async function entities(): Promise<RegistryEntity[]> {
  return (await hass.ws<RegistryEntity[]>({ type: "config/entity_registry/list" })).filter(
    (e) => e.platform === "pve_backup",
  );
}
async function entityId(uniqueId: string): Promise<string> {
  const e = (await entities()).find((x) => x.unique_id === uniqueId);
  if (!e) throw new Error(`no entity with unique id ${uniqueId}`);
  return e.entity_id;
}
async function state(entity: string): Promise<{ state: string; attributes: Record<string, unknown> }> {
  return (
    await hass.rest<{ state: string; attributes: Record<string, unknown> }>("GET", `/api/states/${entity}`)
  ).body;
}
const hassLog = () => readFileSync(hass.logFile, "utf8");
/** What the integration sent to the add-on since a log offset (it logs every event at debug). */
const sentSince = (offset: number) =>
  hassLog()
    .slice(offset)
    .match(/Sent \w+ \S* ?to the add-on/g) ?? [];
const asUser = (user: HaUser, msg: Record<string, unknown>) => wsCommand(hass.url, user.token, msg);

beforeAll(async () => {
  hass = await startHass();
  lab = await startSimLab({
    scenario: tieredLab({ now: new Date(Date.now() - (Date.now() % 60_000)).toISOString() }),
    clock: "manual",
  });
  add = addon({ ...demoOptions(lab), timezone: "UTC", refresh_interval_s: 30 }, hass, await freePort());
  await add.start();
  await waitFor(
    async () => (await add.bridge()).bridge?.mode === "integration" && (await entities()).length > 0,
    60_000,
    "the add-on did not declare its entities",
  );
  normal = await createUser(hass, "Pat Normal", "system-users");
  reader = await createUser(hass, "Robin Reader", "system-read-only");
  otherAdmin = await createUser(hass, "Alex Admin", "system-admin");
}, 300_000);

afterAll(async () => {
  await add?.stop();
  await hass?.stop();
  await lab?.stop();
});

describe.sequential("permissions and refusals in a real Home Assistant", () => {
  it.each([
    ["a normal user", () => normal],
    ["a read-only user", () => reader],
  ])("refuses every write from %s, and nothing reaches the add-on", async (_who, user) => {
    const tasks = lab.state.tasks.length;
    const jobs = JSON.stringify(lab.state.jobs);
    const logAt = hassLog().length;
    const addonLogAt = add.log().length;
    for (const [service, data] of WRITES)
      await expect(
        asUser(user(), { type: "call_service", domain: "pve_backup", service, service_data: data }),
        service,
      ).rejects.toThrow(/Unauthorized/);
    await expect(
      asUser(user(), {
        type: "call_service",
        domain: "button",
        service: "press",
        target: { entity_id: await entityId("pve_backup_home_100_backup_now") },
      }),
    ).rejects.toThrow(/Unauthorized/);
    await expect(
      asUser(user(), {
        type: "call_service",
        domain: "select",
        service: "select_option",
        service_data: { option: "P2" },
        target: { entity_id: await entityId("pve_backup_home_100_tier") },
      }),
    ).rejects.toThrow(/Unauthorized/);
    const rest = await fetch(`${hass.url}/api/services/pve_backup/backup_now`, {
      method: "POST",
      headers: { authorization: `Bearer ${user().token}`, "content-type": "application/json" },
      body: JSON.stringify({ guests: ["100"] }),
    });
    expect(rest.status).toBe(401);

    await new Promise((r) => setTimeout(r, 500));
    expect(sentSince(logAt)).toEqual([]);
    expect(add.log().slice(addonLogAt)).not.toMatch(/select home_100_tier/);
    expect(lab.state.tasks).toHaveLength(tasks);
    expect(JSON.stringify(lab.state.jobs)).toBe(jobs);
  });

  it("lets a read-only user refresh, and an administrator write", async () => {
    const logAt = hassLog().length;
    const refreshed = await asUser(reader, {
      type: "call_service",
      domain: "pve_backup",
      service: "refresh",
      return_response: true,
    });
    expect(refreshed).toMatchObject({ response: { guests: 5 } });
    const plan = await asUser(otherAdmin, {
      type: "call_service",
      domain: "pve_backup",
      service: "apply_policy",
      service_data: { dry_run: true },
      return_response: true,
    });
    expect(plan).toHaveProperty("response");
    const tasks = lab.state.tasks.length;
    await asUser(otherAdmin, {
      type: "call_service",
      domain: "button",
      service: "press",
      target: { entity_id: await entityId("pve_backup_home_101_backup_now") },
    });
    await waitFor(() => lab.state.tasks.length > tasks, 10_000, "no task after the admin's press");
    expect(sentSince(logAt)).toEqual([
      "Sent service_call refresh to the add-on",
      "Sent service_call apply_policy to the add-on",
      "Sent button_press home_101_backup_now to the add-on",
    ]);
  });

  it("refuses another administrator's connect and states while the add-on is connected", async () => {
    const before = (await entities()).map((e) => e.entity_id).sort();
    const status = await entityId("pve_backup_home_102_backup_status");
    const shown = (await state(status)).state;
    const oneEntity = {
      devices: [{ key: "home", name: "hijacked" }],
      entities: [{ key: "home_problems", device: "home", platform: "sensor", name: "x" }],
    };
    for (const declaration of [{ devices: [], entities: [] }, oneEntity])
      await expect(
        asUser(otherAdmin, { type: "pve_backup/connect", protocol: 1, ...declaration }),
      ).rejects.toThrow(/unauthorized/);
    await expect(
      asUser(otherAdmin, {
        type: "pve_backup/states",
        states: [{ key: "home_102_backup_status", state: "failed" }],
      }),
    ).rejects.toThrow(/unauthorized/);

    expect((await entities()).map((e) => e.entity_id).sort()).toEqual(before);
    expect((await state(status)).state).toBe(shown);
    expect((await add.bridge()).bridge?.mode).toBe("integration");
  });

  it("lets the add-on reconnect after it died", async () => {
    const status = await entityId("pve_backup_home_100_backup_status");
    await add.stop("SIGKILL");
    await waitFor(async () => (await state(status)).state === "unavailable", 15_000, "still available");
    await add.start();
    await waitFor(async () => (await state(status)).state === "ok", 30_000, "entities did not come back");
  });

  it("answers a target that is not a PVE Backup entity with a translated validation error, without a traceback", async () => {
    const logAt = hassLog().length;
    const session = await openSession(hass.url, hass.token);
    try {
      const reply = await session.command({
        type: "call_service",
        domain: "pve_backup",
        service: "backup_now",
        target: { entity_id: "sensor.not_a_pve_backup_entity" },
      });
      expect(reply.error).toMatchObject({
        code: "service_validation_error",
        translation_key: "unknown_target",
        translation_placeholders: { targets: "sensor.not_a_pve_backup_entity" },
      });
    } finally {
      session.close();
    }
    expect(hassLog().slice(logAt)).not.toMatch(/Unexpected exception|Traceback/);
  });

  it("names entities and attributes as the README says", async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const rows = [...readme.matchAll(/^\| `(\w+)\.<device>_(\w+)` +\|(.*)\|$/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(6);
    const ids = new Set((await entities()).map((e) => e.entity_id));
    for (const [, domain, suffix, what] of rows) {
      // The device of VM 100 is "homeassistant (VM 100)".
      const id = `${domain}.homeassistant_vm_100_${suffix}`;
      expect(ids, id).toContain(id);
      const attributes = Object.keys((await state(id)).attributes);
      for (const [, name] of String(what).matchAll(/`(\w+)`/g))
        if (!/^(ok|late|failed|never|not_in_job|running|unknown|on|off)$/.test(String(name)))
          expect(attributes, `${id} attribute ${name}`).toContain(name);
    }
    const size = await state("sensor.homeassistant_vm_100_backup_size");
    expect(size.attributes).toMatchObject({ unit_of_measurement: "GB", device_class: "data_size" });
  });

  it("turns an add-on's input error into a translated validation error carrying its text", async () => {
    await add.stop();
    // A stand-in add-on (the owner's user, as the real one) that refuses every call as bad input.
    const fake = await openSession(hass.url, hass.token);
    const user = await openSession(hass.url, hass.token);
    try {
      const connect = await fake.command({
        type: "pve_backup/connect",
        protocol: 1,
        devices: [{ key: "home_100", name: "homeassistant (VM 100)" }],
        entities: [{ key: "home_100_backup_status", device: "home_100", platform: "sensor" }],
      });
      expect(connect.success).toBe(true);
      const logAt = hassLog().length;
      const call = user.send({
        type: "call_service",
        domain: "pve_backup",
        service: "set_guest_tier",
        service_data: { tier: "P9", guests: ["100"] },
      });
      const event = await fake.event(connect.id);
      expect(event).toMatchObject({ kind: "service_call", service: "set_guest_tier" });
      const answered = await fake.command({
        type: "pve_backup/service_result",
        call_id: event.call_id,
        success: false,
        error: "unknown tier P9",
        error_kind: "input",
      });
      expect(answered.success).toBe(true);
      expect((await user.reply(call)).error).toMatchObject({
        code: "service_validation_error",
        translation_key: "addon_input_error",
        translation_placeholders: { error: "unknown tier P9" },
      });
      expect(hassLog().slice(logAt)).not.toMatch(/Unexpected exception|Traceback/);
    } finally {
      fake.close();
      user.close();
    }
  });
});
