import {
  ago,
  checkMarks,
  copiesFromJson,
  copiesPhrases,
  type Phrase,
  testRestoreFromJson,
  testRestorePhrases,
  verificationFromJson,
  verificationPhrases,
} from "../common/checks.js";
import { age, esc, formatHumanSize, formatWall } from "./format.js";
import { PANEL_CSS } from "./styles.js";
import { adoptHaTheme } from "./theme.js";
import { type GuestSpans, layoutNight, nightOf, nightsOf } from "./timeline.js";
import type {
  ClusterApply,
  ClusterPlan,
  DoctorCluster,
  GuestRow,
  NasSide,
  Overview,
  StorageArchives,
  TaskGuests,
  TaskLog,
  Value,
} from "./types.js";

/**
 * `<pve-backup-panel data-base="/api/hassio_ingress/…">`: the add-on's panel. Tabs: guests (with
 * filters; a row opens the guest's archives on every storage), the backup window's timeline
 * (a bar opens the task's log), the policy plan as a diff with Apply behind a confirmation, and
 * the permission doctor with copyable `pveum` lines. Every request goes under `data-base`.
 */

type Tab = "guests" | "timeline" | "policy" | "doctor";
const TABS: readonly [Tab, string][] = [
  ["guests", "Guests"],
  ["timeline", "Timeline"],
  ["policy", "Policy"],
  ["doctor", "Permissions"],
];
const STATUSES = ["running", "failed", "not_in_job", "never", "late", "ok", "unknown"] as const;
const PROBLEMS = new Set(["failed", "not_in_job", "never", "late"]);

type Modal =
  | { kind: "log"; log?: TaskLog; error?: string; title: string }
  | { kind: "confirm"; plans: ClusterPlan[] };

class PveBackupPanel extends HTMLElement {
  private base = "";
  private tab: Tab = "guests";
  private overview?: Overview;
  private overviewError?: string;
  private filter = { text: "", status: "all", tier: "all" };
  private open?: string;
  private archives = new Map<string, StorageArchives[] | string>();
  private night?: string;
  private plans?: ClusterPlan[];
  private planError?: string;
  private applying = false;
  private applyResult?: { ok: boolean; text: string };
  private doctor?: DoctorCluster[];
  private doctorError?: string;
  private modal?: Modal;
  private timer?: number;
  /** The overview's ETag: a poll with nothing new is a 304 without a body. */
  private etag?: string;
  /** Per task of several guests, each guest's span (from its log); in flight as a promise. */
  private spans = new Map<string, GuestSpans>();
  private spansLoading = new Set<string>();

  connectedCallback(): void {
    this.base = this.dataset.base ?? "";
    const hash = location.hash.slice(1) as Tab;
    if (TABS.some(([t]) => t === hash)) this.tab = hash;
    adoptHaTheme(this);
    this.addEventListener("click", (e) => void this.onClick(e));
    this.addEventListener("input", (e) => this.onInput(e));
    this.addEventListener("change", (e) => this.onInput(e));
    this.addEventListener("keydown", (e) => {
      const row = (e.target as HTMLElement).closest("tr[data-action=guest]");
      if (row && (e.key === "Enter" || e.key === " ")) {
        e.preventDefault();
        (row as HTMLElement).click();
      }
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.modal && !this.applying) this.closeModal();
    });
    this.render();
    void this.loadOverview();
    this.timer = window.setInterval(() => {
      adoptHaTheme(this);
      if (document.visibilityState === "visible") void this.loadOverview();
    }, 15_000);
    void this.loadTab();
  }

  disconnectedCallback(): void {
    window.clearInterval(this.timer);
  }

  private async api<T>(path: string, init?: RequestInit): Promise<T> {
    const res = await fetch(`${this.base}/api/panel/${path}`, {
      credentials: "same-origin",
      ...init,
      headers: { "x-pve-backup": "panel", ...(init?.headers as Record<string, string> | undefined) },
    });
    const body = (await res.json().catch(() => ({}))) as T & { error?: string };
    if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
    return body;
  }

  /** Polls the overview: unchanged data comes back as a 304 and only the clock moves. */
  private async loadOverview(): Promise<void> {
    try {
      const res = await fetch(`${this.base}/api/panel/overview`, {
        credentials: "same-origin",
        cache: "no-store",
        headers: {
          "x-pve-backup": "panel",
          ...(this.etag && this.overview ? { "if-none-match": this.etag } : {}),
        },
      });
      if (res.status === 304 && this.overview) {
        // Only the clock moved (ages and a running bar follow it).
        const now = res.headers.get("x-pve-backup-now");
        if (now) this.overview = { ...this.overview, now };
        this.overviewError = undefined;
      } else {
        const body = (await res.json().catch(() => ({}))) as Overview & { error?: string };
        if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
        this.overview = body;
        this.etag = res.headers.get("etag") ?? undefined;
        this.overviewError = undefined;
      }
    } catch (err) {
      this.overviewError = (err as Error).message;
    }
    this.refreshView();
  }

  /**
   * The guests' own spans of the night's tasks that backed up several guests: read once per ended
   * task, again on each new overview while one runs; the timeline is drawn again when they come.
   */
  private loadSpans(o: Overview, night: string): void {
    const byTask = new Map<string, { cluster: string; vmids: Set<number>; running: boolean }>();
    for (const a of o.attempts) {
      if (nightOf(Date.parse(a.start), o.timeZone) !== night) continue;
      const t = byTask.get(a.upid) ?? { cluster: a.cluster, vmids: new Set(), running: false };
      t.vmids.add(a.vmid);
      t.running ||= a.end === null;
      byTask.set(a.upid, t);
    }
    for (const [upid, t] of byTask) {
      if (t.vmids.size < 2 || this.spansLoading.has(upid)) continue;
      const had = this.spans.get(upid);
      if (had && (had.ended || had.forNow === o.now)) continue;
      this.spansLoading.add(upid);
      void this.api<TaskGuests>(
        `task-guests?cluster=${encodeURIComponent(t.cluster)}&upid=${encodeURIComponent(upid)}`,
      )
        .then((r) => {
          this.spans.set(upid, {
            ended: r.ended,
            forNow: o.now,
            guests: new Map(r.guests.map((g) => [g.vmid, g])),
          });
          if (this.tab === "timeline" && !this.modal) this.refreshView();
        })
        .catch(() => {
          // The log could not be read: the task's bars stay the whole task.
          this.spans.set(upid, { ended: true, forNow: o.now, guests: new Map() });
        })
        .finally(() => this.spansLoading.delete(upid));
    }
  }

  /**
   * New data in place, without taking the user's focus or open menu away: the guests' rows only
   * (the filters stay as typed), the timeline unless its night menu is in use, nothing else while
   * a dialog is open.
   */
  private refreshView(): void {
    const body = this.querySelector("tbody[data-guests]");
    const focused = document.activeElement;
    if (this.modal || this.tab === "policy" || this.tab === "doctor") this.renderHead();
    else if (this.tab === "guests" && body) {
      this.renderHead();
      body.innerHTML = this.guestRows();
      const nas = this.querySelector("[data-nas]");
      if (nas) nas.innerHTML = this.nasHtml();
    } else if (this.tab === "timeline" && focused instanceof HTMLSelectElement && this.contains(focused))
      this.renderHead();
    else this.render();
  }

  private async loadTab(): Promise<void> {
    if (this.tab === "policy" && !this.plans) await this.loadPlan();
    if (this.tab === "doctor" && !this.doctor) await this.loadDoctor();
  }

  private async loadPlan(): Promise<void> {
    try {
      this.plans = (await this.api<{ clusters: ClusterPlan[] }>("plan")).clusters;
      this.planError = undefined;
    } catch (err) {
      this.plans = undefined;
      this.planError = (err as Error).message;
    }
    this.render();
  }

  private async loadDoctor(): Promise<void> {
    try {
      this.doctor = (await this.api<{ clusters: DoctorCluster[] }>("doctor")).clusters;
      this.doctorError = undefined;
    } catch (err) {
      this.doctorError = (err as Error).message;
    }
    this.render();
  }

  private onInput(e: Event): void {
    const t = e.target as HTMLInputElement | HTMLSelectElement;
    const f = t.dataset.filter as keyof typeof this.filter | undefined;
    if (f) {
      this.filter[f] = t.value;
      const body = this.querySelector("tbody[data-guests]");
      if (body) body.innerHTML = this.guestRows();
      return;
    }
    if (t.dataset.night !== undefined && e.type === "change") {
      this.night = t.value;
      this.render();
    }
  }

  private async onClick(e: Event): Promise<void> {
    const el = (e.target as HTMLElement).closest<HTMLElement>("[data-action]");
    if (!el) return;
    const a = el.dataset;
    switch (a.action) {
      case "tab":
        this.tab = a.tab as Tab;
        history.replaceState(null, "", `#${this.tab}`);
        this.render();
        await this.loadTab();
        return;
      case "guest": {
        const key = a.key as string;
        this.open = this.open === key ? undefined : key;
        this.render();
        if (this.open && !this.archives.has(key)) await this.loadArchives(key);
        return;
      }
      case "log":
        e.stopPropagation();
        await this.showLog(a.cluster as string, a.upid as string, a.title ?? "Task log");
        return;
      case "close":
        this.closeModal();
        return;
      case "reload-plan":
        this.applyResult = undefined;
        this.plans = undefined;
        this.render();
        await this.loadPlan();
        return;
      case "apply":
        if (!this.plans) return;
        this.modal = { kind: "confirm", plans: this.plans.filter((p) => !p.inSync && !p.blocked) };
        this.render();
        (this.querySelector("[data-action=cancel]") as HTMLElement | null)?.focus();
        return;
      case "cancel":
        this.closeModal();
        return;
      case "confirm-apply":
        await this.apply();
        return;
      case "copy":
        await copyText(a.text ?? "", el);
        return;
    }
  }

  private closeModal(): void {
    this.modal = undefined;
    this.render();
  }

  private async loadArchives(key: string): Promise<void> {
    const [cluster, vmid] = splitKey(key);
    try {
      const r = await this.api<{ storages: StorageArchives[] }>(
        `archives?cluster=${encodeURIComponent(cluster)}&vmid=${vmid}`,
      );
      this.archives.set(key, r.storages);
    } catch (err) {
      this.archives.set(key, (err as Error).message);
    }
    this.render();
  }

  private async showLog(cluster: string, upid: string, title: string): Promise<void> {
    this.modal = { kind: "log", title };
    this.render();
    try {
      const log = await this.api<TaskLog>(
        `task-log?cluster=${encodeURIComponent(cluster)}&upid=${encodeURIComponent(upid)}`,
      );
      if (this.modal?.kind === "log") this.modal = { ...this.modal, log };
    } catch (err) {
      if (this.modal?.kind === "log") this.modal = { ...this.modal, error: (err as Error).message };
    }
    this.render();
  }

  private async apply(): Promise<void> {
    if (this.applying || this.modal?.kind !== "confirm") return;
    const confirmed = Object.fromEntries(this.modal.plans.map((p) => [p.cluster, p.fingerprint]));
    this.applying = true;
    this.render();
    try {
      const r = await this.api<{ clusters: ClusterApply[] }>("apply", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ confirmed }),
      });
      const failed = r.clusters.find((c) => c.applied?.failed);
      const count = r.clusters.reduce((n, c) => n + (c.applied?.applied.length ?? 0), 0);
      this.applyResult = failed?.applied?.failed
        ? {
            ok: false,
            text: `${failed.cluster}: ${failed.applied.failed.action} ${failed.applied.failed.id} failed: ${failed.applied.failed.error}. ${count} change(s) applied; apply again once fixed.`,
          }
        : { ok: true, text: `Applied ${count} change(s).` };
    } catch (err) {
      this.applyResult = { ok: false, text: (err as Error).message };
    }
    this.applying = false;
    this.modal = undefined;
    const result = this.applyResult;
    await Promise.all([this.loadPlan(), this.loadOverview()]);
    this.applyResult = result;
    this.render();
  }

  // ---- rendering ----

  private render(): void {
    const modal = this.modal ? this.renderModal(this.modal) : "";
    this.innerHTML = `<style>${PANEL_CSS}</style>
<div class="pvb-head" data-head>${this.headHtml()}</div>
<nav class="pvb-tabs" role="tablist">${TABS.map(
      ([t, label]) =>
        `<button role="tab" data-action="tab" data-tab="${t}" aria-selected="${t === this.tab}">${label}</button>`,
    ).join("")}</nav>
<main>${this.tabHtml()}</main>${modal}`;
  }

  private renderHead(): void {
    const head = this.querySelector("[data-head]");
    if (head) head.innerHTML = this.headHtml();
  }

  private headHtml(): string {
    const o = this.overview;
    const problems = o?.guests.filter((g) => PROBLEMS.has(g.status)).length ?? 0;
    const clusterNotes = (o?.clusters ?? [])
      .filter((c) => !c.reachable || c.problems.length > 0)
      .map(
        (c) =>
          `<div class="pvb-problem">${esc(c.cluster)}: ${c.reachable ? "" : "unreachable. "}${esc(c.problems.join("; "))}</div>`,
      )
      .join("");
    return `<h1>PVE Backup</h1>
<span class="pvb-now">${o ? `${o.guests.length} guests, ${problems} with problems · ${esc(formatWall(Date.parse(o.now), o.timeZone))} (${esc(o.timeZone)})` : ""}</span>
${this.overviewError ? `<div class="pvb-problem" style="flex-basis:100%">${esc(this.overviewError)}</div>` : ""}
${clusterNotes ? `<div style="flex-basis:100%">${clusterNotes}</div>` : ""}`;
  }

  private tabHtml(): string {
    const o = this.overview;
    if (this.tab === "policy") return this.policyHtml();
    if (this.tab === "doctor") return this.doctorHtml();
    if (!o) return `<div class="pvb-card">${this.overviewError ? "" : "Loading…"}</div>`;
    if (!o.ready)
      return `<div class="pvb-card">Reading Proxmox VE… the guests appear after the first refresh.</div>`;
    return this.tab === "timeline" ? this.timelineHtml(o) : this.guestsHtml(o);
  }

  private guestsHtml(o: Overview): string {
    const tiers = [...new Set(o.guests.map((g) => g.tier ?? ""))].sort();
    const opt = (v: string, label: string, cur: string) =>
      `<option value="${esc(v)}"${v === cur ? " selected" : ""}>${esc(label)}</option>`;
    return `<section class="pvb-card" data-section="guests">
<div class="pvb-filters">
<input type="search" placeholder="Filter by name, vmid, node…" aria-label="Filter guests" data-filter="text" value="${esc(this.filter.text)}">
<select aria-label="Status" data-filter="status">${opt("all", "All statuses", this.filter.status)}${opt("problems", "Problems", this.filter.status)}${STATUSES.map((s) => opt(s, s, this.filter.status)).join("")}${
      o.guests.some((g) => g.lastVerified !== undefined || g.copies !== undefined)
        ? opt("check_failed", "last check failed", this.filter.status) +
          opt("no_off_nas", "no off-NAS copy", this.filter.status)
        : ""
    }</select>
<select aria-label="Tier" data-filter="tier">${opt("all", "All tiers", this.filter.tier)}${tiers.map((t) => opt(t, t || "no tier", this.filter.tier)).join("")}</select>
</div>
<table class="pvb-table"><thead><tr><th>VMID</th><th>Guest</th><th>Tier</th><th>Status</th><th>Last backup</th><th class="pvb-wide">Copies (3-2-1)</th><th class="pvb-wide">Last check</th><th class="pvb-wide">Size</th><th class="pvb-wide">Why</th></tr></thead>
<tbody data-guests>${this.guestRows()}</tbody></table></section>
<div data-nas>${this.nasHtml()}</div>`;
  }

  private guestRows(): string {
    const o = this.overview;
    if (!o) return "";
    const nowMs = Date.parse(o.now);
    const f = this.filter;
    const text = f.text.trim().toLowerCase();
    const rows = o.guests.filter(
      (g) =>
        statusMatches(g, f.status) &&
        (f.tier === "all" || (g.tier ?? "") === f.tier) &&
        (text === "" || `${g.vmid} ${g.name} ${g.node} ${g.cluster}`.toLowerCase().includes(text)),
    );
    if (rows.length === 0)
      return `<tr><td colspan="${GUEST_COLUMNS}" class="pvb-muted">No guest matches the filters.</td></tr>`;
    return rows
      .map((g) => {
        const key = `${g.cluster}/${g.vmid}`;
        const last = g.lastBackup;
        const row = `<tr class="pvb-guest" tabindex="0" data-action="guest" data-key="${esc(key)}" data-vmid="${g.vmid}" aria-expanded="${this.open === key}">
<td>${g.vmid}</td><td>${esc(g.name)}<div class="pvb-muted">${esc(g.type)} on ${esc(g.node)}</div>${narrowMarks(g)}</td><td>${esc(g.tier ?? "–")}</td>
<td><span class="pvb-chip ${esc(g.status)}">${esc(g.status.replace(/_/g, " "))}</span></td>
<td>${last ? `${esc(age(Date.parse(last.time), nowMs))} ago<div class="pvb-muted">${esc(formatWall(Date.parse(last.time), o.timeZone))}</div>` : "–"}</td>
${copiesCell(g, nowMs)}${checkCell(g, nowMs)}
<td class="pvb-wide">${last ? esc(formatHumanSize(last.size)) : "–"}</td><td class="pvb-wide">${esc(g.reason)}</td></tr>`;
        return this.open === key ? row + this.guestDetail(g, nowMs, o.timeZone) : row;
      })
      .join("");
  }

  private guestDetail(g: GuestRow, nowMs: number, timeZone: string): string {
    const key = `${g.cluster}/${g.vmid}`;
    const got = this.archives.get(key);
    const attempt = g.lastAttempt
      ? `<p>Last attempt ${esc(formatWall(Date.parse(g.lastAttempt.time), timeZone))}: <span class="pvb-chip ${esc(g.lastAttempt.outcome)}">${esc(g.lastAttempt.outcome)}</span>${g.lastAttempt.error ? ` <span class="pvb-problem">${esc(g.lastAttempt.error)}</span>` : ""} <button class="pvb-link" data-action="log" data-cluster="${esc(g.cluster)}" data-upid="${esc(g.lastAttempt.upid)}" data-title="${esc(`${g.name}: task log`)}">task log</button></p>`
      : `<p class="pvb-muted">No backup attempt in the task history.</p>`;
    const jobs = `<p class="pvb-muted">Jobs: ${g.jobs.length ? esc(g.jobs.join(", ")) : "none enabled"}${g.expectedBy ? ` · due by ${esc(formatWall(Date.parse(g.expectedBy), timeZone))}` : ""}</p>`;
    let archives: string;
    if (got === undefined) archives = `<p class="pvb-muted">Reading archives…</p>`;
    else if (typeof got === "string") archives = `<p class="pvb-problem">${esc(got)}</p>`;
    else if (got.length === 0) archives = `<p class="pvb-muted">No backup storage is active.</p>`;
    else
      archives = got
        .map(
          (
            s,
          ) => `<div data-storage="${esc(s.key)}"><strong>${esc(s.key)}</strong>${s.error ? ` <span class="pvb-problem">${esc(s.error)}</span>` : ""}
${
  s.archives.length === 0
    ? s.error
      ? ""
      : `<div class="pvb-muted">no archives</div>`
    : `<table class="pvb-table pvb-archives"><thead><tr><th>Age</th><th>Time</th><th>Size</th><th class="pvb-wide">Archive</th></tr></thead><tbody>${s.archives
        .map(
          (a) =>
            `<tr data-volid="${esc(a.volid)}"><td>${esc(age(a.timeMs, nowMs))}</td><td>${esc(formatWall(a.timeMs, timeZone))}${a.protected ? ' <span class="pvb-chip">protected</span>' : ""}</td><td>${esc(formatHumanSize(a.sizeBytes))}</td><td class="pvb-wide pvb-muted">${esc(a.volid)}</td></tr>`,
        )
        .join("")}</tbody></table>`
}</div>`,
        )
        .join("");
    return `<tr class="pvb-detail"><td colspan="${GUEST_COLUMNS}">${checksDetail(g, nowMs)}${attempt}${jobs}${archives}</td></tr>`;
  }

  /** The NAS side (Hyper Backup tasks, the share's space and forecast, findings); nothing without it. */
  private nasHtml(): string {
    const o = this.overview;
    return o?.nas ? nasSection(o.nas, Date.parse(o.now), o.timeZone) : "";
  }

  private timelineHtml(o: Overview): string {
    const nights = nightsOf(o.attempts, o.timeZone);
    if (nights.length === 0)
      return `<section class="pvb-card" data-section="timeline"><h2>Backup window</h2><p class="pvb-muted">No backup task in the task history yet.</p></section>`;
    const night = this.night && nights.includes(this.night) ? this.night : (nights[0] as string);
    this.loadSpans(o, night);
    const l = layoutNight({
      night,
      spans: this.spans,
      attempts: o.attempts,
      guests: o.guests,
      tiers: o.tiers,
      timeZone: o.timeZone,
      nowMs: Date.parse(o.now),
    });
    const grid = l.ticks.map((t) => `<div class="pvb-tl-grid" style="left:${t.leftPct}%"></div>`).join("");
    const groups = l.groups
      .map(
        (g) =>
          `<div class="pvb-tl-group" data-tier="${esc(g.tier ?? "")}"><div class="pvb-tl-tier">${esc(g.tier ?? "no tier")}</div>${g.rows
            .map(
              (r) =>
                `<div class="pvb-tl-row" data-vmid="${r.vmid}"><div class="pvb-tl-name" title="${esc(r.name)}">${r.vmid} ${esc(r.name)}</div><div class="pvb-tl-track">${grid}${r.bars
                  .map(
                    (b) =>
                      `<button class="pvb-bar ${esc(b.outcome)}" style="left:${b.leftPct}%;width:${b.widthPct}%" title="${esc(`${r.name}: ${b.label}`)}" aria-label="${esc(`${r.name}: ${b.label}`)}" data-action="log" data-cluster="${esc(b.cluster)}" data-upid="${esc(b.upid)}" data-start="${b.startMs}" data-end="${b.endMs}" data-title="${esc(`${r.name}: ${b.label}`)}"></button>`,
                  )
                  .join("")}</div></div>`,
            )
            .join("")}</div>`,
      )
      .join("");
    return `<section class="pvb-card" data-section="timeline">
<div class="pvb-actions" style="margin:0 0 12px"><h2 style="margin:0;flex:1 1 auto">Backup window</h2>
<select aria-label="Night" data-night>${nights.map((n) => `<option value="${esc(n)}"${n === night ? " selected" : ""}>night to ${esc(n)}</option>`).join("")}</select></div>
<div class="pvb-tl" data-night-shown="${esc(night)}">
<div class="pvb-tl-axis"><div></div><div class="pvb-tl-ticks">${l.ticks.map((t) => `<span style="left:${t.leftPct}%">${esc(t.label)}</span>`).join("")}</div></div>
${groups}</div>
<p class="pvb-muted">Each bar is a guest's backup, start to end (${esc(o.timeZone)}): its own part of a task that backed up several; click one for the task's log.</p></section>`;
  }

  private policyHtml(): string {
    if (this.planError)
      return `<section class="pvb-card" data-section="policy"><h2>Policy</h2><p class="pvb-problem">${esc(this.planError)}</p><button class="pvb-btn" data-action="reload-plan">Try again</button></section>`;
    if (!this.plans)
      return `<section class="pvb-card" data-section="policy"><h2>Policy</h2><p>Reading PVE's backup jobs…</p></section>`;
    const changes = this.plans.filter((p) => !p.inSync && !p.blocked);
    const result = this.applyResult
      ? `<div class="pvb-toast ${this.applyResult.ok ? "" : "pvb-problem"}" data-apply-result>${esc(this.applyResult.text)}</div>`
      : "";
    const blocked = this.plans.some((p) => p.blocked);
    return `<section class="pvb-card" data-section="policy"><h2>Policy plan</h2>${result}
${this.plans.map((p) => planDiff(p)).join("")}
<div class="pvb-actions">
<button class="pvb-btn primary" data-action="apply"${changes.length === 0 || this.applying ? " disabled" : ""}>Apply…</button>
<button class="pvb-btn" data-action="reload-plan">Re-read PVE</button>
<span class="pvb-muted">${changes.length === 0 ? (blocked ? "Fix the errors first: nothing can be applied." : "PVE's jobs match the policy.") : "Apply asks for confirmation before anything changes."}</span>
</div></section>`;
  }

  private doctorHtml(): string {
    if (this.doctorError)
      return `<section class="pvb-card" data-section="doctor"><p class="pvb-problem">${esc(this.doctorError)}</p></section>`;
    if (!this.doctor)
      return `<section class="pvb-card" data-section="doctor"><p>Asking PVE what the token may do…</p></section>`;
    return this.doctor
      .map((d) => {
        if (d.error !== null)
          return `<section class="pvb-card" data-section="doctor"><h2>${esc(d.cluster)}</h2><p class="pvb-problem">${esc(d.error)}</p></section>`;
        const caps = d.capabilities
          .map(
            (c) =>
              `<tr><td>${esc(c.label)}</td><td><span class="pvb-chip ${c.ok ? "ok" : c.needed ? "failed" : ""}">${c.ok ? "ok" : c.needed ? "missing" : "not needed"}</span></td><td class="pvb-muted">${c.ok ? "" : esc(c.missing.join(", "))}</td></tr>`,
          )
          .join("");
        const fix = d.fix;
        const fixHtml = fix.length
          ? `<p>To give the token exactly what PVE Backup needs, run on a PVE node:</p>
${fix.map((line) => `<div class="pvb-pveum"><pre class="pvb-code" data-pveum>${esc(line)}</pre><button class="pvb-btn" data-action="copy" data-text="${esc(line)}">Copy</button></div>`).join("")}
<div class="pvb-actions"><button class="pvb-btn" data-action="copy" data-text="${esc(fix.join("\n"))}">Copy all</button></div>`
          : `<p>The token can do everything PVE Backup needs.</p>`;
        const mail = d.mailtoJobs
          .map(
            (id) =>
              `<p class="pvb-warn-text">Job ${esc(id)} mails its results past the notification system: PVE Backup sees them only by polling. Set its notification mode to notification-system.</p>`,
          )
          .join("");
        return `<section class="pvb-card" data-section="doctor"><h2>Token ${esc(d.token)} on ${esc(d.cluster)}</h2>
<p class="pvb-muted">Backup storage ${esc(d.storage)}</p>
<table class="pvb-table"><tbody>${caps}</tbody></table>${fixHtml}${mail}</section>`;
      })
      .join("");
  }

  private renderModal(m: Modal): string {
    if (m.kind === "log") {
      const body = m.error
        ? `<p class="pvb-problem">${esc(m.error)}</p>`
        : m.log
          ? `<pre class="pvb-code" data-log>${esc(m.log.lines.join("\n"))}</pre>${m.log.truncated ? '<p class="pvb-muted">Only the first lines are shown.</p>' : ""}`
          : "<p>Reading the log…</p>";
      return `<div class="pvb-modal" role="dialog" aria-modal="true" aria-label="${esc(m.title)}"><div><h3>${esc(m.title)}</h3>${body}<div class="pvb-actions"><button class="pvb-btn" data-action="close">Close</button></div></div></div>`;
    }
    const lines = m.plans.flatMap((p) => [
      ...p.plan.create.map((j) => `${p.cluster}: create ${j.id}`),
      ...p.plan.update.map(
        (u) => `${p.cluster}: update ${u.id} (${u.changes.map((c) => c.field).join(", ")})`,
      ),
      ...p.plan.enable.map((id) => `${p.cluster}: enable ${id}`),
      ...p.plan.disable.map((id) => `${p.cluster}: disable ${id}`),
    ]);
    return `<div class="pvb-modal" role="dialog" aria-modal="true" aria-label="Confirm apply" data-confirm><div>
<h3>Apply ${lines.length} change(s) to PVE's backup jobs?</h3>
<ul>${lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>
<p class="pvb-muted">Only jobs PVE Backup owns (pve-backup-…) are changed. If PVE's jobs changed since this plan was read, nothing is applied.</p>
<div class="pvb-actions"><button class="pvb-btn primary" data-action="confirm-apply"${this.applying ? " disabled" : ""}>${this.applying ? "Applying…" : "Apply"}</button>
<button class="pvb-btn" data-action="cancel"${this.applying ? " disabled" : ""}>Cancel</button></div></div></div>`;
  }
}

const show = (v: Value) => (v === null ? "(unset)" : String(v));

/** The status filter: all, problems, one status, or a failed check / no off-NAS copy. */
function statusMatches(g: GuestRow, want: string): boolean {
  if (want === "all") return true;
  if (want === "problems") return PROBLEMS.has(g.status);
  if (want === "check_failed" || want === "no_off_nas") {
    const m = checkMarks(verificationFromJson(g.lastVerified), copiesFromJson(g.copies));
    return want === "check_failed" ? m.checkFailed : m.noOffNas;
  }
  return g.status === want;
}

/** The guest table's columns (the detail row spans them all). */
const GUEST_COLUMNS = 9;

/** Phrases joined by " · ", each in its tone's colour; the card says the same words. */
function phrasesHtml(list: readonly Phrase[]): string {
  return list.map((p) => `<span class="pvb-tone-${p.tone}">${esc(p.text)}</span>`).join(" · ");
}

/** "3 on PVE · 3 on the NAS · off-NAS: yes, 9 h ago"; "–" where the status has no copies. */
function copiesCell(g: GuestRow, nowMs: number): string {
  const c = copiesFromJson(g.copies);
  return `<td class="pvb-wide" data-col="copies"${c ? ` data-off-nas="${c.offNas}"` : ""}>${c ? phrasesHtml(copiesPhrases(c, nowMs)) : '<span class="pvb-muted">–</span>'}</td>`;
}

/** The last verification, and the last test restore under it when one was made. */
function checkCell(g: GuestRow, nowMs: number): string {
  const v = verificationFromJson(g.lastVerified);
  const t = testRestoreFromJson(g.lastTestRestore);
  if (v === undefined && !t)
    return `<td class="pvb-wide" data-col="check"><span class="pvb-muted">–</span></td>`;
  const result = v === undefined ? "" : ` data-result="${v?.result ?? "never"}"`;
  const check = v === undefined ? "" : phrasesHtml(verificationPhrases(v, nowMs));
  const restore = t ? `<div data-test-restore>${phrasesHtml(testRestorePhrases(t, nowMs))}</div>` : "";
  return `<td class="pvb-wide" data-col="check"${result}>${check}${restore}</td>`;
}

/** On a phone the two columns are hidden: a failed check or no off-NAS copy is marked under the name. */
function narrowMarks(g: GuestRow): string {
  const m = checkMarks(verificationFromJson(g.lastVerified), copiesFromJson(g.copies));
  const marks = [
    m.checkFailed ? '<span class="pvb-tone-error" data-mark="check-failed">check failed</span>' : "",
    m.noOffNas ? '<span class="pvb-tone-warn" data-mark="no-off-nas">no off-NAS copy</span>' : "",
  ].filter(Boolean);
  return marks.length ? `<div class="pvb-narrow">${marks.join(" ")}</div>` : "";
}

/** The copies and the last check in the guest's opened row (the only place on a phone). */
function checksDetail(g: GuestRow, nowMs: number): string {
  const c = copiesFromJson(g.copies);
  const v = verificationFromJson(g.lastVerified);
  const t = testRestoreFromJson(g.lastTestRestore);
  const lines = [
    c ? `<p data-detail="copies">Copies (3-2-1): ${phrasesHtml(copiesPhrases(c, nowMs))}</p>` : "",
    v !== undefined
      ? `<p data-detail="check">Last check: ${phrasesHtml(verificationPhrases(v, nowMs))}</p>`
      : "",
    t ? `<p data-detail="test-restore">${phrasesHtml(testRestorePhrases(t, nowMs))}</p>` : "",
  ];
  return lines.join("");
}

/** A Hyper Backup task's health as a chip; unknown is grey, never ok. */
const TASK_HEALTH: Record<string, [string, string]> = {
  ok: ["ok", "ok"],
  failed: ["failed", "failed"],
  running: ["running", "running"],
  never: ["never", "never ran"],
};

function nasSection(n: NasSide, nowMs: number, timeZone: string): string {
  const when = (iso: string | null) =>
    iso
      ? `${esc(formatWall(Date.parse(iso), timeZone))}<div class="pvb-muted">${esc(Date.parse(iso) > nowMs ? `in ${age(nowMs, Date.parse(iso))}` : ago(Date.parse(iso), nowMs))}</div>`
      : '<span class="pvb-muted">–</span>';
  const parts: string[] = [];
  if (!n.reachable)
    parts.push(
      `<p class="pvb-problem" data-nas-error>DSM could not be read${n.error ? `: ${esc(n.error)}` : ""}. What it showed last is unknown, not ok.</p>`,
    );
  const cap = n.capacity;
  if (cap) {
    const growth =
      cap.growthBytesPerWeek > 0
        ? ` · archives grow ${esc(formatHumanSize(cap.growthBytesPerWeek))} a week`
        : "";
    const fill = cap.fillDate
      ? `<span class="pvb-warn-text">full around ${esc(cap.fillDate)}</span> at the current policy`
      : "not filling up at the current rate";
    parts.push(
      `<p data-nas-space>Share <strong>${esc(cap.share)}</strong>: ${esc(formatHumanSize(cap.freeBytes))} free of ${esc(formatHumanSize(cap.totalBytes))}${growth}<br>Forecast: ${fill}</p>`,
    );
  } else parts.push(`<p class="pvb-muted" data-nas-space>Free space on the share: unknown.</p>`);
  if (n.tasks === null)
    parts.push(
      n.hyperBackup === "not_installed"
        ? `<p class="pvb-warn-text" data-nas-tasks>Hyper Backup is not installed on the NAS: nothing is copied off it.</p>`
        : `<p class="pvb-muted" data-nas-tasks>Hyper Backup tasks: unknown.</p>`,
    );
  else if (n.tasks.length === 0)
    parts.push(
      `<p class="pvb-warn-text" data-nas-tasks>No Hyper Backup task: nothing is copied off the NAS.</p>`,
    );
  else
    parts.push(
      `<table class="pvb-table" data-nas-tasks><thead><tr><th>Hyper Backup task</th><th>Last result</th><th>Last run</th><th>Next run</th><th class="pvb-wide">Destination</th></tr></thead><tbody>${n.tasks
        .map((t) => {
          const [cls, label] = TASK_HEALTH[t.health] ?? ["", "unknown"];
          return `<tr data-task="${esc(t.name)}"><td>${esc(t.name)}</td><td><span class="pvb-chip ${cls}" data-health="${esc(t.health)}">${esc(label)}</span>${t.lastError ? `<div class="pvb-problem">${esc(t.lastError)}</div>` : ""}</td><td>${when(t.lastRun)}</td><td>${when(t.nextRun)}</td><td class="pvb-wide pvb-muted">${esc(t.destinationKind)}</td></tr>`;
        })
        .join("")}</tbody></table>`,
    );
  const covered = n.coverage.map(
    (c) =>
      `<li data-covered="${esc(c.covered)}">${esc(c.label)} <code>${esc(c.folder)}</code>: ${
        c.covered === "yes"
          ? `covered by Hyper Backup task ${esc(c.task ?? "?")}${c.lastSuccess ? `, last success ${esc(ago(Date.parse(c.lastSuccess), nowMs))}` : ""}`
          : c.covered === "no"
            ? '<span class="pvb-warn-text">not copied off the NAS</span>'
            : '<span class="pvb-muted">unknown</span>'
      }</li>`,
  );
  if (covered.length) parts.push(`<ul class="pvb-list">${covered.join("")}</ul>`);
  if (n.findings.length)
    parts.push(
      `<ul class="pvb-list" data-nas-findings>${n.findings.map((f) => `<li class="${f.kind === "unknown" ? "pvb-muted" : "pvb-warn-text"}">${esc(f.message)}</li>`).join("")}</ul>`,
    );
  return `<section class="pvb-card" data-section="nas"><h2>NAS</h2>${parts.join("")}</section>`;
}

function planDiff(p: ClusterPlan): string {
  const lines: string[] = [];
  for (const j of p.plan.create) {
    lines.push(`<div class="add job" data-step="create" data-job="${esc(j.id)}">+ create ${esc(j.id)}</div>`);
    for (const [k, v] of Object.entries(j.fields))
      lines.push(`<div class="add">+   ${esc(k)}: ${esc(show(v))}</div>`);
  }
  for (const u of p.plan.update) {
    lines.push(`<div class="chg job" data-step="update" data-job="${esc(u.id)}">~ update ${esc(u.id)}</div>`);
    for (const c of u.changes) {
      lines.push(`<div class="del">-   ${esc(c.field)}: ${esc(show(c.from))}</div>`);
      lines.push(`<div class="add">+   ${esc(c.field)}: ${esc(show(c.to))}</div>`);
    }
  }
  for (const id of p.plan.enable)
    lines.push(`<div class="add job" data-step="enable" data-job="${esc(id)}">&gt; enable ${esc(id)}</div>`);
  for (const id of p.plan.disable)
    lines.push(
      `<div class="del job" data-step="disable" data-job="${esc(id)}">&lt; disable ${esc(id)}</div>`,
    );
  if (p.inSync) lines.push(`<div class="pvb-muted">(jobs match the policy)</div>`);
  const findings = p.plan.findings
    .map(
      (f) =>
        `<li class="${f.severity === "error" ? "pvb-problem" : f.severity === "warning" ? "pvb-warn-text" : "pvb-muted"}">${esc(f.severity)} ${esc(f.code)}: ${esc(f.message)}</li>`,
    )
    .join("");
  return `<div data-plan-cluster="${esc(p.cluster)}"><p>Cluster <strong>${esc(p.cluster)}</strong>, backups to <strong>${esc(p.storage)}</strong></p>
<div class="pvb-diff">${lines.join("")}</div>${findings ? `<p>Findings</p><ul>${findings}</ul>` : ""}</div>`;
}

function splitKey(key: string): [string, number] {
  const i = key.lastIndexOf("/");
  return [key.slice(0, i), Number(key.slice(i + 1))];
}

/** Clipboard where allowed (secure contexts); else select the text so Ctrl+C copies it. */
async function copyText(text: string, button: HTMLElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch {
    const pre = button.parentElement?.querySelector("pre");
    if (pre) getSelection()?.selectAllChildren(pre);
    button.textContent = "Press Ctrl+C";
  }
  setTimeout(() => {
    button.textContent = button.dataset.text?.includes("\n") ? "Copy all" : "Copy";
  }, 2000);
}

if (!customElements.get("pve-backup-panel")) customElements.define("pve-backup-panel", PveBackupPanel);
