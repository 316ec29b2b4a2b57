import type { Connection } from "home-assistant-js-websocket";
import { changedStates, type Declaration, type EntityState } from "../entities/catalogue.js";
import type { Logger } from "../log.js";
import type { HaTarget } from "./connection.js";

/**
 * The add-on's side of the bridge protocol (docs/bridge-protocol.md): declare the catalogue on
 * the `pve_backup/connect` subscription, push changed states in batches, answer service calls,
 * fire events. Without the companion integration it falls back to `POST /api/states` for the
 * essential sensors and tells the user, once, how to finish the install.
 */

export interface BridgeHandlers {
  serviceCall(service: string, data: Readonly<Record<string, unknown>>): Promise<unknown>;
  buttonPress(key: string): Promise<void>;
  selectOption(key: string, option: string): Promise<void>;
  webhook(payload: unknown, headers: Readonly<Record<string, string>>): void;
}

export type BridgeMode = "connecting" | "integration" | "fallback" | "replaced";

export interface BridgeStats {
  readonly mode: BridgeMode;
  /** `pve_backup/states` batches sent, and the states in them. */
  readonly batches: number;
  readonly states: number;
}

export interface HaBridgeDeps {
  readonly connection: Connection;
  readonly target: HaTarget;
  readonly log: Logger;
  readonly addonVersion: string;
  readonly handlers: BridgeHandlers;
  readonly fetch?: typeof fetch;
}

const PROTOCOL = 1;
const INSTALL_NOTIFICATION = "pve_backup_install";

interface BridgeEvent {
  readonly kind: string;
  readonly call_id?: string;
  readonly service?: string;
  readonly data?: Record<string, unknown>;
  readonly key?: string;
  readonly option?: string;
  readonly payload?: unknown;
  readonly headers?: Record<string, string>;
  readonly reason?: string;
}

export function createHaBridge(deps: HaBridgeDeps) {
  const { connection, log } = deps;
  let mode: BridgeMode = "connecting";
  /** Nothing is declared before the first publish: an empty declaration would empty HA's registry. */
  let declaration: Declaration | undefined;
  let declared = "";
  let latest: readonly EntityState[] = [];
  let sent = new Map<string, string>();
  let unsubscribe: (() => Promise<void>) | undefined;
  let batches = 0;
  let statesSent = 0;
  let attaching: Promise<void> | undefined;
  let retryMs = 1000;
  let notified = false;

  async function attach(): Promise<void> {
    try {
      await connection.sendMessagePromise({ type: "pve_backup/version" });
    } catch (err) {
      if (errorCode(err) === "unknown_command") return enterFallback();
      throw err;
    }
    await unsubscribe?.().catch(() => undefined);
    const sending = declaration as Declaration;
    unsubscribe = await connection.subscribeMessage<BridgeEvent>(onEvent, connectMessage(sending), {
      resubscribe: false,
    });
    mode = "integration";
    declared = JSON.stringify(sending);
    retryMs = 1000;
    // A (re)connected integration starts with no states: send them all.
    sent = new Map();
    await flush();
    if (notified) {
      notified = false;
      await connection
        .sendMessagePromise({
          type: "call_service",
          domain: "persistent_notification",
          service: "dismiss",
          service_data: { notification_id: INSTALL_NOTIFICATION },
        })
        .catch(() => undefined);
    }
    log.info(
      `Home Assistant: declared ${sending.devices.length} devices and ${sending.entities.length} entities`,
    );
    // The catalogue changed while we were connecting: declare the new one.
    if (JSON.stringify(declaration) !== declared) {
      mode = "connecting";
      queueMicrotask(reattach);
    }
  }

  function connectMessage(d: Declaration) {
    return {
      type: "pve_backup/connect",
      protocol: PROTOCOL,
      addon_version: deps.addonVersion,
      devices: d.devices,
      entities: d.entities,
    };
  }

  /** Attach once at a time; on failure try again with back-off (the entry may be reloading). */
  function reattach(): void {
    if (attaching || mode === "replaced" || declaration === undefined) return;
    attaching = attach()
      .catch((err) => {
        log.warn(`Home Assistant bridge: ${describe(err)}; trying again in ${retryMs / 1000} s`);
        const wait = retryMs;
        retryMs = Math.min(retryMs * 2, 60_000);
        setTimeout(reattach, wait).unref();
      })
      .finally(() => {
        attaching = undefined;
      });
  }

  function onEvent(e: BridgeEvent): void {
    switch (e.kind) {
      case "service_call":
        void answerServiceCall(e.call_id as string, e.service as string, e.data ?? {});
        return;
      case "button_press":
        deps.handlers
          .buttonPress(e.key as string)
          .catch((err) => log.error(`button ${e.key}: ${describe(err)}`));
        return;
      case "select_option":
        deps.handlers
          .selectOption(e.key as string, e.option as string)
          .catch((err) => log.error(`select ${e.key}: ${describe(err)}`));
        return;
      case "webhook":
        deps.handlers.webhook(e.payload, e.headers ?? {});
        return;
      case "closed":
        unsubscribe = undefined;
        if (e.reason === "replaced") {
          mode = "replaced";
          log.error("another PVE Backup add-on connected to this Home Assistant: this one stops publishing");
        } else {
          mode = "connecting";
          reattach();
        }
        return;
      default:
        log.debug(`Home Assistant bridge: ignoring event ${e.kind}`);
    }
  }

  async function answerServiceCall(
    callId: string,
    service: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    let answer: Record<string, unknown>;
    try {
      answer = { success: true, response: (await deps.handlers.serviceCall(service, data)) ?? null };
    } catch (err) {
      answer = { success: false, error: describe(err) };
    }
    try {
      await connection.sendMessagePromise({ type: "pve_backup/service_result", call_id: callId, ...answer });
    } catch (err) {
      log.warn(`could not answer service call ${service}: ${describe(err)}`);
    }
  }

  async function flush(): Promise<void> {
    if (mode === "integration") {
      const changed = changedStates(latest, sent);
      if (changed.length === 0) return;
      batches++;
      statesSent += changed.length;
      await connection.sendMessagePromise({ type: "pve_backup/states", states: changed });
    } else if (mode === "fallback") {
      await postFallbackStates();
    }
  }

  async function enterFallback(): Promise<void> {
    mode = "fallback";
    sent = new Map();
    log.warn("the PVE Backup integration is not installed in Home Assistant: publishing basic sensors only");
    if (!notified) {
      notified = true;
      await connection.sendMessagePromise({
        type: "call_service",
        domain: "persistent_notification",
        service: "create",
        service_data: {
          notification_id: INSTALL_NOTIFICATION,
          title: "PVE Backup: finish the install",
          message:
            "The PVE Backup add-on runs, but its companion integration is not installed, so only basic sensors are shown (no devices, buttons or services). Install it with HACS (custom repository) or turn on the add-on option `install_integration`, restart Home Assistant, then add the integration under Settings → Devices & services.",
        },
      });
    }
    await flush();
  }

  /** The essential sensors as plain states (no unique id, lost on an HA restart: re-posted on reconnect). */
  async function postFallbackStates(): Promise<void> {
    const doFetch = deps.fetch ?? fetch;
    const essential = latest.filter(
      (s) =>
        s.key.endsWith("_backup_status") ||
        s.key.endsWith("_backup_problem") ||
        s.key.endsWith("_last_backup"),
    );
    for (const s of changedStates(essential, sent)) {
      const isProblem = s.key.endsWith("_backup_problem");
      const entityId = `${isProblem ? "binary_sensor" : "sensor"}.pve_backup_${s.key}`;
      const state = isProblem
        ? s.state === null
          ? "unknown"
          : s.state
            ? "on"
            : "off"
        : (s.state ?? "unknown");
      const attributes = {
        ...s.attributes,
        friendly_name: `PVE Backup ${s.key.replace(/_/g, " ")}`,
        ...(isProblem
          ? { device_class: "problem" }
          : s.key.endsWith("_last_backup")
            ? { device_class: "timestamp" }
            : {}),
      };
      const res = await doFetch(`${deps.target.restUrl}/states/${entityId}`, {
        method: "POST",
        headers: { authorization: `Bearer ${deps.target.token}`, "content-type": "application/json" },
        body: JSON.stringify({ state: String(state), attributes }),
      });
      if (!res.ok) {
        sent.delete(s.key);
        log.warn(`POST /api/states/${entityId}: ${res.status}`);
      }
    }
  }

  connection.addEventListener("ready", () => {
    if (mode !== "replaced") {
      mode = "connecting";
      reattach();
    }
  });

  return {
    /** Start talking to Home Assistant (the connection is already up). */
    start(): void {
      reattach();
    },
    /** Publish the current catalogue: re-declares when it changed, then sends changed states. */
    async publish(next: Declaration, all: readonly EntityState[]): Promise<void> {
      const first = declaration === undefined;
      declaration = next;
      latest = all;
      if (first || (mode === "integration" && JSON.stringify(next) !== declared)) {
        // The first declaration, or a new one: it replaces the subscription (and the catalogue).
        if (mode === "integration") mode = "connecting";
        reattach();
        return;
      }
      await flush();
    },
    /** A persistent notification in Home Assistant (replaces one with the same id). */
    async notify(id: string, title: string, message: string): Promise<void> {
      await connection.sendMessagePromise({
        type: "call_service",
        domain: "persistent_notification",
        service: "create",
        service_data: { notification_id: id, title, message },
      });
    },
    async fireEvent(eventType: string, data: Readonly<Record<string, unknown>>): Promise<void> {
      await connection.sendMessagePromise({ type: "fire_event", event_type: eventType, event_data: data });
    },
    stats: (): BridgeStats => ({ mode, batches, states: statesSent }),
    async close(): Promise<void> {
      await unsubscribe?.().catch(() => undefined);
    },
  };
}

export type HaBridge = ReturnType<typeof createHaBridge>;

function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && "message" in err)
    return String((err as { message: unknown }).message);
  if (err === 3) return "connection lost";
  return String(err);
}
