import { z } from "zod";

/**
 * DSM's answers as they arrive (reference synology-dsm.md §1–§4): checked loosely (DSM adds
 * fields between builds), strictly where the product relies on a field.
 */

export const Envelope = z.union([
  z.looseObject({ success: z.literal(true), data: z.unknown().optional() }),
  z.looseObject({ success: z.literal(false), error: z.looseObject({ code: z.number() }) }),
]);

export const ApiInfo = z.record(
  z.string(),
  z.looseObject({ path: z.string(), minVersion: z.number(), maxVersion: z.number() }),
);

export const Login = z.looseObject({
  sid: z.string().min(1),
  synotoken: z.string().optional(),
  did: z.string().optional(),
  device_id: z.string().optional(),
});

const Time = z.string().nullish();

const FileEntry = z.looseObject({
  folderPath: z.string().optional(),
  fullPath: z.string().optional(),
  missing: z.boolean().optional(),
});

export const TaskSource = z.looseObject({
  file_list: z.array(FileEntry).optional(),
  folder_list: z.array(FileEntry).optional(),
  backup_filter: z.looseObject({ exclude_list: z.array(z.unknown()).optional() }).optional(),
});

export const TaskRow = z.looseObject({
  // DSMCTL tolerates a string id.
  task_id: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]),
  name: z.string(),
  state: z.string().optional(),
  status: z.string().optional(),
  type: z.string().optional(),
  last_bkp_result: z.string().nullish(),
  last_bkp_time: Time,
  last_bkp_end_time: Time,
  next_bkp_time: Time,
  source: TaskSource.optional(),
});
export type TaskRow = z.output<typeof TaskRow>;

export const TaskList = z.looseObject({ task_list: z.array(TaskRow) });

export const TaskStatus = z.looseObject({
  state: z.string().optional(),
  status: z.string().optional(),
  last_bkp_result: z.string().nullish(),
  last_bkp_error: z.string().nullish(),
  last_bkp_time: Time,
  last_bkp_end_time: Time,
  last_bkp_success_time: Time,
  next_bkp_time: Time,
});
export type TaskStatus = z.output<typeof TaskStatus>;

/**
 * A byte count as DSM sends it (a decimal string, or a number); anything else (missing, null, "",
 * "N/A") is NaN, so the caller can say the size is unknown instead of reading it as 0.
 */
const Size = z
  .unknown()
  .optional()
  .transform((v) =>
    typeof v === "number" ? v : typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN,
  );

export const ShareList = z.looseObject({
  shares: z.array(
    z.looseObject({
      name: z.string(),
      additional: z
        .looseObject({
          real_path: z.string().optional(),
          volume_status: z.looseObject({ freespace: Size, totalspace: Size }).optional(),
        })
        .optional(),
    }),
  ),
});
