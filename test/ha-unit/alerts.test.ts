import type { MessageBase } from "home-assistant-js-websocket";
import { describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import type { AlertAction } from "../../src/core/alerts.js";
import type { ClusterReport } from "../../src/core/status.js";
import { InputError } from "../../src/errors.js";
import {
  createHaAlertChannel,
  listenForAlertActions,
  startStatusEvents,
  watchForOtherAlerters,
} from "../../src/ha/alerts.js";
import { HaCommandError, type HaLink } from "../../src/ha/connection.js";
import { createServiceHandlers } from "../../src/ha/services.js";
import { silentLogger } from "../../src/log.js";

/** The Home Assistant side of alerts against an in-memory link that records calls and holds subscriptions. */
class FakeLink implements HaLink {
  connected = true;
  readonly sent: MessageBase[] = [];
  readonly handlers: ((e: unknown) => void)[] = [];
  private readonly listeners: (() => void)[] = [];
  constructor(public answer: (msg: MessageBase) => Promise<unknown> = async () => null) {}
  async send<T>(msg: MessageBase): Promise<T> {
    this.sent.push(msg);
    return (await this.answer(msg)) as T;
  }
  async subscribe<T>(onEvent: (e: T) => void, msg: MessageBase): Promise<() => Promise<void>> {
    this.sent.push(msg);
    await this.answer(msg);
    this.handlers.push(onEvent as (e: unknown) => void);
    return async () => undefined;
  }
  onReady(listener: () => void): void {
    this.listeners.push(listener);
  }
  ready(): void {
    for (const l of this.listeners) l();
  }
  close(): void {}
}

const NOTE = {
  tag: "pve_backup_home_101",
  group: "pve_backup_home",
  title: "immich (101): backup late",
  message: "immich: last backup 2 days ago — the 03:15 run left none",
  guest: { cluster: "home", vmid: 101 },
};

describe("the Home Assistant alert channel", () => {
  it("sends a phone its message with tag, group and the three actions, and a persistent notification by tag", async () => {
    const link = new FakeLink();
    const channel = createHaAlertChannel({
      link,
      targets: ["notify.mobile_app_pixel_8", "persistent_notification"],
      dashboardPath: "/pve-backup",
      log: silentLogger,
    });
    await channel.send(NOTE);
    await channel.clear(NOTE.tag);
    expect(link.sent).toEqual([
      {
        type: "call_service",
        domain: "notify",
        service: "mobile_app_pixel_8",
        service_data: {
          title: NOTE.title,
          message: NOTE.message,
          data: {
            tag: NOTE.tag,
            group: NOTE.group,
            url: "/pve-backup",
            clickAction: "/pve-backup",
            actions: [
              { action: "PVE_BACKUP_NOW:home:101", title: "Back up now" },
              { action: "PVE_BACKUP_SNOOZE:home:101", title: "Snooze 24 h" },
              { action: "URI", title: "Open dashboard", uri: "/pve-backup" },
            ],
          },
        },
      },
      {
        type: "call_service",
        domain: "persistent_notification",
        service: "create",
        service_data: { notification_id: NOTE.tag, title: NOTE.title, message: NOTE.message },
      },
      {
        type: "call_service",
        domain: "notify",
        service: "mobile_app_pixel_8",
        service_data: { message: "clear_notification", data: { tag: NOTE.tag } },
      },
      {
        type: "call_service",
        domain: "persistent_notification",
        service: "dismiss",
        service_data: { notification_id: NOTE.tag },
      },
    ]);
  });

  it("gives the digest only the dashboard action", async () => {
    const link = new FakeLink();
    const channel = createHaAlertChannel({
      link,
      targets: ["notify.mobile_app_a"],
      dashboardPath: "/x",
      log: silentLogger,
    });
    await channel.send({ tag: "pve_backup_digest", group: "pve_backup", title: "t", message: "m" });
    const data = (link.sent[0] as unknown as { service_data: { data: { actions: unknown[] } } }).service_data
      .data;
    expect(data.actions).toEqual([{ action: "URI", title: "Open dashboard", uri: "/x" }]);
  });

  it("still delivers to the other targets when one fails, then says which failed", async () => {
    const link = new FakeLink(async (msg) => {
      if ((msg as { service?: string }).service === "mobile_app_gone")
        throw new HaCommandError("call_service", "not_found", "Service notify.mobile_app_gone not found.");
      return null;
    });
    const channel = createHaAlertChannel({
      link,
      targets: ["notify.mobile_app_gone", "notify.mobile_app_pixel_8"],
      dashboardPath: "/",
      log: silentLogger,
    });
    await expect(channel.send(NOTE)).rejects.toThrow(
      /^notify\.mobile_app_gone: call_service: Service notify\.mobile_app_gone not found/,
    );
    expect(link.sent.map((m) => (m as { service?: string }).service)).toEqual([
      "mobile_app_gone",
      "mobile_app_pixel_8",
    ]);
  });
});

describe("notification actions", () => {
  it("listens on every connection and hands on only our actions", async () => {
    const link = new FakeLink();
    const got: AlertAction[] = [];
    listenForAlertActions(link, silentLogger, async (a) => {
      got.push(a);
    });
    expect(link.sent).toHaveLength(1);
    link.ready();
    await Promise.resolve();
    expect(link.sent).toEqual([
      { type: "subscribe_events", event_type: "mobile_app_notification_action" },
      { type: "subscribe_events", event_type: "mobile_app_notification_action" },
    ]);
    const fire = link.handlers[1] as (e: unknown) => void;
    fire({ data: { action: "PVE_BACKUP_NOW:home:101", tag: "pve_backup_home_101" } });
    fire({ data: { action: "URI" } });
    fire({ data: { action: "SOMEONE_ELSES" } });
    fire({});
    expect(got).toEqual([{ kind: "backup_now", cluster: "home", vmid: 101 }]);
  });

  it("says so when it cannot listen", async () => {
    const link = new FakeLink(async () => {
      throw new HaCommandError("subscribe_events", "unauthorized", "Unauthorized");
    });
    const warnings: string[] = [];
    listenForAlertActions(link, { ...silentLogger, warn: (m) => warnings.push(m) }, async () => undefined);
    await new Promise((r) => setTimeout(r, 0));
    expect(warnings).toEqual([
      "alerts: cannot listen for notification actions: subscribe_events: Unauthorized (unauthorized)",
    ]);
  });
});

describe("the pve_backup.snooze service", () => {
  const app = { config: { clusters: [{ name: "home" }] } } as unknown as App;
  const base = { app, nowMs: () => 0, refreshNow: async () => {}, onPveNotification: () => {} };

  it("snoozes the named guests (devices or vmids) for the hours given, 24 by default", async () => {
    const calls: [readonly string[], number][] = [];
    const handlers = createServiceHandlers({
      ...base,
      snooze: async (guests, hours) => {
        calls.push([guests, hours]);
        return { snoozed_until: "x" };
      },
    });
    expect(await handlers.serviceCall("snooze", { guests: ["home_101", "105"], hours: 2 })).toEqual({
      snoozed_until: "x",
    });
    await handlers.serviceCall("snooze", { guests: ["101"] });
    expect(calls).toEqual([
      [["home/101", "home/105"], 2],
      [["home/101"], 24],
    ]);
  });

  it.each([
    [{ guests: ["101"], hours: 0 }, "hours must be from 1 to 168"],
    [{ guests: [] }, "name the guests (devices or vmids) to snooze"],
  ])("refuses %j", async (data, message) => {
    const handlers = createServiceHandlers({ ...base, snooze: async () => undefined });
    await expect(handlers.serviceCall("snooze", data)).rejects.toThrow(new InputError(message));
  });

  it("says how to turn alerts on when they are off", async () => {
    await expect(createServiceHandlers(base).serviceCall("snooze", { guests: ["101"] })).rejects.toThrow(
      "set 'alerts' with a target in the add-on options first",
    );
  });
});

describe("status events", () => {
  it("fire pve_backup_status_changed for each guest whose status changed, and shrug off a failure", async () => {
    let listener: ((r: readonly ClusterReport[]) => unknown) | undefined;
    const fired: [string, Readonly<Record<string, unknown>>][] = [];
    let down = false;
    const debug: string[] = [];
    startStatusEvents({
      runtime: {
        onReports: (l) => {
          listener = l;
        },
      },
      fire: async (type, data) => {
        if (down) throw new Error("not connected");
        fired.push([type, data]);
      },
      log: { ...silentLogger, debug: (m) => debug.push(m) },
    });
    const report = (status: string) =>
      [
        {
          cluster: "home",
          reachable: true,
          problems: [],
          guests: [{ cluster: "home", vmid: 101, name: "immich", tier: "P1", status, reason: `${status}!` }],
        },
      ] as unknown as ClusterReport[];
    listener?.(report("ok"));
    listener?.(report("late"));
    listener?.(report("late"));
    expect(fired).toEqual([
      [
        "pve_backup_status_changed",
        {
          cluster: "home",
          vmid: 101,
          name: "immich",
          tier: "P1",
          status: "late",
          previous_status: "ok",
          reason: "late!",
        },
      ],
    ]);
    down = true;
    listener?.(report("failed"));
    await new Promise((r) => setImmediate(r));
    expect(debug).toEqual(["could not fire pve_backup_status_changed: not connected"]);
  });
});

describe("two add-ons alerting through one Home Assistant", () => {
  /** Two links on one event bus: a fired event reaches every subscription, as in Home Assistant. */
  function bus() {
    const links: FakeLink[] = [];
    const link = () => {
      const l: FakeLink = new FakeLink(async (msg) => {
        if (msg.type === "fire_event")
          for (const other of links)
            for (const h of other.handlers) h({ event_type: msg.event_type, data: msg.event_data });
        return null;
      });
      links.push(l);
      return l;
    };
    return { link };
  }
  const notes = (l: FakeLink) =>
    l.sent.filter(
      (m) => m.type === "call_service" && (m as { domain?: string }).domain === "persistent_notification",
    );
  const settle = () => new Promise((r) => setTimeout(r, 10));

  it("find each other whichever starts first, and warn once about the clusters both alert about", async () => {
    const b = bus();
    const first = b.link();
    const second = b.link();
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (m: string) => warnings.push(m) };
    watchForOtherAlerters({ link: first, log, clusters: ["home", "lab"], instanceId: "a" });
    await settle();
    expect(warnings).toEqual([]);
    watchForOtherAlerters({ link: second, log, clusters: ["home"], instanceId: "b" });
    await settle();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      /Another PVE Backup add-on also sends alerts about home to this Home Assistant/,
    );
    expect(notes(first)).toHaveLength(1);
    expect(notes(second)).toHaveLength(1);
    // A reconnection announces again: no new warning.
    first.ready();
    await settle();
    expect(warnings).toHaveLength(2);
  });

  it("stay quiet when their clusters differ, or about their own announcement", async () => {
    const b = bus();
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (m: string) => warnings.push(m) };
    watchForOtherAlerters({ link: b.link(), log, clusters: ["home"], instanceId: "a" });
    watchForOtherAlerters({ link: b.link(), log, clusters: ["lab"], instanceId: "b" });
    await settle();
    expect(warnings).toEqual([]);
  });
});
