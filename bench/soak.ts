import { parseArgs } from "node:util";
import { runSoak, type SoakReport } from "./soak-run.js";

/**
 * `npm run soak [-- --days N] [-- --json]`: the time-compressed soak of bench/soak-run.ts
 * (default 14 simulated days). Prints a table, or the whole report as JSON; exits 1 when an
 * invariant breaks. Needs the Python venv with Home Assistant (scripts/python-env.sh).
 */
const { values } = parseArgs({
  options: { days: { type: "string", default: "14" }, json: { type: "boolean", default: false } },
});
const days = Number(values.days);
if (!Number.isInteger(days) || days < 1) {
  process.stderr.write("--days must be a whole number of days, 1 or more\n");
  process.exit(64);
}
const mib = (b: number | null) => (b === null ? "-" : `${(b / 2 ** 20).toFixed(1)} MiB`);

const report = await runSoak({
  days,
  progress: values.json ? undefined : (line) => process.stdout.write(`${line}\n`),
});
if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else print(report);
process.exit(report.invariants.every((i) => i.ok) ? 0 : 1);

function print(r: SoakReport): void {
  console.log(
    `\nsoak: ${r.simulated.days} simulated days (${r.simulated.from} → ${r.simulated.to}), a refresh every ${r.simulated.stepS} s simulated, in ${r.realS} s real`,
  );
  console.table({
    "RSS at start": mib(r.rss.startBytes),
    "RSS at end": mib(r.rss.endBytes),
    "RSS max": mib(r.rss.maxBytes),
    "RSS growth, last day vs middle day": mib(r.rss.growthBytes),
    "RSS trend per day": mib(r.rss.slopeBytesPerDay),
    "RSS samples (hourly)": r.rss.samples.length,
    "heap used at start / end": `${mib(r.heapUsed.startBytes)} / ${mib(r.heapUsed.endBytes)}`,
    "heap growth, last day vs middle day": mib(r.heapUsed.growthBytes),
    "heap trend per day": mib(r.heapUsed.slopeBytesPerDay),
    refreshes: r.refreshes,
    "refresh waits timed out": r.refreshWaitsTimedOut,
    "states sent": r.statesSent,
    "state batches": r.batches,
    "events finished / failed": `${r.events.finished} / ${r.events.failed}`,
    "lab guest results ok / failed": `${r.lab.ok} / ${r.lab.failed}`,
    "lab results scheduled / back up now": `${r.lab.scheduled} / ${r.lab.manual}`,
    "service log WARN / ERROR lines": `${r.serviceLog.warnings} / ${r.serviceLog.errors}`,
  });
  console.table(r.faults);
  console.table(Object.fromEntries(r.invariants.map((i) => [i.name, { ok: i.ok, detail: i.detail }])));
  if (r.serviceLog.distinct.length)
    console.log(`service warnings and errors:\n  ${r.serviceLog.distinct.join("\n  ")}`);
}
