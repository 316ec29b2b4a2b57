import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoOptions } from "../../src/demo.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { optionsFileFor, runCli } from "../support/cli.js";
import { tieredLab } from "../support/scenarios.js";
import { type AddonProcess, addon } from "./addon.js";
import { collectEvents, freePort, type Hass, startHass, waitFor } from "./hass.js";

/**
 * End to end: a real Home Assistant Core with the companion integration, the add-on process
 * connected to it, the simulated PVE lab behind. The lab's clock starts now (the add-on reads
 * the real clock) and moves only when a test moves it.
 */

interface RegistryEntity {
  entity_id: string;
  unique_id: string;
  platform: string;
  device_id: string | null;
}
interface RegistryDevice {
  id: string;
  identifiers: [string, string][];
  name: string;
  via_device_id: string | null;
}
interface HaState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
}

let hass: Hass;
let lab: SimLab;
let add: AddonProcess;
let optionsFile: string;

const GUESTS = [100, 101, 102, 103, 105];
const nowIso = () => new Date(Date.now() - (Date.now() % 60_000)).toISOString();

async function entities(): Promise<RegistryEntity[]> {
  return (await hass.ws<RegistryEntity[]>({ type: "config/entity_registry/list" })).filter(
    (e) => e.platform === "pve_backup",
  );
}
async function devices(): Promise<RegistryDevice[]> {
  return (await hass.ws<RegistryDevice[]>({ type: "config/device_registry/list" })).filter((d) =>
    d.identifiers.some(([domain]) => domain === "pve_backup"),
  );
}
async function entityId(uniqueId: string): Promise<string> {
  const e = (await entities()).find((x) => x.unique_id === uniqueId);
  if (!e) throw new Error(`no entity with unique id ${uniqueId}`);
  return e.entity_id;
}
async function state(entity: string): Promise<HaState | undefined> {
  const r = await hass.rest<HaState>("GET", `/api/states/${entity}`);
  return r.status === 200 ? r.body : undefined;
}
/** Move the lab's clock in steps until `check` holds (tasks progress with it). */
async function runLabUntil(check: () => Promise<boolean>, message: string): Promise<void> {
  await waitFor(
    async () => {
      await lab.advance(10_000);
      return check();
    },
    60_000,
    message,
    100,
  );
}

beforeAll(async () => {
  hass = await startHass();
  lab = await startSimLab({ scenario: tieredLab({ now: nowIso() }), clock: "manual" });
  const options = { ...demoOptions(lab), timezone: "UTC", refresh_interval_s: 30 };
  optionsFile = optionsFileFor(lab);
  add = addon(options, hass, await freePort());
  await add.start();
  await waitFor(
    async () => (await add.bridge()).bridge?.mode === "integration" && (await entities()).length > 0,
    60_000,
    "the add-on did not declare its entities",
  );
}, 240_000);

afterAll(async () => {
  await add?.stop();
  await hass?.stop();
  await lab?.stop();
});

describe.sequential("the add-on in a real Home Assistant", () => {
  it("declares one device per guest (plus the cluster) with the designed entities and stable unique ids", async () => {
    const devs = await devices();
    const keys = devs.map((d) => d.identifiers.find(([domain]) => domain === "pve_backup")?.[1]).sort();
    expect(keys).toEqual(["home", ...GUESTS.map((v) => `home_${v}`)].sort());
    const cluster = devs.find((d) => d.identifiers.some(([, k]) => k === "home"));
    expect(devs.filter((d) => d.via_device_id === cluster?.id)).toHaveLength(5);
    expect(devs.find((d) => d.identifiers.some(([, k]) => k === "home_100"))?.name).toBe(
      "homeassistant (VM 100)",
    );
    const ids = (await entities()).map((e) => e.unique_id);
    for (const v of GUESTS)
      for (const suffix of [
        "last_backup",
        "backup_status",
        "backup_problem",
        "backup_size",
        "backup_now",
        "tier",
      ])
        expect(ids).toContain(`pve_backup_home_${v}_${suffix}`);
    expect(ids).toContain("pve_backup_home_policy_drift");
    expect(ids).toContain("pve_backup_home_backup_calendar");
    // With a backup storage: a verify button per guest and the cluster's verification problem.
    for (const v of GUESTS) expect(ids).toContain(`pve_backup_home_${v}_verify`);
    expect(ids).toContain("pve_backup_home_verification_problem");
    expect(ids).toHaveLength(7 + GUESTS.length * 7);
  });

  it("shows the same status as pve-backup status", async () => {
    const cli = await runCli(["status", "--json", "--options", optionsFile]);
    const want = Object.fromEntries(
      (JSON.parse(cli.stdout).guests as { vmid: number; status: string }[]).map((g) => [g.vmid, g.status]),
    );
    expect(Object.keys(want)).toHaveLength(5);
    for (const v of GUESTS) {
      const s = await state(await entityId(`pve_backup_home_${v}_backup_status`));
      expect([v, s?.state]).toEqual([v, want[v]]);
    }
    const last = await state(await entityId("pve_backup_home_100_last_backup"));
    expect(last?.attributes.device_class).toBe("timestamp");
    // The archive's notes: the tiered lab's jobs write the guest's name there.
    expect(last?.attributes.notes).toBe("homeassistant");
    expect(Date.parse(String(last?.state))).toBeGreaterThan(Date.now() - 2 * 86_400_000);
  });

  it("starts a backup from pve_backup.backup_now called through HA's REST API and returns the task", async () => {
    const before = lab.state.tasks.length;
    const r = await hass.rest<{
      service_response: { started: { cluster: string; node: string; upid: string; vmids: number[] }[] };
    }>("POST", "/api/services/pve_backup/backup_now?return_response", { guests: ["102"] });
    expect(r.status).toBe(200);
    const started = r.body.service_response.started;
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ cluster: "home", node: "pve", vmids: [102] });
    expect(lab.state.tasks).toHaveLength(before + 1);
    expect(lab.state.tasks.at(-1)?.upid).toBe(started[0]?.upid);
    await runLabUntil(
      async () =>
        lab.state.tasks.at(-1)?.endMs !== undefined &&
        (await state(await entityId("pve_backup_home_102_backup_status")))?.state === "ok",
      "backup 102 did not end",
    );
  });

  it("starts a backup when the guest's button is pressed", async () => {
    const before = lab.state.tasks.length;
    const button = await entityId("pve_backup_home_103_backup_now");
    const r = await hass.rest("POST", "/api/services/button/press", { entity_id: button });
    expect(r.status).toBe(200);
    await waitFor(() => lab.state.tasks.length > before, 10_000, "no task after the button press");
    expect(lab.state.tasks.at(-1)?.upid).toMatch(/:vzdump:103:root@pam!pve-backup:$/);
    await runLabUntil(async () => lab.state.tasks.at(-1)?.endMs !== undefined, "backup 103 did not end");
  });

  it("fires pve_backup_backup_failed when a backup fails in PVE", async () => {
    const failing = lab.state.guests.find((g) => g.vmid === 105);
    if (!failing) throw new Error("no guest 105");
    failing.failWith = "vma_queue_write: write error - Broken pipe";
    const listener = await collectEvents(hass.url, hass.token, "pve_backup_backup_failed");
    try {
      const r = await hass.rest("POST", "/api/services/pve_backup/backup_now", { guests: ["home_105"] });
      expect(r.status).toBe(200);
      await runLabUntil(async () => listener.events.length > 0, "no pve_backup_backup_failed event");
      expect(listener.events[0]?.data).toMatchObject({
        cluster: "home",
        vmid: 105,
        name: "pihole-home",
        status: "failed",
        error: "vma_queue_write: write error - Broken pipe",
      });
      await waitFor(
        async () => (await state(await entityId("pve_backup_home_105_backup_status")))?.state === "failed",
        10_000,
        "status did not turn failed",
      );
    } finally {
      listener.close();
      failing.failWith = undefined;
    }
  });

  it("shows a backup job hand-edited in PVE as policy drift on the cluster device", async () => {
    const drift = await entityId("pve_backup_home_policy_drift");
    expect((await state(drift))?.state).toBe("off");
    const p1 = lab.state.jobs.find((j) => j.id === "pve-backup-p1");
    if (!p1) throw new Error("no job pve-backup-p1");
    const schedule = p1.schedule;
    p1.schedule = "05:45";
    try {
      await hass.rest("POST", "/api/services/pve_backup/refresh", {});
      const s = await state(drift);
      expect(s?.state).toBe("on");
      expect(s?.attributes.update).toEqual(["pve-backup-p1"]);
    } finally {
      p1.schedule = schedule as string;
      await hass.rest("POST", "/api/services/pve_backup/refresh", {});
    }
    expect((await state(drift))?.state).toBe("off");
  });

  it("sends zero state updates for a refresh that changes nothing", async () => {
    await hass.rest("POST", "/api/services/pve_backup/refresh", {});
    const before = (await add.bridge()).bridge;
    const changes = await collectEvents(hass.url, hass.token, "state_changed");
    try {
      const r = await hass.rest("POST", "/api/services/pve_backup/refresh", {});
      expect(r.status).toBe(200);
      const after = (await add.bridge()).bridge;
      expect(after?.batches).toBe(before?.batches);
      expect(after?.states).toBe(before?.states);
      expect(
        changes.events.filter((e) => String((e.data as { entity_id: string }).entity_id).includes("home_")),
      ).toEqual([]);
    } finally {
      changes.close();
    }
  });

  it("makes every entity unavailable within 10 s of the add-on stopping, and restores them without duplicates", async () => {
    const status = await entityId("pve_backup_home_100_backup_status");
    const countBefore = (await entities()).length;
    const t0 = Date.now();
    await add.stop("SIGKILL");
    await waitFor(
      async () => (await state(status))?.state === "unavailable",
      10_000,
      "entities still available 10 s after the add-on died",
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
    await add.start();
    await waitFor(async () => (await state(status))?.state === "ok", 30_000, "entities did not come back");
    expect(await entities()).toHaveLength(countBefore);
    expect(await devices()).toHaveLength(6);
  });

  it("keeps every entity (unavailable) when the add-on starts while PVE cannot be reached", async () => {
    const status = await entityId("pve_backup_home_102_backup_status");
    const uniqueIds = (await entities()).map((e) => e.unique_id).sort();
    await add.stop();
    const blind = addon(
      {
        ...demoOptions({ url: `https://127.0.0.1:${await freePort()}`, fingerprint: lab.fingerprint }),
        timezone: "UTC",
      },
      hass,
      await freePort(),
    );
    await blind.start();
    try {
      await waitFor(
        async () => (await blind.bridge()).refreshes > 0,
        20_000,
        "the blind add-on did not refresh",
      );
      await new Promise((r) => setTimeout(r, 1_000));
      expect((await entities()).map((e) => e.unique_id).sort()).toEqual(uniqueIds);
      expect((await state(status))?.state).toBe("unavailable");
    } finally {
      await blind.stop();
    }
    await add.start();
    await waitFor(async () => (await state(status))?.state === "ok", 30_000, "entities did not come back");
  });

  it("restores the entities after Home Assistant restarts", async () => {
    const status = await entityId("pve_backup_home_101_backup_status");
    const uniqueIds = (await entities()).map((e) => e.unique_id).sort();
    await hass.stop();
    await hass.start();
    await waitFor(
      async () => (await state(status).catch(() => undefined))?.state === "ok",
      60_000,
      "entities did not come back after the HA restart",
    );
    expect((await entities()).map((e) => e.unique_id).sort()).toEqual(uniqueIds);
    expect((await add.bridge()).bridge?.mode).toBe("integration");
  });
});
