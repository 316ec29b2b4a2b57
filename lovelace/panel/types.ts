/**
 * The JSON the panel's server answers, as the page reads it: the server's own types (type-only
 * imports, nothing of the server is bundled).
 */
import type { StorageArchives, TaskLog } from "../../src/pve/panel-reads.js";
import type { PanelOverviewJson } from "../../src/server/panel/overview.js";
import type { AttemptJson, TaskGuestsJson } from "../../src/service/panel.js";
import type { ClusterApply, ClusterPlan, DoctorReport } from "../../src/service/policy.js";

export type { ClusterApply, ClusterPlan, StorageArchives, TaskLog };
export type Overview = PanelOverviewJson;
export type NasSide = NonNullable<PanelOverviewJson["nas"]>;
export type TaskGuests = TaskGuestsJson;
export type GuestRow = PanelOverviewJson["guests"][number];
export type AttemptRow = AttemptJson;
export type Tier = PanelOverviewJson["tiers"][number];
export type Value = string | number | null;

/** `GET /api/panel/doctor`: each cluster's report, or why it could not be made. */
export type DoctorCluster =
  | (DoctorReport & { readonly error: null })
  | { readonly cluster: string; readonly error: string };
