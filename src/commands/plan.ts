import { type Plan, planErrors, planIsEmpty } from "../core/policy.js";
import type { ApplyReport } from "../pve/jobs.js";
import { applyPolicy, planPolicy } from "../service/policy.js";
import { type CommandContext, pickCluster } from "./context.js";

/** `pve-backup plan`: 0 in sync, 1 changes to apply, 2 the policy has errors (apply would refuse). */
export async function planCommand(ctx: CommandContext): Promise<number> {
  const { plan, cluster } = await makePlan(ctx);
  ctx.out(
    ctx.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan, cluster, ctx.config.storage as string),
  );
  if (hasErrors(plan)) return 2;
  return planIsEmpty(plan) ? 0 : 1;
}

/** `pve-backup apply [--yes]`: shows the plan, asks, applies; a second run changes nothing. */
export async function applyCommand(ctx: CommandContext, yes: boolean): Promise<number> {
  const { plan, cluster, fingerprint } = await makePlan(ctx);
  const storage = ctx.config.storage as string;
  if (hasErrors(plan)) {
    ctx.out(renderPlan(plan, cluster, storage));
    ctx.out("Nothing applied: fix the errors above first.\n");
    return 2;
  }
  if (planIsEmpty(plan)) {
    ctx.out(
      ctx.json
        ? `${JSON.stringify({ applied: [], notApplied: [] })}\n`
        : `Cluster ${cluster}: jobs match the policy, nothing to do.\n`,
    );
    return 0;
  }
  if (!ctx.json) ctx.out(renderPlan(plan, cluster, storage));
  if (!yes && !(await ctx.confirm("Apply these changes to PVE?"))) {
    ctx.out("Nothing applied (confirm on a terminal, or pass --yes).\n");
    return 64;
  }
  const [done] = await applyPolicy(ctx.app, {
    nowMs: ctx.nowMs,
    cluster,
    confirmed: { [cluster]: fingerprint },
  });
  const report: ApplyReport = done?.applied ?? { applied: [], notApplied: [] };
  ctx.out(ctx.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
  return report.failed ? 1 : 0;
}

async function makePlan(ctx: CommandContext) {
  const { cluster } = pickCluster(ctx);
  const [one] = await planPolicy(ctx.app, { nowMs: ctx.nowMs, cluster: cluster.name });
  const { plan, fingerprint } = one as NonNullable<typeof one>;
  return { plan, cluster: cluster.name, fingerprint };
}

const hasErrors = (plan: Plan) => planErrors(plan).length > 0;

const show = (v: string | number | null) => (v === null ? "(unset)" : String(v));

export function renderPlan(plan: Plan, cluster: string, storage: string): string {
  const lines = [`Plan for cluster ${cluster} (backups to storage ${storage}):`];
  for (const j of plan.create)
    lines.push(
      `  + create  ${j.id}  ${j.fields.enabled === 0 ? "(disabled) " : ""}schedule ${j.fields.schedule}, guests ${j.fields.vmid}, ${j.fields["prune-backups"]}`,
    );
  for (const u of plan.update) {
    lines.push(`  ~ update  ${u.id}`);
    for (const c of u.changes) lines.push(`      ${c.field}: ${show(c.from)} -> ${show(c.to)}`);
  }
  for (const id of plan.enable) lines.push(`  > enable  ${id}`);
  for (const id of plan.disable) lines.push(`  < disable ${id}`);
  if (planIsEmpty(plan)) lines.push("  (jobs match the policy)");
  if (plan.findings.length > 0) {
    lines.push("Findings:");
    for (const f of plan.findings) lines.push(`  ${f.severity.padEnd(7)} ${f.code}: ${f.message}`);
  }
  return `${lines.join("\n")}\n`;
}

function renderReport(r: ApplyReport): string {
  const lines = r.applied.map((s) => `applied   ${s.action} ${s.id}`);
  if (r.failed) {
    lines.push(`FAILED    ${r.failed.action} ${r.failed.id}: ${r.failed.error}`);
    for (const s of r.notApplied) lines.push(`not done  ${s.action} ${s.id}`);
    lines.push("Run apply again once the cause is fixed: it picks up where this stopped.");
  } else lines.push(`Done: ${r.applied.length} change(s) applied.`);
  return `${lines.join("\n")}\n`;
}
