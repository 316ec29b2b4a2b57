import { PveBackupCard } from "./pve-backup-card.js";

/** The bundle's entry: defines the element once and lists it in the dashboard's card picker. */

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

if (!customElements.get("pve-backup-card")) {
  customElements.define("pve-backup-card", PveBackupCard);
  window.customCards = window.customCards ?? [];
  window.customCards.push({
    type: "pve-backup-card",
    name: "PVE Backup",
    description: "Backups of your Proxmox VE guests: status, age, size, problems first, and Back up now.",
    preview: true,
    documentationURL: "https://github.com/pve-backup/pve-backup",
  });
}
