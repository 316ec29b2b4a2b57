import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoOptions } from "../../src/demo.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { type SupervisorStandIn, startSupervisorStandIn } from "../../src/sim/supervisor.js";
import { tieredLab } from "../support/scenarios.js";
import { freePort, type Hass, startHass, waitFor } from "./hass.js";

/**
 * The bundle run the way the add-on container runs it: `node` with the Dockerfile's memory flags,
 * its options in a `/data/options.json` (a temporary folder here), `SUPERVISOR_TOKEN` in the
 * environment, Home Assistant reached only through the Supervisor (a stand-in in front of a real
 * Home Assistant Core), and SIGTERM to stop it. The integration is installed but not set up: the
 * add-on's discovery is what offers it.
 */

const root = join(import.meta.dirname, "../..");
const SUPERVISOR_TOKEN = "9f1c2e7a0b3d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e";
const NODE_FLAGS = ["--max-semi-space-size=2", "--max-old-space-size=256"];

interface RegistryEntity {
  entity_id: string;
  unique_id: string;
  platform: string;
}

let hass: Hass;
let lab: SimLab;
let supervisor: SupervisorStandIn;
let dataDir: string;
let ingressUrl: string;
let proc: ChildProcess | undefined;
let logFile: string;

const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
const nowIso = () => new Date(Date.now() - (Date.now() % 60_000)).toISOString();

function startAddon(): void {
  const out = openSync(logFile, "a");
  proc = spawn(
    process.execPath,
    [...NODE_FLAGS, join(root, "dist/main.js"), "--options", join(dataDir, "options.json")],
    {
      env: {
        PATH: process.env.PATH,
        SUPERVISOR_TOKEN,
        SUPERVISOR_URL: supervisor.url,
        HA_CONFIG_DIR: hass.configDir,
        TZ: "UTC",
        PVE_BACKUP_LOG_LEVEL: "debug",
      },
      stdio: ["ignore", out, out],
    },
  );
}

async function entities(): Promise<RegistryEntity[]> {
  return (await hass.ws<RegistryEntity[]>({ type: "config/entity_registry/list" })).filter(
    (e) => e.platform === "pve_backup",
  );
}

async function states(): Promise<{ entity_id: string; state: string }[]> {
  const ids = new Set((await entities()).map((e) => e.entity_id));
  const all = (await hass.rest<{ entity_id: string; state: string }[]>("GET", "/api/states")).body;
  return all.filter((s) => ids.has(s.entity_id));
}

async function bridgeMode(): Promise<string | undefined> {
  const r = await fetch(`${ingressUrl}/api/bridge`).catch(() => undefined);
  if (!r?.ok) return undefined;
  return ((await r.json()) as { bridge: { mode: string } | null }).bridge?.mode;
}

beforeAll(async () => {
  hass = await startHass({ createEntry: false, fixtures: ["supervisor_shim"] });
  lab = await startSimLab({ scenario: tieredLab({ now: nowIso() }), clock: "manual" });
  const ingressPort = await freePort();
  ingressUrl = `http://127.0.0.1:${ingressPort}`;
  const options = { ...demoOptions(lab), timezone: "UTC", refresh_interval_s: 30 };
  supervisor = await startSupervisorStandIn({
    token: SUPERVISOR_TOKEN,
    core: { url: hass.url, token: hass.token },
    addon: {
      slug: "local_pve_backup",
      name: "PVE Backup",
      version,
      discovery: ["pve_backup"],
      homeassistantApi: true,
      ingressEntry: "/api/hassio_ingress/test-token",
      ingressPort,
      options,
    },
    onDiscovery: async (d) => {
      await hass.ws({
        type: "supervisor_shim/discovery",
        service: d.service,
        config: d.config,
        name: d.addon,
        slug: d.slug,
        uuid: d.uuid,
      });
    },
  });
  dataDir = mkdtempSync(join(tmpdir(), "pve-backup-data-"));
  writeFileSync(join(dataDir, "options.json"), JSON.stringify(options));
  logFile = join(dataDir, "addon.log");
}, 300_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) proc.kill("SIGKILL");
  await supervisor?.close();
  await hass?.stop();
  await lab?.stop();
});

describe.sequential("the add-on behind the Supervisor", () => {
  it("announces itself, Home Assistant offers the integration, and accepting it brings the entities", async () => {
    startAddon();
    await waitFor(() => supervisor.discoveries.size === 1, 30_000, `no discovery (see ${logFile})`);
    // The user accepts only after the add-on has looked for the integration and not found it set up.
    await waitFor(
      async () => !["connecting", undefined].includes(await bridgeMode()),
      30_000,
      `the add-on never looked for the integration (see ${logFile})`,
    );
    const flows = await hass.ws<{ flow_id: string; handler: string; context: { source: string } }[]>({
      type: "config_entries/flow/progress",
    });
    const offered = flows.find((f) => f.handler === "pve_backup");
    expect(offered?.context.source).toBe("hassio");
    const done = await hass.rest<{ type: string }>(
      "POST",
      `/api/config/config_entries/flow/${offered?.flow_id}`,
      {},
    );
    expect(done.body.type).toBe("create_entry");
    await waitFor(
      async () => (await bridgeMode()) === "integration" && (await states()).some((s) => s.state === "ok"),
      90_000,
      `the entities did not appear (see ${logFile})`,
    );
    const notifications = await hass.ws<{ notification_id: string }[]>({
      type: "persistent_notification/get",
    });
    expect(notifications.map((n) => n.notification_id)).not.toContain("pve_backup_install");
    // Every call the add-on made went through the Supervisor, with its token.
    expect(supervisor.requests.filter((r) => r.status === 401)).toEqual([]);
    expect(supervisor.requests.some((r) => r.path === "/addons/self/info" && r.status === 200)).toBe(true);
  });

  it("starts a backup from pve_backup.backup_now", async () => {
    const r = await hass.rest<{ service_response: { started: { vmids: number[] }[] } }>(
      "POST",
      "/api/services/pve_backup/backup_now?return_response",
      { guests: ["101"] },
    );
    expect(r.status).toBe(200);
    expect(r.body.service_response.started.flatMap((t) => t.vmids)).toEqual([101]);
  });

  it("makes every entity unavailable and exits 0 within 10 s of SIGTERM", async () => {
    const p = proc as ChildProcess;
    const before = (await entities()).length;
    expect(before).toBeGreaterThan(0);
    const t0 = Date.now();
    const exited = new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
    p.kill("SIGTERM");
    const code = await exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await waitFor(
      async () => (await states()).every((s) => s.state === "unavailable"),
      10_000,
      "entities stayed available after the add-on stopped",
    );
  });

  it("comes back after a restart with the same entities and devices, none duplicated", async () => {
    const ids = (await entities()).map((e) => e.unique_id).sort();
    const devices = async () =>
      (await hass.ws<{ identifiers: [string, string][] }[]>({ type: "config/device_registry/list" })).filter(
        (d) => d.identifiers.some(([domain]) => domain === "pve_backup"),
      ).length;
    const devicesBefore = await devices();
    startAddon();
    await waitFor(
      async () => (await states()).length > 0 && (await states()).every((s) => s.state !== "unavailable"),
      60_000,
      `entities did not come back (see ${logFile})`,
    );
    expect((await entities()).map((e) => e.unique_id).sort()).toEqual(ids);
    expect(await devices()).toBe(devicesBefore);
    expect(readFileSync(logFile, "utf8")).not.toContain(SUPERVISOR_TOKEN);
  });
});
