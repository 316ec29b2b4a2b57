import { PveBackupCardEditor } from "./editor.js";
import { PveBackupCard } from "./pve-backup-card.js";

/** The bundle's entry: defines the element and lists it in the dashboard's card picker. */

declare global {
  interface Window {
    customCards?: Array<{
      type: string;
      name: string;
      description?: string;
      preview?: boolean;
      documentationURL?: string;
    }>;
  }
}

const TAG = "pve-backup-card";

function register(): void {
  if (!customElements.get(TAG)) customElements.define(TAG, PveBackupCard);
  if (!customElements.get(`${TAG}-editor`)) customElements.define(`${TAG}-editor`, PveBackupCardEditor);
  window.customCards = window.customCards ?? [];
  if (!window.customCards.some((c) => c.type === TAG))
    window.customCards.push({
      type: TAG,
      name: "PVE Backup",
      description: "Backups of your Proxmox VE guests: status, age, size, problems first, and Back up now.",
      preview: true,
      documentationURL: "https://github.com/pve-backup/pve-backup",
    });
}

register();
// The frontend installs its own (scoped) custom element registry while it loads. This module can
// run before that, and the registry that replaces the native one does not know elements defined
// earlier: define the card again once the app's root element exists.
customElements.whenDefined("home-assistant").then(register, () => undefined);
