import { z } from "zod";
import { checkPrivileges, testRestorePrivileges, verifyPrivileges } from "../core/verify-restore.js";
import { EMPTY_LEDGER, type VerifyLedger } from "../core/verify-run.js";
import type { PveApi } from "../pve/api.js";
import { diagnoseToken } from "../service/policy.js";
import { readFindings } from "../verify/findings.js";
import { type CommandContext, pickCluster } from "./context.js";

/**
 * `pve-backup doctor`: what the token can do, what it cannot and the `pveum` lines that fix it;
 * plus backup jobs whose results never reach the notification system.
 * Exit 0 when every capability the options need works, 1 otherwise.
 */
export async function doctorCommand(
  ctx: CommandContext,
  extras: { readonly ledger?: Pick<VerifyLedger, "lastVerified"> } = {},
): Promise<number> {
  const { cluster, api } = pickCluster(ctx);
  const r = await diagnoseToken(ctx.app, { cluster: cluster.name });
  const verification = await verificationPrivileges(ctx, api);
  const findings = await readFindings(api, ctx.config, cluster.name, extras.ledger ?? EMPTY_LEDGER).catch(
    (err: unknown) => [
      {
        vmid: 0,
        kind: "unreadable",
        message: `consistency not checked: ${err instanceof Error ? err.message : String(err)}`,
      },
    ],
  );
  if (ctx.json) {
    ctx.out(
      `${JSON.stringify({ cluster: r.cluster, token: r.token, capabilities: r.capabilities.map(({ needed: _, ...c }) => c), fix: r.fix, mailtoJobs: r.mailtoJobs, verification, findings }, null, 2)}\n`,
    );
    return r.missing ? 1 : 0;
  }
  const lines = [`Token ${r.token} on cluster ${r.cluster} (backup storage ${r.storage}):`];
  for (const c of r.capabilities) {
    const tag = c.ok ? "ok     " : c.needed ? "MISSING" : "no     ";
    lines.push(`  ${tag} ${c.label}${c.ok ? "" : `: needs ${c.missing.join(", ")}`}`);
  }
  if (r.missing) {
    lines.push("", "To give the token exactly what PVE Backup needs, run on a PVE node:");
    for (const cmd of r.fix) lines.push(`  ${cmd}`);
  } else lines.push("", "The token can do everything PVE Backup needs.");
  for (const id of r.mailtoJobs)
    lines.push(
      `  note: job ${id} mails its results (mailto, notification-mode auto): they bypass the notification system, so PVE Backup only sees them by polling. Set notification-mode to notification-system.`,
    );
  if (verification.length > 0) {
    lines.push("", "Verification and test restores (optional; pve-backup verify, test-restore):");
    for (const v of verification)
      lines.push(
        `  ${v.missing.length === 0 ? "ok     " : "no     "} ${v.privs.join(", ")} on ${v.path}: ${v.why}${v.missing.length > 0 ? ` (missing ${v.missing.join(", ")})` : ""}`,
      );
  }
  if (findings.length > 0) {
    lines.push("", "Backups that may disappoint at restore time:");
    for (const f of findings) lines.push(`  ${f.kind}: ${f.message}`);
  }
  ctx.out(`${lines.join("\n")}\n`);
  return r.missing ? 1 : 0;
}

/** What `verify` and `test-restore` need (to the spare VMID when one is configured). */
async function verificationPrivileges(ctx: CommandContext, api: PveApi) {
  const storage = ctx.config.storage ?? "local";
  let perms: Record<string, Record<string, number>>;
  try {
    perms = z
      .record(z.string(), z.record(z.string(), z.number()))
      .parse(await api.get("/access/permissions"));
  } catch {
    // The capability checks above already said why the permissions could not be read.
    return [];
  }
  const spare = ctx.config.verify.spareVmid;
  const needs = [
    ...verifyPrivileges({ archiveStorage: storage }),
    ...testRestorePrivileges({
      guestType: "qemu",
      ownerVmid: 0,
      spareVmid: spare ?? 0,
      archiveStorage: storage,
      targetStorage: ctx.config.verify.restoreStorage,
    })
      .filter((n) => n.why !== "read another guest's archive" && n.why !== "read the archive")
      .map((n) => (spare === undefined && n.path === "/vms/0" ? { ...n, path: "/vms" } : n)),
  ];
  return checkPrivileges(perms, needs);
}
