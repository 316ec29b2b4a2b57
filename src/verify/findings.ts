import { z } from "zod";
import type { Config } from "../config/schema.js";
import { parseBackupVolid } from "../core/archive-name.js";
import { type ConsistencyFacts, consistencyFindings, type Finding } from "../core/verify-findings.js";
import type { VerifyLedger } from "../core/verify-run.js";
import type { PveApi } from "../pve/api.js";

/**
 * The facts behind the consistency findings, read through the PVE API: guests and their state,
 * the enabled backup jobs (mode, selection), the archives on the backup storage (protected ones
 * marked), each running VM's `agent` setting; the tiers' promised copies; the verification ledger.
 */

const Resources = z.array(
  z.looseObject({
    vmid: z.number(),
    name: z.string().optional(),
    type: z.string(),
    status: z.string().optional(),
    node: z.string().optional(),
    template: z.number().optional(),
  }),
);
const Jobs = z.array(
  z.looseObject({
    enabled: z.union([z.number(), z.boolean()]).optional(),
    vmid: z.string().optional(),
    all: z.union([z.number(), z.boolean()]).optional(),
    exclude: z.string().optional(),
    mode: z.string().optional(),
  }),
);
const Content = z.array(
  z.looseObject({ volid: z.string(), protected: z.union([z.number(), z.boolean()]).optional() }),
);
const Nodes = z.array(z.looseObject({ node: z.string(), status: z.string().optional() }));
const VmConfig = z.looseObject({ agent: z.union([z.string(), z.number()]).optional() });

export async function readFindings(
  api: PveApi,
  config: Pick<Config, "storage" | "tiers">,
  cluster: string,
  ledger: Pick<VerifyLedger, "lastVerified" | "verdicts">,
): Promise<Finding[]> {
  const [resources, jobs, nodes] = await Promise.all([
    api.get("/cluster/resources", { type: "vm" }).then((d) => Resources.parse(d)),
    api.get("/cluster/backup").then((d) => Jobs.parse(d)),
    api.get("/nodes").then((d) => Nodes.parse(d)),
  ]);
  const online = nodes.find((n) => n.status === "online")?.node;
  const storage = config.storage;
  const archives = new Map<number, { protected: boolean; volid: string }[]>();
  if (online !== undefined && storage !== undefined) {
    const rows = Content.parse(
      await api.get(`/nodes/${online}/storage/${storage}/content`, { content: "backup" }),
    );
    for (const r of rows) {
      const v = parseBackupVolid(r.volid);
      const vmid = v?.kind === "file" ? v.name.vmid : v?.vmid;
      if (vmid === undefined) continue;
      const list = archives.get(vmid) ?? [];
      list.push({ protected: r.protected === 1 || r.protected === true, volid: r.volid });
      archives.set(vmid, list);
    }
  }
  const enabled = jobs.filter((j) => j.enabled !== 0 && j.enabled !== false);
  const modeOf = (vmid: number): ConsistencyFacts["backupMode"] => {
    const job = enabled.find((j) =>
      j.all === 1 || j.all === true
        ? !(j.exclude ?? "").split(",").includes(String(vmid))
        : (j.vmid ?? "").split(",").includes(String(vmid)),
    );
    if (!job) return undefined;
    return job.mode === "stop" || job.mode === "suspend" ? job.mode : "snapshot";
  };
  const facts: ConsistencyFacts[] = [];
  for (const g of resources) {
    if ((g.type !== "qemu" && g.type !== "lxc") || g.template === 1) continue;
    const running = g.status === "running";
    let agentEnabled: boolean | undefined;
    if (g.type === "qemu" && running && g.node !== undefined) {
      try {
        const c = VmConfig.parse(await api.get(`/nodes/${g.node}/qemu/${g.vmid}/config`));
        // No `agent` line is PVE's default: off.
        agentEnabled = /^(1|enabled=1)\b/.test(String(c.agent ?? "0"));
      } catch {
        // Unreadable config (no VM.Audit on it): the agent is unknown, not off.
        agentEnabled = undefined;
      }
    }
    facts.push({
      vmid: g.vmid,
      name: g.name ?? "",
      type: g.type,
      running,
      backupMode: modeOf(g.vmid),
      agentEnabled,
      archives: archives.get(g.vmid) ?? [],
      promisedCopies: config.tiers.find((t) => t.guests.includes(g.vmid))?.keepLast,
      lastVerified: ledger.lastVerified[`${cluster}_${g.vmid}`],
      verdicts: ledger.verdicts?.[`${cluster}_${g.vmid}`],
    });
  }
  return consistencyFindings(facts);
}
