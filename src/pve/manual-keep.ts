import type { VzdumpCall } from "../core/backup-now.js";
import { planRelease } from "../core/manual-keep.js";
import type { Guest, Permissions } from "../core/model.js";
import { hasPrivilege } from "../core/permissions.js";
import { InputError, UpstreamError } from "../errors.js";
import type { Logger } from "../log.js";
import type { PveApi } from "./api.js";
import { readStorageConfig } from "./storage.js";
import { checkContentRow } from "./wire.js";

/**
 * Makes room for the protected archives of the manual backups about to start (see
 * `core/manual-keep.ts`): reads each guest's archives on the target storage, then retires its
 * oldest manual archives beyond `keep`: protection lifted (`PUT`), then removed (`DELETE`), each
 * request sent once. Everything is read and decided before the first write: a guest whose
 * protected archives cannot make room fails the whole request with nothing changed and nothing
 * started. A guest whose archives cannot be listed (the storage is down) is backed up without
 * retiring anything: PVE then refuses or fails the task visibly if it must. A removal that fails leaves the archive unprotected, which is room enough: the tier's
 * retention removes it later, and the log says so.
 */
export async function releaseManualArchives(deps: {
  readonly api: PveApi;
  readonly log: Logger;
  readonly calls: readonly VzdumpCall[];
  readonly guests: readonly Guest[];
  readonly keep: number;
  readonly permissions: Permissions;
}): Promise<void> {
  const { api, calls } = deps;
  const writes: { node: string; storage: string; volid: string; guest: string }[] = [];
  const problems: string[] = [];
  const limits = new Map<string, number | null>();
  for (const call of calls) {
    if (call.params.protected !== 1) continue;
    const storage = String(call.params.storage);
    if (!limits.has(storage)) limits.set(storage, await protectedLimit(api, storage, deps.permissions));
    for (const vmid of call.vmids) {
      const guest = deps.guests.find((g) => g.vmid === vmid);
      if (!guest) continue;
      const label = `${vmid} (${guest.name})`;
      let raw: unknown;
      try {
        raw = await api.get(`/nodes/${call.node}/storage/${storage}/content`, { content: "backup", vmid });
      } catch (err) {
        // The storage may be down: the backup is tried all the same, and fails visibly if it must.
        deps.log.warn(
          `guest ${label}: its archives on '${storage}' could not be listed (${err instanceof Error ? err.message : String(err)}); older manual backups are not retired this time`,
        );
        continue;
      }
      const archives = (Array.isArray(raw) ? raw : []).flatMap((item) => {
        const row = checkContentRow(item);
        if (!row || row.vmid !== vmid || (row.subtype !== undefined && row.subtype !== guest.type)) return [];
        return [
          {
            volid: row.volid,
            timeMs: (row.ctime ?? 0) * 1000,
            protected: row.protected === true,
            notes: row.notes,
          },
        ];
      });
      const plan = planRelease({
        archives,
        keep: deps.keep,
        limit: limits.get(storage) ?? null,
        guest: label,
        storage,
      });
      if (!plan.ok) problems.push(plan.error);
      else for (const volid of plan.release) writes.push({ node: call.node, storage, volid, guest: label });
    }
  }
  if (problems.length > 0) throw new InputError(`nothing started: ${problems.join("; ")}`);
  const done: string[] = [];
  for (const w of writes) {
    const path = `/nodes/${w.node}/storage/${w.storage}/content/${w.volid.split("/").map(encodeURIComponent).join("/")}`;
    try {
      await api.put(path, { protected: 0 });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new UpstreamError(
        `could not lift the protection of ${w.volid}, an older manual backup of guest ${w.guest}: ${why}; nothing started` +
          (done.length > 0 ? ` (already retired: ${done.join(", ")})` : ""),
        {
          retryable: false,
          status: err instanceof UpstreamError ? err.details.status : undefined,
          cause: err,
        },
      );
    }
    done.push(w.volid);
    try {
      // `delay`: PVE waits up to 30 s for its removal task and answers null, or the UPID if it still runs.
      const answer = await api.delete(path, { delay: 30 });
      deps.log.info(
        `guest ${w.guest}: removed older manual backup ${w.volid}` +
          (typeof answer === "string" ? ` (task ${answer} still running)` : ""),
      );
    } catch (err) {
      deps.log.warn(
        `guest ${w.guest}: older manual backup ${w.volid} is no longer protected but could not be removed ` +
          `(${err instanceof Error ? err.message : String(err)}); the tier's retention will remove it`,
      );
    }
  }
}

/**
 * `max-protected-backups` for this token (STO `get_max_protected_backups`): the storage's own
 * setting when the token may read it, else unlimited with Datastore.Allocate and 5 without.
 */
async function protectedLimit(
  api: PveApi,
  storage: string,
  permissions: Permissions,
): Promise<number | null> {
  // Unreadable for another reason than a 403 (PVE down a moment): the token's default applies.
  const config = await readStorageConfig(api, storage).catch(() => undefined);
  const configured = config?.["max-protected-backups"];
  if (configured !== undefined && configured !== null && Number.isInteger(Number(configured))) {
    const n = Number(configured);
    return n < 0 ? null : n;
  }
  return hasPrivilege(permissions, `/storage/${storage}`, "Datastore.Allocate") ? null : 5;
}
