import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { demoOptions } from "../../src/demo.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import type { SimGuest } from "../../src/sim/state.js";
import { tieredLab } from "../support/scenarios.js";
import { type AddonProcess, addon } from "./addon.js";
import { freePort, type Hass, startHass, waitFor } from "./hass.js";

/**
 * Alerts end to end: a real Home Assistant Core with `mobile_app`, a phone registered through the
 * registration API as the companion app does it (so `notify.mobile_app_pixel_test` exists), its
 * pushes read on the websocket push channel the app keeps open, and its button taps fired through
 * its webhook (`fire_event`), as the app fires them. The add-on reads the real clock; the lab's
 * clock starts now and moves when a test moves it.
 */

interface Push {
  message: string;
  title?: string;
  data?: { tag?: string; group?: string; actions?: { action: string; title: string; uri?: string }[] };
}

let hass: Hass;
let lab: SimLab;
let add: AddonProcess;
let webhookId: string;
const pushes: Push[] = [];
let channel: WebSocket | undefined;

const TAG_101 = "pve_backup_home_101";
const TAG_105 = "pve_backup_home_105";
const forTag = (tag: string) => pushes.filter((p) => p.data?.tag === tag);

/** Register a phone exactly as the companion app does (POST /api/mobile_app/registrations). */
async function registerPhone(): Promise<string> {
  const r = await hass.rest<{ webhook_id: string }>("POST", "/api/mobile_app/registrations", {
    device_id: "pixel-test-0001",
    app_id: "io.homeassistant.companion.android",
    app_name: "Home Assistant",
    app_version: "2025.1.1-full",
    device_name: "Pixel Test",
    manufacturer: "Google",
    model: "Pixel 8",
    os_name: "Android",
    os_version: "15",
    supports_encryption: false,
    app_data: { push_websocket_channel: true },
  });
  if (r.status !== 201) throw new Error(`registration: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.webhook_id;
}

/** The app's websocket push channel: every notification for this phone arrives here. */
async function openPushChannel(): Promise<WebSocket> {
  const ws = new WebSocket(`${hass.url.replace(/^http/, "ws")}/api/websocket`);
  await new Promise<void>((resolve, reject) => {
    ws.on("message", (raw) => {
      const m = JSON.parse(String(raw));
      if (m.type === "auth_required") ws.send(JSON.stringify({ type: "auth", access_token: hass.token }));
      else if (m.type === "auth_ok")
        ws.send(
          JSON.stringify({ id: 1, type: "mobile_app/push_notification_channel", webhook_id: webhookId }),
        );
      else if (m.id === 1 && m.type === "result")
        m.success ? resolve() : reject(new Error(`push channel: ${JSON.stringify(m.error)}`));
      else if (m.id === 1 && m.type === "event") pushes.push(m.event as Push);
    });
    ws.on("error", reject);
  });
  return ws;
}

/** A tap on a notification button, as the app reports it: `fire_event` through its webhook. */
async function tap(action: string, tag: string): Promise<void> {
  const r = await fetch(`${hass.url}/api/webhook/${webhookId}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      type: "fire_event",
      data: { event_type: "mobile_app_notification_action", event_data: { action, tag } },
    }),
  });
  if (!r.ok) throw new Error(`fire_event: ${r.status}`);
}

const vzdumps = () => lab.requestLog.filter((r) => r.method === "POST" && r.path.includes("/vzdump"));
const guest = (vmid: number) => lab.state.guests.find((g) => g.vmid === vmid) as SimGuest;

/** Let the add-on refresh `n` more times (it refreshes every 5 s). */
async function refreshes(n: number): Promise<void> {
  const start = (await add.bridge()).refreshes;
  await waitFor(
    async () => (await add.bridge()).refreshes >= start + n,
    60_000,
    "the add-on stopped refreshing",
  );
}

/** Move the lab's clock in steps until `check` holds (tasks progress with it). */
async function runLabUntil(check: () => boolean | Promise<boolean>, message: string): Promise<void> {
  await waitFor(
    async () => {
      await lab.advance(10_000);
      return check();
    },
    90_000,
    message,
    250,
  );
}

async function persistent(id: string): Promise<boolean> {
  const list = await hass
    .ws<{ notification_id: string }[]>({ type: "persistent_notification/get" })
    .catch(() => undefined);
  return (list ?? []).some((n) => n.notification_id === id);
}

beforeAll(async () => {
  hass = await startHass({
    components: ["mobile_app", "repairs"],
    yaml: ["automation: !include automations.yaml"],
    files: { "automations.yaml": "[]\n" },
  });
  webhookId = await registerPhone();
  await waitFor(
    async () =>
      Object.keys((await hass.ws<Record<string, object>>({ type: "get_services" })).notify ?? {}).includes(
        "mobile_app_pixel_test",
      ),
    30_000,
    "notify.mobile_app_pixel_test did not appear",
  );
  channel = await openPushChannel();
  // Guest 101 missed its last runs: its newest archive is two days old, so it is late.
  const now = Date.now() - (Date.now() % 60_000);
  const scenario = tieredLab({ now: new Date(now).toISOString() });
  const cutMs = now - 36 * 3_600_000;
  scenario.archives = scenario.archives?.filter((a) => a.vmid !== 101 || Date.parse(a.time) < cutMs);
  for (const t of scenario.tasks ?? [])
    if (Date.parse(t.start) >= cutMs) t.guests = t.guests.filter((g) => g.vmid !== 101);
  scenario.tasks = scenario.tasks?.filter((t) => t.guests.length > 0);
  lab = await startSimLab({ scenario, clock: "manual" });
  add = addon(
    {
      ...demoOptions(lab),
      timezone: "UTC",
      refresh_interval_s: 5,
      grace_min: 0,
      alerts: {
        targets: ["notify.mobile_app_pixel_test", "persistent_notification"],
        dashboard_path: "/pve-backup",
        archived: ["103: retired, data moved to the NAS"],
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

describe.sequential("alerts on a phone registered with a real Home Assistant", () => {
  it("sends exactly one notification for a late guest, with Back up now, Snooze and Open dashboard", async () => {
    await waitFor(() => forTag(TAG_101).length > 0, 60_000, "no notification for the late guest");
    await refreshes(3);
    expect(pushes).toHaveLength(1);
    const [p] = pushes as [Push];
    expect(p.title).toBe("immich (101): backup late");
    expect(p.message).toMatch(/^immich: last backup (1|2) days? ago — /);
    expect(p.data?.group).toBe("pve_backup_home");
    expect(p.data?.actions).toEqual([
      { action: "PVE_BACKUP_NOW:home:101", title: "Back up now" },
      { action: "PVE_BACKUP_SNOOZE:home:101", title: "Snooze 24 h" },
      { action: "URI", title: "Open dashboard", uri: "/pve-backup" },
    ]);
    expect(await persistent(TAG_101)).toBe(true);
  });

  it("shows why an archived guest is archived on its backup-status sensor", async () => {
    const entities = await hass.ws<{ entity_id: string; unique_id: string }[]>({
      type: "config/entity_registry/list",
    });
    const id = entities.find((e) => e.unique_id === "pve_backup_home_103_backup_status")?.entity_id;
    const r = await hass.rest<{ attributes: Record<string, unknown> }>("GET", `/api/states/${id}`);
    expect(r.body.attributes).toMatchObject({
      archived: true,
      archived_reason: "retired, data moved to the NAS",
    });
    const status = (await (await fetch(`${add.apiUrl}/api/status`)).json()) as {
      guests: { vmid: number; alert?: Record<string, unknown> }[];
    };
    expect(status.guests.find((g) => g.vmid === 103)?.alert).toEqual({
      snoozedUntil: null,
      archived: true,
      archivedReason: "retired, data moved to the NAS",
    });
  });

  it("ships a blueprint that imports and fires on the late guest, picked by its tier", async () => {
    const PATH = "pve_backup/backup_stale_or_failed.yaml";
    const blueprints = await hass.ws<Record<string, unknown>>({
      type: "blueprint/list",
      domain: "automation",
    });
    expect(Object.keys(blueprints)).toContain(PATH);
    // The daily summary a few seconds from now (Home Assistant runs on UTC here); no guest picked:
    // every guest of tier P1 (immich, 101, is one).
    const at = new Date(Date.now() + 8_000).toISOString().slice(11, 19);
    const created = await hass.rest("POST", "/api/config/automation/config/pve_backup_alerts_test", {
      alias: "PVE Backup problems",
      use_blueprint: {
        path: PATH,
        input: { tiers: "P1", notify_action: "persistent_notification.create", hour: at },
      },
    });
    expect(created.status).toBe(200);
    await waitFor(
      async () =>
        (await hass.ws<{ title: string }[]>({ type: "persistent_notification/get" })).some((n) =>
          n.title.startsWith("Backups needing attention"),
        ),
      30_000,
      "the blueprint's automation did not fire",
    );
    const note = (
      await hass.ws<{ title: string; message: string }[]>({ type: "persistent_notification/get" })
    ).find((n) => n.title.startsWith("Backups needing attention"));
    expect(note?.title).toBe("Backups needing attention: 1");
    expect(note?.message).toMatch(/immich.*: late — /);
  });

  it("starts exactly one backup on a double tap of Back up now; its failure replaces the notification", async () => {
    guest(101).failWith = "storage 'nas-backups' is not online";
    await Promise.all([tap("PVE_BACKUP_NOW:home:101", TAG_101), tap("PVE_BACKUP_NOW:home:101", TAG_101)]);
    await waitFor(() => vzdumps().length > 0, 30_000, "no vzdump started");
    await runLabUntil(() => forTag(TAG_101).length >= 2, "no notification for the failed run");
    expect(vzdumps()).toHaveLength(1);
    const second = forTag(TAG_101)[1] as Push;
    expect(second.title).toBe("immich (101): backup failed");
    expect(second.message).toContain("not online");
    // Same tag: the phone replaces the first message with this one.
    expect(second.data?.tag).toBe(TAG_101);
    expect(add.log()).toMatch(/already being backed up/);
    // The blueprint's automation, watching tier P1, is told by pve_backup_status_changed.
    await waitFor(
      async () =>
        (await hass.ws<{ title: string; message: string }[]>({ type: "persistent_notification/get" })).some(
          (n) => n.title === "Backup failed: immich" && n.message.startsWith("immich (P1): backup on "),
        ),
      30_000,
      "the blueprint did not tell the tier's guest that failed",
    );
  });

  it("clears the notification when the guest recovers", async () => {
    delete guest(101).failWith;
    // The failed run's follower may not have seen its end yet: until then a tap is refused
    // ("already being backed up"), so tap again as a person would.
    await runLabUntil(async () => {
      if (vzdumps().length < 2) await tap("PVE_BACKUP_NOW:home:101", TAG_101);
      return vzdumps().length >= 2;
    }, "Back up now did not start a second backup");
    await runLabUntil(
      () => forTag(TAG_101).some((p) => p.message === "clear_notification"),
      "the notification was not cleared",
    );
    expect(vzdumps()).toHaveLength(2);
    await waitFor(async () => !(await persistent(TAG_101)), 10_000, "the persistent notification stayed");
  });

  it("holds a snoozed guest's alerts, and the snooze survives an add-on restart", async () => {
    guest(105).failWith = "got timeout";
    await tap("PVE_BACKUP_NOW:home:105", TAG_105);
    await runLabUntil(() => forTag(TAG_105).length > 0, "no notification for the failed guest 105");
    await tap("PVE_BACKUP_SNOOZE:home:105", TAG_105);
    await waitFor(
      () => forTag(TAG_105).some((p) => p.message === "clear_notification"),
      30_000,
      "snoozing did not take the notification down",
    );
    const stateFile = join(dirname(add.logFile), "pve-backup-alerts.json");
    expect(existsSync(stateFile)).toBe(true);
    expect(readFileSync(stateFile, "utf8")).toContain("snoozedUntilMs");
    await add.stop();
    await add.start();
    await refreshes(3);
    // Still failed, still snoozed: nothing new about 105.
    expect(forTag(TAG_105).map((p) => p.message)).toEqual([
      forTag(TAG_105)[0]?.message,
      "clear_notification",
    ]);
    const status = (await (await fetch(`${add.apiUrl}/api/status`)).json()) as {
      guests: { vmid: number; status: string; alert?: { snoozedUntil: string | null; archived: boolean } }[];
    };
    // The snooze silences alerts only: the status still says failed.
    const g105 = status.guests.find((g) => g.vmid === 105);
    expect(g105?.status).toBe("failed");
    expect(Date.parse(g105?.alert?.snoozedUntil ?? "")).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    expect(g105?.alert?.archived).toBe(false);
  });

  it("alerts on a failed check of a guest's newest archive, and clears once a check passes", async () => {
    const TAG_102 = "pve_backup_home_102";
    const ledger = (result: "ok" | "failed") =>
      writeFileSync(
        join(dirname(add.logFile), "pve-backup-verify.json"),
        JSON.stringify({
          version: 1,
          lastVerified: {
            home_102: {
              time: new Date().toISOString(),
              depth: "full",
              result,
              durationMs: 1200,
              message: result === "ok" ? "archive reads back" : "zstd stream truncated",
              volid: "nas-backups:backup/vzdump-qemu-102.vma.zst",
            },
          },
          lastTestRestore: {},
          run: null,
        }),
      );
    ledger("failed");
    await waitFor(() => forTag(TAG_102).length > 0, 60_000, "no notification for the failed check");
    const [p] = forTag(TAG_102) as [Push];
    expect(p.title).toMatch(/ \(102\): archive check failed$/);
    expect(p.message).toMatch(/^[^:]+: the newest archive failed its check — zstd stream truncated$/);
    expect(p.data?.actions?.map((a) => a.title)).toEqual(["Back up now", "Snooze 24 h", "Open dashboard"]);
    ledger("ok");
    await waitFor(
      () => forTag(TAG_102).some((x) => x.message === "clear_notification"),
      60_000,
      "the notification stayed after the check passed",
    );
    expect(forTag(TAG_102)).toHaveLength(2);
  });

  it("shows a Repair for a job that points at a missing storage, gone once the job is fixed", async () => {
    const MISSING = "job_missing_storage_home_backup_7c1e4a52_9b0d";
    const issues = async () =>
      (
        await hass.ws<{
          issues: { domain: string; issue_id: string; translation_placeholders: Record<string, string> }[];
        }>({
          type: "repairs/list_issues",
        })
      ).issues.filter((i) => i.domain === "pve_backup");
    await waitFor(
      async () => (await issues()).some((i) => i.issue_id === MISSING),
      60_000,
      "no Repair for the job",
    );
    const issue = (await issues()).find((i) => i.issue_id === MISSING);
    expect(issue?.translation_placeholders).toMatchObject({
      storage: "synology-nas-storage",
      cluster: "home",
    });
    // Add-on and integration come from the same release: no version Repair.
    expect((await issues()).map((i) => i.issue_id)).not.toContain("version_mismatch");
    const job = lab.state.jobs.find((j) => j.id === "backup-7c1e4a52-9b0d") as Record<string, unknown>;
    job.storage = "nas-backups";
    await waitFor(
      async () => !(await issues()).some((i) => i.issue_id === MISSING),
      60_000,
      "the Repair stayed after the fix",
    );
  });
});
