import { css } from "lit";

/** Theme variables only, so light, dark and custom themes apply. */
export const cardStyles = css`
  :host {
    display: block;
    --pvb-ok: var(--success-color, #43a047);
    --pvb-warn: var(--warning-color, #ffa600);
    --pvb-error: var(--error-color, #db4437);
    --pvb-info: var(--info-color, #039be5);
    --pvb-muted: var(--secondary-text-color, #727272);
  }
  ha-card {
    overflow: hidden;
    height: 100%;
  }
  .header {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    justify-content: space-between;
    gap: 4px 12px;
    padding: 12px 16px 8px;
  }
  .title {
    font-size: 1.25em;
    font-weight: 500;
    color: var(--primary-text-color);
    margin: 0;
  }
  .summary {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    padding: 0 16px 8px;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    border: 1px solid var(--divider-color);
    border-radius: 16px;
    padding: 2px 10px;
    font: inherit;
    font-size: 0.875em;
    color: var(--primary-text-color);
    background: none;
    cursor: pointer;
    min-height: 28px;
  }
  .chip ha-icon {
    --mdc-icon-size: 16px;
  }
  .chip.bad {
    border-color: var(--pvb-error);
  }
  .chip.bad ha-icon {
    color: var(--pvb-error);
  }
  .chip.good ha-icon {
    color: var(--pvb-ok);
  }
  .group {
    padding: 8px 16px 2px;
    font-size: 0.8em;
    font-weight: 500;
    text-transform: uppercase;
    letter-spacing: 0.05em;
    color: var(--pvb-muted);
    border-top: 1px solid var(--divider-color);
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0 0 8px;
  }
  li.row,
  li.ha-row {
    position: relative;
    display: grid;
    grid-template-columns: auto minmax(0, 1fr) auto auto auto;
    align-items: center;
    gap: 0 10px;
    padding: 6px 8px 6px 16px;
    min-height: 48px;
    box-sizing: border-box;
  }
  li.ha-row {
    grid-template-columns: auto minmax(0, 1fr) auto;
  }
  ul.ha-backup {
    padding: 0;
    border-bottom: 1px solid var(--divider-color);
  }
  :host([compact]) li.row {
    min-height: 36px;
    padding-top: 2px;
    padding-bottom: 2px;
  }
  .status-icon {
    color: var(--pvb-color);
    --mdc-icon-size: 22px;
  }
  .main {
    all: unset;
    min-width: 0;
    cursor: pointer;
    border-radius: 4px;
    padding: 2px 4px;
    margin: -2px -4px;
  }
  .main:focus-visible,
  .expand:focus-visible,
  .chip:focus-visible,
  .act:focus-visible,
  dialog button:focus-visible {
    outline: 2px solid var(--primary-color);
    outline-offset: 2px;
  }
  .name {
    display: flex;
    align-items: center;
    gap: 4px;
    min-width: 0;
    color: var(--primary-text-color);
    font-weight: 500;
  }
  .name-text {
    min-width: 0;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .mark {
    flex: none;
    --mdc-icon-size: 16px;
  }
  ha-icon.tone-error {
    color: var(--pvb-error);
  }
  ha-icon.tone-warn {
    color: var(--pvb-warn);
  }
  .sub {
    display: block;
    font-size: 0.85em;
    color: var(--pvb-muted);
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .status-text {
    color: var(--pvb-color);
    font-weight: 500;
  }
  :host([compact]) .reason {
    display: none;
  }
  .meta {
    text-align: end;
    font-size: 0.85em;
    color: var(--secondary-text-color);
    white-space: nowrap;
  }
  .meta .age {
    display: block;
    color: var(--primary-text-color);
  }
  .act {
    font: inherit;
    font-size: 0.85em;
    color: var(--primary-color);
    background: none;
    border: 1px solid var(--divider-color);
    border-radius: 18px;
    padding: 0 10px;
    min-height: 36px;
    cursor: pointer;
    display: inline-flex;
    align-items: center;
    gap: 4px;
    white-space: nowrap;
  }
  .act[disabled] {
    color: var(--disabled-text-color);
    cursor: default;
  }
  .act ha-icon {
    --mdc-icon-size: 18px;
  }
  .expand {
    all: unset;
    cursor: pointer;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    width: 28px;
    height: 36px;
    border-radius: 4px;
    color: var(--secondary-text-color);
  }
  .expand ha-icon {
    --mdc-icon-size: 20px;
  }
  .detail {
    grid-column: 1 / -1;
    display: flex;
    flex-direction: column;
    gap: 4px;
    padding: 6px 0 4px 32px;
    font-size: 0.85em;
    color: var(--secondary-text-color);
    min-width: 0;
  }
  .sizes {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px 12px;
  }
  .fact {
    display: flex;
    align-items: flex-start;
    gap: 6px;
    color: var(--primary-text-color);
    line-height: 1.4;
    overflow-wrap: anywhere;
    min-width: 0;
  }
  .fact ha-icon {
    flex: none;
    --mdc-icon-size: 16px;
    color: var(--secondary-text-color);
  }
  /* A short phrase wraps as a whole; a failed check's message may wrap anywhere. */
  .fact span.tone-plain,
  .fact span.tone-ok,
  .fact span.tone-warn,
  .fact span.tone-muted {
    white-space: nowrap;
  }
  span.tone-ok {
    color: var(--pvb-ok);
    font-weight: 500;
  }
  span.tone-error {
    color: var(--pvb-error);
    font-weight: 500;
  }
  /* The warning colour (amber) is too light for text on a light card: a tinted pill instead. */
  span.tone-warn {
    color: var(--primary-text-color);
    background: color-mix(in srgb, var(--pvb-warn) 30%, transparent);
    box-shadow: inset 3px 0 0 var(--pvb-warn);
    border-radius: 3px;
    padding: 0 4px 0 6px;
    font-weight: 500;
  }
  span.tone-muted {
    color: var(--secondary-text-color);
    font-style: italic;
  }
  .spark polyline {
    fill: none;
    stroke: var(--primary-color);
    stroke-width: 1.5;
    stroke-linejoin: round;
    stroke-linecap: round;
  }
  .spark circle {
    fill: var(--primary-color);
  }
  .bar {
    position: absolute;
    left: 16px;
    right: 8px;
    bottom: 2px;
    height: 3px;
    overflow: hidden;
    border-radius: 2px;
    background: color-mix(in srgb, var(--pvb-info) 25%, transparent);
  }
  .bar::after {
    content: "";
    position: absolute;
    top: 0;
    bottom: 0;
    width: 35%;
    background: var(--pvb-info);
    animation: pvb-slide 1.4s ease-in-out infinite;
  }
  @keyframes pvb-slide {
    from {
      left: -35%;
    }
    to {
      left: 100%;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .bar::after {
      animation: none;
      width: 100%;
      opacity: 0.6;
    }
  }
  .empty {
    padding: 8px 16px 16px;
    color: var(--secondary-text-color);
  }
  dialog {
    border: none;
    border-radius: var(--ha-card-border-radius, 12px);
    background: var(--card-background-color, #fff);
    color: var(--primary-text-color);
    padding: 20px 24px 12px;
    max-width: min(90vw, 400px);
    box-shadow: 0 8px 24px rgba(0, 0, 0, 0.3);
  }
  dialog::backdrop {
    background: rgba(0, 0, 0, 0.4);
  }
  dialog h2 {
    font-size: 1.15em;
    font-weight: 500;
    margin: 0 0 8px;
  }
  dialog p {
    margin: 0 0 16px;
    color: var(--secondary-text-color);
  }
  .buttons {
    display: flex;
    justify-content: flex-end;
    gap: 8px;
  }
  dialog button {
    font: inherit;
    font-weight: 500;
    border: none;
    border-radius: 18px;
    padding: 0 14px;
    min-height: 36px;
    cursor: pointer;
    background: none;
    color: var(--primary-color);
  }
  dialog button.confirm {
    background: var(--primary-color);
    color: var(--text-primary-color, #fff);
  }
  @media (max-width: 420px) {
    li.row {
      gap: 0 8px;
      padding-left: 12px;
    }
    .act .label {
      display: none;
    }
  }
`;
