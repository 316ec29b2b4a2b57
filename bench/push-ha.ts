import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoOptions } from "../src/demo.js";
import { startSimLab } from "../src/sim/lab.js";
import { addon } from "../test/ha/addon.js";
import { freePort, startHass, waitFor } from "../test/ha/hass.js";
import { optionsFileFor } from "../test/support/cli.js";
import { tieredLab } from "../test/support/scenarios.js";

/**
 * Time from the simulated PVE finishing a backup to the Home Assistant entity changing, pushed
 * all the way: PVE webhook → HA webhook of the companion integration → add-on → refresh →
 * `pve_backup/states` → entity. A real HA Core from .venv (run scripts/python-env.sh first).
 * Prints numbers; asserts none.
 */

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const hass = await startHass();
const lab = await startSimLab({
  scenario: tieredLab({ now: new Date(Date.now() - (Date.now() % 60_000)).toISOString() }),
  clock: "manual",
});
// Polling is left at five minutes: every change below must come from the push.
const add = addon({ ...demoOptions(lab), timezone: "UTC", refresh_interval_s: 300 }, hass, await freePort());
await add.start();
await waitFor(
  async () => (await add.bridge()).bridge?.mode === "integration",
  60_000,
  "add-on did not connect",
);
const { path } = await hass.ws<{ path: string }>({ type: "pve_backup/webhook" });
const options = optionsFileFor(lab);
const cli = (args: string[]) =>
  new Promise<void>((resolve) =>
    spawn(process.execPath, [join(here, "../cli.js"), ...args, "--options", options], { stdio: "ignore" }).on(
      "exit",
      () => resolve(),
    ),
  );
await cli(["notify", "setup", "--yes", "--url", `${hass.url}${path}`]);

const entities = (
  await hass.ws<{ entity_id: string; unique_id: string }[]>({ type: "config/entity_registry/list" })
).filter((e) => e.unique_id.startsWith("pve_backup_"));
const lastBackup = entities.find((e) => e.unique_id === "pve_backup_home_105_last_backup")
  ?.entity_id as string;
const stateOf = async () =>
  ((await hass.rest<{ state: string }>("GET", `/api/states/${lastBackup}`)).body as { state: string }).state;

const samples: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const before = await stateOf();
  const tasks = lab.state.tasks.length;
  await cli(["backup", "105"]);
  while (lab.state.tasks.length === tasks) await sleep(10);
  await lab.advance(14_000);
  await sleep(500);
  const t0 = performance.now();
  await lab.advance(2_000);
  while ((await stateOf()) === before) await sleep(10);
  samples.push(performance.now() - t0);
  await lab.settleNotifications();
}
samples.sort((a, b) => a - b);
console.log(`backup finished in PVE → Home Assistant entity changed, pushed, ${RUNS} runs (loopback):`);
console.table({
  push: {
    median: Math.round(samples[Math.floor(RUNS / 2)] ?? 0),
    min: Math.round(samples[0] ?? 0),
    max: Math.round(samples.at(-1) ?? 0),
    unit: "ms",
  },
});
console.log(
  `webhook deliveries: ${JSON.stringify(lab.notifications.filter((n) => n.target === "pve-backup").map((n) => n.status))}`,
);
await add.stop();
await hass.stop();
await lab.stop();
