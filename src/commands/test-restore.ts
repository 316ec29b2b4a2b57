import { recordTestRestore } from "../core/verify-run.js";
import { InputError } from "../errors.js";
import type { Logger } from "../log.js";
import { loadLedger, saveLedger } from "../verify/ledger-file.js";
import { readArchives } from "../verify/targets.js";
import { runTestRestore } from "../verify/test-restore.js";
import { type CommandContext, pickCluster, requireStorage } from "./context.js";

/**
 * `pve-backup test-restore VMID [--spare-vmid N] [--node X] [--storage S]`: restore the guest's
 * newest archive to the spare VMID (links down, onboot off), start it, wait for its agent, destroy
 * it. Exit 0 when it booted and was removed, 1 otherwise.
 */

export interface TestRestoreFlags {
  readonly spareVmid?: string;
  readonly node?: string;
  readonly storage?: string;
}

export async function testRestoreCommand(
  ctx: CommandContext,
  args: readonly string[],
  flags: TestRestoreFlags,
  deps: {
    readonly ledgerPath: string;
    readonly log: Logger;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly clockMs?: () => number;
  },
): Promise<number> {
  const [vmidText, ...extra] = args;
  if (vmidText === undefined || !/^\d+$/.test(vmidText) || extra.length > 0)
    throw new InputError(
      "test-restore takes one vmid: pve-backup test-restore VMID --spare-vmid N --node NODE",
    );
  if (flags.spareVmid !== undefined && !/^\d+$/.test(flags.spareVmid))
    throw new InputError(`'${flags.spareVmid}' is not a VMID: --spare-vmid takes a free VMID such as 9000`);
  const spareText =
    flags.spareVmid ??
    (ctx.config.verify.spareVmid === undefined ? undefined : String(ctx.config.verify.spareVmid));
  if (spareText === undefined || !/^\d+$/.test(spareText))
    throw new InputError(
      "name the spare VMID to restore to: --spare-vmid N (or verify.spare_vmid in the options)",
    );
  const { cluster, api } = pickCluster(ctx);
  const storage = requireStorage(ctx);
  const vmid = Number(vmidText);
  const read = await readArchives(api, cluster.name, storage);
  const archive = read.archives.find((a) => a.vmid === vmid);
  if (!archive)
    throw new InputError(
      read.guests.includes(vmid)
        ? `guest ${vmid} has no archive on ${storage} to restore`
        : `guest ${vmid} does not exist on cluster ${cluster.name}`,
    );
  const clock = deps.clockMs ?? Date.now;
  const r = await runTestRestore(
    {
      api,
      log: deps.log,
      nowMs: clock,
      sleep: deps.sleep ?? ((ms) => new Promise((res) => setTimeout(res, ms))),
    },
    {
      volid: archive.volid,
      guestType: archive.guestType,
      ownerVmid: vmid,
      spareVmid: Number(spareText),
      node: flags.node ?? archive.node,
      targetStorage: flags.storage ?? ctx.config.verify.restoreStorage,
      bootTimeoutMs: ctx.config.verify.bootTimeoutMs,
    },
  );
  saveLedger(
    deps.ledgerPath,
    recordTestRestore(loadLedger(deps.ledgerPath), archive.key, {
      time: new Date(ctx.nowMs + r.durationMs).toISOString(),
      result: r.result,
      durationMs: r.durationMs,
      message: r.message,
      volid: archive.volid,
    }),
  );
  ctx.out(
    ctx.json
      ? `${JSON.stringify({ vmid, volid: archive.volid, ...r }, null, 2)}\n`
      : `${r.steps.map((s) => `  ${s}\n`).join("")}${vmid}: test restore ${r.result}: ${r.message}\n`,
  );
  return r.result === "ok" ? 0 : 1;
}
