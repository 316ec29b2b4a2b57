import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { freePort, waitFor } from "../ha/hass.js";
import { raw } from "../server/client.js";
import { optionsFileFor } from "../support/cli.js";
import { seed } from "../support/scenarios.js";

/** The service binary (`dist/main.js`) started right and wrong, and fed a hostile request. */

const MAIN = join(import.meta.dirname, "../../dist/main.js");
const STACK = /\n\s+at \S+ \(|\n\s+at file:/;
let lab: SimLab | undefined;
let service: ChildProcess | undefined;
let blocker: Server | undefined;
afterEach(async () => {
  service?.kill("SIGTERM");
  service = undefined;
  blocker?.close();
  blocker = undefined;
  await lab?.stop();
  lab = undefined;
});

function runMain(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [MAIN, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 99) : 0, stdout, stderr }),
    ),
  );
}

describe("the service started wrong", () => {
  it.each<[string, string[], number, RegExp]>([
    [
      "no options and no --demo",
      [],
      78,
      /no options: none at \/data\/options.json and no --options FILE given \(--demo runs the simulated lab\)/,
    ],
    [
      "a port that is no number",
      ["--demo", "--port", "abc"],
      64,
      /^pve-backup: --port must be a port number \(0–65535\), got 'abc'/,
    ],
    ["an unknown flag", ["--demo", "--verbose"], 64, /^pve-backup: Unknown option '--verbose'\n/],
    [
      "an unknown scenario",
      ["--demo", "tierd"],
      64,
      /^pve-backup: unknown demo scenario 'tierd': choose seed, tiered/,
    ],
    ["a stray word", ["seed"], 64, /unexpected argument 'seed' \(a demo scenario goes after --demo\)/],
  ])("%s: one line and its exit code, no stack trace", async (_name, args, code, message) => {
    const r = await runMain(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK);
  });

  it("says which port is taken instead of a stack trace", async () => {
    const port = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(port, "127.0.0.1", resolve));
    const r = await runMain(["--demo", "--port", String(port)]);
    expect(r.code).toBe(69);
    expect(r.stderr).toContain(
      `pve-backup: port 127.0.0.1:${port} is already in use (is pve-backup running already?): choose another api_port (or --port)`,
    );
    expect(r.stderr).not.toMatch(STACK);
  });

  it("prints its version", async () => {
    expect((await runMain(["--version"])).stdout).toMatch(/^pve-backup \d+\.\d+\.\d+/);
  });
});

describe("the running service", () => {
  it("answers a bad request line with 400 and keeps running", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    const port = await freePort();
    service = spawn(process.execPath, [MAIN, "--options", optionsFileFor(lab, { api_port: port })], {
      stdio: "ignore",
    });
    const status = () => fetch(`http://127.0.0.1:${port}/api/status`).catch(() => undefined);
    await waitFor(async () => (await status())?.ok === true, 20_000, "the service did not start");
    const answer = await raw(port, "GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(service.exitCode).toBeNull();
    expect((await status())?.status).toBe(200);
  });

  it("serves the panel beside /api/status on its port", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    const port = await freePort();
    service = spawn(process.execPath, [MAIN, "--options", optionsFileFor(lab, { api_port: port })], {
      stdio: "ignore",
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => (await fetch(`${base}/api/status`).catch(() => undefined))?.ok === true,
      20_000,
      "the service did not start",
    );
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>PVE Backup</title>");
    expect((await fetch(`${base}/panel.js`)).status).toBe(200);
    const overview = (await (await fetch(`${base}/api/panel/overview`)).json()) as { storage: string };
    expect(overview.storage).toBe("nas-backups");
    // Unknown paths are still a 404, now the panel's.
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
