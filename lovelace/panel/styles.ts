/**
 * The panel's look: the card's (ha-card surfaces, status colours from Home Assistant's theme
 * variables). Inside Home Assistant the theme's variables are copied onto the element
 * (theme.ts); outside, the fallbacks give a light default and a dark one for
 * `prefers-color-scheme: dark`.
 */
export const PANEL_CSS = `
pve-backup-panel {
  --pvb-bg: var(--primary-background-color, #fafafa);
  --pvb-card: var(--ha-card-background, var(--card-background-color, #ffffff));
  --pvb-text: var(--primary-text-color, #212121);
  --pvb-muted: var(--secondary-text-color, #727272);
  --pvb-divider: var(--divider-color, rgba(0, 0, 0, 0.12));
  --pvb-primary: var(--primary-color, #03a9f4);
  --pvb-ok: var(--success-color, #43a047);
  --pvb-warn: var(--warning-color, #ffa600);
  --pvb-err: var(--error-color, #db4437);
  --pvb-info: var(--info-color, #039be5);
  --pvb-code: var(--secondary-background-color, #f0f0f0);
  --pvb-radius: var(--ha-card-border-radius, 12px);
  display: block; box-sizing: border-box; min-height: 100vh; padding: 16px;
  background: var(--pvb-bg); color: var(--pvb-text);
  font-family: var(--paper-font-body1_-_font-family, Roboto, system-ui, sans-serif); font-size: 14px;
}
@media (prefers-color-scheme: dark) {
  pve-backup-panel:not([data-ha]) {
    --pvb-bg: #111111; --pvb-card: #1c1c1c; --pvb-text: #e1e1e1; --pvb-muted: #9b9b9b;
    --pvb-divider: rgba(225, 225, 225, 0.12); --pvb-code: #282828;
  }
}
pve-backup-panel * { box-sizing: border-box; }
.pvb-head { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; margin: 0 0 12px; }
.pvb-head h1 { font-size: 22px; font-weight: 400; margin: 0; flex: 1 1 auto; }
.pvb-now { color: var(--pvb-muted); font-size: 12px; }
.pvb-tabs { display: flex; gap: 4px; flex-wrap: wrap; margin-bottom: 12px; }
.pvb-tabs button { border: 0; background: transparent; color: var(--pvb-muted); padding: 8px 12px;
  border-bottom: 2px solid transparent; font: inherit; cursor: pointer; }
.pvb-tabs button[aria-selected="true"] { color: var(--pvb-primary); border-bottom-color: var(--pvb-primary); }
.pvb-card { background: var(--pvb-card); border-radius: var(--pvb-radius);
  border: var(--ha-card-border-width, 1px) solid var(--ha-card-border-color, var(--pvb-divider));
  box-shadow: var(--ha-card-box-shadow, none); padding: 16px; margin-bottom: 16px; overflow-x: auto; }
.pvb-card h2 { font-size: 18px; font-weight: 400; margin: 0 0 12px; }
.pvb-filters { display: flex; gap: 8px; flex-wrap: wrap; margin-bottom: 12px; }
.pvb-filters input, .pvb-filters select, .pvb-card select { font: inherit; color: var(--pvb-text);
  background: var(--pvb-card); border: 1px solid var(--pvb-divider); border-radius: 6px; padding: 6px 8px; }
.pvb-filters input { flex: 1 1 160px; min-width: 0; }
table.pvb-table { border-collapse: collapse; width: 100%; }
.pvb-table th, .pvb-table td { text-align: left; padding: 8px 6px; border-bottom: 1px solid var(--pvb-divider); vertical-align: top; }
.pvb-table th { color: var(--pvb-muted); font-weight: 500; font-size: 12px; }
.pvb-table tbody tr.pvb-guest { cursor: pointer; }
.pvb-table tr.pvb-detail td { background: var(--pvb-code); }
.pvb-muted { color: var(--pvb-muted); }
.pvb-chip { display: inline-block; border-radius: 10px; padding: 1px 8px; font-size: 12px; white-space: nowrap;
  color: #fff; background: var(--pvb-muted); }
.pvb-chip.ok { background: var(--pvb-ok); }
.pvb-chip.late, .pvb-chip.never, .pvb-chip.not_in_job, .pvb-chip.warnings { background: var(--pvb-warn); color: #212121; }
.pvb-chip.failed { background: var(--pvb-err); }
.pvb-chip.running, .pvb-chip.waiting { background: var(--pvb-info); }
button.pvb-btn { font: inherit; border-radius: 6px; padding: 6px 14px; cursor: pointer;
  border: 1px solid var(--pvb-primary); background: transparent; color: var(--pvb-primary); }
button.pvb-btn.primary { background: var(--pvb-primary); color: #fff; }
button.pvb-btn:disabled { opacity: .45; cursor: default; }
button.pvb-link { font: inherit; border: 0; background: none; padding: 0; color: var(--pvb-primary); cursor: pointer; text-decoration: underline; }
.pvb-problem { color: var(--pvb-err); }
.pvb-warn-text { color: var(--pvb-warn); }
pre.pvb-code { background: var(--pvb-code); border-radius: 6px; padding: 8px; margin: 0; overflow-x: auto;
  font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre; }
.pvb-diff .add { color: var(--pvb-ok); } .pvb-diff .del { color: var(--pvb-err); text-decoration: line-through; }
.pvb-diff .chg { color: var(--pvb-warn); }
.pvb-diff { font: 13px/1.6 ui-monospace, SFMono-Regular, Menlo, monospace; margin: 0 0 12px; overflow-x: auto; white-space: pre; }
.pvb-diff .job { color: var(--pvb-text); font-weight: 600; }
.pvb-actions { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-top: 8px; }
.pvb-pveum { display: flex; gap: 8px; align-items: flex-start; margin-bottom: 6px; }
.pvb-pveum pre { flex: 1 1 auto; min-width: 0; }
/* copies and checks: the card's words and tones */
.pvb-tone-ok { color: var(--pvb-ok); font-weight: 500; }
.pvb-tone-error { color: var(--pvb-err); font-weight: 500; }
.pvb-tone-warn { color: var(--pvb-text); background: color-mix(in srgb, var(--pvb-warn) 30%, transparent);
  box-shadow: inset 3px 0 0 var(--pvb-warn); border-radius: 3px; padding: 0 4px 0 6px; font-weight: 500; }
.pvb-tone-muted { color: var(--pvb-muted); font-style: italic; }
.pvb-tone-ok, .pvb-tone-warn, .pvb-tone-muted, .pvb-tone-plain { white-space: nowrap; }
td[data-col="check"] { overflow-wrap: anywhere; min-width: 140px; }
[data-test-restore] { font-size: 12px; margin-top: 2px; }
ul.pvb-list { margin: 8px 0; padding-left: 20px; }
.pvb-narrow { display: none; margin-top: 2px; font-size: 12px; }
ul.pvb-list li { margin: 2px 0; }
/* timeline */
.pvb-tl { position: relative; min-width: 300px; }
.pvb-tl-axis, .pvb-tl-row { display: grid; grid-template-columns: 140px 1fr; align-items: center; }
.pvb-tl-row { min-height: 28px; border-bottom: 1px solid var(--pvb-divider); }
.pvb-tl-tier { font-weight: 600; padding: 8px 0 2px; color: var(--pvb-muted); }
.pvb-tl-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding-right: 6px; }
.pvb-tl-track { position: relative; height: 28px; }
.pvb-tl-ticks { position: relative; height: 18px; color: var(--pvb-muted); font-size: 11px; }
.pvb-tl-ticks span { position: absolute; transform: translateX(-50%); white-space: nowrap; }
.pvb-tl-ticks span:last-child { transform: translateX(-100%); }
.pvb-tl-grid { position: absolute; top: 0; bottom: 0; border-left: 1px dashed var(--pvb-divider); }
.pvb-bar { position: absolute; top: 6px; height: 16px; border-radius: 4px; border: 0; padding: 0; cursor: pointer;
  background: var(--pvb-ok); opacity: .9; min-width: 4px; }
.pvb-bar.warnings { background: var(--pvb-warn); } .pvb-bar.failed { background: var(--pvb-err); }
.pvb-bar.running, .pvb-bar.waiting { background: var(--pvb-info); }
/* dialogs */
.pvb-modal { position: fixed; inset: 0; background: rgba(0,0,0,.45); display: flex; align-items: center;
  justify-content: center; padding: 16px; z-index: 10; }
.pvb-modal > div { background: var(--pvb-card); color: var(--pvb-text); border-radius: var(--pvb-radius);
  padding: 16px; max-width: 900px; width: 100%; max-height: 90vh; overflow: auto; }
.pvb-modal h3 { margin: 0 0 12px; font-weight: 400; }
.pvb-toast { margin: 8px 0; padding: 8px 12px; border-radius: 6px; background: var(--pvb-code); }
@media (max-width: 600px) {
  pve-backup-panel { padding: 8px; }
  .pvb-card { padding: 12px 8px; }
  .pvb-wide { display: none; }
  .pvb-narrow { display: block; }
  .pvb-tl-axis, .pvb-tl-row { grid-template-columns: 84px 1fr; }
  .pvb-tl { min-width: 0; }
}
`;
