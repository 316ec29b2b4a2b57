import { z } from "zod";
import { parseExtractedConfig } from "../core/verify-archive.js";
import { planTestRestore } from "../core/verify-restore.js";
import { InputError, UpstreamError } from "../errors.js";
import type { Logger } from "../log.js";
import type { PveApi } from "../pve/api.js";
import { followTask } from "../pve/backup.js";

/**
 * A test restore through the PVE API (reference pve-restore-verify.md §7.2): refuse a spare VMID
 * that is taken, read the archive's config, restore it to the spare VMID with links down and
 * onboot off, start it, wait for the QEMU guest agent (a container: for it to run) or a timeout,
 * then always stop and destroy the copy with its disks, also after a failure half-way, and check
 * it is gone. The original guest is never named in a write.
 */

export interface TestRestoreDeps {
  readonly api: PveApi;
  readonly log: Logger;
  readonly nowMs: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface TestRestoreRequest {
  readonly volid: string;
  readonly guestType: "qemu" | "lxc";
  readonly ownerVmid: number;
  readonly spareVmid: number;
  readonly node: string;
  readonly targetStorage: string;
  /** How long the agent (or the container) may take after start. */
  readonly bootTimeoutMs: number;
  readonly bwlimitKiB?: number;
  /** Poll interval for tasks and the agent. */
  readonly pollMs?: number;
}

export interface TestRestoreResult {
  readonly result: "ok" | "failed";
  readonly message: string;
  /** From the restore request to the agent answering (or the guest running). */
  readonly timeToRestoreMs?: number;
  readonly durationMs: number;
  /** What was done, in order, for the log and the report. */
  readonly steps: readonly string[];
  /** False when the copy could not be removed: it needs a hand. */
  readonly cleanedUp: boolean;
}

const Resources = z.array(
  z.looseObject({ vmid: z.number().optional(), name: z.string().optional(), node: z.string().optional() }),
);

/** The guest PVE lists on `vmid` (`/cluster/resources`, any node), or undefined when none. */
export async function guestOnVmid(api: PveApi, vmid: number) {
  return Resources.parse(await api.get("/cluster/resources", { type: "vm" })).find((r) => r.vmid === vmid);
}

/**
 * The name every test copy gets (QEMU `name`, container `hostname`, given with the restore so it
 * replaces the archive's): how a copy the product made is told from any other guest, e.g. one a
 * restart left behind. A DNS name, as PVE requires for both.
 */
export const TEST_COPY_NAME_PREFIX = "pve-backup-test-restore-";

export function testCopyName(ownerVmid: number): string {
  return `${TEST_COPY_NAME_PREFIX}${ownerVmid}`;
}
const Status = z.looseObject({ status: z.string(), lock: z.string().optional() });

export async function runTestRestore(
  deps: TestRestoreDeps,
  req: TestRestoreRequest,
): Promise<TestRestoreResult> {
  const { api } = deps;
  const startMs = deps.nowMs();
  const steps: string[] = [];
  const pollMs = req.pollMs ?? 2000;
  if (await guestOnVmid(api, req.spareVmid))
    throw new InputError(
      `VMID ${req.spareVmid} is in use: a test restore needs a spare VMID nothing else has (nothing was changed)`,
    );
  const configText = z
    .string()
    .parse(await api.get(`/nodes/${req.node}/vzdump/extractconfig`, { volume: req.volid }));
  const planned = planTestRestore({ ...req, config: parseExtractedConfig(configText) });
  if (!planned.ok) throw new InputError(planned.problem);
  const { plan } = planned;
  const follow = async (upid: string, what: string) => {
    const end = await followTask(deps, upid, () => {}, { intervalMs: pollMs, maxIntervalMs: pollMs * 4 });
    steps.push(`${what}: ${end.exitStatus ?? "?"}`);
    if (end.exitStatus !== "OK")
      throw new UpstreamError(`${what} failed: ${end.exitStatus}`, { retryable: false });
  };
  let created = false;
  let failure: string | undefined;
  let timeToRestoreMs: number | undefined;
  try {
    const marker = { [req.guestType === "qemu" ? "name" : "hostname"]: testCopyName(req.ownerVmid) };
    const upid = z.string().parse(await api.post(plan.createPath, { ...plan.createParams, ...marker }));
    // From here the spare VMID is ours: whatever happens next, it is destroyed at the end.
    created = true;
    await follow(upid, `restore ${req.volid} to ${req.spareVmid}`);
    if (plan.configAfter) {
      await api.put(`${plan.guestPath}/config`, plan.configAfter);
      steps.push("network links down");
    }
    await follow(z.string().parse(await api.post(`${plan.guestPath}/status/start`)), "start");
    const deadline = deps.nowMs() + req.bootTimeoutMs;
    for (;;) {
      const up =
        plan.waitFor === "agent"
          ? await api.post(`${plan.guestPath}/agent/ping`).then(
              () => true,
              () => false,
            )
          : Status.parse(await api.get(`${plan.guestPath}/status/current`)).status === "running";
      if (up) break;
      if (deps.nowMs() >= deadline)
        throw new UpstreamError(
          `${plan.waitFor === "agent" ? "the QEMU guest agent did not answer" : "the container did not run"} within ${Math.round(req.bootTimeoutMs / 1000)} s of start`,
          { retryable: false },
        );
      await deps.sleep(pollMs);
    }
    timeToRestoreMs = deps.nowMs() - startMs;
    steps.push(plan.waitFor === "agent" ? "guest agent answered" : "container running");
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
    steps.push(`failed: ${failure}`);
  }
  const cleanup = created ? await destroy(deps, plan.guestPath, req, steps, pollMs) : undefined;
  const durationMs = deps.nowMs() - startMs;
  const cleanedUp = cleanup === undefined;
  const tail = cleanedUp ? "" : `; the copy ${req.spareVmid} could not be removed: ${cleanup}`;
  if (failure !== undefined)
    return {
      result: "failed",
      message: `test restore failed: ${failure}${tail}`,
      durationMs,
      steps,
      cleanedUp,
    };
  return {
    result: cleanedUp ? "ok" : "failed",
    message: `restored and ${plan.waitFor === "agent" ? "the guest agent answered" : "the container ran"} after ${Math.round((timeToRestoreMs as number) / 1000)} s${tail}`,
    timeToRestoreMs,
    durationMs,
    steps,
    cleanedUp,
  };
}

/** Stop (if running) and destroy with its disks; returns why it could not, or undefined. */
async function destroy(
  deps: TestRestoreDeps,
  guestPath: string,
  req: Pick<TestRestoreRequest, "spareVmid" | "guestType">,
  steps: string[],
  pollMs: number,
): Promise<string | undefined> {
  const { api } = deps;
  const follow = async (upid: unknown, what: string) => {
    const end = await followTask(deps, z.string().parse(upid), () => {}, {
      intervalMs: pollMs,
      maxIntervalMs: pollMs * 4,
    });
    steps.push(`${what}: ${end.exitStatus ?? "?"}`);
    if (end.exitStatus !== "OK") throw new Error(`${what} failed: ${end.exitStatus}`);
  };
  try {
    // A restore task that failed may still be winding down; its lock goes when it ends.
    let status = Status.parse(await api.get(`${guestPath}/status/current`));
    for (let i = 0; status.lock !== undefined && i < 10; i++) {
      await deps.sleep(pollMs);
      status = Status.parse(await api.get(`${guestPath}/status/current`));
    }
    if (status.lock !== undefined)
      throw new Error(
        `it stays locked (${status.lock}); on the node: ${req.guestType === "qemu" ? "qm" : "pct"} unlock ${req.spareVmid} && ${req.guestType === "qemu" ? "qm destroy" : "pct destroy"} ${req.spareVmid} --purge --destroy-unreferenced-disks`,
      );
    if (status.status === "running") await follow(await api.post(`${guestPath}/status/stop`), "stop");
    await follow(
      await api.delete(guestPath, {
        purge: 1,
        "destroy-unreferenced-disks": 1,
        ...(req.guestType === "lxc" ? { force: 1 } : {}),
      }),
      `destroy ${req.spareVmid} with its disks`,
    );
    return (await guestOnVmid(api, req.spareVmid))
      ? `VMID ${req.spareVmid} is still listed after its destroy`
      : undefined;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    deps.log.warn(`test restore: cleaning up ${req.spareVmid} failed: ${message}`);
    steps.push(`cleanup failed: ${message}`);
    return message;
  }
}

export type LeftoverCleanup =
  | { readonly kind: "none" }
  | { readonly kind: "not_ours"; readonly name: string | undefined }
  | { readonly kind: "removed"; readonly steps: readonly string[] }
  | { readonly kind: "failed"; readonly message: string };

/**
 * After a restart that cut a test restore short: destroy the copy on the spare VMID, but only
 * when PVE lists it under the product's name (TEST_COPY_NAME_PREFIX); any other guest there, or
 * one whose name PVE does not show (its node offline), is left alone.
 */
export async function removeLeftoverCopy(
  deps: TestRestoreDeps,
  req: Pick<TestRestoreRequest, "spareVmid" | "guestType"> & { readonly pollMs?: number },
): Promise<LeftoverCleanup> {
  const row = await guestOnVmid(deps.api, req.spareVmid);
  if (!row) return { kind: "none" };
  if (!row.name?.startsWith(TEST_COPY_NAME_PREFIX) || row.node === undefined || row.type !== req.guestType)
    return { kind: "not_ours", name: row.name };
  const steps: string[] = [];
  const failed = await destroy(
    deps,
    `/nodes/${row.node}/${req.guestType}/${req.spareVmid}`,
    req,
    steps,
    req.pollMs ?? 2000,
  );
  return failed === undefined ? { kind: "removed", steps } : { kind: "failed", message: failed };
}
