import type { GroupBy } from "./model.js";

/** The card's options, as written in a dashboard's YAML or by the visual editor. */

export const COLUMNS = ["vmid", "tier", "status", "age", "size", "actions"] as const;
export type Column = (typeof COLUMNS)[number];

export interface CardConfig {
  readonly type: string;
  readonly title?: string;
  /** Cluster device id, cluster name (`home`) or device name; all clusters when unset. */
  readonly cluster?: string;
  readonly filter: "all" | "problems";
  readonly group_by: GroupBy;
  readonly columns: readonly Column[];
  readonly compact: boolean;
}

const FILTERS = ["all", "problems"] as const;
const GROUPS = ["none", "tier", "status"] as const;

function oneOf<T extends string>(value: unknown, allowed: readonly T[], name: string, fallback: T): T {
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(
    `pve-backup-card: ${name} must be one of ${allowed.join(", ")}; got ${JSON.stringify(value)}.`,
  );
}

/** Checks and completes a config; throws an Error that Home Assistant shows as an error card. */
export function parseConfig(raw: unknown): CardConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new Error("pve-backup-card: the card's configuration must be a mapping of options.");
  const c = raw as Record<string, unknown>;
  for (const k of ["title", "cluster"] as const)
    if (c[k] !== undefined && c[k] !== null && typeof c[k] !== "string")
      throw new Error(`pve-backup-card: ${k} must be text; got ${JSON.stringify(c[k])}.`);
  if (c.compact !== undefined && typeof c.compact !== "boolean")
    throw new Error(`pve-backup-card: compact must be true or false; got ${JSON.stringify(c.compact)}.`);
  let columns: Column[] = [...COLUMNS];
  if (c.columns !== undefined && c.columns !== null) {
    if (!Array.isArray(c.columns))
      throw new Error(`pve-backup-card: columns must be a list of ${COLUMNS.join(", ")}.`);
    columns = c.columns.map((x) => oneOf(x, COLUMNS, "each column", "status"));
  }
  return {
    type: typeof c.type === "string" ? c.type : "custom:pve-backup-card",
    ...(typeof c.title === "string" && c.title ? { title: c.title } : {}),
    ...(typeof c.cluster === "string" && c.cluster ? { cluster: c.cluster } : {}),
    filter: oneOf(c.filter, FILTERS, "filter", "all"),
    group_by: oneOf(c.group_by, GROUPS, "group_by", "none"),
    columns,
    compact: c.compact === true,
  };
}

/** The visual editor: Home Assistant's own form with selectors (`getConfigForm`). */
export function configForm() {
  const options = (values: readonly string[], labels: Record<string, string>) =>
    values.map((value) => ({ value, label: labels[value] ?? value }));
  return {
    schema: [
      { name: "title", selector: { text: {} } },
      {
        name: "cluster",
        selector: { device: { filter: { integration: "pve_backup", model: "Cluster" } } },
      },
      {
        type: "grid",
        name: "",
        schema: [
          {
            name: "filter",
            selector: {
              select: {
                mode: "dropdown",
                options: options(FILTERS, { all: "All guests", problems: "Only problems" }),
              },
            },
          },
          {
            name: "group_by",
            selector: {
              select: {
                mode: "dropdown",
                options: options(GROUPS, { none: "No grouping", tier: "Tier", status: "Status" }),
              },
            },
          },
        ],
      },
      {
        name: "columns",
        selector: {
          select: {
            multiple: true,
            mode: "list",
            options: options(COLUMNS, {
              vmid: "VM/CT id",
              tier: "Tier",
              status: "Status",
              age: "Age of last backup",
              size: "Backup size",
              actions: "Back up now button",
            }),
          },
        },
      },
      { name: "compact", selector: { boolean: {} } },
    ],
    assertConfig: (config: unknown) => {
      parseConfig(config);
    },
    computeLabel: (schema: { name: string }) =>
      ({
        title: "Title",
        cluster: "Cluster (all when empty)",
        filter: "Show",
        group_by: "Group by",
        columns: "Columns",
        compact: "Compact rows",
      })[schema.name],
  };
}
