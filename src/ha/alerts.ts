import { randomUUID } from "node:crypto";
import type { App } from "../app.js";
import type { Config } from "../config/schema.js";
import {
  type AlertAction,
  type AlertMessage,
  actionId,
  parseActionId,
  statusChanges,
} from "../core/alerts.js";
import type { HaBackupsJson } from "../core/ha-backup.js";
import type { Logger } from "../log.js";
import {
  type AlertChannel,
  type AlertService,
  alertOptionsOf,
  createAlertService,
} from "../service/alerts.js";
import type { Runtime } from "../service/runtime.js";
import type { HaLink } from "./connection.js";

/**
 * Alerts through Home Assistant: `notify.mobile_app_*` with actions (Back up now, Snooze 24 h,
 * Open dashboard), tag and group, cleared with `clear_notification` to the same tag (companion
 * docs, notifications/actionable.md; reference home-assistant.md §3.5); and
 * `persistent_notification` with the tag as its id. Taps arrive as `mobile_app_notification_action`
 * events; the action id carries the guest, since action ids are shared across notifications.
 */

/** `notify.mobile_app_pixel_8` or `persistent_notification`. */
export type AlertTarget = string;

export const PERSISTENT_TARGET = "persistent_notification";

export interface HaAlertDeps {
  readonly link: HaLink;
  readonly targets: readonly AlertTarget[];
  /** Where "Open dashboard" leads (a path in Home Assistant's frontend). */
  readonly dashboardPath: string;
  readonly log: Logger;
}

function notifyService(target: AlertTarget): string {
  return target.replace(/^notify\./, "");
}

/** The `data` of a mobile notification: tag, group and the three actions (Android shows at most 3). */
export function mobileData(note: AlertMessage, dashboardPath: string): Record<string, unknown> {
  const actions: Record<string, unknown>[] = [];
  if (note.guest) {
    const g = note.guest;
    actions.push(
      { action: actionId({ kind: "backup_now", ...g }), title: "Back up now" },
      { action: actionId({ kind: "snooze", ...g }), title: "Snooze 24 h" },
    );
  }
  // Android needs the action "URI" for a link; iOS follows `url` on a tap of the message.
  actions.push({ action: "URI", title: "Open dashboard", uri: dashboardPath });
  return { tag: note.tag, group: note.group, url: dashboardPath, clickAction: dashboardPath, actions };
}

export function createHaAlertChannel(deps: HaAlertDeps): AlertChannel {
  const { link } = deps;
  const call = (domain: string, service: string, data: Record<string, unknown>) =>
    link.send({ type: "call_service", domain, service, service_data: data });
  return {
    async send(note) {
      await eachTarget(deps.targets, (target) =>
        target === PERSISTENT_TARGET
          ? call("persistent_notification", "create", {
              notification_id: note.tag,
              title: note.title,
              message: note.message,
            })
          : call("notify", notifyService(target), {
              title: note.title,
              message: note.message,
              data: mobileData(note, deps.dashboardPath),
            }),
      );
    },
    async clear(tag) {
      await eachTarget(deps.targets, (target) =>
        target === PERSISTENT_TARGET
          ? call("persistent_notification", "dismiss", { notification_id: tag })
          : call("notify", notifyService(target), { message: "clear_notification", data: { tag } }),
      );
    },
  };
}

/**
 * Every target gets its copy even when another fails (a phone that was removed must not silence
 * the others); the first failure is then thrown, naming its target, so the delivery is retried.
 */
async function eachTarget(targets: readonly AlertTarget[], deliver: (t: AlertTarget) => Promise<unknown>) {
  let failure: Error | undefined;
  for (const target of targets) {
    try {
      await deliver(target);
    } catch (err) {
      failure ??= new Error(`${target}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  if (failure) throw failure;
}

/**
 * Listen for taps on our notification buttons, on every (re)connection (a subscription does not
 * outlive its socket). Other actions (other automations' buttons) are ignored.
 */
export function listenForAlertActions(
  link: HaLink,
  log: Logger,
  onAction: (a: AlertAction) => Promise<void>,
): void {
  const subscribe = () => {
    link
      .subscribe<{ data?: { action?: unknown } }>(
        (event) => {
          const action = parseActionId(event.data?.action);
          if (action) void onAction(action);
        },
        { type: "subscribe_events", event_type: "mobile_app_notification_action" },
      )
      .catch((err: unknown) =>
        log.warn(
          `alerts: cannot listen for notification actions: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
  };
  link.onReady(subscribe);
  if (link.connected) subscribe();
}

/** The event by which add-ons sending alerts to one Home Assistant find each other. */
export const ALERTS_INSTANCE_EVENT = "pve_backup_alerts_instance";

/** The persistent notification that says two add-ons alert about the same clusters. */
export const DUPLICATE_ALERTS_ID = "pve_backup_alerts_duplicate";

/**
 * Two add-ons that alert about the same clusters through one Home Assistant would both notify and
 * both start a backup on one tap. On every (re)connection each announces itself (a random id and
 * its clusters) and answers a stranger's announcement once, so both learn of each other whichever
 * started first; an overlap is told in the log and as a persistent notification, once per other
 * add-on. Nothing is switched off: which one should alert is the owner's choice.
 */
export function watchForOtherAlerters(deps: {
  readonly link: HaLink;
  readonly log: Logger;
  readonly clusters: readonly string[];
  readonly instanceId: string;
}): void {
  const { link, log } = deps;
  const told = new Set<string>();
  const announce = (reply: boolean) =>
    link
      .send({
        type: "fire_event",
        event_type: ALERTS_INSTANCE_EVENT,
        event_data: { id: deps.instanceId, clusters: deps.clusters, reply },
      })
      .catch((err: unknown) =>
        log.debug(`alerts: cannot announce this add-on: ${err instanceof Error ? err.message : String(err)}`),
      );
  const onEvent = (event: { data?: { id?: unknown; clusters?: unknown; reply?: unknown } }) => {
    const d = event.data ?? {};
    if (typeof d.id !== "string" || d.id === deps.instanceId) return;
    if (d.reply !== true) void announce(true);
    const theirs = Array.isArray(d.clusters) ? d.clusters.filter((c) => typeof c === "string") : [];
    const shared = deps.clusters.filter((c) => theirs.includes(c));
    if (shared.length === 0 || told.has(d.id)) return;
    told.add(d.id);
    const message = `Another PVE Backup add-on also sends alerts about ${shared.join(", ")} to this Home Assistant: every alert comes twice, and one tap on Back up now starts a backup from each. Turn alerts off (empty alerts.targets) in one of them.`;
    log.warn(`alerts: ${message}`);
    void link
      .send({
        type: "call_service",
        domain: "persistent_notification",
        service: "create",
        service_data: { notification_id: DUPLICATE_ALERTS_ID, title: "PVE Backup: alerts twice", message },
      })
      .catch(() => undefined);
  };
  const start = () => {
    link
      .subscribe(onEvent, { type: "subscribe_events", event_type: ALERTS_INSTANCE_EVENT })
      .then(() => announce(false))
      .catch((err: unknown) =>
        log.debug(
          `alerts: cannot look for other add-ons: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
  };
  link.onReady(start);
  if (link.connected) start();
}

export interface StartAlertsDeps {
  readonly link: HaLink;
  readonly config: Config;
  readonly app: Pick<App, "backups">;
  readonly runtime: Pick<Runtime, "onReports" | "status">;
  /** Home Assistant's own backups as last checked; none when `ha_backups` is not set. */
  readonly haBackups?: () => HaBackupsJson;
  readonly log: Logger;
  readonly nowMs: () => number;
  /** The options file (state beside it); none in the demo. */
  readonly optionsPath?: string;
}

/** Alerts for `config.alerts` through this Home Assistant connection; undefined when not configured. */
export function startAlerts(deps: StartAlertsDeps): AlertService | undefined {
  const a = deps.config.alerts;
  if (!a) return undefined;
  const { link, log, haBackups } = deps;
  const alerts = createAlertService({
    options: alertOptionsOf(a, deps.config.timeZone),
    channel: createHaAlertChannel({ link, targets: a.targets, dashboardPath: a.dashboardPath, log }),
    // The same path as the button and the service: the per-guest guard makes a double tap one backup.
    backupNow: (cluster, vmid) => deps.app.backups.backupNow({ cluster, vmids: [vmid], tiers: [] }),
    log,
    nowMs: deps.nowMs,
    optionsPath: deps.optionsPath,
    // Each guest's last verification and test restore, from the refresh's status.
    status: () => deps.runtime.status(),
    haBackups: haBackups && { cluster: deps.config.clusters[0]?.name as string, status: haBackups },
  });
  deps.runtime.onReports((reports) => {
    // Not awaited: a slow Home Assistant never holds a refresh.
    void alerts.onReports(reports);
  });
  listenForAlertActions(link, log, (action) => alerts.onAction(action));
  watchForOtherAlerters({
    link,
    log,
    clusters: deps.config.clusters.map((c) => c.name),
    instanceId: randomUUID(),
  });
  log.info(`alerts: to ${a.targets.join(", ")}`);
  return alerts;
}

/** The event a blueprint or automation can trigger on: a guest's backup status changed. */
export const STATUS_CHANGED_EVENT = "pve_backup_status_changed";

/**
 * `pve_backup_status_changed` after every refresh in which a guest's status changed, with the
 * guest's tier, so an automation can act on every guest of a tier without naming them (the
 * blueprint's tier input). Whether or not alerts are configured. A change while the add-on was
 * stopped is not told (the first refresh is the baseline); an event that cannot be fired (Home
 * Assistant away) is not repeated.
 */
export function startStatusEvents(deps: {
  readonly runtime: Pick<Runtime, "onReports">;
  readonly fire: (eventType: string, data: Readonly<Record<string, unknown>>) => Promise<void>;
  readonly log: Logger;
}): void {
  let statuses = new Map<string, string>();
  // Not awaited: a slow Home Assistant never holds a refresh.
  deps.runtime.onReports((reports) => {
    const next = statusChanges(
      statuses,
      reports.flatMap((r) => r.guests),
    );
    statuses = next.statuses;
    for (const c of next.changes)
      void deps
        .fire(STATUS_CHANGED_EVENT, {
          cluster: c.cluster,
          vmid: c.vmid,
          name: c.name,
          tier: c.tier,
          status: c.status,
          previous_status: c.previousStatus,
          reason: c.reason,
        })
        .catch((err: unknown) =>
          deps.log.debug(
            `could not fire ${STATUS_CHANGED_EVENT}: ${err instanceof Error ? err.message : String(err)}`,
          ),
        );
  });
}
