import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoOptions } from "../src/demo.js";
import { startSimLab } from "../src/sim/lab.js";
import { startSupervisorStandIn } from "../src/sim/supervisor.js";
import { freePort, startHass, waitFor } from "../test/ha/hass.js";

/**
 * The add-on as the container runs it (`node` with the Dockerfile's flags, `SUPERVISOR_TOKEN`,
 * Home Assistant through the Supervisor stand-in, a real HA Core from .venv, the seed lab):
 * - the size of the bundle the image carries;
 * - cold start: process spawned → the first batch of states taken by Home Assistant, 5 runs;
 * - RSS after an hour's worth of refreshes (60, one a minute by default), each asked for through
 *   `pve_backup.refresh`, which waits for the refresh and its publishing.
 * Prints numbers; asserts none.
 */

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = 5;
const TOKEN = "bench-supervisor-token-0123456789abcdef";
const FLAGS = ["--max-semi-space-size=2", "--max-old-space-size=256"];

const kib = (path: string) => Math.round(statSync(path).size / 1024);
const bundle = join(here, "../main.js");

const hass = await startHass();
const lab = await startSimLab({ scenario: "seed", clock: "real" });
const ingressPort = await freePort();
const options = { ...demoOptions(lab), timezone: "UTC", refresh_interval_s: 60 };
const supervisor = await startSupervisorStandIn({
  token: TOKEN,
  core: { url: hass.url, token: hass.token },
  addon: {
    slug: "local_pve_backup",
    name: "PVE Backup",
    version: "bench",
    discovery: ["pve_backup"],
    homeassistantApi: true,
    ingressPort,
    options,
  },
});
const dataDir = mkdtempSync(join(tmpdir(), "pve-backup-bench-"));
writeFileSync(join(dataDir, "options.json"), JSON.stringify(options));

const bridge = async () => {
  const r = await fetch(`http://127.0.0.1:${ingressPort}/api/bridge`).catch(() => undefined);
  return r?.ok ? ((await r.json()) as { refreshes: number; bridge: { states: number } | null }) : undefined;
};
const rssKib = (pid: number, field: "VmRSS" | "VmHWM") =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

function start(): ChildProcess {
  return spawn(process.execPath, [...FLAGS, bundle, "--options", join(dataDir, "options.json")], {
    env: { PATH: process.env.PATH, SUPERVISOR_TOKEN: TOKEN, SUPERVISOR_URL: supervisor.url, TZ: "UTC" },
    stdio: "ignore",
  });
}
async function stop(p: ChildProcess): Promise<void> {
  const exited = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  await exited;
}

const colds: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const p = start();
  await waitFor(async () => ((await bridge())?.bridge?.states ?? 0) > 0, 60_000, "no state reached HA", 10);
  colds.push(performance.now() - t0);
  await stop(p);
}
colds.sort((a, b) => a - b);

const p = start();
await waitFor(async () => ((await bridge())?.bridge?.states ?? 0) > 0, 60_000, "no state reached HA", 50);
const pid = p.pid as number;
const rssStart = rssKib(pid, "VmRSS");
for (let i = 0; i < 60; i++) {
  const r = await hass.rest("POST", "/api/services/pve_backup/refresh", {});
  if (r.status !== 200) throw new Error(`pve_backup.refresh: ${r.status}`);
}
const after = await bridge();
const rssEnd = rssKib(pid, "VmRSS");
const peak = rssKib(pid, "VmHWM");
await stop(p);

console.log("the add-on bundle as the container runs it (seed lab, real Home Assistant, loopback):");
console.table({
  "dist/main.js": { value: kib(bundle), unit: "KiB" },
  "cold start → first states in HA (median of 5)": {
    value: Math.round(colds[Math.floor(RUNS / 2)] ?? 0),
    unit: `ms (min ${Math.round(colds[0] ?? 0)}, max ${Math.round(colds.at(-1) ?? 0)})`,
  },
  "RSS after the first publish": { value: Math.round(rssStart / 1024), unit: "MB" },
  [`RSS after ${after?.refreshes ?? "?"} refreshes`]: { value: Math.round(rssEnd / 1024), unit: "MB" },
  "peak RSS": { value: Math.round(peak / 1024), unit: "MB" },
});
await supervisor.close();
await hass.stop();
await lab.stop();
