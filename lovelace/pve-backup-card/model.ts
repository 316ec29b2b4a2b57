/**
 * What the card shows, computed from Home Assistant's registries and states: no DOM, no Lit, so
 * it is tested in Node and reused by the editor's stub config. Guests are found through the
 * entity registry (platform `pve_backup`, translation keys, device grouping), never by entity id.
 */

import {
  type CopiesFacts,
  copiesFromAttributes,
  type VerificationFacts,
  verificationFromAttributes,
} from "../common/checks.js";

export const PLATFORM = "pve_backup";

export type GuestStatus = "ok" | "late" | "failed" | "never" | "not_in_job" | "running" | "unknown";

/** Worst first: the order rows and status groups are shown in. */
export const STATUS_ORDER: readonly GuestStatus[] = [
  "failed",
  "late",
  "never",
  "not_in_job",
  "unknown",
  "running",
  "ok",
];

export interface HassEntityState {
  readonly entity_id: string;
  readonly state: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly last_changed?: string;
  readonly last_updated?: string;
}
export interface HassEntityEntry {
  readonly entity_id: string;
  readonly device_id?: string | null;
  readonly platform?: string;
  readonly translation_key?: string | null;
  readonly hidden?: boolean;
}
export interface HassDeviceEntry {
  readonly id: string;
  readonly name?: string | null;
  readonly name_by_user?: string | null;
  readonly identifiers?: ReadonlyArray<readonly [string, string]>;
  readonly via_device_id?: string | null;
  readonly model?: string | null;
}
/** The part of the frontend's `hass` object the card reads. */
export interface HassLike {
  readonly states: Readonly<Record<string, HassEntityState | undefined>>;
  readonly entities?: Readonly<Record<string, HassEntityEntry | undefined>>;
  readonly devices?: Readonly<Record<string, HassDeviceEntry | undefined>>;
  readonly locale?: { readonly language?: string };
}

const GUEST_KEYS = [
  "last_backup",
  "backup_status",
  "backup_problem",
  "backup_size",
  "backup_now",
  "tier",
] as const;
type GuestKey = (typeof GUEST_KEYS)[number];

export interface Guest {
  readonly deviceId: string;
  readonly clusterDeviceId: string | null;
  readonly name: string;
  readonly vmid: number | null;
  readonly kind: "VM" | "CT" | null;
  readonly status: GuestStatus;
  /** The backup_problem sensor is on (unknown counts as no problem it can see). */
  readonly problem: boolean;
  readonly reason: string | null;
  readonly tier: string | null;
  readonly lastBackupMs: number | null;
  readonly sizeBytes: number | null;
  /** The 3-2-1 view from the last-backup sensor; undefined when the add-on does not publish it. */
  readonly copies: CopiesFacts | undefined;
  /** The last verification; null: never verified; undefined: not published by the add-on. */
  readonly verification: VerificationFacts | null | undefined;
  readonly entities: Readonly<Partial<Record<GuestKey, string>>>;
}

export interface ClusterSummary {
  readonly deviceId: string;
  readonly key: string | null;
  readonly name: string;
  readonly ok: number | null;
  readonly problems: number | null;
  readonly nextRunMs: number | null;
  readonly storageFreeBytes: number | null;
  readonly entities: Readonly<{ problems?: string; nextRun?: string; storageFree?: string }>;
}

export interface Catalogue {
  readonly guests: readonly Guest[];
  readonly clusters: readonly ClusterSummary[];
}

const isGuestKey = (k: string | null | undefined): k is GuestKey =>
  k !== null && k !== undefined && (GUEST_KEYS as readonly string[]).includes(k);

const UNSET = new Set(["unknown", "unavailable", ""]);

function numberOf(s: HassEntityState | undefined): number | null {
  if (!s || UNSET.has(s.state)) return null;
  const n = Number(s.state);
  return Number.isFinite(n) ? n : null;
}
function timeOf(s: HassEntityState | undefined): number | null {
  if (!s || UNSET.has(s.state)) return null;
  const ms = Date.parse(s.state);
  return Number.isNaN(ms) ? null : ms;
}
function statusOf(s: HassEntityState | undefined): GuestStatus {
  const v = s?.state;
  return (STATUS_ORDER as readonly string[]).includes(v ?? "") ? (v as GuestStatus) : "unknown";
}

/** `home_100` → the device's own key in the product's identifiers. */
function deviceKey(d: HassDeviceEntry | undefined): string | null {
  return d?.identifiers?.find(([domain]) => domain === PLATFORM)?.[1] ?? null;
}

/** Splits `homeassistant (VM 100)` into its parts; the vmid also comes from the device key. */
function guestIdentity(d: HassDeviceEntry | undefined): Pick<Guest, "name" | "vmid" | "kind"> {
  const full = d?.name_by_user ?? d?.name ?? "";
  const m = /^(.*) \((VM|CT) (\d+)\)$/.exec(d?.name ?? "");
  const keyVmid = /_(\d+)$/.exec(deviceKey(d) ?? "")?.[1];
  const vmid = keyVmid ? Number(keyVmid) : m ? Number(m[3]) : null;
  const name = d?.name_by_user ?? (m ? (m[1] as string) : full);
  return { name: name || (vmid === null ? "?" : String(vmid)), vmid, kind: m ? (m[2] as "VM" | "CT") : null };
}

/**
 * The product's guests and clusters. A device with guest entities (translation keys) is a guest;
 * a device their `via_device_id` points to, or one with untranslated product entities, is a
 * cluster, whose entities are told apart by device class and attributes.
 */
export function catalogue(hass: HassLike): Catalogue {
  const guestEntities = new Map<string, Partial<Record<GuestKey, string>>>();
  const otherEntities = new Map<string, string[]>();
  for (const e of Object.values(hass.entities ?? {})) {
    if (!e || e.platform !== PLATFORM || !e.device_id) continue;
    if (isGuestKey(e.translation_key)) {
      const m = guestEntities.get(e.device_id) ?? {};
      m[e.translation_key] = e.entity_id;
      guestEntities.set(e.device_id, m);
    } else if (!e.translation_key) {
      // Hub entities with a translation key (HA backups, NAS, …) are not the cluster's numbers.
      const list = otherEntities.get(e.device_id) ?? [];
      list.push(e.entity_id);
      otherEntities.set(e.device_id, list);
    }
  }
  const guests: Guest[] = [];
  const clusterIds = new Set<string>();
  for (const [deviceId, ents] of guestEntities) {
    const device = hass.devices?.[deviceId];
    const st = (k: GuestKey) => (ents[k] ? hass.states[ents[k] as string] : undefined);
    const status = statusOf(st("backup_status"));
    const tierState = st("tier")?.state;
    const clusterDeviceId = device?.via_device_id ?? null;
    if (clusterDeviceId) clusterIds.add(clusterDeviceId);
    const reason = st("backup_status")?.attributes.reason;
    const lastAttrs = st("last_backup")?.attributes ?? {};
    guests.push({
      deviceId,
      clusterDeviceId,
      ...guestIdentity(device),
      status,
      problem: st("backup_problem")?.state === "on",
      reason: typeof reason === "string" && reason ? reason : null,
      tier: tierState && !UNSET.has(tierState) && tierState !== "none" ? tierState : null,
      lastBackupMs: timeOf(st("last_backup")),
      sizeBytes: numberOf(st("backup_size")),
      copies: copiesFromAttributes(lastAttrs),
      verification: verificationFromAttributes(lastAttrs),
      entities: ents,
    });
  }
  for (const id of otherEntities.keys()) if (!guestEntities.has(id)) clusterIds.add(id);
  const clusters = [...clusterIds].map((id) => clusterSummary(hass, id, otherEntities.get(id) ?? []));
  return { guests, clusters };
}

function clusterSummary(hass: HassLike, deviceId: string, entityIds: readonly string[]): ClusterSummary {
  const device = hass.devices?.[deviceId];
  const entities: { problems?: string; nextRun?: string; storageFree?: string } = {};
  for (const id of entityIds) {
    const s = hass.states[id];
    if (!id.startsWith("sensor.") || !s) continue;
    const dc = s.attributes.device_class;
    if (dc === "timestamp") entities.nextRun = id;
    else if (dc === "data_size") entities.storageFree = id;
    else if (Array.isArray(s.attributes.problems)) entities.problems = id;
  }
  const problemsState = entities.problems ? hass.states[entities.problems] : undefined;
  const ok = problemsState?.attributes.ok;
  return {
    deviceId,
    key: deviceKey(device),
    name: device?.name_by_user ?? device?.name ?? deviceKey(device) ?? deviceId,
    ok: typeof ok === "number" && !UNSET.has(problemsState?.state ?? "") ? ok : null,
    problems: numberOf(problemsState),
    nextRunMs: timeOf(entities.nextRun ? hass.states[entities.nextRun] : undefined),
    storageFreeBytes: numberOf(entities.storageFree ? hass.states[entities.storageFree] : undefined),
    entities,
  };
}

/** Does a configured `cluster` (device id, cluster key or device name) name this cluster? */
export function matchesCluster(c: Pick<ClusterSummary, "deviceId" | "key" | "name">, want: string): boolean {
  return c.deviceId === want || c.key === want || c.name === want;
}

export type GroupBy = "none" | "tier" | "status";
export interface Group {
  readonly key: string;
  readonly label: string | null;
  readonly guests: readonly Guest[];
}

const rank = (g: Guest) => (g.problem ? 0 : g.status === "unknown" ? 1 : g.status === "running" ? 2 : 3);
const byName = (a: Guest, b: Guest) =>
  rank(a) - rank(b) ||
  STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
  collator().compare(a.name, b.name) ||
  (a.vmid ?? 0) - (b.vmid ?? 0);

/** Rows in display order: problems first, then unknown, running, ok; grouped when asked. */
export function arrange(guests: readonly Guest[], groupBy: GroupBy, onlyProblems: boolean): Group[] {
  const shown = guests.filter((g) => !onlyProblems || g.problem || g.status === "unknown").sort(byName);
  if (groupBy === "none") return shown.length ? [{ key: "all", label: null, guests: shown }] : [];
  const groups = new Map<string, Guest[]>();
  for (const g of shown) {
    const k = groupBy === "tier" ? (g.tier ?? "") : g.status;
    groups.set(k, [...(groups.get(k) ?? []), g]);
  }
  const order = (k: string, list: Guest[]) =>
    groupBy === "status"
      ? STATUS_ORDER.indexOf(k as GuestStatus)
      : Math.min(...list.map(rank)) * 1000 + (k === "" ? 999 : 0);
  return [...groups.entries()]
    .sort(([a, la], [b, lb]) => order(a, la) - order(b, lb) || collator().compare(a, b))
    .map(([key, list]) => ({ key, label: key, guests: list }));
}

/** Header numbers over the shown clusters. */
export function summarize(clusters: readonly ClusterSummary[]): {
  ok: number | null;
  problems: number | null;
  nextRunMs: number | null;
  storageFreeBytes: number | null;
} {
  const sum = (xs: (number | null)[]) =>
    xs.some((x) => x === null) || !xs.length ? null : xs.reduce((a, b) => (a ?? 0) + (b ?? 0), 0);
  const min = (xs: (number | null)[]) => {
    const known = xs.filter((x): x is number => x !== null);
    return known.length ? Math.min(...known) : null;
  };
  return {
    ok: sum(clusters.map((c) => c.ok)),
    problems: sum(clusters.map((c) => c.problems)),
    nextRunMs: min(clusters.map((c) => c.nextRunMs)),
    storageFreeBytes: min(clusters.map((c) => c.storageFreeBytes)),
  };
}

/** Intl formatters are costly to create: one per language and kind, reused for every row. */
const formatters = new Map<string, Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.Collator>();
function cached<T extends Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.Collator>(
  key: string,
  make: () => T,
): T {
  let f = formatters.get(key);
  if (!f) {
    f = make();
    formatters.set(key, f);
  }
  return f as T;
}
const collator = () => cached("collator", () => new Intl.Collator(undefined, { numeric: true }));

/** `1.2 GB` (decimal units, like Home Assistant's data size sensors). */
export function formatBytes(bytes: number | null, language = "en"): string {
  if (bytes === null) return "—";
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : 1;
  const fmt = cached(
    `n:${language}:${digits}`,
    () => new Intl.NumberFormat(language, { maximumFractionDigits: digits }),
  );
  return `${fmt.format(v)} ${units[i]}`;
}

/** `3 hours ago` / `in 5 minutes`, in the user's language. */
export function formatRelative(ms: number | null, nowMs: number, language = "en"): string {
  if (ms === null) return "—";
  const diffS = (ms - nowMs) / 1000;
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ["second", 60],
    ["minute", 60],
    ["hour", 24],
    ["day", 30],
    ["month", 12],
    ["year", Number.POSITIVE_INFINITY],
  ];
  let v = diffS;
  for (const [unit, size] of steps) {
    if (Math.abs(v) < size) {
      const fmt = cached(`r:${language}`, () => new Intl.RelativeTimeFormat(language, { numeric: "auto" }));
      return fmt.format(Math.round(v), unit);
    }
    v /= size;
  }
  return "—";
}

/** The HA-backup entities of the hub (translation keys), and their domains. */
export const HA_BACKUP_KEYS = {
  ha_backup_last: "sensor",
  ha_backup_next: "sensor",
  ha_backup_verification: "sensor",
  ha_backup_problem: "binary_sensor",
} as const;
type HaBackupKey = keyof typeof HA_BACKUP_KEYS;

/**
 * Where the HA-backup entities are: by translation key in the entity registry, else at the entity
 * ids a hub named "PVE Backup" gives them (`sensor.pve_backup_ha_backup_last`, or a state set
 * there by hand). Empty when Home Assistant's backups are not watched.
 */
export function haBackupEntities(hass: HassLike): Partial<Record<HaBackupKey, string>> {
  const found: Partial<Record<HaBackupKey, string>> = {};
  for (const e of Object.values(hass.entities ?? {}))
    if (e?.platform === PLATFORM && e.translation_key && e.translation_key in HA_BACKUP_KEYS)
      found[e.translation_key as HaBackupKey] = e.entity_id;
  for (const [key, domain] of Object.entries(HA_BACKUP_KEYS) as [HaBackupKey, string][]) {
    const id = `${domain}.${PLATFORM}_${key}`;
    if (!found[key] && hass.states[id]) found[key] = id;
  }
  return found;
}

export interface HaBackupRow {
  /** Worst first: failed (problem or a failed check), never (none found), unknown, ok. */
  readonly status: "ok" | "failed" | "never" | "unknown";
  readonly lastMs: number | null;
  readonly nextMs: number | null;
  readonly sizeBytes: number | null;
  readonly name: string | null;
  readonly verification: "ok" | "failed" | "unknown";
  readonly message: string | null;
  readonly entities: Readonly<Partial<Record<HaBackupKey, string>>>;
}

/** Home Assistant's own backups as one row; null when none of its entities exists. */
export function haBackupRow(
  hass: HassLike,
  entities: Partial<Record<HaBackupKey, string>> = haBackupEntities(hass),
): HaBackupRow | null {
  const st = (k: HaBackupKey) => (entities[k] ? hass.states[entities[k] as string] : undefined);
  if (!Object.keys(entities).some((k) => st(k as HaBackupKey))) return null;
  const last = st("ha_backup_last");
  const check = st("ha_backup_verification");
  const verification =
    check?.state === "ok" || check?.state === "failed" ? (check.state as "ok" | "failed") : "unknown";
  const problem = st("ha_backup_problem")?.state;
  const lastMs = timeOf(last);
  const size = last?.attributes.size_bytes;
  const name = last?.attributes.name;
  const message = check?.attributes.message;
  return {
    status:
      problem === "on" || verification === "failed"
        ? "failed"
        : lastMs === null
          ? problem === "off"
            ? "never"
            : "unknown"
          : "ok",
    lastMs,
    nextMs: timeOf(st("ha_backup_next")),
    sizeBytes: typeof size === "number" && Number.isFinite(size) ? size : null,
    name: typeof name === "string" && name ? name : null,
    verification,
    message: typeof message === "string" && message ? message : null,
    entities,
  };
}

/** One point of a guest's archive sizes: when the size sensor took the value, and the value. */
export interface SizePoint {
  readonly ms: number;
  readonly bytes: number;
}

/**
 * The sizes in an answer of `history/history_during_period` (compressed states: `s` the state,
 * `lu`/`lc` seconds since the epoch), oldest first; unknown and repeated values are left out,
 * so each point is one archive whose size differs from the one before.
 */
export function sizeHistory(result: unknown, entityId: string): SizePoint[] {
  const list = (result as Record<string, unknown> | null)?.[entityId];
  if (!Array.isArray(list)) return [];
  const out: SizePoint[] = [];
  for (const item of list) {
    const s = (item as { s?: unknown })?.s;
    const t = (item as { lu?: unknown; lc?: unknown }).lu ?? (item as { lc?: unknown }).lc;
    const bytes = typeof s === "string" && s.trim() !== "" ? Number(s) : Number.NaN;
    if (!Number.isFinite(bytes) || typeof t !== "number") continue;
    if (out.at(-1)?.bytes === bytes) continue;
    out.push({ ms: t * 1000, bytes });
  }
  return out.sort((a, b) => a.ms - b.ms);
}

/** An SVG polyline's points for `points` in a `width`×`height` box (1 px margin), by order. */
export function sparkline(points: readonly SizePoint[], width: number, height: number): string {
  if (points.length === 0) return "";
  const values = points.map((p) => p.bytes);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const x = (i: number) => (points.length === 1 ? width / 2 : 1 + (i * (width - 2)) / (points.length - 1));
  const y = (v: number) => (hi === lo ? height / 2 : 1 + ((hi - v) * (height - 2)) / (hi - lo));
  return points.map((p, i) => `${x(i).toFixed(1)},${y(p.bytes).toFixed(1)}`).join(" ");
}
