import { InputError } from "../errors.js";
import { toNodes } from "../pve/mapper.js";
import { checkStorage, createNfsStorage, readStorageConfig } from "../pve/storage.js";
import { Resources } from "../pve/wire.js";
import { type CommandContext, pickCluster, requireStorage } from "./context.js";

/** `pve-backup storage check`: 0 when the target works on every online node. */
export async function storageCheckCommand(ctx: CommandContext): Promise<number> {
  const { api } = pickCluster(ctx);
  const report = await checkStorage(api, requireStorage(ctx));
  if (ctx.json) ctx.out(`${JSON.stringify(report, null, 2)}\n`);
  else
    ctx.out(
      `${report.checks.map((c) => `${c.level === "ok" ? "ok  " : c.level === "warn" ? "warn" : "FAIL"}  ${c.text}`).join("\n")}\n`,
    );
  return report.ok ? 0 : 1;
}

/** `pve-backup storage create --server H --export P [--options O] [--yes]`: never implicit. */
export async function storageCreateCommand(
  ctx: CommandContext,
  flags: { server?: string; export?: string; options?: string; yes: boolean },
): Promise<number> {
  const { api, cluster } = pickCluster(ctx);
  const storage = requireStorage(ctx);
  if (!flags.server || !flags.export)
    throw new InputError(
      "storage create needs --server (the NAS address) and --export (e.g. /volume1/backups/proxmox)",
    );
  if (!flags.export.startsWith("/"))
    throw new InputError(`--export must be an absolute path, got '${flags.export}'`);
  if (flags.options && /\s/.test(flags.options))
    throw new InputError("--options must not contain spaces (e.g. vers=4.1,soft)");
  // Creating what is already there is a no-op (a second run, or the demo lab, which has it).
  const existing = await readStorageConfig(api, storage);
  if (existing) {
    const where = existing.server ? `${existing.server}:${existing.export ?? "?"}` : "";
    if (existing.type === "nfs" && existing.server === flags.server && existing.export === flags.export) {
      ctx.out(
        `Storage '${storage}' already exists on cluster ${cluster.name} (NFS ${where}): nothing to create.\n`,
      );
      return storageCheckCommand(ctx);
    }
    throw new InputError(
      `storage '${storage}' already exists on cluster ${cluster.name} (${existing.type}${where ? ` ${where}` : ""}) and was not changed: use it as it is (pve-backup storage check), or name another storage in the options`,
    );
  }
  const node = toNodes(Resources.parse(await api.get("/cluster/resources", { type: "node" }))).find(
    (n) => n.online,
  );
  if (!node) throw new InputError(`no node of cluster ${cluster.name} is online`);
  const keepLast = Math.max(0, ...ctx.config.tiers.map((t) => t.keepLast)) || undefined;
  const what = `NFS storage '${storage}' on cluster ${cluster.name}: ${flags.server}:${flags.export}, content backup${flags.options ? `, options ${flags.options}` : ""}${keepLast ? `, keep-last=${keepLast}` : ""}`;
  if (!flags.yes && !(await ctx.confirm(`Create ${what}?`))) {
    ctx.out("Nothing created (confirm on a terminal, or pass --yes).\n");
    return 64;
  }
  await createNfsStorage(api, node.name, {
    storage,
    server: flags.server,
    export: flags.export,
    options: flags.options,
    keepLast,
  });
  ctx.out(`Created ${what}.\n`);
  return storageCheckCommand(ctx);
}
