import { changedStates, type Declaration, type EntityState } from "../entities/catalogue.js";
import { InputError } from "../errors.js";
import type { Logger } from "../log.js";
import { HA_CALL_TIMEOUT_MS, HaCommandError, type HaLink, type HaTarget } from "./connection.js";
import { compareVersions } from "./install.js";

/**
 * The oldest integration that takes this add-on's declaration (suggested display units) and
 * service results (`error_kind`); an older one refuses both as `invalid_format`.
 */
export const MIN_INTEGRATION_VERSION = "0.2.0";

/**
 * The oldest integration with the `calendar` platform (the backup calendar). An older one would
 * refuse the whole declaration, so it is declared the rest and no calendar.
 */
export const CALENDAR_INTEGRATION_VERSION = "0.3.0";

/** The declaration an integration of `version` takes: calendars only from the version that has them. */
export function declarationFor(d: Declaration, version: string): Declaration {
  if (compareVersions(version, CALENDAR_INTEGRATION_VERSION) >= 0) return d;
  return { ...d, entities: d.entities.filter((e) => e.platform !== "calendar") };
}

/**
 * The add-on's side of the bridge protocol (docs/bridge-protocol.md): declare the catalogue on
 * the `pve_backup/connect` subscription, push changed states in batches, answer service calls,
 * fire events. Without the companion integration it falls back to `POST /api/states` for the
 * essential sensors, tells the user how to finish the install, and keeps looking for the
 * integration.
 *
 * Publishing runs beside the refresh loop: `publish` hands over the newest snapshot and returns
 * at once; one worker sends it (newest wins, older unsent snapshots are dropped). A state counts
 * as sent only once Home Assistant took it, so a failed batch goes out again with the next one.
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
  /** `pve_backup/states` batches Home Assistant took, and the states in them. */
  readonly batches: number;
  readonly states: number;
}

export interface BridgeTiming {
  /** A REST call (fallback states) may take this long. */
  readonly callTimeoutMs: number;
  /** `pve_backup/connect` applies the whole catalogue: it may take longer than other commands. */
  readonly connectTimeoutMs: number;
  /** How often to look again while Home Assistant is still starting. */
  readonly startingPollMs: number;
  /** `pve_backup/version` answered `unknown_command`: ask this many times in all… */
  readonly versionAttempts: number;
  /** …this far apart, before concluding the integration is not installed. */
  readonly versionRetryMs: number;
  /** While in fallback, look for the integration this often (and on each reconnect). */
  readonly fallbackCheckMs: number;
  /** Back-off of a failed attach: first wait, doubling up to the second. */
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
}

const DEFAULT_TIMING: BridgeTiming = {
  callTimeoutMs: HA_CALL_TIMEOUT_MS,
  connectTimeoutMs: 120_000,
  startingPollMs: 2_000,
  versionAttempts: 3,
  versionRetryMs: 5_000,
  fallbackCheckMs: 60_000,
  retryMinMs: 1_000,
  retryMaxMs: 60_000,
};

export interface HaBridgeDeps {
  readonly link: HaLink;
  readonly target: HaTarget;
  readonly log: Logger;
  readonly addonVersion: string;
  readonly handlers: BridgeHandlers;
  readonly fetch?: typeof fetch;
  readonly timing?: Partial<BridgeTiming>;
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
  const { link, log } = deps;
  const timing = { ...DEFAULT_TIMING, ...deps.timing };
  const doFetch = deps.fetch ?? fetch;
  let mode: BridgeMode = "connecting";
  /** Nothing is declared before the first publish: an empty declaration would empty HA's registry. */
  let declaration: Declaration | undefined;
  /** What the live subscription declared. */
  let declared = "";
  /** The integration's version, as it answered last. */
  let integrationVersion = MIN_INTEGRATION_VERSION;
  /** Keys of the entities left out of the live declaration (their states are not sent). */
  let omitted = new Set<string>();
  let latest: readonly EntityState[] = [];
  /** Fingerprints of the states Home Assistant took since the last connect (or fallback entry). */
  let sent = new Map<string, string>();
  /** Bumped whenever `sent` starts over: a batch in flight then must not commit. */
  let sentEpoch = 0;
  let unsubscribe: (() => Promise<void>) | undefined;
  let batches = 0;
  let statesSent = 0;
  let retryMs = timing.retryMinMs;
  let retryTimer: NodeJS.Timeout | undefined;
  let fallbackTimer: NodeJS.Timeout | undefined;
  let recheck = false;
  let waitingForStart = false;
  /** The install notification is up (dismissed when the integration answers). */
  let notified = false;
  /** Entity ids posted as plain states in fallback. */
  const fallbackIds = new Set<string>();
  /** Notifications to post once connected (replaced by id). */
  const pendingNotes = new Map<string, { title: string; message: string }>();
  let closed = false;

  // ---- the worker: one step at a time, beside the refresh loop ------------------------------

  let working: Promise<void> | undefined;
  let dirty = false;

  function kick(): void {
    dirty = true;
    if (working) return;
    working = (async () => {
      while (dirty) {
        dirty = false;
        await step();
      }
    })().finally(() => {
      working = undefined;
      if (dirty) kick();
    });
  }

  function later(ms: number): void {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(kick, ms);
    retryTimer.unref();
  }

  async function step(): Promise<void> {
    if (closed || mode === "replaced" || !link.connected) return;
    try {
      await postPendingNotes();
      if (declaration === undefined) return;
      if (mode === "fallback") {
        if (recheck) {
          recheck = false;
          await attach(1);
        } else await postFallbackStates();
      } else if (mode === "connecting") await attach(timing.versionAttempts);
      else if (JSON.stringify(declarationFor(declaration, integrationVersion)) !== declared) await connect();
      else await sendStates();
    } catch (err) {
      if (!link.connected) {
        // The connection dropped (its own line says so): the reconnect starts over.
        log.debug(`Home Assistant bridge: ${describe(err)}`);
        return;
      }
      if (mode === "connecting") {
        log.warn(`Home Assistant bridge: ${describe(err)}; trying again in ${retryMs / 1000} s`);
        later(retryMs);
        retryMs = Math.min(retryMs * 2, timing.retryMaxMs);
      } else {
        // The states stay unsent: the next snapshot carries them again.
        log.warn(`publishing to Home Assistant: ${describe(err)}; sending again with the next refresh`);
      }
    }
  }

  // ---- finding the integration ----------------------------------------------------------------

  /** Home Assistant is up, the integration answers, then declare; otherwise fall back. */
  async function attach(versionAttempts: number): Promise<void> {
    const config = await link.send<{ state?: string }>({ type: "get_config" });
    // Connections are accepted while integrations are still being set up (reference
    // home-assistant.md §6.5): the integration's commands may not be registered yet.
    if (config.state !== undefined && config.state !== "RUNNING") {
      if (!waitingForStart)
        log.info(
          `Home Assistant is still starting (${config.state}): waiting before looking for the integration`,
        );
      waitingForStart = true;
      later(timing.startingPollMs);
      return;
    }
    waitingForStart = false;
    const version = await integrationAnswers(versionAttempts);
    if (version !== undefined) integrationVersion = version;
    if (version === undefined || compareVersions(version, MIN_INTEGRATION_VERSION) < 0) {
      if (mode !== "fallback") await enterFallback(version);
      else await postFallbackStates();
      return;
    }
    await connect();
  }

  /** The integration's version, or undefined when Home Assistant does not know the command. */
  async function integrationAnswers(attempts: number): Promise<string | undefined> {
    for (let i = 1; ; i++) {
      try {
        const answer = (await link.send({ type: "pve_backup/version" })) as { integration_version?: unknown };
        // An answer without a version (none is known to exist) is taken as current.
        return typeof answer?.integration_version === "string"
          ? answer.integration_version
          : MIN_INTEGRATION_VERSION;
      } catch (err) {
        if (!(err instanceof HaCommandError && err.code === "unknown_command")) throw err;
        if (i >= attempts) return undefined;
        log.debug(`pve_backup/version is unknown to Home Assistant (attempt ${i}): asking again`);
        await new Promise((r) => setTimeout(r, timing.versionRetryMs).unref());
      }
    }
  }

  /** Declare the newest catalogue on a new subscription, then send every state. */
  async function connect(): Promise<void> {
    const whole = declaration as Declaration;
    const sending = declarationFor(whole, integrationVersion);
    omitted = new Set(whole.entities.filter((e) => !sending.entities.includes(e)).map((e) => e.key));
    mode = "connecting";
    // Within one connection a second `connect` would end the first with `closed: replaced`.
    await unsubscribe?.().catch(() => undefined);
    unsubscribe = undefined;
    unsubscribe = await link.subscribe<BridgeEvent>(
      onEvent,
      connectMessage(sending),
      timing.connectTimeoutMs,
    );
    mode = "integration";
    declared = JSON.stringify(sending);
    retryMs = timing.retryMinMs;
    stopFallbackChecks();
    log.info(
      `Home Assistant: declared ${sending.devices.length} devices and ${sending.entities.length} entities`,
    );
    if (notified || fallbackIds.size > 0) await leaveFallback();
    // A (re)connected integration starts with no states: send them all.
    sent = new Map();
    sentEpoch++;
    await sendStates();
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

  // ---- integration mode ---------------------------------------------------------------------

  async function sendStates(): Promise<void> {
    const epoch = sentEpoch;
    const next = new Map(sent);
    const changed = changedStates(
      omitted.size > 0 ? latest.filter((st) => !omitted.has(st.key)) : latest,
      next,
    );
    if (changed.length === 0) return;
    await link.send({ type: "pve_backup/states", states: changed });
    if (epoch !== sentEpoch) return;
    sent = next;
    batches++;
    statesSent += changed.length;
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
          // The config entry unloaded (reload, removal): declare again once it is back.
          mode = "connecting";
          declared = "";
          kick();
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
      // The integration raises a validation error for bad input, a plain error for the rest.
      answer = {
        success: false,
        error: describe(err),
        error_kind: err instanceof InputError ? "input" : "upstream",
      };
    }
    try {
      await link.send({ type: "pve_backup/service_result", call_id: callId, ...answer });
    } catch (err) {
      log.warn(`could not answer service call ${service}: ${describe(err)}`);
    }
  }

  // ---- fallback -----------------------------------------------------------------------------

  /** `outdated`: the version of an integration too old for this add-on; undefined: none answers. */
  async function enterFallback(outdated?: string): Promise<void> {
    mode = "fallback";
    sent = new Map();
    sentEpoch++;
    log.warn(
      outdated === undefined
        ? `the PVE Backup integration is not installed in Home Assistant: publishing basic sensors only (looking again every ${timing.fallbackCheckMs / 1000} s)`
        : `the PVE Backup integration in Home Assistant is ${outdated}, older than the ${MIN_INTEGRATION_VERSION} this add-on needs: publishing basic sensors only until it is updated`,
    );
    stopFallbackChecks();
    fallbackTimer = setInterval(() => {
      recheck = true;
      kick();
    }, timing.fallbackCheckMs);
    fallbackTimer.unref();
    // Posted on each entry: notifications do not survive a Home Assistant restart.
    pendingNotes.set(
      INSTALL_NOTIFICATION,
      outdated === undefined
        ? {
            title: "PVE Backup: finish the install",
            message:
              "The PVE Backup add-on runs, but its companion integration is not installed, so only basic sensors are shown (no devices, buttons or services). Install it with HACS (custom repository) or turn on the add-on option `install_integration`, restart Home Assistant, then add the integration under Settings → Devices & services.",
          }
        : {
            title: "PVE Backup: update the integration",
            message: `The PVE Backup integration installed in Home Assistant is ${outdated}; this add-on needs ${MIN_INTEGRATION_VERSION} or newer, so only basic sensors are shown. Update it with HACS or turn on the add-on option \`install_integration\`, then restart Home Assistant.`,
          },
    );
    notified = true;
    await postPendingNotes();
    await postFallbackStates();
  }

  function stopFallbackChecks(): void {
    clearInterval(fallbackTimer);
    fallbackTimer = undefined;
    recheck = false;
  }

  /** The integration answers: take down the notification and the plain states it replaces. */
  async function leaveFallback(): Promise<void> {
    pendingNotes.delete(INSTALL_NOTIFICATION);
    if (notified) {
      await callService("persistent_notification", "dismiss", { notification_id: INSTALL_NOTIFICATION })
        .then(() => {
          notified = false;
        })
        .catch((err) => log.warn(`could not dismiss the install notification: ${describe(err)}`));
    }
    for (const entityId of [...fallbackIds]) {
      // Only a plain state: an entity of the registry with this id belongs to an integration.
      const registered = await link.send({ type: "config/entity_registry/get", entity_id: entityId }).then(
        () => true,
        (err) => !(err instanceof HaCommandError && err.code === "not_found"),
      );
      if (!registered) {
        const res = await doFetch(`${deps.target.restUrl}/states/${entityId}`, {
          method: "DELETE",
          headers: { authorization: `Bearer ${deps.target.token}` },
          signal: AbortSignal.timeout(timing.callTimeoutMs),
        }).catch(() => undefined);
        if (res && !res.ok && res.status !== 404) log.debug(`DELETE /api/states/${entityId}: ${res.status}`);
      }
      fallbackIds.delete(entityId);
    }
  }

  /** The essential sensors as plain states (no unique id, lost on an HA restart: re-posted on reconnect). */
  async function postFallbackStates(): Promise<void> {
    const epoch = sentEpoch;
    const essential = latest.filter(
      (s) =>
        s.key.endsWith("_backup_status") ||
        s.key.endsWith("_backup_problem") ||
        s.key.endsWith("_last_backup") ||
        // Home Assistant's own backups on the NAS (its problem flag ends in _backup_problem).
        s.key.endsWith("_ha_backup_last") ||
        s.key.endsWith("_ha_backup_verification"),
    );
    const next = new Map(sent);
    for (const s of changedStates(essential, next)) {
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
          : s.key.endsWith("_last_backup") || s.key.endsWith("_ha_backup_last")
            ? { device_class: "timestamp" }
            : {}),
      };
      // A hung Home Assistant must not hold the worker: the timeout ends this batch.
      const res = await doFetch(`${deps.target.restUrl}/states/${entityId}`, {
        method: "POST",
        headers: { authorization: `Bearer ${deps.target.token}`, "content-type": "application/json" },
        body: JSON.stringify({ state: String(state), attributes }),
        signal: AbortSignal.timeout(timing.callTimeoutMs),
      }).catch((err: unknown) => {
        throw new Error(`POST /api/states/${entityId}: ${describe(err)}`);
      });
      if (epoch !== sentEpoch) return;
      if (res.ok) {
        sent.set(s.key, next.get(s.key) as string);
        fallbackIds.add(entityId);
      } else log.warn(`POST /api/states/${entityId}: ${res.status}`);
    }
  }

  // ---- notifications ------------------------------------------------------------------------

  function callService(domain: string, service: string, data: Record<string, unknown>): Promise<unknown> {
    return link.send({ type: "call_service", domain, service, service_data: data });
  }

  /** Never holds publishing up: a note Home Assistant refuses is dropped, one not delivered is kept. */
  async function postPendingNotes(): Promise<void> {
    for (const [id, note] of [...pendingNotes]) {
      try {
        await callService("persistent_notification", "create", { notification_id: id, ...note });
      } catch (err) {
        if (!(err instanceof HaCommandError)) {
          log.debug(`notification ${id} not posted yet: ${describe(err)}`);
          continue;
        }
        log.warn(`Home Assistant refused the notification ${id}: ${describe(err)}`);
      }
      if (pendingNotes.get(id) === note) pendingNotes.delete(id);
    }
  }

  link.onReady(() => {
    if (closed || mode === "replaced") return;
    // The old subscription died with the old socket; the new one is made by this attach only.
    unsubscribe = undefined;
    declared = "";
    // Home Assistant may have restarted: look for the integration again (fallback states and
    // the notification are posted again if it is still missing).
    mode = "connecting";
    stopFallbackChecks();
    clearTimeout(retryTimer);
    retryMs = timing.retryMinMs;
    kick();
  });

  return {
    /**
     * Hand over the newest catalogue and states; returns at once. The worker re-declares when
     * the catalogue changed, then sends the states that changed.
     */
    publish(next: Declaration, all: readonly EntityState[]): void {
      declaration = next;
      latest = all;
      kick();
    },
    /** Resolves once the worker has handled the newest snapshot (or given up on it for now). */
    async idle(): Promise<void> {
      while (working) await working;
    },
    /** A persistent notification in Home Assistant (replaces one with the same id); posted once connected. */
    notify(id: string, title: string, message: string): void {
      pendingNotes.set(id, { title, message });
      kick();
    },
    async fireEvent(eventType: string, data: Readonly<Record<string, unknown>>): Promise<void> {
      await link.send({ type: "fire_event", event_type: eventType, event_data: data });
    },
    stats: (): BridgeStats => ({ mode, batches, states: statesSent }),
    async close(): Promise<void> {
      closed = true;
      clearTimeout(retryTimer);
      stopFallbackChecks();
      await unsubscribe?.().catch(() => undefined);
    },
  };
}

export type HaBridge = ReturnType<typeof createHaBridge>;

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && "message" in err)
    return String((err as { message: unknown }).message);
  return String(err);
}
