import { html, LitElement, nothing, type PropertyValues, svg, type TemplateResult } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { checkMarks, copiesPhrases, type Phrase, verificationPhrases } from "../common/checks.js";
import { type CardConfig, COLUMNS, type Column, parseConfig } from "./config.js";
import {
  arrange,
  type Catalogue,
  catalogue,
  formatBytes,
  formatRelative,
  type Guest,
  type GuestStatus,
  HA_BACKUP_KEYS,
  type HaBackupRow,
  type HassEntityState,
  type HassLike,
  haBackupRow,
  matchesCluster,
  PLATFORM,
  type SizePoint,
  sizeHistory,
  sparkline,
  summarize,
} from "./model.js";
import { cardStyles } from "./styles.js";

/**
 * `custom:pve-backup-card`: every guest's backup state at a glance, problems first, with
 * "Back up now" behind a confirmation. Reads only the product's entities (found through the
 * entity registry) and presses the guest's button entity.
 */

/** The frontend's `hass` beyond what the model reads. */
interface Hass extends HassLike {
  callService(domain: string, service: string, data?: object, target?: object): Promise<unknown>;
  formatEntityState?(stateObj: HassEntityState): string;
  callWS?<T>(msg: Record<string, unknown>): Promise<T>;
}

/** A guest's archive sizes as shown in its expanded row: loading, loaded, or why not. */
type Sizes =
  | { readonly state: "loading"; readonly stamp: string }
  | { readonly state: "loaded"; readonly stamp: string; readonly points: readonly SizePoint[] }
  | { readonly state: "error"; readonly stamp: string; readonly message: string };

/** How far back the sparkline looks (the recorder keeps 10 days unless told otherwise). */
const SIZE_HISTORY_MS = 365 * 86_400_000;
const SPARK_W = 160;
const SPARK_H = 32;

/** The HA-backup entities at the ids a hub named "PVE Backup" gives them (model.haBackupEntities). */
const HA_BACKUP_FALLBACK_IDS = Object.entries(HA_BACKUP_KEYS).map(
  ([key, domain]) => `${domain}.${PLATFORM}_${key}`,
);

const STATUS_LOOK: Record<GuestStatus, { icon: string; color: string; label: string }> = {
  ok: { icon: "mdi:check-circle", color: "var(--pvb-ok)", label: "OK" },
  late: { icon: "mdi:clock-alert-outline", color: "var(--pvb-warn)", label: "Late" },
  failed: { icon: "mdi:alert-circle", color: "var(--pvb-error)", label: "Failed" },
  never: { icon: "mdi:close-circle-outline", color: "var(--pvb-error)", label: "Never backed up" },
  not_in_job: { icon: "mdi:calendar-remove-outline", color: "var(--pvb-warn)", label: "Not in a backup job" },
  running: { icon: "mdi:progress-upload", color: "var(--pvb-info)", label: "Running" },
  unknown: { icon: "mdi:help-circle-outline", color: "var(--pvb-muted)", label: "Unknown" },
};

/** A press is shown as starting until the guest runs, its backup changes, or this long passes. */
const PENDING_MS = 60_000;

export class PveBackupCard extends LitElement {
  static override styles = cardStyles;
  static override properties = {
    preview: { type: Boolean },
    _config: { state: true },
    _cat: { state: true },
    _confirm: { state: true },
    _pending: { state: true },
    _now: { state: true },
    _expanded: { state: true },
    _sizes: { state: true },
    _ha: { state: true },
  };

  declare preview: boolean;
  declare _config: CardConfig | undefined;
  declare _cat: Catalogue | undefined;
  declare _confirm: Guest | undefined;
  declare _pending: ReadonlyMap<string, { sinceMs: number; lastBackupMs: number | null }>;
  declare _now: number;
  declare _expanded: ReadonlySet<string>;
  declare _sizes: ReadonlyMap<string, Sizes>;
  declare _ha: HaBackupRow | null;

  private _hass: Hass | undefined;
  /** The product's entity ids, for the entity registry object they were read from. */
  private _ids: string[] = [];
  private _idsFor: unknown;
  /** The objects the last catalogue was built from: the same objects mean no work. */
  private _seen: unknown[] = [];
  private _timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    this._pending = new Map();
    this._now = Date.now();
    this._expanded = new Set();
    this._sizes = new Map();
    this._ha = null;
  }

  static getConfigElement(): HTMLElement {
    return document.createElement("pve-backup-card-editor");
  }

  static getStubConfig(hass: HassLike): Record<string, unknown> {
    const { clusters } = catalogue(hass);
    const only = clusters.length === 1 ? clusters[0] : undefined;
    return {
      type: "custom:pve-backup-card",
      ...(only?.key ? { cluster: only.key } : {}),
      // The defaults, written out so that the visual editor shows them.
      filter: "all",
      group_by: "none",
      columns: [...COLUMNS],
      compact: false,
    };
  }

  setConfig(config: unknown): void {
    this._config = parseConfig(config);
    this.toggleAttribute("compact", this._config.compact);
  }

  get hass(): Hass | undefined {
    return this._hass;
  }

  /** Called on every state change in Home Assistant: rebuilds only when one of ours changed. */
  set hass(hass: Hass) {
    this._hass = hass;
    if (hass.entities !== this._idsFor) {
      this._idsFor = hass.entities;
      this._ids = Object.values(hass.entities ?? {}).flatMap((e) =>
        e?.platform === PLATFORM ? [e.entity_id] : [],
      );
      this._seen = [];
    }
    const watched: unknown[] = [hass.devices, hass.locale];
    for (const id of this._ids) watched.push(hass.states[id]);
    for (const id of HA_BACKUP_FALLBACK_IDS) watched.push(hass.states[id]);
    if (watched.length === this._seen.length && watched.every((x, i) => x === this._seen[i])) return;
    this._seen = watched;
    this._cat = catalogue(hass);
    this._ha = haBackupRow(hass);
    this._now = Date.now();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this._timer = setInterval(() => {
      this._now = Date.now();
    }, 30_000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this._timer);
  }

  getCardSize(): number {
    const rows = this._cat?.guests.length ?? 3;
    return 2 + Math.ceil((rows * (this._config?.compact ? 36 : 48)) / 50);
  }

  getGridOptions() {
    return { columns: 12, min_columns: 6, rows: "auto" as const };
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (!changed.has("_cat")) return;
    // An open row follows its size sensor: a new archive size is read once more.
    for (const id of this._expanded) {
      const g = this._cat?.guests.find((x) => x.deviceId === id);
      if (g) void this._loadSizes(g);
    }
    if (this._pending.size === 0) return;
    // A press is done once the guest runs or has a new backup.
    const next = new Map(this._pending);
    for (const [id, p] of this._pending) {
      const g = this._cat?.guests.find((x) => x.deviceId === id);
      if (
        !g ||
        g.status === "running" ||
        g.lastBackupMs !== p.lastBackupMs ||
        this._now - p.sinceMs > PENDING_MS
      )
        next.delete(id);
    }
    if (next.size !== this._pending.size) this._pending = next;
  }

  protected override render(): TemplateResult | typeof nothing {
    const config = this._config;
    if (!config || !this._hass) return nothing;
    const cat = this._cat ?? { guests: [], clusters: [] };
    const clusters = config.cluster
      ? cat.clusters.filter((c) => matchesCluster(c, config.cluster as string))
      : cat.clusters;
    const ids = new Set(clusters.map((c) => c.deviceId));
    const guests = config.cluster
      ? cat.guests.filter((g) => g.clusterDeviceId && ids.has(g.clusterDeviceId))
      : cat.guests;
    const groups = arrange(guests, config.group_by, config.filter === "problems");
    const cols = new Set(config.columns);
    this._labels.clear();
    return html`
      <ha-card>
        <div class="header">
          <h2 class="title">${config.title ?? "Backups"}</h2>
        </div>
        ${this._summary(clusters)}
        ${this._haBackup()}
        ${
          guests.length === 0
            ? html`<div class="empty">
                ${
                  cat.guests.length === 0
                    ? "No PVE Backup guests found. Set up the PVE Backup integration and start the add-on."
                    : `No guests in cluster "${config.cluster}".`
                }
              </div>`
            : groups.length === 0
              ? html`<div class="empty">No backup problems.</div>`
              : groups.map(
                  (gr) => html`
                    ${gr.label === null ? nothing : html`<div class="group" role="heading" aria-level="3">${this._groupLabel(gr.label)} · ${gr.guests.length}</div>`}
                    <ul>
                      ${repeat(
                        gr.guests,
                        (g) => g.deviceId,
                        (g) => this._row(g, cols),
                      )}
                    </ul>
                  `,
                )
        }
        ${this._dialog()}
      </ha-card>
    `;
  }

  private _groupLabel(key: string): string {
    if (this._config?.group_by === "status") return STATUS_LOOK[key as GuestStatus]?.label ?? key;
    return key === "" ? "No tier" : `Tier ${key}`;
  }

  private _summary(clusters: Catalogue["clusters"]): TemplateResult | typeof nothing {
    if (clusters.length === 0) return nothing;
    const s = summarize(clusters);
    const lang = this._hass?.locale?.language ?? "en";
    const one = clusters.length === 1 ? clusters[0] : undefined;
    const chip = (cls: string, icon: string, text: string, entity: string | undefined, label: string) => html`
      <button class="chip ${cls}" title=${label} aria-label=${`${label}: ${text}`} @click=${() => entity && this._moreInfo(entity)}>
        <ha-icon icon=${icon}></ha-icon><span>${text}</span>
      </button>
    `;
    return html`<div class="summary">
      ${chip("good", "mdi:check-circle", `${s.ok ?? "?"} OK`, one?.entities.problems, "Guests backed up")}
      ${chip(
        s.problems ? "bad" : "",
        "mdi:alert-circle-outline",
        `${s.problems ?? "?"} with problems`,
        one?.entities.problems,
        "Guests with backup problems",
      )}
      ${chip("", "mdi:calendar-clock", `Next ${formatRelative(s.nextRunMs, this._now, lang)}`, one?.entities.nextRun, "Next scheduled backup")}
      ${chip("", "mdi:harddisk", `${formatBytes(s.storageFreeBytes, lang)} free`, one?.entities.storageFree, "Backup storage free")}
    </div>`;
  }

  private _row(g: Guest, cols: ReadonlySet<Column>): TemplateResult {
    const hass = this._hass as Hass;
    const lang = hass.locale?.language ?? "en";
    const look = STATUS_LOOK[g.status];
    const statusEntity = g.entities.backup_status;
    const statusText = this._statusLabel(g.status, statusEntity);
    const pending = this._pending.has(g.deviceId);
    const busy = g.status === "running" || pending;
    const open = this._expanded.has(g.deviceId);
    const sub: (TemplateResult | string)[] = [];
    if (cols.has("status")) sub.push(html`<span class="status-text">${statusText}</span>`);
    if (cols.has("vmid") && g.vmid !== null) sub.push(`${g.kind ?? ""} ${g.vmid}`.trim());
    if (cols.has("tier")) sub.push(g.tier ? `tier ${g.tier}` : "no tier");
    if (g.reason && g.problem) sub.push(html`<span class="reason">${g.reason}</span>`);
    const subLine = sub.flatMap((part, i) => (i === 0 ? [part] : [" · ", part]));
    const marks = checkMarks(g.verification, g.copies);
    const markWords = [
      marks.checkFailed ? "last check failed" : "",
      marks.noOffNas ? "no copy off the NAS" : "",
    ]
      .filter(Boolean)
      .join(", ");
    return html`
      <li class="row" style="--pvb-color:${look.color}" data-status=${g.status} data-vmid=${g.vmid ?? ""}>
        <ha-icon class="status-icon" icon=${look.icon} aria-hidden="true"></ha-icon>
        <button class="main" @click=${() => statusEntity && this._moreInfo(statusEntity)} aria-label=${`${g.name}: ${statusText}${markWords ? `, ${markWords}` : ""}`}>
          <span class="name"><span class="name-text">${g.name}</span>${
            marks.checkFailed
              ? html`<ha-icon class="mark tone-error" data-mark="check-failed" icon="mdi:shield-alert" title="Last check failed"></ha-icon>`
              : nothing
          }${
            marks.noOffNas
              ? html`<ha-icon class="mark tone-warn" data-mark="no-off-nas" icon="mdi:cloud-off-outline" title="No copy off the NAS"></ha-icon>`
              : nothing
          }</span>
          <span class="sub">${subLine}</span>
        </button>
        <span class="meta">
          ${cols.has("age") ? html`<span class="age" title="Last backup">${formatRelative(g.lastBackupMs, this._now, lang)}</span>` : nothing}
          ${cols.has("size") ? html`<span class="size" title="Backup size">${formatBytes(g.sizeBytes, lang)}</span>` : nothing}
        </span>
        ${
          cols.has("actions") && g.entities.backup_now
            ? html`<button class="act" ?disabled=${busy || this.preview} @click=${() => this._ask(g)} aria-label=${`Back up ${g.name} now`}>
                <ha-icon icon="mdi:content-save-outline"></ha-icon><span class="label">${busy ? (g.status === "running" ? "Running" : "Starting") : "Back up now"}</span>
              </button>`
            : html`<span></span>`
        }
        <button
          class="expand"
          aria-expanded=${open ? "true" : "false"}
          aria-controls=${`pvb-detail-${g.deviceId}`}
          aria-label=${`${open ? "Hide" : "Show"} copies, checks and archive sizes of ${g.name}`}
          @click=${() => this._toggle(g)}
        >
          <ha-icon icon=${open ? "mdi:chevron-up" : "mdi:chevron-down"}></ha-icon>
        </button>
        ${busy ? html`<div class="bar" role="progressbar" aria-label=${`Backing up ${g.name}`}></div>` : nothing}
        ${open ? this._detail(g, lang) : nothing}
      </li>
    `;
  }

  /** Home Assistant's own backups (on the NAS), once the integration publishes them. */
  private _haBackup(): TemplateResult | typeof nothing {
    const h = this._ha;
    if (!h) return nothing;
    const lang = this._hass?.locale?.language ?? "en";
    const look = STATUS_LOOK[h.status];
    const text =
      h.status === "failed"
        ? h.verification === "failed"
          ? "Check failed"
          : "Problem"
        : h.status === "never"
          ? "No backup found"
          : look.label;
    const sub: (TemplateResult | string)[] = [html`<span class="status-text">${text}</span>`];
    if (h.verification !== "unknown") sub.push(h.verification === "ok" ? "verified" : "not verified");
    if (h.nextMs !== null) sub.push(`next ${formatRelative(h.nextMs, this._now, lang)}`);
    if (h.message && h.status === "failed") sub.push(html`<span class="reason">${h.message}</span>`);
    const target =
      h.entities.ha_backup_last ?? h.entities.ha_backup_problem ?? h.entities.ha_backup_verification;
    return html`<ul class="ha-backup">
      <li class="ha-row" style="--pvb-color:${look.color}" data-status=${h.status}>
        <ha-icon class="status-icon" icon="mdi:home-assistant" aria-hidden="true"></ha-icon>
        <button class="main" @click=${() => target && this._moreInfo(target)} aria-label=${`Home Assistant backups: ${text}`}>
          <span class="name">Home Assistant backups</span>
          <span class="sub">${sub.flatMap((part, i) => (i === 0 ? [part] : [" · ", part]))}</span>
        </button>
        <span class="meta">
          <span class="age" title="Last backup">${formatRelative(h.lastMs, this._now, lang)}</span>
          <span class="size" title="Backup size">${formatBytes(h.sizeBytes, lang)}</span>
        </span>
      </li>
    </ul>`;
  }

  private _toggle(g: Guest): void {
    const next = new Set(this._expanded);
    if (next.has(g.deviceId)) next.delete(g.deviceId);
    else {
      next.add(g.deviceId);
      void this._loadSizes(g);
    }
    this._expanded = next;
  }

  /** Reads the size sensor's history once per expand and size: nothing is fetched for closed rows. */
  private async _loadSizes(g: Guest): Promise<void> {
    const id = g.entities.backup_size;
    const hass = this._hass;
    if (!id || !hass) return;
    const s = hass.states[id];
    const stamp = `${s?.state}@${s?.last_updated ?? s?.last_changed ?? ""}`;
    const had = this._sizes.get(id);
    if (had && had.stamp === stamp && had.state !== "error") return;
    const set = (v: Sizes) => {
      this._sizes = new Map(this._sizes).set(id, v);
    };
    if (!hass.callWS) {
      set({ state: "error", stamp, message: "Size history needs a newer Home Assistant frontend." });
      return;
    }
    set({ state: "loading", stamp });
    try {
      const result = await hass.callWS<unknown>({
        type: "history/history_during_period",
        start_time: new Date(Date.now() - SIZE_HISTORY_MS).toISOString(),
        entity_ids: [id],
        minimal_response: true,
        no_attributes: true,
        significant_changes_only: false,
      });
      set({ state: "loaded", stamp, points: sizeHistory(result, id) });
    } catch {
      set({
        state: "error",
        stamp,
        message: "No size history: Home Assistant's recorder and history are not available.",
      });
    }
  }

  private _detail(g: Guest, lang: string): TemplateResult {
    const id = g.entities.backup_size;
    const sizes = id ? this._sizes.get(id) : undefined;
    let body: TemplateResult | string;
    if (!id) body = "This guest has no backup size sensor.";
    else if (!sizes || sizes.state === "loading") body = "Loading archive sizes…";
    else if (sizes.state === "error") body = sizes.message;
    else if (sizes.points.length === 0) body = "No archive sizes recorded yet.";
    else {
      const pts = sizes.points;
      const values = pts.map((p) => p.bytes);
      const lo = formatBytes(Math.min(...values), lang);
      const hi = formatBytes(Math.max(...values), lang);
      const range = lo === hi ? lo : `${lo} – ${hi}`;
      const label =
        pts.length === 1
          ? `One archive size so far: ${lo}`
          : `Archive sizes, ${pts.length} changes since ${new Date(pts[0]?.ms ?? 0).toLocaleDateString(lang)}: ${range}`;
      body = html`<svg class="spark" viewBox="0 0 ${SPARK_W} ${SPARK_H}" width=${SPARK_W} height=${SPARK_H} role="img" aria-label=${label} data-points=${pts.length}>
          ${
            pts.length === 1
              ? svg`<circle cx=${SPARK_W / 2} cy=${SPARK_H / 2} r="2.5"></circle>`
              : svg`<polyline points=${sparkline(pts, SPARK_W, SPARK_H)}></polyline>`
          }
        </svg>
        <span class="spark-text">${pts.length === 1 ? `one size so far: ${lo}` : `${range} · ${pts.length} sizes`}</span>`;
    }
    return html`<div class="detail" id=${`pvb-detail-${g.deviceId}`}>
      ${
        g.copies
          ? html`<div class="fact" data-fact="copies">
              <ha-icon icon="mdi:layers-triple-outline" title="Copies (3-2-1)" aria-hidden="true"></ha-icon>
              <span>${phrases(copiesPhrases(g.copies, this._now))}</span>
            </div>`
          : nothing
      }
      ${
        g.verification === undefined
          ? nothing
          : html`<div class="fact" data-fact="verification" data-result=${g.verification?.result ?? "never"}>
              <ha-icon
                icon=${g.verification?.result === "failed" ? "mdi:shield-alert-outline" : g.verification?.result === "ok" ? "mdi:shield-check-outline" : "mdi:shield-outline"}
                title="Last verification"
                aria-hidden="true"
              ></ha-icon>
              <span>${phrases(verificationPhrases(g.verification, this._now))}</span>
            </div>`
      }
      <div class="sizes">${body}</div>
    </div>`;
  }

  /** The translated state, asked of the frontend once per status and render (same for every guest). */
  private _labels = new Map<string, string>();
  private _statusLabel(status: GuestStatus, entityId: string | undefined): string {
    let label = this._labels.get(status);
    if (label === undefined) {
      const stateObj = entityId ? this._hass?.states[entityId] : undefined;
      label =
        (stateObj && stateObj.state === status && this._hass?.formatEntityState?.(stateObj)) ||
        STATUS_LOOK[status].label;
      this._labels.set(status, label);
    }
    return label;
  }

  private _dialog(): TemplateResult {
    const g = this._confirm;
    return html`<dialog @close=${() => (this._confirm = undefined)} @cancel=${() => (this._confirm = undefined)}>
      ${
        g
          ? html`<h2>Back up ${g.name} now?</h2>
              <p>Starts one backup of ${g.kind ?? "guest"} ${g.vmid ?? ""} in Proxmox VE, with its tier's settings.</p>
              <div class="buttons">
                <button class="cancel" @click=${this._closeDialog}>Cancel</button>
                <button class="confirm" @click=${() => this._press(g)}>Back up now</button>
              </div>`
          : nothing
      }
    </dialog>`;
  }

  private async _ask(g: Guest): Promise<void> {
    this._confirm = g;
    await this.updateComplete;
    const dialog = this.renderRoot.querySelector("dialog");
    if (dialog && !dialog.open) dialog.showModal();
    (this.renderRoot.querySelector("dialog button.confirm") as HTMLElement | null)?.focus();
  }

  private _closeDialog = () => {
    this.renderRoot.querySelector("dialog")?.close();
    this._confirm = undefined;
  };

  private async _press(g: Guest): Promise<void> {
    // One press per guest until it runs: a double click or a second confirm does nothing.
    if (this._pending.has(g.deviceId) || !this._hass || !g.entities.backup_now) return this._closeDialog();
    this._pending = new Map(this._pending).set(g.deviceId, {
      sinceMs: Date.now(),
      lastBackupMs: g.lastBackupMs,
    });
    this._closeDialog();
    try {
      await this._hass.callService("button", "press", {}, { entity_id: g.entities.backup_now });
    } catch {
      // The frontend already shows the service's error; the row stops showing "Starting".
      const next = new Map(this._pending);
      next.delete(g.deviceId);
      this._pending = next;
    }
  }

  private _moreInfo(entityId: string): void {
    this.dispatchEvent(
      new CustomEvent("hass-more-info", { detail: { entityId }, bubbles: true, composed: true }),
    );
  }
}

/** Phrases joined by " · ", each in its tone's colour (class `tone-…`). */
function phrases(list: readonly Phrase[]): TemplateResult[] {
  return list.map(
    (p, i) => html`${i === 0 ? nothing : " · "}<span class=${`tone-${p.tone}`}>${p.text}</span>`,
  );
}
