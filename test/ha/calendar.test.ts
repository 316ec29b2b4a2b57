import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Options } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import { type SimDsm, startSimDsm } from "../../src/sim/dsm.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { labCert, NAS_USER, nasOptionsFor } from "../dsm/support.js";
import { optionsFileFor, runCli } from "../support/cli.js";
import { tieredLab } from "../support/scenarios.js";
import { type AddonProcess, addon } from "./addon.js";
import { freePort, type Hass, startHass, waitFor } from "./hass.js";

/**
 * The backup calendar in a real Home Assistant: the add-on's cluster calendar entity lists, through
 * HA's own calendar API (`GET /api/calendars/<entity_id>?start=&end=`), the same runs as
 * `pve-backup calendar` does for the same lab.
 */

interface HaCalendarEvent {
  uid: string | null;
  summary: string;
  start: { dateTime: string };
  end: { dateTime: string };
}
interface CliEvent {
  uid: string;
  summary: string;
  start: string;
  end: string;
}

let hass: Hass;
let lab: SimLab;
let dsm: SimDsm;
let add: AddonProcess;
let options: Options;
const nowIso = () => new Date(Date.now() - (Date.now() % 60_000)).toISOString();
/** The Hyper Backup task's next run: five hours on, on the minute (DSM's times have no seconds). */
let hyperBackupNextMs: number;

beforeAll(async () => {
  hass = await startHass();
  lab = await startSimLab({ scenario: tieredLab({ now: nowIso() }), clock: "manual" });
  hyperBackupNextMs = Date.parse(nowIso()) + 5 * 3_600_000;
  const cert = labCert();
  // The NAS keeps Berlin time, the add-on UTC: the task's local time must still land right.
  dsm = await startSimDsm({
    cert: cert.cert,
    key: cert.key,
    timeZone: "Europe/Berlin",
    users: [NAS_USER],
    shares: [{ name: "backups", realPath: "/volume1/backups", freeBytes: 5e12, totalBytes: 8e12 }],
    tasks: [
      {
        task_id: 7,
        name: "NAS to B2",
        state: "backupable",
        status: "none",
        last_bkp_result: "done",
        last_bkp_error: "",
        lastRunMs: Date.now() - 6 * 3_600_000,
        lastEndMs: Date.now() - 5 * 3_600_000,
        lastSuccessMs: Date.now() - 6 * 3_600_000,
        nextRunMs: hyperBackupNextMs,
        type: "cloud_image:image_remote",
        folders: ["/volume1/backups"],
      },
    ],
    nowMs: Date.now,
  });
  options = {
    ...demoOptions(lab),
    timezone: "UTC",
    refresh_interval_s: 30,
    nas: nasOptionsFor(dsm, cert),
    ha_backups: {
      host: "127.0.0.1",
      username: "ha",
      password: "x",
      share_path: "/volume1/backups/homeassistant_backups",
    },
  };
  add = addon(options, hass, await freePort());
  await add.start();
  await waitFor(
    async () => (await add.bridge()).bridge?.mode === "integration",
    60_000,
    "the add-on did not connect to the integration",
  );
}, 240_000);

afterAll(async () => {
  await add?.stop();
  await hass?.stop();
  await lab?.stop();
  await dsm?.stop();
});

async function calendarEntity(): Promise<string | undefined> {
  const entities = await hass.ws<{ entity_id: string; unique_id: string; platform: string }[]>({
    type: "config/entity_registry/list",
  });
  return entities.find(
    (e) => e.platform === "pve_backup" && e.unique_id === "pve_backup_home_backup_calendar",
  )?.entity_id;
}

describe("the backup calendar entity", () => {
  it("lists the scheduled and past runs of pve-backup calendar through HA's calendar API", async () => {
    let entity: string | undefined;
    await waitFor(
      async () => {
        entity = await calendarEntity();
        return entity !== undefined;
      },
      60_000,
      "no calendar entity",
    );
    expect(entity).toMatch(/^calendar\./);
    const now = Date.now();
    const start = new Date(now - 3 * 86_400_000).toISOString();
    const end = new Date(now + 3 * 86_400_000).toISOString();
    let events: HaCalendarEvent[] = [];
    await waitFor(
      async () => {
        const r = await hass.rest<HaCalendarEvent[]>(
          "GET",
          `/api/calendars/${entity}?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`,
        );
        events = r.status === 200 ? r.body : [];
        // The NAS is read after the first refresh: wait for its runs too.
        return events.some((e) => e.summary.startsWith("Hyper Backup"));
      },
      90_000,
      "the calendar has no Hyper Backup run",
    );
    const cli = await runCli(["calendar", "--json", "--options", optionsFileFor(lab, options)], {
      PVE_BACKUP_NOW: new Date(now).toISOString(),
    });
    expect(cli.code).toBe(0);
    const wanted = (JSON.parse(cli.stdout) as CliEvent[]).filter(
      (e) => Date.parse(e.end) > Date.parse(start) && Date.parse(e.start) < Date.parse(end),
    );
    // Leave out runs due within the minute between the add-on's refresh and the CLI's.
    const settled = (startIso: string) => Math.abs(Date.parse(startIso) - now) > 3_600_000;
    const fromHa = events
      .filter((e) => settled(e.start.dateTime))
      .map((e) => [
        e.uid,
        e.summary,
        new Date(e.start.dateTime).toISOString(),
        new Date(e.end.dateTime).toISOString(),
      ]);
    const fromCli = wanted.filter((e) => settled(e.start)).map((e) => [e.uid, e.summary, e.start, e.end]);
    expect(fromHa).toEqual(fromCli);
    // Both kinds are there: the lab's past nightly runs, and the tiers' next ones.
    expect(fromHa.some(([, summary]) => String(summary).startsWith("Backup ok: "))).toBe(true);
    expect(fromHa.some(([, summary]) => summary === "Backup pve-backup-p0")).toBe(true);
    // Beside PVE's: the NAS's Hyper Backup task at its next run, and Home Assistant's own backup.
    expect(fromHa.filter(([, summary]) => String(summary).startsWith("Hyper Backup"))).toEqual([
      [
        `hyper-backup-7-${new Date(hyperBackupNextMs).toISOString().replace(/[-:]|\.000/g, "")}@pve-backup`,
        "Hyper Backup: NAS to B2",
        new Date(hyperBackupNextMs).toISOString(),
        new Date(hyperBackupNextMs + 30 * 60_000).toISOString(),
      ],
    ]);
    expect(fromHa.some(([, summary]) => summary === "Home Assistant automatic backup")).toBe(true);
    const state = await hass.rest<{ state: string; attributes: Record<string, unknown> }>(
      "GET",
      `/api/states/${entity}`,
    );
    expect(state.body.attributes.events).toBeUndefined();
    expect(["on", "off"]).toContain(state.body.state);
  });
});
