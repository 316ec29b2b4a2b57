import { InputError } from "../errors.js";
import type { BackupEvent, GuestBackupResult } from "../service/backups.js";
import type { CommandContext } from "./context.js";

/**
 * `pve-backup backup <vmid|tier>... [--wait]`: start backups now. With --wait, follow every task
 * to its end: a progress bar on a terminal, a plain log otherwise. Exit 0 when everything
 * started (and, waiting, succeeded), 1 when something failed.
 */
export async function backupCommand(
  ctx: CommandContext,
  targets: readonly string[],
  wait: boolean,
  events: BackupEventSource,
): Promise<number> {
  if (targets.length === 0)
    throw new InputError("name the guests (vmids) or tiers to back up, e.g. pve-backup backup 100 P1");
  const vmids = targets.filter((t) => /^\d+$/.test(t)).map(Number);
  const tiers = targets.filter((t) => !/^\d+$/.test(t));
  const show = wait && !ctx.json ? createProgressView(ctx.out, process.stdout.isTTY === true) : undefined;
  const stop = show ? events.subscribe(show) : () => {};
  try {
    const outcome = await ctx.app.backups.backupNow(
      { cluster: ctx.cluster, vmids, tiers },
      { wait, follow: wait },
    );
    show?.done();
    if (ctx.json) ctx.out(`${JSON.stringify(outcome, null, 2)}\n`);
    else {
      // With the progress view, starts and results were shown as they happened.
      if (!show) for (const t of outcome.started) ctx.out(`${startedLine(t)}\n`);
      for (const f of outcome.failed) ctx.out(`NOT STARTED ${f.vmids.join(",")} on ${f.node}: ${f.error}\n`);
    }
    const bad = outcome.failed.length > 0 || (outcome.results ?? []).some((r) => r.status === "failed");
    return bad ? 1 : 0;
  } finally {
    stop();
  }
}

/** Where the command hears about task progress (the app's backup events). */
export interface BackupEventSource {
  subscribe(listener: (e: BackupEvent) => void): () => void;
}

function startedLine(t: { vmids: readonly number[]; node: string; upid: string }): string {
  return `started ${t.vmids.join(",")} on ${t.node}: ${t.upid}`;
}

function resultLine(r: GuestBackupResult): string {
  const size = r.sizeBytes === null ? "" : `, ${(r.sizeBytes / 1024 ** 3).toFixed(2)} GiB`;
  const time = r.durationSec === null ? "" : ` in ${r.durationSec} s`;
  return r.status === "failed"
    ? `FAILED  ${r.vmid} ${r.name}: ${r.error ?? "no error line"}`
    : `${r.status === "ok" ? "ok     " : "warning"} ${r.vmid} ${r.name}${time}${size}`;
}

/** A one-line progress bar on a terminal; a line per change of state otherwise. */
function createProgressView(out: (s: string) => void, tty: boolean) {
  let last = "";
  const view = (e: BackupEvent) => {
    if (e.kind === "started") {
      out(`${startedLine(e.task)}\n`);
      return;
    }
    if (e.kind === "finished") {
      if (tty) {
        // The result takes the bar's line; the next update draws a new one.
        out("\r\x1b[K");
        last = "";
      }
      out(`${resultLine(e.result)}\n`);
      return;
    }
    if (e.kind !== "progress") return;
    const s = e.progress.summary;
    // Containers (tar) log no percentages: then the guest being backed up is all there is to say.
    const current = s.guests.find((g) => g.outcome === "running");
    const line = s.waitingForLock
      ? `${e.progress.node}: waiting for the node's backup lock (another backup runs)`
      : s.progress
        ? `${e.progress.node}: guest ${s.progress.vmid} ${bar(s.progress.percent)} ${s.progress.percent}%${s.progress.rateText ? ` ${s.progress.rateText}` : ""}`
        : current
          ? `${e.progress.node}: guest ${current.vmid} running`
          : `${e.progress.node}: ${e.progress.running ? "starting" : "finished"}`;
    // A terminal redraws one line; a log gets a line whenever something changed.
    if (tty) out(`\r\x1b[K${line}`);
    else if (line !== last) out(`${line}\n`);
    last = line;
  };
  return Object.assign(view, { done: () => tty && last && out("\r\x1b[K") });
}

function bar(percent: number): string {
  const filled = Math.round(Math.min(100, Math.max(0, percent)) / 5);
  return `[${"#".repeat(filled)}${"-".repeat(20 - filled)}]`;
}
