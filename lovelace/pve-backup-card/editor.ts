import { html, LitElement, type TemplateResult } from "lit";
import { type CardConfig, configForm, parseConfig } from "./config.js";

/**
 * The visual editor: Home Assistant's own `ha-form` with the card's selector schema, given the
 * config with its defaults filled in, so that every option shows the value in effect (a bare
 * `getConfigForm` would show unset options as empty).
 */
export class PveBackupCardEditor extends LitElement {
  static override properties = { hass: { attribute: false }, _config: { state: true } };
  declare hass: unknown;
  declare _config: Record<string, unknown> | undefined;

  setConfig(config: Record<string, unknown>): void {
    // Throws on a bad config: the frontend then offers the code editor only.
    parseConfig(config);
    this._config = config;
  }

  protected override render(): TemplateResult {
    if (!this._config) return html``;
    const form = configForm();
    const shown: CardConfig = parseConfig(this._config);
    return html`<ha-form
      .hass=${this.hass}
      .data=${shown}
      .schema=${form.schema}
      .computeLabel=${form.computeLabel}
      @value-changed=${this._changed}
    ></ha-form>`;
  }

  private _changed(ev: CustomEvent<{ value: Record<string, unknown> }>): void {
    ev.stopPropagation();
    const config = { ...this._config, ...ev.detail.value };
    for (const [k, v] of Object.entries(config)) if (v === undefined || v === "") delete config[k];
    this._config = config;
    this.dispatchEvent(
      new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }),
    );
  }
}
