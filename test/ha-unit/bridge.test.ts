import type { MessageBase } from "home-assistant-js-websocket";
import { describe, expect, it } from "vitest";
import type { Declaration, EntityState } from "../../src/entities/catalogue.js";
import { InputError, UpstreamError } from "../../src/errors.js";
import { type BridgeTiming, createHaBridge } from "../../src/ha/bridge.js";
import { HaCommandError, type HaLink } from "../../src/ha/connection.js";
import { silentLogger } from "../../src/log.js";

/** An in-memory websocket side of Home Assistant: answers per command type, records what was sent. */
class FakeLink implements HaLink {
  connected = true;
  readonly sent: MessageBase[] = [];
  private readonly listeners: (() => void)[] = [];
  constructor(public answer: (msg: MessageBase) => Promise<unknown>) {}
  async send<T>(msg: MessageBase): Promise<T> {
    this.sent.push(msg);
    return (await this.answer(msg)) as T;
  }
  async subscribe<T>(_onEvent: (e: T) => void, msg: MessageBase): Promise<() => Promise<void>> {
    this.sent.push(msg);
    await this.answer(msg);
    return async () => undefined;
  }
  onReady(listener: () => void): void {
    this.listeners.push(listener);
  }
  ready(): void {
    for (const l of this.listeners) l();
  }
  close(): void {}
  types(): string[] {
    return this.sent.map((m) => String(m.type));
  }
  batches(): EntityState[][] {
    return this.sent
      .filter((m) => m.type === "pve_backup/states")
      .map((m) => (m as unknown as { states: EntityState[] }).states);
  }
}

const unknownCommand = (type: string) => new HaCommandError(type, "unknown_command", "Unknown command.");
const running = (msg: MessageBase) =>
  Promise.resolve(msg.type === "get_config" ? { state: "RUNNING" } : null);

const declaration: Declaration = {
  devices: [
    {
      key: "home_100",
      name: "vm",
      manufacturer: "Proxmox VE",
      model: "QEMU",
      via_device: null,
      configuration_url: null,
    },
  ],
  entities: [],
};
const states = (status: string): EntityState[] => [
  { key: "home_100_backup_status", state: status, attributes: {} },
];
const fast = {
  startingPollMs: 5,
  versionRetryMs: 5,
  fallbackCheckMs: 20,
  retryMinMs: 5,
  retryMaxMs: 20,
};

function bridgeOn(
  link: FakeLink,
  fetchImpl: typeof fetch = async () => new Response("{}"),
  timing: Partial<BridgeTiming> = {},
) {
  return createHaBridge({
    link,
    target: { wsUrl: "ws://ha/api/websocket", restUrl: "http://ha/api", token: "t" },
    log: silentLogger,
    addonVersion: "0.1.0",
    handlers: {
      serviceCall: async () => null,
      buttonPress: async () => undefined,
      selectOption: async () => undefined,
      webhook: () => undefined,
    },
    fetch: fetchImpl,
    timing: { ...fast, ...timing },
  });
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("the bridge's publisher", () => {
  it("counts a state as sent only once Home Assistant took it, and sends it again next time", async () => {
    let failStates = true;
    const link = new FakeLink(async (msg) => {
      if (msg.type === "pve_backup/states" && failStates) throw new Error("connection lost");
      return running(msg);
    });
    const bridge = bridgeOn(link);
    bridge.publish(declaration, states("ok"));
    await until(() => link.batches().length === 1, "the first batch");
    await bridge.idle();
    expect(bridge.stats().batches).toBe(0);
    failStates = false;
    bridge.publish(declaration, states("ok"));
    await bridge.idle();
    expect(link.batches()).toEqual([states("ok"), states("ok")]);
    expect(bridge.stats()).toMatchObject({ mode: "integration", batches: 1, states: 1 });
  });

  it("returns from publish at once while Home Assistant hangs, and sends only the newest snapshot after", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const link = new FakeLink(async (msg) => {
      if (msg.type === "pve_backup/states" && link.batches().length === 1) await held;
      return running(msg);
    });
    const bridge = bridgeOn(link);
    bridge.publish(declaration, states("running"));
    await until(() => link.batches().length === 1, "the first batch");
    // The first batch hangs; these return at once and only the last survives.
    bridge.publish(declaration, states("late"));
    bridge.publish(declaration, states("failed"));
    bridge.publish(declaration, states("ok"));
    release();
    await bridge.idle();
    expect(link.batches()).toEqual([states("running"), states("ok")]);
  });

  it("waits for Home Assistant to run and asks for the integration again before falling back", async () => {
    let starting = 2;
    let unknown = 2;
    const link = new FakeLink(async (msg) => {
      if (msg.type === "get_config") return { state: starting-- > 0 ? "NOT_RUNNING" : "RUNNING" };
      if (msg.type === "pve_backup/version" && unknown-- > 0) throw unknownCommand("pve_backup/version");
      return null;
    });
    const bridge = bridgeOn(link);
    bridge.publish(declaration, states("ok"));
    await until(() => bridge.stats().mode === "integration", "integration mode");
    await bridge.idle();
    expect(link.types().filter((t) => t === "get_config")).toHaveLength(3);
    expect(link.types().filter((t) => t === "pve_backup/version")).toHaveLength(3);
    expect(link.types()).not.toContain("call_service");
    expect(link.batches()).toEqual([states("ok")]);
  });

  it("leaves the fallback as soon as the integration answers, dismissing the notification and the plain states", async () => {
    let installed = false;
    const link = new FakeLink(async (msg) => {
      if (msg.type === "pve_backup/version" && !installed) throw unknownCommand("pve_backup/version");
      if (msg.type === "config/entity_registry/get")
        throw new HaCommandError("config/entity_registry/get", "not_found", "Entity not found");
      return running(msg);
    });
    const rest: string[] = [];
    const bridge = bridgeOn(link, async (url, init) => {
      rest.push(`${init?.method} ${String(url)}`);
      return new Response("{}", { status: 200 });
    });
    bridge.publish(declaration, states("ok"));
    await until(() => bridge.stats().mode === "fallback", "fallback");
    await until(() => rest.length === 1, "the fallback state");
    expect(rest).toEqual(["POST http://ha/api/states/sensor.pve_backup_home_100_backup_status"]);
    installed = true;
    await until(() => bridge.stats().mode === "integration", "integration after the check");
    await bridge.idle();
    const calls = link.sent.filter((m) => m.type === "call_service") as unknown as { service: string }[];
    expect(calls.map((c) => c.service)).toEqual(["create", "dismiss"]);
    expect(rest.at(-1)).toBe("DELETE http://ha/api/states/sensor.pve_backup_home_100_backup_status");
    expect(link.batches()).toEqual([states("ok")]);
  });

  it("posts Home Assistant's backup on the NAS among the basic sensors in fallback", async () => {
    const link = new FakeLink(async (msg) => {
      if (msg.type === "pve_backup/version") throw unknownCommand("pve_backup/version");
      return running(msg);
    });
    const posted: Record<string, { state: string; attributes: Record<string, unknown> }> = {};
    const bridge = bridgeOn(link, async (url, init) => {
      posted[String(url).split("/").at(-1) as string] = JSON.parse(String(init?.body));
      return new Response("{}", { status: 200 });
    });
    bridge.publish(declaration, [
      {
        key: "home_ha_backup_last",
        state: "2026-02-11T04:47:00.000Z",
        attributes: { agent: "backup.local" },
      },
      { key: "home_ha_backup_next", state: "2026-02-12T04:45:00.000Z", attributes: {} },
      { key: "home_ha_backup_verification", state: "failed", attributes: { message: "x.tar changed" } },
      { key: "home_ha_backup_problem", state: true, attributes: {} },
    ]);
    await until(() => Object.keys(posted).length === 3, "three fallback states");
    expect(Object.keys(posted).sort()).toEqual([
      "binary_sensor.pve_backup_home_ha_backup_problem",
      "sensor.pve_backup_home_ha_backup_last",
      "sensor.pve_backup_home_ha_backup_verification",
    ]);
    expect(posted["sensor.pve_backup_home_ha_backup_last"]?.attributes.device_class).toBe("timestamp");
    expect(posted["sensor.pve_backup_home_ha_backup_verification"]?.state).toBe("failed");
    expect(posted["binary_sensor.pve_backup_home_ha_backup_problem"]?.state).toBe("on");
    await bridge.close();
  });

  it("keeps to basic sensors and asks for an update when the integration is older than it needs", async () => {
    const link = new FakeLink(async (msg) =>
      msg.type === "pve_backup/version" ? { protocol: 1, integration_version: "0.1.0" } : running(msg),
    );
    const bridge = bridgeOn(link);
    bridge.publish(declaration, states("ok"));
    await until(() => bridge.stats().mode === "fallback", "fallback");
    await bridge.idle();
    expect(link.types()).not.toContain("pve_backup/connect");
    const notes = link.sent.filter((m) => m.type === "call_service") as unknown as {
      service_data: { title: string; message: string };
    }[];
    expect(notes[0]?.service_data.title).toBe("PVE Backup: update the integration");
    expect(notes[0]?.service_data.message).toContain("0.1.0");
  });

  it("tells the integration whether a refused service call was bad input or a failure upstream", async () => {
    let onEvent: ((e: unknown) => void) | undefined;
    const link = new FakeLink(running);
    link.subscribe = async <T>(listener: (e: T) => void, msg: MessageBase) => {
      link.sent.push(msg);
      onEvent = listener as (e: unknown) => void;
      return async () => undefined;
    };
    const bridge = createHaBridge({
      link,
      target: { wsUrl: "ws://ha/api/websocket", restUrl: "http://ha/api", token: "t" },
      log: silentLogger,
      addonVersion: "0.1.0",
      handlers: {
        serviceCall: async (service) => {
          if (service === "backup_now") throw new InputError("guest 999 is not in cluster home");
          throw new UpstreamError("PVE did not answer", { retryable: true });
        },
        buttonPress: async () => undefined,
        selectOption: async () => undefined,
        webhook: () => undefined,
      },
      timing: fast,
    });
    bridge.publish(declaration, states("ok"));
    await until(() => onEvent !== undefined, "the subscription");
    onEvent?.({ kind: "service_call", call_id: "a", service: "backup_now", data: {} });
    onEvent?.({ kind: "service_call", call_id: "b", service: "apply_policy", data: {} });
    await until(() => link.types().filter((t) => t === "pve_backup/service_result").length === 2, "answers");
    const results = link.sent.filter((m) => m.type === "pve_backup/service_result");
    expect(results).toEqual([
      expect.objectContaining({ call_id: "a", success: false, error_kind: "input" }),
      expect.objectContaining({ call_id: "b", success: false, error_kind: "upstream" }),
    ]);
  });

  it("posts a notification handed over while Home Assistant is away once it is connected", async () => {
    const link = new FakeLink(running);
    link.connected = false;
    const bridge = bridgeOn(link);
    bridge.notify("pve_backup_restart", "PVE Backup: restart Home Assistant", "Restart it.");
    await bridge.idle();
    expect(link.sent).toEqual([]);
    link.connected = true;
    link.ready();
    await until(() => link.sent.length > 0, "the notification");
    expect(link.sent[0]).toMatchObject({
      type: "call_service",
      domain: "persistent_notification",
      service: "create",
      service_data: { notification_id: "pve_backup_restart", title: "PVE Backup: restart Home Assistant" },
    });
  });

  it("does not connect a second time when a retry was pending at the reconnect", async () => {
    let entryLoaded = false;
    const link = new FakeLink(async (msg) => {
      if (msg.type === "pve_backup/connect" && !entryLoaded)
        throw new HaCommandError("pve_backup/connect", "not_found", "PVE Backup has no loaded config entry");
      return running(msg);
    });
    const bridge = bridgeOn(link, undefined, { retryMinMs: 100 });
    bridge.publish(declaration, states("ok"));
    await until(() => link.types().includes("pve_backup/connect"), "the refused connect");
    await bridge.idle();
    // A retry is now pending; the connection drops and comes back before it fires.
    entryLoaded = true;
    link.ready();
    await until(() => bridge.stats().mode === "integration", "integration");
    await new Promise((r) => setTimeout(r, 250));
    await bridge.idle();
    expect(link.types().filter((t) => t === "pve_backup/connect")).toHaveLength(2);
  });

  it("sends one connect per reconnect", async () => {
    const link = new FakeLink(running);
    const bridge = bridgeOn(link);
    bridge.publish(declaration, states("ok"));
    await until(() => bridge.stats().mode === "integration", "integration");
    for (let i = 0; i < 3; i++) {
      link.connected = false;
      bridge.publish(declaration, states(i % 2 ? "ok" : "late"));
      link.connected = true;
      link.ready();
      await until(() => bridge.stats().mode === "integration", "integration again");
    }
    await new Promise((r) => setTimeout(r, 60));
    await bridge.idle();
    expect(link.types().filter((t) => t === "pve_backup/connect")).toHaveLength(4);
  });
});

describe("the backup calendar and older integrations", () => {
  const withCalendar: Declaration = {
    ...declaration,
    entities: [
      {
        key: "home_backup_calendar",
        device: "home_100",
        platform: "calendar",
        name: "Backup calendar",
        translation_key: null,
        device_class: null,
        options: null,
        state_class: null,
        unit_of_measurement: null,
        suggested_unit_of_measurement: null,
        suggested_display_precision: null,
        icon: null,
        entity_category: null,
        enabled_default: true,
      },
    ],
  };
  const calendarState: EntityState = { key: "home_backup_calendar", state: null, attributes: { events: [] } };

  it.each([
    ["0.2.0", [], [states("ok")[0]]],
    ["0.3.0", ["home_backup_calendar"], [states("ok")[0], calendarState]],
  ])(
    "declares the calendar to an integration %s only if it has the platform",
    async (version, keys, sentStates) => {
      const link = new FakeLink(async (msg) =>
        msg.type === "pve_backup/version" ? { protocol: 1, integration_version: version } : running(msg),
      );
      const bridge = bridgeOn(link);
      bridge.publish(withCalendar, [...states("ok"), calendarState]);
      await until(() => link.batches().length === 1, "the first batch");
      await bridge.idle();
      const connects = link.sent.filter((m) => m.type === "pve_backup/connect") as unknown as Declaration[];
      expect(connects.map((c) => c.entities.map((e) => e.key))).toEqual([keys]);
      expect(link.batches()).toEqual([sentStates]);
      // The same snapshot again: no second connect (the declaration it took is unchanged).
      bridge.publish(withCalendar, [...states("late"), calendarState]);
      await until(() => link.batches().length === 2, "the second batch");
      await bridge.idle();
      expect(link.types().filter((t) => t === "pve_backup/connect")).toHaveLength(1);
      bridge.close();
    },
  );
});
