import { demoOptions } from "../src/demo.js";
import { type SimLab, startSimLab } from "../src/sim/lab.js";
import type { SimTask } from "../src/sim/state.js";
import { freePort, type Hass, startHass, waitFor } from "../test/ha/hass.js";
import { statusOf } from "../test/support/cli.js";
import { tapEvents } from "./soak-events.js";
import { startOutageProxy } from "./soak-proxy.js";
import { soakService } from "./soak-service.js";

/**
 * A time-compressed soak: the `tiered` lab (P0 daily 03:00, P1 daily 03:15, P2 Sundays 04:00,
 * keep-last=3 on the NAS) for `days` simulated days, the service bundle refreshing once a
 * simulated minute, a real Home Assistant Core with the companion integration, and outages on
 * the way (PVE unreachable for 10 minutes during the nightly run, Home Assistant restarting,
 * the NAS storage inactive across a backup window). Every day at noon a "back up now" of
 * guest 103 goes through Home Assistant's `pve_backup.backup_now`.
 *
 * The clock is the lab's, manual: the soak moves it one step, tells the service the new time,
 * asks the service for a refresh (`pve_backup.refresh` through Home Assistant) and waits for it. The
 * service's interval timer is at its minimum, 5 s real, and never due while the soak drives.
 */

export interface SoakOptions {
  readonly days: number;
  /** Simulated time between two refreshes. Default: one minute. */
  readonly stepMs?: number;
  readonly progress?: (line: string) => void;
}

export interface Invariant {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface MemoryTrend {
  readonly startBytes: number;
  readonly endBytes: number;
  readonly maxBytes: number;
  /** Median of the last simulated day minus the median of the middle one (the first days warm up). */
  readonly growthBytes: number | null;
  /** Least-squares slope from the second day on. */
  readonly slopeBytesPerDay: number | null;
  readonly samples: readonly { readonly at: string; readonly bytes: number }[];
}

export interface SoakReport {
  readonly simulated: {
    readonly from: string;
    readonly to: string;
    readonly days: number;
    readonly stepS: number;
  };
  readonly realS: number;
  /** Resident set size of the service process, sampled every simulated hour. */
  readonly rss: MemoryTrend;
  /** The service's V8 heap in use, sampled with it. */
  readonly heapUsed: MemoryTrend;
  readonly refreshes: number;
  readonly steps: number;
  /** Steps whose refresh did not finish within the wait (PVE down, HA restarting, …). */
  readonly refreshWaitsTimedOut: number;
  readonly statesSent: number;
  readonly batches: number;
  readonly events: { readonly finished: number; readonly failed: number; readonly duplicates: number };
  readonly lab: {
    readonly ok: number;
    readonly failed: number;
    readonly scheduled: number;
    /** Guest results of runs the service started (back up now) and followed itself. */
    readonly manual: number;
  };
  readonly backupNowCalls: { readonly at: string; readonly httpStatus: number }[];
  readonly statusMismatches: readonly string[];
  readonly haMismatches: readonly string[];
  readonly faults: readonly { readonly what: string; readonly from: string; readonly to: string }[];
  readonly serviceLog: {
    readonly warnings: number;
    readonly errors: number;
    readonly distinct: readonly string[];
  };
  readonly serviceExit: { readonly code: number | null; readonly signal: string | null } | null;
  readonly invariants: readonly Invariant[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const GUESTS = [100, 101, 102, 103, 105];
const EVENT_FINISHED = "pve_backup_backup_finished";
const EVENT_FAILED = "pve_backup_backup_failed";
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface GuestResult {
  readonly upid: string;
  readonly vmid: number;
  readonly ok: boolean;
  readonly scheduled: boolean;
}

/** Every guest result of the vzdump tasks that ended in the lab since `fromMs`, read from their logs. */
export function labGuestResults(lab: SimLab, fromMs: number): GuestResult[] {
  const out: GuestResult[] = [];
  const ended = lab.state.tasks.filter(
    (t: SimTask) => t.type === "vzdump" && t.startMs >= fromMs && t.endMs !== undefined,
  );
  for (const t of ended) {
    const job = t.jobId === undefined ? undefined : lab.state.jobs.find((j) => j.id === t.jobId);
    const vmids = job ? String(job.vmid).split(",").map(Number) : [Number(t.id)];
    for (const vmid of vmids) {
      const ok = t.log.some((l) => l.startsWith(`INFO: Finished Backup of VM ${vmid} `));
      // A job that failed before any guest began (storage offline) ends each guest as failed.
      out.push({ upid: t.upid, vmid, ok, scheduled: job !== undefined });
    }
  }
  return out;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * A memory series over a soak from `startMs` to `endMs`; growth only over three days or more, as
 * the last day against the middle one. The first days are warm-up, not growth: compiled code, and
 * the reader's cache of finished task logs, which fills over its 14-day window (the 60-day soak:
 * 76 MiB at start, 93 MiB on day 1, 98 MiB from day 15 to day 60).
 */
function trendOf(samples: readonly { t: number; v: number }[], startMs: number, endMs: number): MemoryTrend {
  const from = (ms: number) => samples.filter((s) => s.t >= ms);
  const middleMs = startMs + Math.floor((endMs - startMs) / 2 / DAY) * DAY;
  const middleDay = from(middleMs)
    .filter((s) => s.t < middleMs + DAY)
    .map((s) => s.v);
  const lastDay = from(endMs - DAY).map((s) => s.v);
  return {
    startBytes: samples[0]?.v ?? 0,
    endBytes: samples.at(-1)?.v ?? 0,
    maxBytes: Math.max(0, ...samples.map((s) => s.v)),
    growthBytes: endMs - startMs >= 3 * DAY ? median(lastDay) - median(middleDay) : null,
    slopeBytesPerDay: slopePerDay(from(startMs + DAY)),
    samples: samples.map((s) => ({ at: iso(s.t), bytes: s.v })),
  };
}

function slopePerDay(samples: readonly { t: number; v: number }[]): number | null {
  if (samples.length < 3) return null;
  const mt = samples.reduce((a, s) => a + s.t, 0) / samples.length;
  const mv = samples.reduce((a, s) => a + s.v, 0) / samples.length;
  const num = samples.reduce((a, s) => a + (s.t - mt) * (s.v - mv), 0);
  const den = samples.reduce((a, s) => a + (s.t - mt) ** 2, 0);
  return den === 0 ? null : (num / den) * DAY;
}

interface Action {
  readonly atMs: number;
  readonly run: () => Promise<void>;
}

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  // Whatever has started is stopped again, in reverse order, however the soak ends.
  const cleanup: (() => Promise<void> | void)[] = [];
  try {
    return await soak(opts, cleanup);
  } finally {
    for (const stop of cleanup.reverse()) await stop();
  }
}

async function soak(opts: SoakOptions, cleanup: (() => Promise<void> | void)[]): Promise<SoakReport> {
  const say = opts.progress ?? (() => {});
  const stepMs = opts.stepMs ?? MINUTE;
  const realStart = performance.now();
  say("starting Home Assistant …");
  const hass = await startHass();
  cleanup.push(() => hass.stop());
  const lab = await startSimLab({ scenario: "tiered", clock: "manual" });
  cleanup.push(() => lab.stop());
  const proxy = await startOutageProxy(lab.url);
  cleanup.push(() => proxy.stop());
  const apiPort = await freePort();
  const options = {
    ...demoOptions({ url: proxy.url, fingerprint: lab.fingerprint }),
    timezone: "UTC",
    refresh_interval_s: 5,
  };
  const svc = soakService(options, hass, apiPort);
  const startMs = lab.nowMs();
  const endMs = startMs + opts.days * DAY;
  svc.setNow(startMs);
  const tap = await tapEvents(hass, [EVENT_FINISHED, EVENT_FAILED]);
  cleanup.push(() => tap.close());
  say("starting the service …");
  cleanup.push(() => svc.stop());
  await svc.start();
  await waitFor(
    async () => (await svc.bridge()).bridge?.mode === "integration",
    60_000,
    `the service did not attach to Home Assistant (see ${svc.logFile})`,
  );
  return await drive();

  async function drive(): Promise<SoakReport> {
    const midnight = startMs - (startMs % DAY);
    const at = (day: number, hh: number, mm: number) => midnight + day * DAY + hh * HOUR + mm * MINUTE;
    // Long runs spread the outages over the fortnight (the NAS one on a Sunday, when all three
    // tiers run); a one-day run has them all on its first day.
    const long = opts.days >= 12;
    const pveDown = long ? at(2, 3, 1) : at(0, 3, 1);
    const haDown = long ? at(4, 18, 0) : at(0, 18, 0);
    const nasFrom = long ? at(11, 2, 30) : at(0, 11, 30);
    const nasTo = long ? at(11, 12, 30) : at(0, 12, 30);
    const faults: { what: string; from: string; to: string }[] = [];
    const nas = lab.state.storages.find((s) => s.id === "nas-backups");
    if (!nas) throw new Error("the tiered lab has no nas-backups storage");
    const backupNowCalls: { at: string; httpStatus: number }[] = [];
    let haRestart: Promise<void> | undefined;
    let haRestartFrom = 0;

    const actions: Action[] = [
      { atMs: pveDown, run: () => proxy.down() },
      {
        atMs: pveDown + 10 * MINUTE,
        run: async () => {
          await proxy.up();
          faults.push({
            what: "PVE unreachable (connection refused)",
            from: iso(pveDown),
            to: iso(lab.nowMs()),
          });
        },
      },
      {
        atMs: nasFrom,
        run: async () => {
          nas.active = false;
        },
      },
      {
        atMs: nasTo,
        run: async () => {
          nas.active = true;
          faults.push({ what: "NAS storage nas-backups inactive", from: iso(nasFrom), to: iso(lab.nowMs()) });
        },
      },
      {
        atMs: haDown,
        run: async () => {
          haRestartFrom = lab.nowMs();
          await hass.stop();
          haRestart = hass
            .start()
            .then(() =>
              waitFor(
                async () => (await svc.bridge()).bridge?.mode === "integration",
                120_000,
                `the service did not attach to the restarted Home Assistant (see ${svc.logFile})`,
              ),
            );
        },
      },
    ];
    for (let day = 0; day < opts.days; day++)
      actions.push({
        atMs: at(day, 12, 0),
        run: async () => {
          const r = await hass.rest("POST", "/api/services/pve_backup/backup_now", { guests: ["103"] });
          backupNowCalls.push({ at: iso(lab.nowMs()), httpStatus: r.status });
        },
      });
    actions.sort((a, b) => a.atMs - b.atMs);

    let steps = 0;
    let timedOut = 0;
    const samples: { t: number; v: number }[] = [];
    const heapSamples: { t: number; v: number }[] = [];
    const sample = () => {
      const v = svc.rssBytes();
      if (v !== undefined) samples.push({ t: lab.nowMs(), v });
      const h = svc.heapUsedBytes();
      if (h !== undefined) heapSamples.push({ t: lab.nowMs(), v: h });
    };
    /** Tells the service the lab's time, asks for a refresh and waits until one more has finished. */
    const refresh = async (waitMs: number) => {
      svc.setNow(lab.nowMs());
      const before = (await svc.bridge()).refreshes;
      await svc.notify();
      const deadline = performance.now() + waitMs;
      while ((await svc.bridge()).refreshes <= before) {
        if (performance.now() > deadline) {
          timedOut++;
          return;
        }
        await sleep(2);
      }
    };

    sample();
    let nextSampleMs = startMs + HOUR;
    let nextReportMs = startMs + DAY;
    while (lab.nowMs() < endMs) {
      await lab.advance(Math.min(stepMs, endMs - lab.nowMs()));
      steps++;
      while (actions.length > 0 && (actions[0] as Action).atMs <= lab.nowMs())
        await (actions.shift() as Action).run();
      if (svc.exited())
        throw new Error(`the service exited (${JSON.stringify(svc.exited())}); see ${svc.logFile}`);
      await refresh(5_000);
      if (haRestart) {
        // Home Assistant restarting: the clock runs on slowly (a step a second) until the
        // service is attached again.
        const done = await Promise.race([haRestart.then(() => true), sleep(1000).then(() => false)]);
        if (done) {
          haRestart = undefined;
          faults.push({ what: "Home Assistant restart", from: iso(haRestartFrom), to: iso(lab.nowMs()) });
        }
      }
      if (lab.nowMs() >= nextSampleMs) {
        sample();
        nextSampleMs += HOUR;
      }
      if (lab.nowMs() >= nextReportMs) {
        const b = await svc.bridge();
        say(
          `${iso(lab.nowMs())}: ${b.refreshes} refreshes, ${b.bridge?.states ?? 0} states sent, ${tap.events.length} events, RSS ${((svc.rssBytes() ?? 0) / 2 ** 20).toFixed(1)} MiB, ${((performance.now() - realStart) / 1000).toFixed(0)} s`,
        );
        nextReportMs += DAY;
      }
    }
    if (haRestart) await haRestart;

    // Quiet end: the clock stands; the service refreshes twice at it, followed tasks end, events land.
    say("settling …");
    await refresh(10_000);
    await refresh(10_000);
    const results = labGuestResults(lab, startMs);
    let last = -1;
    await waitFor(
      () => {
        const settled =
          tap.events.length === last && tap.events.length >= results.filter((r) => !r.scheduled).length;
        last = tap.events.length;
        return settled;
      },
      30_000,
      "events did not settle",
      1000,
    ).catch(() => undefined);
    sample();

    const served = (await svc.status()).body as {
      guests: { vmid: number; status: string; lastBackup: { volid: string } | null }[];
    };
    const cli = await statusOf(lab);
    const statusMismatches: string[] = [];
    for (const vmid of GUESTS) {
      const a = served.guests.find((g) => g.vmid === vmid);
      const b = cli.byVmid[vmid] as { status: string; lastBackup: { volid: string } | null } | undefined;
      const key = (g: typeof a | typeof b) => `${g?.status} ${g?.lastBackup?.volid ?? "-"}`;
      if (key(a) !== key(b)) statusMismatches.push(`${vmid}: service ${key(a)}, CLI ${key(b)}`);
    }
    const haMismatches = await compareHaEntities(hass, cli.byVmid as Record<number, { status: string }>);
    const bridge = await svc.bridge();
    const log = svc.log();
    const noisy = log.split("\n").filter((l) => / (WARN|ERROR) /.test(l));
    const distinct = [...new Set(noisy.map((l) => l.replace(/^\S+ /, "").replace(/UPID:\S+/g, "UPID:…")))];

    const finished = tap.events.filter((e) => e.type === EVENT_FINISHED).length;
    const failed = tap.events.filter((e) => e.type === EVENT_FAILED).length;
    const keys = tap.events.map((e) => `${e.type} ${String(e.data.upid)} ${String(e.data.vmid)}`);
    const duplicates = keys.length - new Set(keys).size;
    const labOk = results.filter((r) => r.ok).length;
    const labFailed = results.length - labOk;
    const byService = results.filter((r) => !r.scheduled).length;

    const rss = trendOf(samples, startMs, endMs);
    const heapUsed = trendOf(heapSamples, startMs, endMs);
    const exit = svc.exited() ?? null;

    const invariants: Invariant[] = [
      { name: "service still running", ok: exit === null, detail: exit ? JSON.stringify(exit) : "yes" },
      {
        name: "events fired = backups finished in the lab",
        ok: finished + failed === results.length,
        detail: `${finished + failed} events, ${results.length} guest results (${results.length - byService} scheduled, ${byService} back up now)`,
      },
      {
        name: "finished/failed events = ok/failed results",
        ok: finished === labOk && failed === labFailed,
        detail: `events ${finished}/${failed}, lab ${labOk}/${labFailed}`,
      },
      { name: "no event fired twice", ok: duplicates === 0, detail: String(duplicates) },
      {
        name: "every guest's status = pve-backup status --json",
        ok: statusMismatches.length === 0 && served.guests.length === GUESTS.length,
        detail: statusMismatches.join("; ") || `${served.guests.length} guests equal`,
      },
      {
        name: "Home Assistant shows the same statuses",
        ok: haMismatches.length === 0,
        detail: haMismatches.join("; ") || `${GUESTS.length} entities equal`,
      },
    ];
    if (rss.growthBytes !== null)
      // Noise: a few MiB of RSS come and go with V8's page use; 4 MiB or 5 % is growth.
      invariants.push({
        name: "RSS flat (last day vs middle day)",
        ok: rss.growthBytes <= Math.max(4 * 2 ** 20, 0.05 * rss.startBytes),
        detail: `${(rss.growthBytes / 2 ** 20).toFixed(1)} MiB`,
      });

    return {
      simulated: { from: iso(startMs), to: iso(lab.nowMs()), days: opts.days, stepS: stepMs / 1000 },
      realS: Math.round((performance.now() - realStart) / 1000),
      rss,
      heapUsed,
      refreshes: bridge.refreshes,
      steps,
      refreshWaitsTimedOut: timedOut,
      statesSent: bridge.bridge?.states ?? 0,
      batches: bridge.bridge?.batches ?? 0,
      events: { finished, failed, duplicates },
      lab: {
        ok: labOk,
        failed: labFailed,
        scheduled: results.length - byService,
        manual: byService,
      },
      backupNowCalls,
      statusMismatches,
      haMismatches,
      faults,
      serviceLog: {
        warnings: noisy.filter((l) => / WARN /.test(l)).length,
        errors: noisy.filter((l) => / ERROR /.test(l)).length,
        distinct: distinct.slice(0, 20),
      },
      serviceExit: exit,
      invariants,
    };
  }
}

/** Each guest's `backup_status` entity in Home Assistant against the CLI's status. */
async function compareHaEntities(hass: Hass, want: Record<number, { status: string }>): Promise<string[]> {
  const registry = await hass.ws<{ entity_id: string; unique_id: string }[]>({
    type: "config/entity_registry/list",
  });
  const out: string[] = [];
  for (const vmid of GUESTS) {
    const e = registry.find((x) => x.unique_id === `pve_backup_home_${vmid}_backup_status`);
    const state = e
      ? (await hass.rest<{ state: string }>("GET", `/api/states/${e.entity_id}`)).body.state
      : undefined;
    if (state !== want[vmid]?.status) out.push(`${vmid}: HA ${state}, CLI ${want[vmid]?.status}`);
  }
  return out;
}
