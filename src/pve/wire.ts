import { z } from "zod";

/**
 * Shapes of the PVE answers the product reads (reference §2-§5), checked at the boundary.
 * Booleans come as 0/1; unknown keys pass, since PVE adds fields between releases.
 */

const Bool01 = z.union([z.literal(0), z.literal(1), z.boolean()]).transform((v) => v === 1 || v === true);
const Num = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);

export const ResourceRow = z.looseObject({
  id: z.string(),
  type: z.string(),
  node: z.string().optional(),
  vmid: Num.optional(),
  name: z.string().optional(),
  status: z.string().optional(),
  template: Bool01.optional(),
  pool: z.string().optional(),
  lock: z.string().optional(),
  storage: z.string().optional(),
  shared: Bool01.optional(),
  content: z.string().optional(),
  plugintype: z.string().optional(),
});
export type ResourceRow = z.output<typeof ResourceRow>;
export const Resources = z.array(ResourceRow);

export const JobRow = z.looseObject({
  id: z.string(),
  type: z.string().optional(),
  enabled: Bool01.optional(),
  schedule: z.string().optional(),
  storage: z.string().optional(),
  vmid: z.union([z.string(), z.number()]).optional(),
  all: Bool01.optional(),
  exclude: z.union([z.string(), z.number()]).optional(),
  pool: z.string().optional(),
  node: z.string().optional(),
  comment: z.string().optional(),
  "next-run": Num.optional(),
});
export type JobRow = z.output<typeof JobRow>;
export const Jobs = z.array(JobRow);

export const NodeStorageRow = z.looseObject({
  storage: z.string(),
  type: z.string(),
  content: z.string().optional(),
  shared: Bool01.optional(),
  enabled: Bool01.optional(),
  active: Bool01.optional(),
  total: Num.optional(),
  used: Num.optional(),
  avail: Num.optional(),
});
export type NodeStorageRow = z.output<typeof NodeStorageRow>;
export const NodeStorages = z.array(NodeStorageRow);

export const ContentRow = z.looseObject({
  volid: z.string(),
  content: z.string().optional(),
  format: z.string().optional(),
  subtype: z.string().optional(),
  vmid: Num.optional(),
  ctime: Num.optional(),
  size: Num.optional(),
  notes: z.string().optional(),
  protected: Bool01.optional(),
});
export type ContentRow = z.output<typeof ContentRow>;
export const Content = z.array(ContentRow);

/**
 * `ContentRow.safeParse(raw)` by hand, for the hottest row type: a storage listing has tens of
 * thousands of rows, and zod copies every row and keeps per-field bookkeeping while checking it.
 * Same verdicts and same output (test/pve/wire.test.ts holds it to the schema, malformed rows
 * included): undefined for a row of unexpected shape, else the row with numbers given as strings
 * and 0/1 flags normalised. The common row (numbers as numbers, no `protected` flag) is returned
 * as it is, not copied; keep this in step with `ContentRow`.
 */
export function checkContentRow(raw: unknown): ContentRow | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const row = raw as Record<string, unknown>;
  if (typeof row.volid !== "string") return undefined;
  for (const key of OPTIONAL_STRINGS) {
    if (row[key] !== undefined && typeof row[key] !== "string") return undefined;
  }
  let normalised: Record<string, unknown> | undefined;
  for (const key of OPTIONAL_NUMBERS) {
    const value = row[key];
    if (value === undefined || (typeof value === "number" && Number.isFinite(value))) continue;
    if (typeof value !== "string" || !NUMERIC.test(value)) return undefined;
    normalised ??= { ...row };
    normalised[key] = Number(value);
  }
  const flag = row.protected;
  if (flag !== undefined && typeof flag !== "boolean") {
    if (flag !== 0 && flag !== 1) return undefined;
    normalised ??= { ...row };
    normalised.protected = flag === 1;
  }
  return (normalised ?? row) as ContentRow;
}

/** The string form `Num` accepts. */
const NUMERIC = /^-?\d+(\.\d+)?$/;
const OPTIONAL_STRINGS = ["content", "format", "subtype", "notes"] as const;
const OPTIONAL_NUMBERS = ["vmid", "ctime", "size"] as const;

export const TaskRow = z.looseObject({
  upid: z.string(),
  node: z.string(),
  type: z.string(),
  id: z.string().optional(),
  user: z.string().optional(),
  starttime: Num,
  endtime: Num.optional(),
  status: z.string().optional(),
});
export type TaskRow = z.output<typeof TaskRow>;
export const Tasks = z.array(TaskRow);

export const LogLine = z.looseObject({ n: Num, t: z.string() });
export const LogLines = z.array(LogLine);

/**
 * A task log line's text, checked as `LogLine.safeParse` checks it (undefined where it would fail;
 * test/pve/wire.test.ts holds the two together). By hand for the same reason as `checkContentRow`:
 * a refresh reads whole logs of thousands of lines, and zod would copy each line only for the text
 * to be taken from the copy.
 */
export function logLineText(line: unknown): string | undefined {
  if (typeof line !== "object" || line === null || Array.isArray(line)) return undefined;
  const { n, t } = line as { n?: unknown; t?: unknown };
  if (typeof t !== "string") return undefined;
  if (!(typeof n === "number" ? Number.isFinite(n) : typeof n === "string" && NUMERIC.test(n)))
    return undefined;
  return t;
}

export const PermissionMap = z.record(z.string(), z.record(z.string(), Num));
