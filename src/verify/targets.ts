import { z } from "zod";
import { parseBackupVolid } from "../core/archive-name.js";
import type { VerifyTarget } from "../core/verify-run.js";
import { UpstreamError } from "../errors.js";
import type { PveApi } from "../pve/api.js";

/**
 * The newest file archive of each guest on the backup storage, read through the PVE API (one
 * listing through an online node: the NAS storage is shared), with the guest's type and node.
 */

const Nodes = z.array(z.looseObject({ node: z.string(), status: z.string().optional() }));
const Content = z.array(
  z.looseObject({ volid: z.string(), ctime: z.number().optional(), size: z.number().optional() }),
);
const Resources = z.array(
  z.looseObject({ vmid: z.number().optional(), node: z.string().optional(), name: z.string().optional() }),
);

export interface ArchiveTarget extends VerifyTarget {
  readonly guestType: "qemu" | "lxc";
  readonly fileName: string;
  readonly storage: string;
  readonly name: string;
}

export async function newestArchives(
  api: PveApi,
  cluster: string,
  storage: string,
): Promise<ArchiveTarget[]> {
  return (await readArchives(api, cluster, storage)).archives;
}

/** The newest archive of each guest, and every guest of the cluster (vmids), archive or not. */
export async function readArchives(
  api: PveApi,
  cluster: string,
  storage: string,
): Promise<{ archives: ArchiveTarget[]; guests: number[] }> {
  const nodes = Nodes.parse(await api.get("/nodes"));
  const node = nodes.find((n) => n.status === "online")?.node;
  if (node === undefined)
    throw new UpstreamError("no PVE node is online to list the backups", { retryable: true });
  const rows = Content.parse(
    await api.get(`/nodes/${node}/storage/${storage}/content`, { content: "backup" }),
  );
  const guests = Resources.parse(await api.get("/cluster/resources", { type: "vm" }));
  const newest = new Map<number, ArchiveTarget & { ctime: number }>();
  for (const r of rows) {
    const v = parseBackupVolid(r.volid);
    if (v?.kind !== "file" || v.name.type === "openvz") continue;
    const ctime = r.ctime ?? 0;
    const prev = newest.get(v.name.vmid);
    if (prev && prev.ctime >= ctime) continue;
    const g = guests.find((x) => x.vmid === v.name.vmid);
    newest.set(v.name.vmid, {
      key: `${cluster}_${v.name.vmid}`,
      vmid: v.name.vmid,
      volid: r.volid,
      node: g?.node ?? node,
      sizeBytes: r.size ?? 0,
      guestType: v.name.type,
      fileName: v.fileName,
      storage,
      name: g?.name ?? "",
      ctime,
    });
  }
  return {
    archives: [...newest.values()].sort((a, b) => a.vmid - b.vmid).map(({ ctime: _c, ...t }) => t),
    guests: guests.flatMap((g) => (g.vmid === undefined ? [] : [g.vmid])),
  };
}
