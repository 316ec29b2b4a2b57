import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { demoOptions } from "../../src/demo.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { tieredLab } from "../support/scenarios.js";
import { type AddonProcess, addon } from "./addon.js";
import { freePort, type Hass, startHass, waitFor } from "./hass.js";

/**
 * Quiet hours and the daily digest end to end, on the real clock: a phone registered with a real
 * Home Assistant (mobile_app), quiet hours that end a minute or two from now, and the digest at
 * their end. Three guests have no recent backup (late or never): the P0 one is pushed at once (after the quiet hours), the P1
 * and P2 ones only in the digest, which lists all three in one message.
 */

interface Push {
  message: string;
  title?: string;
  data?: { tag?: string };
}

let hass: Hass;
let lab: SimLab;
let add: AddonProcess;
const pushes: Push[] = [];
let channel: WebSocket | undefined;
let quietEndMs = 0;

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

beforeAll(async () => {
  hass = await startHass({ components: ["mobile_app"] });
  const reg = await hass.rest<{ webhook_id: string }>("POST", "/api/mobile_app/registrations", {
    device_id: "pixel-digest-0001",
    app_id: "io.homeassistant.companion.android",
    app_name: "Home Assistant",
    app_version: "2025.1.1-full",
    device_name: "Pixel Digest",
    manufacturer: "Google",
    model: "Pixel 8",
    os_name: "Android",
    os_version: "15",
    supports_encryption: false,
    app_data: { push_websocket_channel: true },
  });
  expect(reg.status).toBe(201);
  channel = new WebSocket(`${hass.url.replace(/^http/, "ws")}/api/websocket`);
  const ws = channel;
  await new Promise<void>((resolve, reject) => {
    ws.on("message", (raw) => {
      const m = JSON.parse(String(raw));
      if (m.type === "auth_required") ws.send(JSON.stringify({ type: "auth", access_token: hass.token }));
      else if (m.type === "auth_ok")
        ws.send(
          JSON.stringify({
            id: 1,
            type: "mobile_app/push_notification_channel",
            webhook_id: reg.body.webhook_id,
          }),
        );
      else if (m.id === 1 && m.type === "result") m.success ? resolve() : reject(new Error("push channel"));
      else if (m.id === 1 && m.type === "event") pushes.push(m.event as Push);
    });
    ws.on("error", reject);
  });

  const now = Date.now() - (Date.now() % 60_000);
  const scenario = tieredLab({ now: new Date(now).toISOString() });
  const cutMs = now - 36 * 3_600_000;
  const lateGuests = [100, 101, 103];
  scenario.archives = scenario.archives?.filter(
    (a) => !lateGuests.includes(a.vmid) || Date.parse(a.time) < cutMs - 7 * 86_400_000,
  );
  for (const t of scenario.tasks ?? [])
    if (Date.parse(t.start) >= cutMs - 7 * 86_400_000)
      t.guests = t.guests.filter((g) => !lateGuests.includes(g.vmid));
  scenario.tasks = scenario.tasks?.filter((t) => t.guests.length > 0);
  lab = await startSimLab({ scenario, clock: "manual" });
  // Quiet from an hour ago until the next minute at least 40 s away; the digest at their end.
  quietEndMs = Date.now() + 40_000 + 60_000 - ((Date.now() + 40_000) % 60_000);
  add = addon(
    {
      ...demoOptions(lab),
      timezone: "UTC",
      refresh_interval_s: 5,
      grace_min: 0,
      alerts: {
        targets: ["notify.mobile_app_pixel_digest"],
        quiet_hours: `${hhmm(now - 3_600_000)}-${hhmm(quietEndMs)}`,
        digest_time: hhmm(quietEndMs),
        immediate_tiers: ["P0"],
      },
    },
    hass,
    await freePort(),
  );
  await add.start();
}, 300_000);

afterAll(async () => {
  channel?.close();
  await add?.stop();
  await hass?.stop();
  await lab?.stop();
});

describe.sequential("quiet hours and the digest", () => {
  it("holds every alert during quiet hours, then sends the immediate tier and one digest of every problem", async () => {
    await waitFor(() => /quiet hours, holding home\/100/.test(add.log()), 60_000, "nothing was held");
    expect(Date.now()).toBeLessThan(quietEndMs);
    expect(pushes).toEqual([]);
    await waitFor(
      () => pushes.length >= 2,
      quietEndMs - Date.now() + 60_000,
      "nothing after the quiet hours",
    );
    const start = (await add.bridge()).refreshes;
    await waitFor(async () => (await add.bridge()).refreshes >= start + 3, 60_000, "no more refreshes");
    expect(pushes.map((p) => p.data?.tag).sort()).toEqual(["pve_backup_digest", "pve_backup_home_100"]);
    const digest = pushes.find((p) => p.data?.tag === "pve_backup_digest") as Push;
    expect(digest.title).toBe("PVE Backup: 3 problems need attention");
    const lines = digest.message.split("\n");
    expect(lines).toHaveLength(3);
    for (const name of ["homeassistant", "immich", "download-home"])
      expect(lines.some((l) => l.startsWith(`• ${name}: `))).toBe(true);
  }, 300_000);
});
