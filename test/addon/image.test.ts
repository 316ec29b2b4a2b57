import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DockerfileParser } from "dockerfile-ast";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { freePort, waitFor } from "../ha/hass.js";
import { optionsFileFor } from "../support/cli.js";
import { seed } from "../support/scenarios.js";

/**
 * The image's command, run as Docker runs it but without a Docker engine: the assembled build
 * context (addon/rootfs) stands in for the image's filesystem, the Dockerfile's WORKDIR and CMD
 * are taken from the Dockerfile itself, and the healthcheck is the image's own script. Only the
 * options path differs (`--options` instead of the Supervisor's /data/options.json).
 */

const root = join(import.meta.dirname, "../..");
const rootfs = join(root, "addon/rootfs");
const healthcheck = join(rootfs, "usr/local/bin/pve-backup-healthcheck");
const dockerfile = DockerfileParser.parse(readFileSync(join(root, "addon/Dockerfile"), "utf8"));
const cmd = JSON.parse(dockerfile.getCMDs()[0]?.getArgumentsContent() ?? "[]") as string[];
const workdir = join(
  rootfs,
  dockerfile
    .getInstructions()
    .filter((i) => i.getKeyword() === "WORKDIR")
    .at(-1)
    ?.getArgumentsContent() ?? "/",
);

let lab: SimLab | undefined;
let service: ChildProcess | undefined;
let server: Server | undefined;

beforeAll(() => {
  // The committed build context is the image's filesystem (context.test.ts keeps it current).
  expect(existsSync(join(rootfs, "app/dist/main.js")), "run `npm run addon:build` first").toBe(true);
});

afterEach(async () => {
  service?.kill("SIGKILL");
  service = undefined;
  await lab?.stop();
  lab = undefined;
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** The image's CMD with this machine's node, plus extra arguments. */
function startImage(extra: string[]): {
  child: ChildProcess;
  exit: Promise<number | null>;
  output: () => string;
} {
  let output = "";
  const [node, ...args] = cmd;
  expect(node).toBe("node");
  const child = spawn(process.execPath, [...args, ...extra], {
    cwd: workdir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exit, output: () => output };
}

/** Run the image's healthcheck script against the API port in `optionsFile`; its exit code. */
function runHealthcheck(optionsFile: string, env: Record<string, string> = {}): Promise<number | null> {
  return new Promise((resolve) => {
    const hc = spawn("sh", [healthcheck], {
      env: { ...process.env, PVE_BACKUP_OPTIONS_FILE: optionsFile, ...env },
      stdio: "ignore",
    });
    hc.on("exit", (code) => resolve(code));
  });
}

function optionsWithPort(port: number): string {
  const dir = mkdtempSync(join(tmpdir(), "pve-backup-hc-"));
  const file = join(dir, "options.json");
  // The Supervisor writes options.json with Python's json.dumps: ", " and ": " separators.
  writeFileSync(file, `{"clusters": [], "api_port": ${port}, "install_integration": false}`);
  return file;
}

describe("the add-on image's command", () => {
  it("serves the status API, is healthy, and stops cleanly on SIGTERM", async () => {
    lab = await startSimLab({ scenario: seed(), clock: "manual" });
    const port = await freePort();
    const options = optionsFileFor(lab, { api_port: port });
    expect(await runHealthcheck(options), "nothing listens yet: unhealthy").not.toBe(0);

    const image = startImage(["--options", options]);
    service = image.child;
    await waitFor(async () => (await runHealthcheck(options)) === 0, 20_000, "the healthcheck never passed");
    const status = (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as {
      guests: unknown[];
    };
    expect(status.guests.length).toBeGreaterThan(0);

    image.child.kill("SIGTERM");
    expect(await image.exit, image.output()).toBe(0);
    expect(image.output()).toContain("SIGTERM: stopping");
  });

  it("exits non-zero on bad options, so the container stops and the Supervisor sees it", async () => {
    const bad = optionsWithPort(await freePort());
    const image = startImage(["--options", bad]);
    service = image.child;
    expect(await image.exit).toBe(78);
    expect(image.output()).toContain("clusters: add at least one Proxmox VE cluster");
  });
});

describe("the healthcheck script", () => {
  async function answering(code: number): Promise<number> {
    server = createServer((req, res) => {
      res.writeHead(req.url === "/api/status" ? code : 404).end("{}");
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const addr = server.address();
    return typeof addr === "object" && addr ? addr.port : 0;
  }

  it("is healthy on 200", async () => {
    expect(await runHealthcheck(optionsWithPort(await answering(200)))).toBe(0);
  });

  it("is not healthy on 503 before the first refresh (Docker shows 'starting' in the start period)", async () => {
    expect(await runHealthcheck(optionsWithPort(await answering(503)))).not.toBe(0);
  });

  it("checks the ingress port, not api_port, under the Supervisor (the add-on serves its status there)", async () => {
    const options = optionsWithPort(await answering(200));
    expect(await runHealthcheck(options)).toBe(0);
    // Nothing answers /api/status on 8099 here: the check must have gone there and failed.
    expect(await runHealthcheck(options, { SUPERVISOR_TOKEN: "t" })).not.toBe(0);
  });

  it("reads api_port from compact JSON too", async () => {
    const port = await answering(200);
    const file = join(mkdtempSync(join(tmpdir(), "pve-backup-hc-")), "options.json");
    writeFileSync(file, JSON.stringify({ clusters: [], api_port: port }));
    expect(await runHealthcheck(file)).toBe(0);
  });
});
