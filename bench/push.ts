import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type SimLab, startSimLab } from "../src/sim/lab.js";
import { freePort } from "../test/ha/hass.js";
import { optionsFileFor } from "../test/support/cli.js";
import { tieredLab } from "../test/support/scenarios.js";

/**
 * Time from the simulated PVE finishing a backup to the service's status showing it, with push
 * (PVE webhook → the service's endpoint → immediate refresh) and with polling only (every 5 s).
 * The lab runs in this process with a hand-moved clock; the service is `dist/main.js`.
 * Prints numbers; asserts none.
 */

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = 7;
const POLL_S = 5;
const SECRET = "benchmark-shared-secret-0123456789";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(push: boolean): Promise<number[]> {
  const lab: SimLab = await startSimLab({
    scenario: tieredLab({ now: new Date(Date.now() - (Date.now() % 60_000)).toISOString() }),
    clock: "manual",
  });
  const port = await freePort();
  const webhookPort = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const options = optionsFileFor(lab, {
    api_port: port,
    webhook_port: webhookPort,
    refresh_interval_s: POLL_S,
    ...(push ? { push: { url: `http://127.0.0.1:${webhookPort}/api/pve-webhook`, secret: SECRET } } : {}),
  });
  const cli = (args: string[]) =>
    new Promise<void>((resolve) =>
      spawn(process.execPath, [join(here, "../cli.js"), ...args, "--options", options], {
        stdio: "ignore",
      }).on("exit", () => resolve()),
    );
  if (push) await cli(["notify", "setup", "--yes"]);
  const service: ChildProcess = spawn(process.execPath, [join(here, "../main.js"), "--options", options], {
    stdio: "ignore",
  });
  const lastBackup = async (vmid: number) => {
    const s = (await (await fetch(`${api}/api/status`)).json()) as {
      guests: { vmid: number; lastBackup: { time: string } | null }[];
    };
    return s.guests.find((g) => g.vmid === vmid)?.lastBackup?.time;
  };
  for (;;) {
    if ((await fetch(`${api}/api/status`).catch(() => undefined))?.ok) break;
    await sleep(100);
  }
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const before = await lastBackup(105);
    const tasks = lab.state.tasks.length;
    await cli(["backup", "105"]);
    // Run the task to just before its end, let the service settle, then finish it.
    while (lab.state.tasks.length === tasks) await sleep(10);
    await lab.advance(14_000);
    await sleep(POLL_S * 1000 * Math.random());
    const t0 = performance.now();
    await lab.advance(2_000);
    while ((await lastBackup(105)) === before) await sleep(10);
    samples.push(performance.now() - t0);
    await lab.settleNotifications();
  }
  service.kill("SIGTERM");
  await lab.stop();
  return samples;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return {
    median: Math.round(s[Math.floor(s.length / 2)] ?? 0),
    min: Math.round(s[0] ?? 0),
    max: Math.round(s.at(-1) ?? 0),
  };
};

const pushed = await measure(true);
const polled = await measure(false);
console.log(`backup finished → status changed, ${RUNS} runs each (loopback; polling every ${POLL_S} s):`);
console.table({ push: { ...stats(pushed), unit: "ms" }, "polling only": { ...stats(polled), unit: "ms" } });
