import type { NasJson } from "../../dsm/report.js";
import type { StatusJson } from "../../report.js";
import type { PanelOverview } from "../../service/panel.js";

/** The overview the panel's page reads: the service's, plus the NAS side when the status has it. */
export type PanelOverviewJson = PanelOverview & { readonly nas?: NasJson | null };

/**
 * The overview with what the service's status JSON (`GET /api/status`) knows beyond PVE: each
 * guest's `copies` (3-2-1), `lastVerified` and `lastTestRestore`, and the top-level `nas`. A key
 * the status lacks stays absent (the page then shows nothing for it), so an add-on without the
 * NAS or verification configured looks as before.
 */
export function withStatusChecks(o: PanelOverview, status: StatusJson | undefined): PanelOverviewJson {
  if (!status) return o;
  const byGuest = new Map(status.guests.map((g) => [`${g.cluster}/${g.vmid}`, g]));
  const guests = o.guests.map((g) => {
    const s = byGuest.get(`${g.cluster}/${g.vmid}`);
    if (!s) return g;
    return {
      ...g,
      ...(s.copies !== undefined ? { copies: s.copies } : {}),
      ...(s.lastVerified !== undefined ? { lastVerified: s.lastVerified } : {}),
      ...(s.lastTestRestore !== undefined ? { lastTestRestore: s.lastTestRestore } : {}),
    };
  });
  return { ...o, guests, ...(status.nas !== undefined ? { nas: status.nas } : {}) };
}
