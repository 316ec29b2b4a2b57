import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { freePort } from "../ha/hass.js";
import { optionsFileFor, runCli } from "../support/cli.js";
import { seed } from "../support/scenarios.js";

/**
 * What a new user types, right or wrong, against the built `pve-backup`: every mistake is one
 * clear line with the documented exit code, never a stack trace, and the README's commands work
 * in the demo as written.
 */

const root = join(import.meta.dirname, "../..");
const STACK = /\n\s+at \S+ \(|\n\s+at file:/;
let lab: SimLab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

function writeOptions(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "pvb-friction-")), "options.json");
  writeFileSync(file, text);
  return file;
}

describe("pve-backup on a careless command line", () => {
  it.each<[string, string[], number, RegExp]>([
    [
      "an unknown flag",
      ["status", "--jsn"],
      64,
      /^pve-backup: Unknown option '--jsn'\n\(pve-backup --help for usage\)\n$/,
    ],
    ["a misspelt command", ["stauts", "--demo"], 64, /unknown command 'stauts'; did you mean status\?/],
    [
      "an unknown scenario",
      ["status", "--demo=tierd"],
      64,
      /^pve-backup: unknown demo scenario 'tierd': choose seed, tiered/,
    ],
    [
      "an unknown scenario as a word",
      ["plan", "--demo", "tierd"],
      64,
      /plan takes no argument 'tierd' \(demo scenarios: seed, tiered\)/,
    ],
    [
      "options and demo at once",
      ["status", "--demo", "--options", "x.json"],
      64,
      /--options and --demo exclude each other/,
    ],
    [
      "no options at all",
      ["status"],
      78,
      /no options: none at \/data\/options.json; pass --options FILE \(or --demo/,
    ],
    [
      "a storage create that cannot be",
      ["storage", "create", "--demo", "--server", "10.0.0.9", "--export", "/x", "--yes"],
      64,
      /storage 'nas-backups' already exists on cluster home \(nfs 10\.0\.0\.150:\/volume1\/backups\/proxmox\) and was not changed/,
    ],
  ])("%s: one line and its exit code", async (_name, args, code, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).not.toContain("commands:");
  });

  it("prints the version of package.json", async () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    const r = await runCli(["--version"]);
    expect(r).toMatchObject({ code: 0, stdout: `pve-backup ${version}\n` });
  });

  it("honours --demo SCENARIO for every command, not only status", async () => {
    const seedPlan = await runCli(["plan", "--json", "--demo"]);
    const tieredPlan = await runCli(["plan", "--json", "--demo", "tiered"]);
    expect(seedPlan.code).toBe(1);
    expect(JSON.parse(seedPlan.stdout).create.length).toBeGreaterThan(0);
    expect(tieredPlan.code).toBe(0);
    expect(JSON.parse(tieredPlan.stdout).create).toEqual([]);
    const scenarioFlag = await runCli(["plan", "--json", "--scenario", "tiered", "--demo"]);
    expect(scenarioFlag.code).toBe(0);
  });

  it("creates the README's NFS storage in the demo, where it already exists, without a complaint", async () => {
    const r = await runCli([
      "storage",
      "create",
      "--server",
      "10.0.0.150",
      "--export",
      "/volume1/backups/proxmox",
      "--demo",
      "--yes",
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(
      "Storage 'nas-backups' already exists on cluster home (NFS 10.0.0.150:/volume1/backups/proxmox): nothing to create.",
    );
    expect(r.code).toBe(0);
  });

  it("sets up push in the demo and sees PVE's test notification arrive", async () => {
    const r = await runCli(["notify", "setup", "--demo", "--yes"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/Webhook target created, matcher created/);
    expect(r.stdout).toMatch(
      /Test notification: arrived at http:\/\/127\.0\.0\.1:\d+\/api\/pve-webhook \(listened for by this command\), secret accepted\. Push works\./,
    );
    expect(r.code).toBe(0);
  });

  it("says when PVE's test notification does not arrive, and what to check", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    const port = await freePort();
    const options = optionsFileFor(lab, {
      push: {
        url: `http://no-such-host.invalid:${port}/api/pve-webhook`,
        secret: "a-long-shared-secret-for-tests",
      },
      webhook_port: port,
    });
    const r = await runCli(["notify", "setup", "--yes", "--options", options]);
    expect(r.stdout).toMatch(
      /Test notification: nothing arrived at http:\/\/no-such-host\.invalid:\d+\/api\/pve-webhook within 10 s\./,
    );
    expect(r.stdout).toMatch(/Check that PVE can reach no-such-host\.invalid:\d+/);
    expect(r.code).toBe(1);
  });

  it("rejects a typo in the options with the nearest valid key", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    const good = JSON.parse(readFileSync(optionsFileFor(lab), "utf8"));
    const { token_id, ...rest } = good.clusters[0];
    const file = writeOptions(JSON.stringify({ ...good, clusters: [{ ...rest, tokn_id: token_id }] }));
    const r = await runCli(["status", "--options", file]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("clusters.0.tokn_id: unknown option; did you mean token_id?");
    expect(r.stderr).toContain(
      'clusters.0.token_id: missing; add the API token id, e.g. "token_id": "pve-backup@pve!addon"',
    );
  });

  it("tells a JSON mistake by line and column without the secret", async () => {
    const secret = "0a9e3b7c-1d2f-4e5a-8b6c-7d8e9f0a1b2c";
    const file = writeOptions(`{"clusters": [{"name": "home", "token_secret": \u201c${secret}\u201d}]}`);
    const r = await runCli(["status", "--options", file]);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/not valid JSON at line 1, column 48/);
    expect(r.stderr).not.toContain(secret.slice(0, 8));
  });
});
