import { paramError } from "./api-error.js";
import type { SimState } from "./state.js";
import { type ParamSchema, type ParamSpec, type ParamValue, splitList } from "./validate.js";

/**
 * The vzdump option schema shared by backup jobs and `POST /nodes/{node}/vzdump` (pve-guest-common
 * `VZDump/Common.pm` `$confdesc`, PVE 9.1 API schema), and the selection rules around it.
 */

const bool: ParamSpec = { type: "boolean", optional: true };
const vmidList: ParamSpec = { type: "string", format: "pve-vmid-list", optional: true };

export const VZDUMP_OPTIONS: ParamSchema = {
  vmid: vmidList,
  node: { type: "string", format: "pve-node", optional: true },
  all: bool,
  exclude: vmidList,
  pool: { type: "string", optional: true },
  storage: { type: "string", format: "pve-storage-id", optional: true },
  mode: { type: "string", enum: ["snapshot", "suspend", "stop"], optional: true },
  compress: { type: "string", enum: ["0", "1", "gzip", "lzo", "zstd"], optional: true },
  zstd: { type: "integer", minimum: 0, optional: true },
  pigz: { type: "integer", optional: true },
  "prune-backups": { type: "string", format: "prune-backups", optional: true },
  remove: bool,
  protected: { ...bool, requires: "storage" },
  "notes-template": {
    type: "string",
    format: "notes-template",
    maxLength: 1024,
    requires: "storage",
    optional: true,
  },
  "notification-mode": {
    type: "string",
    enum: ["auto", "legacy-sendmail", "notification-system"],
    optional: true,
  },
  mailto: { type: "string", format: "email-or-username-list", optional: true },
  mailnotification: { type: "string", enum: ["always", "failure"], optional: true },
  fleecing: { type: "string", format: "backup-fleecing", optional: true },
  performance: { type: "string", format: "backup-performance", optional: true },
  "pbs-change-detection-mode": { type: "string", enum: ["legacy", "data", "metadata"], optional: true },
  bwlimit: { type: "integer", minimum: 0, optional: true },
  ionice: { type: "integer", minimum: 0, maximum: 8, optional: true },
  lockwait: { type: "integer", minimum: 0, optional: true },
  stopwait: { type: "integer", minimum: 0, optional: true },
  stdexcludes: bool,
  "exclude-path": { type: "array", optional: true },
  quiet: bool,
  stop: bool,
  tmpdir: { type: "string", optional: true },
  dumpdir: { type: "string", optional: true },
  script: { type: "string", optional: true },
  // Deprecated since PVE 7 but still in the 9.1 schema (reference §0).
  maxfiles: { type: "integer", minimum: 1, optional: true },
};

/** Property-string options: strings on write, objects on read (reference §11.8). */
export const PROPERTY_STRING_OPTIONS = ["prune-backups", "fleecing", "performance"] as const;

/** Options only `root@pam` itself may set (a token of root@pam is not root@pam). */
export const ROOT_ONLY_OPTIONS = ["tmpdir", "dumpdir", "script", "job-id"] as const;

/** Which guests a selection names, grouped by hosting node; `""` collects vmids that exist nowhere. */
export interface Selection {
  readonly vmid?: string;
  readonly all?: number;
  readonly exclude?: string;
  readonly pool?: string;
  /** "Only run if executed on this node": guests elsewhere are left out entirely. */
  readonly node?: string;
}

/**
 * `PVE::VZDump::get_included_guests`: pool, else vmid list, else all minus exclude; vmids sorted
 * numerically; a guest on another node than `node` is dropped (not skipped).
 */
export function includedGuests(state: SimState, sel: Selection): Map<string, number[]> {
  let vmids: number[];
  if (sel.pool) vmids = state.guests.filter((g) => g.pool === sel.pool).map((g) => g.vmid);
  else if (sel.vmid) vmids = splitList(sel.vmid).map(Number);
  else if (perlTrue(sel.all)) {
    const excluded = new Set(splitList(sel.exclude ?? "").map(Number));
    vmids = state.guests.map((g) => g.vmid).filter((v) => !excluded.has(v));
  } else return new Map();
  const perNode = new Map<string, number[]>();
  for (const vmid of [...new Set(vmids)].filter((v) => v > 0).sort((a, b) => a - b)) {
    const guest = state.guests.find((g) => g.vmid === vmid);
    if (guest && sel.node !== undefined && guest.node !== sel.node) continue;
    const key = guest ? guest.node : "";
    perNode.set(key, [...(perNode.get(key) ?? []), vmid]);
  }
  return perNode;
}

/**
 * `PVE::VZDump::verify_vzdump_parameters`: selection conflicts, and (when creating or running) that
 * something is selected. Note the missing-selection message differs from the schema's own.
 * Returns the params with `all=1` implied by `exclude`.
 */
/** Perl truthiness of a stored or given value: `0`, `"0"` and `""` are false. */
export function perlTrue(value: ParamValue | undefined): boolean {
  return value !== undefined && value !== 0 && value !== "0" && value !== "";
}

export function verifyVzdumpParameters(
  params: Record<string, ParamValue>,
  checkMissing: boolean,
): Record<string, ParamValue> {
  for (const key of ["all", "exclude", "pool"]) {
    if (perlTrue(params[key]) && perlTrue(params.vmid)) {
      throw paramError({ [key]: "option conflicts with option 'vmid'" });
    }
  }
  const out = { ...params };
  if (out.exclude !== undefined && !perlTrue(out.pool)) out.all = 1;
  if (
    checkMissing &&
    !(perlTrue(out.all) || perlTrue(out.stop) || perlTrue(out.pool)) &&
    !perlTrue(out.vmid)
  ) {
    throw paramError({ vmid: "property is missing" });
  }
  return out;
}
