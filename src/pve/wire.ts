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

export const LogLines = z.array(z.looseObject({ n: Num, t: z.string() }));

export const PermissionMap = z.record(z.string(), z.record(z.string(), Num));
