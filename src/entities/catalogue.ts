import { type HaBackupsJson, haBackupsProblem } from "../core/ha-backup.js";
import type { ClusterFacts, GuestStatusKind } from "../core/model.js";
import { type Finding, planJobs, type TierPolicy } from "../core/policy.js";
import { type ClusterReport, type GuestReport, isProblem } from "../core/status.js";
import type { VerificationProblem } from "../core/verify-problems.js";
import type { LastVerified } from "../core/verify-run.js";

/**
 * The Home Assistant surface (DESIGN.md §5) computed from the domain: which devices and
 * entities exist (the declaration sent to the companion integration) and their states. Pure:
 * the publisher compares states with what it sent last and sends only changes. Field names are
 * the bridge protocol's (snake_case, docs/bridge-protocol.md).
 */

export interface DeviceDecl {
  readonly key: string;
  readonly name: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly via_device: string | null;
  readonly configuration_url: string | null;
}

export type Platform = "sensor" | "binary_sensor" | "button" | "select" | "calendar";

export interface EntityDecl {
  readonly key: string;
  readonly device: string;
  readonly platform: Platform;
  readonly name: string;
  readonly translation_key: string | null;
  readonly device_class: string | null;
  readonly options: readonly string[] | null;
  readonly state_class: string | null;
  readonly unit_of_measurement: string | null;
  /** The unit Home Assistant shows a new sensor in (it converts from `unit_of_measurement`). */
  readonly suggested_unit_of_measurement: string | null;
  /** Decimals shown, in the suggested unit. */
  readonly suggested_display_precision: number | null;
  readonly icon: string | null;
  readonly entity_category: "diagnostic" | "config" | null;
  readonly enabled_default: boolean;
}

export interface Declaration {
  readonly devices: readonly DeviceDecl[];
  readonly entities: readonly EntityDecl[];
}

export type StateValue = string | number | boolean | null;

export interface EntityState {
  readonly key: string;
  readonly state: StateValue;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export const STATUSES: readonly GuestStatusKind[] = [
  "ok",
  "late",
  "failed",
  "never",
  "not_in_job",
  "running",
  "unknown",
];
/** The select option for a guest in no tier. */
export const NO_TIER = "none";

/** Per cluster, what the catalogue needs beyond the guest reports. */
export interface ClusterContext {
  readonly cluster: string;
  readonly baseUrl: string;
  /** The configured backup storage's free bytes (smallest over nodes), null when unknown. */
  readonly storageFreeBytes: number | null;
  /** Next run of any enabled job, epoch ms. */
  readonly nextRunMs: number | null;
  /**
   * How far PVE's jobs are from the tier policy; undefined when no policy is configured (no
   * entity), null when it cannot be told (cluster unreachable).
   */
  readonly drift?: PolicyDrift | null;
  /**
   * The NAS side (options `nas`): undefined when not configured (no entities), null before DSM
   * was read or when it cannot be (the entities unknown).
   */
  readonly nas?: NasEntities | null;
  /**
   * The backup calendar's events (scheduled and past runs); undefined: no calendar entity. They
   * travel as the calendar entity's `events` attribute, which the integration keeps to itself.
   */
  readonly calendar?: readonly CalendarEventWire[];
}

/** One event of the cluster's backup calendar on the wire (times ISO-8601 UTC). */
export interface CalendarEventWire {
  readonly uid: string;
  readonly summary: string;
  readonly start: string;
  readonly end: string;
  readonly description: string | null;
}

/** What the NAS entities show, from the last NAS view (src/dsm/view.ts). */
export interface NasEntities {
  readonly freeBytes: number | null;
  readonly totalBytes: number | null;
  readonly share: string | null;
  readonly growthBytesPerWeek: number | null;
  /** `YYYY-MM-DD`, null when the share is not filling. */
  readonly fillDate: string | null;
  /** Capacity problems (threshold, forecast), each a sentence. */
  readonly capacityProblems: readonly string[];
  /** A covering task missing, failed or stale; null when DSM could not tell. */
  readonly offsiteProblem: boolean | null;
  readonly findings: readonly string[];
  /** Per guest (vmid) the 3-2-1 view. */
  readonly copies: ReadonlyMap<
    number,
    {
      readonly pve: number;
      readonly nas: number | null;
      readonly offNas: string;
      readonly offNasMs: number | null;
      /** Why `offNas` is unknown (absent in older views). */
      readonly offNasReason?: string | null;
    }
  >;
}

export interface PolicyDrift {
  readonly create: readonly string[];
  readonly update: readonly string[];
  readonly enable: readonly string[];
  readonly disable: readonly string[];
  readonly findings: readonly Finding[];
}

export interface CatalogueInput {
  readonly reports: readonly ClusterReport[];
  readonly clusters: readonly ClusterContext[];
  readonly tiers: readonly string[];
  /** Home Assistant's own backups on the NAS; undefined when `ha_backups` is not configured. */
  readonly haBackups?: HaBackupsJson;
  /** Verification results per guest key (`<cluster>_<vmid>`): attributes of the last-backup sensor. */
  readonly lastVerified?: Readonly<
    Record<string, Pick<LastVerified, "time" | "result" | "depth" | "message">>
  >;
  /**
   * Archived guests (`cluster/vmid` → why, or null when the entry does not say), when alerts are
   * configured: attributes `archived` and `archived_reason` of the backup-status sensor.
   */
  readonly archived?: ReadonlyMap<string, string | null>;
  /** Verification is available (a backup storage is set): a `verify` button per guest. */
  readonly verifyButtons?: boolean;
  /**
   * Guests whose latest verification or test restore failed (core/verify-problems.ts): with
   * them, each cluster has a `verification_problem` binary sensor; undefined: none.
   */
  readonly verificationProblems?: readonly VerificationProblem[];
}

/** Keys are `[a-z0-9_]+`; cluster names allow `-` too. */
export function clusterKey(cluster: string): string {
  return cluster.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

export function guestKey(cluster: string, vmid: number): string {
  return `${clusterKey(cluster)}_${vmid}`;
}

/** `home_100` → cluster key and vmid; vmids alone (`100`) leave the cluster open. */
export function parseGuestRef(ref: string): { clusterKey?: string; vmid: number } | undefined {
  const m = /^(?:([a-z0-9_]+)_)?(\d{3,9})$/.exec(ref.trim());
  if (!m) return undefined;
  return { clusterKey: m[1], vmid: Number(m[2]) };
}

const entity = (
  e: Partial<EntityDecl> & Pick<EntityDecl, "key" | "device" | "platform" | "name">,
): EntityDecl => ({
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
  ...e,
});

/** A size sensor: the state is bytes, shown in GB (Home Assistant converts and rounds). */
const sizeInGigabytes = (decimals: number) =>
  ({
    device_class: "data_size",
    unit_of_measurement: "B",
    suggested_unit_of_measurement: "GB",
    suggested_display_precision: decimals,
  }) as const;

export function declare(input: CatalogueInput): Declaration {
  const devices: DeviceDecl[] = [];
  const entities: EntityDecl[] = [];
  const tierOptions = [...input.tiers, NO_TIER];
  for (const c of input.clusters) {
    const ck = clusterKey(c.cluster);
    devices.push({
      key: ck,
      name: `Proxmox VE ${c.cluster}`,
      manufacturer: "Proxmox VE",
      model: "Cluster",
      via_device: null,
      configuration_url: c.baseUrl,
    });
    entities.push(
      entity({
        key: `${ck}_problems`,
        device: ck,
        platform: "sensor",
        name: "Guests with backup problems",
        icon: "mdi:alert-circle-outline",
        state_class: "measurement",
      }),
      entity({
        key: `${ck}_backup_problem`,
        device: ck,
        platform: "binary_sensor",
        name: "Backup problem",
        device_class: "problem",
      }),
      entity({
        key: `${ck}_next_backup`,
        device: ck,
        platform: "sensor",
        name: "Next scheduled backup",
        device_class: "timestamp",
      }),
      entity({
        key: `${ck}_storage_free`,
        device: ck,
        platform: "sensor",
        name: "Backup storage free",
        ...sizeInGigabytes(1),
        state_class: "measurement",
        entity_category: "diagnostic",
      }),
    );
    if (c.nas !== undefined)
      entities.push(
        entity({
          key: `${ck}_nas_free_space`,
          device: ck,
          platform: "sensor",
          name: "NAS free space",
          translation_key: "nas_free_space",
          ...sizeInGigabytes(1),
          state_class: "measurement",
          icon: "mdi:nas",
        }),
        entity({
          key: `${ck}_nas_fill_forecast`,
          device: ck,
          platform: "sensor",
          name: "NAS full by",
          translation_key: "nas_fill_forecast",
          device_class: "date",
          icon: "mdi:calendar-alert",
        }),
        entity({
          key: `${ck}_offsite_problem`,
          device: ck,
          platform: "binary_sensor",
          name: "Off-NAS copy problem",
          translation_key: "offsite_problem",
          device_class: "problem",
        }),
      );
    if (c.drift !== undefined)
      entities.push(
        entity({
          key: `${ck}_policy_drift`,
          device: ck,
          platform: "binary_sensor",
          name: "Backup jobs differ from policy",
          device_class: "problem",
          icon: "mdi:calendar-alert",
        }),
      );
    if (c.calendar !== undefined)
      entities.push(
        entity({ key: `${ck}_backup_calendar`, device: ck, platform: "calendar", name: "Backup calendar" }),
      );
    if (input.verificationProblems !== undefined)
      entities.push(
        entity({
          key: `${ck}_verification_problem`,
          device: ck,
          platform: "binary_sensor",
          name: "Backup verification problem",
          translation_key: "verification_problem",
          device_class: "problem",
          icon: "mdi:shield-alert-outline",
        }),
      );
    const report = input.reports.find((r) => r.cluster === c.cluster);
    for (const g of report?.guests ?? []) {
      const dk = guestKey(c.cluster, g.vmid);
      const kind = g.type === "qemu" ? "VM" : "CT";
      devices.push({
        key: dk,
        name: `${g.name} (${kind} ${g.vmid})`,
        manufacturer: "Proxmox VE",
        model: g.type === "qemu" ? "QEMU virtual machine" : "LXC container",
        via_device: ck,
        configuration_url: `${c.baseUrl}/#v1:0:=${g.type}%2F${g.vmid}`,
      });
      entities.push(
        entity({
          key: `${dk}_last_backup`,
          device: dk,
          platform: "sensor",
          name: "Last backup",
          translation_key: "last_backup",
          device_class: "timestamp",
          icon: "mdi:backup-restore",
        }),
        entity({
          key: `${dk}_backup_status`,
          device: dk,
          platform: "sensor",
          name: "Backup status",
          translation_key: "backup_status",
          device_class: "enum",
          options: STATUSES,
        }),
        entity({
          key: `${dk}_backup_problem`,
          device: dk,
          platform: "binary_sensor",
          name: "Backup problem",
          translation_key: "backup_problem",
          device_class: "problem",
        }),
        entity({
          key: `${dk}_backup_size`,
          device: dk,
          platform: "sensor",
          name: "Backup size",
          translation_key: "backup_size",
          ...sizeInGigabytes(2),
          state_class: "measurement",
        }),
        entity({
          key: `${dk}_backup_now`,
          device: dk,
          platform: "button",
          name: "Back up now",
          translation_key: "backup_now",
          icon: "mdi:content-save-outline",
        }),
        entity({
          key: `${dk}_tier`,
          device: dk,
          platform: "select",
          name: "Tier",
          translation_key: "tier",
          options: tierOptions,
          entity_category: "config",
        }),
      );
      if (input.verifyButtons)
        entities.push(
          entity({
            key: `${dk}_verify`,
            device: dk,
            platform: "button",
            name: "Verify backup",
            translation_key: "verify",
            icon: "mdi:shield-check-outline",
          }),
        );
    }
  }
  const hub = haBackupsHub(input);
  if (hub !== undefined) entities.push(...haBackupEntities(hub));
  return { devices, entities };
}

/** The device HA-backup entities live on: the first configured cluster's (the hub). */
function haBackupsHub(input: CatalogueInput): string | undefined {
  const first = input.clusters[0];
  return input.haBackups !== undefined && first !== undefined ? clusterKey(first.cluster) : undefined;
}

/** Verification results of Home Assistant's backup on the NAS (`unknown`: it could not be read). */
export const HA_BACKUP_VERIFICATION = ["ok", "failed", "unknown"] as const;

function haBackupEntities(hk: string): EntityDecl[] {
  return [
    entity({
      key: `${hk}_ha_backup_last`,
      device: hk,
      platform: "sensor",
      name: "Last Home Assistant backup on the NAS",
      translation_key: "ha_backup_last",
      device_class: "timestamp",
      icon: "mdi:home-export-outline",
    }),
    entity({
      key: `${hk}_ha_backup_next`,
      device: hk,
      platform: "sensor",
      name: "Next Home Assistant backup",
      translation_key: "ha_backup_next",
      device_class: "timestamp",
    }),
    entity({
      key: `${hk}_ha_backup_verification`,
      device: hk,
      platform: "sensor",
      name: "Home Assistant backup verification",
      translation_key: "ha_backup_verification",
      device_class: "enum",
      options: HA_BACKUP_VERIFICATION,
      icon: "mdi:shield-check-outline",
    }),
    entity({
      key: `${hk}_ha_backup_problem`,
      device: hk,
      platform: "binary_sensor",
      name: "Home Assistant backup problem",
      translation_key: "ha_backup_problem",
      device_class: "problem",
    }),
  ];
}

function haBackupStates(hk: string, h: HaBackupsJson): EntityState[] {
  const v = h.verification;
  return [
    {
      key: `${hk}_ha_backup_last`,
      state: h.lastBackup?.time ?? null,
      attributes: {
        size_bytes: h.lastBackup?.sizeBytes ?? null,
        agent: h.agent,
        name: h.lastBackup?.name ?? null,
        backup_id: h.lastBackup?.backupId ?? null,
      },
    },
    { key: `${hk}_ha_backup_next`, state: h.nextAutomatic, attributes: {} },
    {
      key: `${hk}_ha_backup_verification`,
      state: v?.result ?? "unknown",
      attributes: {
        checked_at: v?.time ?? null,
        message: v?.message ?? null,
        sha256: v?.sha256 ?? null,
        backup_id: v?.backupId ?? null,
        file_name: v?.fileName ?? null,
      },
    },
    {
      key: `${hk}_ha_backup_problem`,
      state: haBackupsProblem(h),
      attributes: { problems: h.problems, checked_at: h.checkedAt },
    },
  ];
}

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

export function states(input: CatalogueInput): EntityState[] {
  const out: EntityState[] = [];
  for (const c of input.clusters) {
    const ck = clusterKey(c.cluster);
    const report = input.reports.find((r) => r.cluster === c.cluster);
    const guests = report?.guests ?? [];
    const counts = Object.fromEntries(STATUSES.map((s) => [s, guests.filter((g) => g.status === s).length]));
    const problems = guests.filter((g) => isProblem(g.status)).length;
    const known = report?.reachable === true;
    out.push(
      {
        key: `${ck}_problems`,
        state: known ? problems : null,
        attributes: { ...counts, problems: report?.problems ?? [] },
      },
      { key: `${ck}_backup_problem`, state: known ? problems > 0 : null, attributes: {} },
      { key: `${ck}_next_backup`, state: iso(c.nextRunMs), attributes: {} },
      { key: `${ck}_storage_free`, state: c.storageFreeBytes, attributes: {} },
    );
    if (c.drift !== undefined) out.push(driftState(`${ck}_policy_drift`, c.drift));
    if (c.nas !== undefined) out.push(...nasStates(ck, c.nas));
    if (c.calendar !== undefined)
      out.push({ key: `${ck}_backup_calendar`, state: null, attributes: { events: c.calendar } });
    if (input.verificationProblems !== undefined) {
      const mine = input.verificationProblems.filter((p) => p.cluster === c.cluster);
      out.push({
        key: `${ck}_verification_problem`,
        state: mine.length > 0,
        attributes: {
          guests: mine.map((p) => ({
            vmid: p.vmid,
            name: guests.find((g) => g.vmid === p.vmid)?.name ?? null,
            check: p.check,
            time: p.time,
            message: p.message,
          })),
        },
      });
    }
    for (const g of guests) {
      out.push(...withCopies(withArchived(guestStates(g, input.lastVerified), g, input.archived), g, c.nas));
      if (input.verifyButtons)
        out.push({ key: `${guestKey(g.cluster, g.vmid)}_verify`, state: null, attributes: {} });
    }
  }
  const hub = haBackupsHub(input);
  if (hub !== undefined && input.haBackups) out.push(...haBackupStates(hub, input.haBackups));
  return out;
}

function guestStates(g: GuestReport, verified?: CatalogueInput["lastVerified"]): EntityState[] {
  const dk = guestKey(g.cluster, g.vmid);
  const v = verified?.[`${g.cluster}_${g.vmid}`];
  const last = g.lastBackup;
  const attempt = g.lastAttempt;
  return [
    {
      key: `${dk}_last_backup`,
      state: iso(last?.timeMs),
      attributes: {
        size_bytes: last?.sizeBytes ?? null,
        volid: last?.volid ?? null,
        storage: last?.storage ?? null,
        notes: last?.notes ?? null,
        node: g.node,
        tier: g.tier,
        jobs: g.jobs,
        ...(verified
          ? {
              last_verified: v?.time ?? null,
              last_verified_result: v?.result ?? null,
              last_verified_depth: v?.depth ?? null,
              last_verified_message: v?.message ?? null,
            }
          : {}),
      },
    },
    {
      key: `${dk}_backup_status`,
      state: g.status,
      attributes: {
        reason: g.reason,
        expected_by: iso(g.expectedByMs),
        last_attempt: iso(attempt?.startMs),
        last_attempt_outcome: attempt?.outcome ?? null,
        last_error: attempt?.error ?? null,
      },
    },
    // Unknown stays unknown: a problem sensor must not claim "no problem" it cannot see.
    {
      key: `${dk}_backup_problem`,
      state: g.status === "unknown" ? null : isProblem(g.status),
      attributes: { status: g.status, reason: g.reason },
    },
    { key: `${dk}_backup_size`, state: last?.sizeBytes ?? null, attributes: {} },
    { key: `${dk}_backup_now`, state: null, attributes: {} },
    { key: `${dk}_tier`, state: g.tier ?? NO_TIER, attributes: {} },
  ];
}

function nasStates(ck: string, nas: NasEntities | null): EntityState[] {
  return [
    {
      key: `${ck}_nas_free_space`,
      state: nas?.freeBytes ?? null,
      attributes: {
        share: nas?.share ?? null,
        total_bytes: nas?.totalBytes ?? null,
        growth_bytes_per_week: nas?.growthBytesPerWeek ?? null,
        problem: nas ? nas.capacityProblems.length > 0 : null,
        problems: nas?.capacityProblems ?? [],
      },
    },
    {
      key: `${ck}_nas_fill_forecast`,
      state: nas?.fillDate ?? null,
      attributes: { problems: nas?.capacityProblems ?? [] },
    },
    // Unknown stays unknown: DSM not read is not "no problem".
    {
      key: `${ck}_offsite_problem`,
      state: nas?.offsiteProblem ?? null,
      attributes: { findings: nas?.findings ?? [] },
    },
  ];
}

/** Whether (and why) the guest is archived, as attributes of its backup-status sensor. */
function withArchived(
  states: EntityState[],
  g: GuestReport,
  archived: CatalogueInput["archived"],
): EntityState[] {
  if (archived === undefined) return states;
  const key = `${g.cluster}/${g.vmid}`;
  const attrs = { archived: archived.has(key), archived_reason: archived.get(key) ?? null };
  const status = `${guestKey(g.cluster, g.vmid)}_backup_status`;
  return states.map((s) => (s.key === status ? { ...s, attributes: { ...s.attributes, ...attrs } } : s));
}

/** The 3-2-1 view as attributes of the guest's last-backup sensor, once the NAS is configured. */
function withCopies(list: EntityState[], g: GuestReport, nas: NasEntities | null | undefined): EntityState[] {
  if (nas === undefined) return list;
  const c = nas?.copies.get(g.vmid);
  const key = `${guestKey(g.cluster, g.vmid)}_last_backup`;
  return list.map((s) =>
    s.key === key
      ? {
          ...s,
          attributes: {
            ...s.attributes,
            copies_pve: c?.pve ?? null,
            copies_nas: c?.nas ?? null,
            off_nas: c?.offNas ?? "unknown",
            off_nas_time: iso(c?.offNasMs),
            off_nas_reason: c ? (c.offNasReason ?? null) : "the NAS has not been read yet",
          },
        }
      : s,
  );
}

/** The cluster-level numbers the catalogue shows, from what a refresh read. */
function driftState(key: string, drift: PolicyDrift | null): EntityState {
  if (drift === null) return { key, state: null, attributes: {} };
  const changes = drift.create.length + drift.update.length + drift.enable.length + drift.disable.length;
  const errors = drift.findings.filter((f) => f.severity === "error");
  return {
    key,
    state: changes > 0 || errors.length > 0,
    attributes: {
      create: drift.create,
      update: drift.update,
      enable: drift.enable,
      disable: drift.disable,
      findings: drift.findings.map((f) => `${f.severity}: ${f.message}`),
    },
  };
}

/** The tier policy, when the options have one: the cluster device then shows drift from it. */
export interface PolicyContext {
  readonly tiers: readonly TierPolicy[];
  readonly storage: string;
  readonly timeZone: string;
  readonly nowMs: number;
}

export function clusterContext(
  cluster: string,
  baseUrl: string,
  facts: ClusterFacts | undefined,
  storage: string | undefined,
  policy?: PolicyContext,
): ClusterContext {
  if (!facts?.reachable) {
    return { cluster, baseUrl, storageFreeBytes: null, nextRunMs: null, drift: policy ? null : undefined };
  }
  const views = facts.storages.filter((s) => s.storage === storage && s.active);
  const next = facts.jobs
    .filter((j) => j.enabled && j.nextRunMs !== undefined)
    .map((j) => j.nextRunMs as number);
  return {
    cluster,
    baseUrl,
    storageFreeBytes: views.length ? Math.min(...views.map((v) => v.availBytes)) : null,
    nextRunMs: next.length ? Math.min(...next) : null,
    drift: policy ? driftOf(facts, policy) : undefined,
  };
}

/**
 * Drift from what a refresh already read: the same plan `pve-backup plan` makes, less what needs
 * extra requests (PVE's own schedule check, run durations from task history).
 */
function driftOf(facts: Extract<ClusterFacts, { reachable: true }>, policy: PolicyContext): PolicyDrift {
  const plan = planJobs({
    ...policy,
    jobs: facts.jobRows,
    guests: facts.guests,
    storages: facts.storages,
    scheduleErrors: new Map(),
    tierDurationsMs: new Map(),
  });
  return {
    create: plan.create.map((j) => j.id),
    update: plan.update.map((u) => u.id),
    enable: [...plan.enable],
    disable: [...plan.disable],
    findings: plan.findings,
  };
}

/**
 * States that differ from what was last sent (by value and attributes); `sent` is updated.
 * An empty result means nothing goes over the wire.
 */
export function changedStates(all: readonly EntityState[], sent: Map<string, string>): EntityState[] {
  const changed: EntityState[] = [];
  for (const s of all) {
    const fingerprint = JSON.stringify([s.state, s.attributes]);
    if (sent.get(s.key) === fingerprint) continue;
    sent.set(s.key, fingerprint);
    changed.push(s);
  }
  return changed;
}

/**
 * What to publish after a refresh. A cluster that cannot be read lists no guests: declaring
 * that would delete their entities (and the user's names, areas and automations on them), so
 * the last declaration stands; before there is one, nothing is declared and Home Assistant
 * keeps showing its restored entities as unavailable.
 */
export function toPublish(
  input: CatalogueInput,
  last: Declaration | undefined,
): { declaration: Declaration; states: EntityState[] } | undefined {
  const blind = input.reports.some((r) => !r.reachable && r.guests.length === 0);
  const declaration = blind ? last : declare(input);
  return declaration && { declaration, states: states(input) };
}
