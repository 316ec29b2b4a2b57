import { type ChildProcess, spawn } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { freePort, waitFor } from "../ha/hass.js";
import { optionsFileFor, runCli } from "../support/cli.js";
import { tieredLab } from "../support/scenarios.js";

/**
 * Push: PVE's webhook notification reaches the service the moment a backup ends, and the
 * status changes without waiting for the next poll (the poll interval here is 5 minutes).
 */

const root = join(import.meta.dirname, "../..");
const SECRET = "a-long-shared-secret-for-tests";
let lab: SimLab | undefined;
let service: ChildProcess | undefined;

afterEach(async () => {
  service?.kill("SIGTERM");
  await lab?.stop();
  lab = undefined;
  service = undefined;
});

interface Status {
  guests: { vmid: number; status: string; lastBackup: { time: string } | null }[];
}

describe("push notifications from PVE", () => {
  it("updates the status as soon as PVE reports a finished backup, without waiting for a poll", async () => {
    lab = await startSimLab({
      scenario: tieredLab({ now: new Date(Date.now() - (Date.now() % 60_000)).toISOString() }),
      clock: "manual",
    });
    const port = await freePort();
    const webhookPort = await freePort();
    const api = `http://127.0.0.1:${port}`;
    const options = optionsFileFor(lab, {
      api_port: port,
      webhook_port: webhookPort,
      refresh_interval_s: 300,
      push: { url: `http://127.0.0.1:${webhookPort}/api/pve-webhook`, secret: SECRET },
    });
    const dir = dirname(options);

    const setup = await runCli(["notify", "setup", "--yes", "--options", options]);
    expect(setup.stderr).toBe("");
    expect(setup.stdout).toContain("Webhook target created, matcher created");
    expect(setup.stdout).toContain("Test notification: arrived");
    const again = await runCli(["notify", "setup", "--yes", "--options", options]);
    expect(again.stdout).toContain("Webhook target updated, matcher updated");
    await lab.settleNotifications();
    // Each setup had PVE send a test notification, to the command listening in the service's place.
    const tests = lab.notifications.filter((n) => n.target === "pve-backup").length;
    expect(tests).toBe(2);

    const logFile = join(dir, "service.log");
    service = spawn(process.execPath, [join(root, "dist/main.js"), "--options", options], {
      stdio: ["ignore", openSync(logFile, "a"), openSync(logFile, "a")],
    });
    const status = async () => (await (await fetch(`${api}/api/status`)).json()) as Status;
    const refreshes = async () =>
      ((await (await fetch(`${api}/api/bridge`)).json()) as { refreshes: number }).refreshes;
    await waitFor(
      async () => (await fetch(`${api}/api/status`).catch(() => undefined))?.ok === true,
      20_000,
      `service did not start: ${logFile}`,
    );
    const before = (await status()).guests.find((g) => g.vmid === 105)?.lastBackup?.time;
    const refreshesBefore = await refreshes();

    const started = await runCli(["backup", "105", "--options", options]);
    expect(started.code).toBe(0);
    await waitFor(
      async () => {
        await lab?.advance(5_000);
        return lab?.state.tasks.at(-1)?.endMs !== undefined;
      },
      20_000,
      "the backup did not end",
    );
    await lab.settleNotifications();
    expect(
      lab.notifications
        .filter((n) => n.target === "pve-backup")
        .slice(tests)
        .map((n) => n.status),
    ).toEqual([202]);

    await waitFor(
      async () => (await status()).guests.find((g) => g.vmid === 105)?.lastBackup?.time !== before,
      5_000,
      "status did not change after the push",
    );
    expect(await refreshes()).toBeGreaterThan(refreshesBefore);
    expect(readFileSync(logFile, "utf8")).toContain("PVE notification: refreshing now");
  });

  it("refuses a notification without the shared secret", async () => {
    lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    const port = await freePort();
    const webhookPort = await freePort();
    const options = optionsFileFor(lab, {
      api_port: port,
      webhook_port: webhookPort,
      push: { url: `http://127.0.0.1:${webhookPort}/api/pve-webhook`, secret: SECRET },
    });
    service = spawn(process.execPath, [join(root, "dist/main.js"), "--options", options], {
      stdio: "ignore",
    });
    const url = `http://127.0.0.1:${webhookPort}/api/pve-webhook`;
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/api/status`).catch(() => undefined))?.ok === true,
      20_000,
      "service did not start",
    );
    const wrong = await fetch(url, {
      method: "POST",
      headers: { "x-pve-backup-secret": "nope" },
      body: "{}",
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: "missing or wrong X-PVE-Backup-Secret header" });
    const get = await fetch(url);
    expect(get.status).toBe(405);
    const right = await fetch(url, {
      method: "POST",
      headers: { "x-pve-backup-secret": SECRET },
      body: '{"fields":{"type":"vzdump"}}',
    });
    expect(right.status).toBe(202);
  });
});
