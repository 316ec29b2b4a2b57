import { type ChildProcess, spawn } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";

/**
 * A real Home Assistant Core (from the project's .venv, see scripts/python-env.sh) on loopback
 * with a minimal configuration and the companion integration copied in, onboarded by script
 * (user, then tokens) and with the integration's config entry created through its config flow.
 */

const root = join(import.meta.dirname, "../..");

export interface Hass {
  readonly url: string;
  readonly token: string;
  readonly configDir: string;
  readonly logFile: string;
  stop(): Promise<void>;
  /** Start again; `holdSetupS` holds the integration's set-up back that long (its commands are unknown meanwhile). */
  start(opts?: { holdSetupS?: number }): Promise<void>;
  /** How many times the add-on sent `pve_backup/connect` (the integration logs each). */
  connects(): number;
  rest<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** One websocket command on a fresh, authenticated connection. */
  ws<T = unknown>(msg: Record<string, unknown>): Promise<T>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * A test-only wrapper appended to the config folder's copy of the integration (the shipped code
 * is not touched): with PVE_BACKUP_TEST_HOLD_SETUP_S set, its set-up waits that long first, as a
 * slow start of Home Assistant would (websocket up, `pve_backup/*` commands not registered yet).
 */
const HOLD_SETUP_SHIM = `

# --- test harness (test/ha/hass.ts): hold the set-up back when asked ---
import asyncio as _harness_asyncio
import os as _harness_os

_harness_async_setup = async_setup


async def async_setup(hass, config):  # noqa: F811
    hold_s = float(_harness_os.environ.get("PVE_BACKUP_TEST_HOLD_SETUP_S") or 0)
    if hold_s:
        LOGGER.warning("test harness: holding the PVE Backup set-up back for %s s", hold_s)
        await _harness_asyncio.sleep(hold_s)
    return await _harness_async_setup(hass, config)
`;

export interface HassOptions {
  /** Copy the companion integration into custom_components (default true). */
  readonly withIntegration?: boolean;
  /** Create its config entry through the user flow (default: withIntegration). */
  readonly createEntry?: boolean;
  /** Test-only components from test/ha/fixtures, copied in and set up from configuration.yaml. */
  readonly fixtures?: readonly string[];
  /**
   * Load the frontend, as every real installation does: Home Assistant then serves HTTP and the
   * websocket as soon as the frontend is set up, before the other integrations.
   */
  readonly frontend?: boolean;
  /** More lines for configuration.yaml (e.g. `recorder:` and `history:` for the card's sparkline). */
  readonly extraConfig?: readonly string[];
  /** Home Assistant's own integrations to set up from configuration.yaml (e.g. mobile_app). */
  readonly components?: readonly string[];
  /** Further lines of configuration.yaml, and files to put beside it (name → content). */
  readonly yaml?: readonly string[];
  readonly files?: Readonly<Record<string, string>>;
}

export async function startHass(opts: HassOptions = {}): Promise<Hass> {
  const withIntegration = opts.withIntegration ?? true;
  const createEntry = opts.createEntry ?? withIntegration;
  const fixtures = opts.fixtures ?? [];
  const configDir = mkdtempSync(join(tmpdir(), "pve-backup-hass-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(configDir, "configuration.yaml"),
    [
      "homeassistant:",
      "  name: PVE Backup test",
      "  time_zone: UTC",
      "  unit_system: metric",
      "  latitude: 52.5",
      "  longitude: 13.4",
      "  elevation: 0",
      "http:",
      "  server_host: 127.0.0.1",
      `  server_port: ${port}`,
      "config:",
      "api:",
      "websocket_api:",
      "webhook:",
      ...(opts.frontend ? ["frontend:"] : []),
      "logger:",
      "  default: warning",
      "  logs:",
      "    custom_components.pve_backup: debug",
      ...fixtures.map((f) => `${f}:`),
      ...(opts.extraConfig ?? []),
      ...(opts.components ?? []).map((c) => `${c}:`),
      ...(opts.yaml ?? []),
      "",
    ].join("\n"),
  );
  for (const [name, content] of Object.entries(opts.files ?? {}))
    writeFileSync(join(configDir, name), content);
  mkdirSync(join(configDir, "custom_components"));
  for (const f of fixtures)
    cpSync(join(root, "test/ha/fixtures", f), join(configDir, "custom_components", f), { recursive: true });
  if (withIntegration) {
    const copy = join(configDir, "custom_components/pve_backup");
    cpSync(join(root, "custom_components/pve_backup"), copy, { recursive: true });
    appendFileSync(join(copy, "__init__.py"), HOLD_SETUP_SHIM);
  }
  const logFile = join(configDir, "hass.log");
  let proc: ChildProcess | undefined;
  let token = "";

  const start = async (startOpts: { holdSetupS?: number } = {}) => {
    const out = openSync(logFile, "a");
    proc = spawn(join(root, ".venv/bin/hass"), ["-c", configDir, "--skip-pip", "--log-no-color"], {
      stdio: ["ignore", out, out],
      env: { ...process.env, PVE_BACKUP_TEST_HOLD_SETUP_S: String(startOpts.holdSetupS ?? 0) },
    });
    await waitFor(
      async () => (await fetch(`${url}/api/onboarding`).catch(() => undefined))?.ok === true,
      180_000,
      `Home Assistant did not start (see ${logFile})`,
    );
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGTERM");
    const killer = setTimeout(() => p.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(killer);
  };
  const rest = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Some HA errors are plain text (`400: Bad Request`).
    }
    return { status: res.status, body: parsed as T };
  };
  const ws = <T>(msg: Record<string, unknown>) => wsCommand<T>(url, token, msg);

  await start();
  token = await onboard(url);
  // The integration's config entry, through its config flow (one confirm step).
  if (createEntry) {
    const flow = await rest<{ flow_id: string }>("POST", "/api/config/config_entries/flow", {
      handler: "pve_backup",
      show_advanced_options: false,
    });
    if (flow.status !== 200) throw new Error(`config flow: ${flow.status} ${JSON.stringify(flow.body)}`);
    const done = await rest<{ type: string }>(
      "POST",
      `/api/config/config_entries/flow/${flow.body.flow_id}`,
      {},
    );
    if (done.body.type !== "create_entry")
      throw new Error(`config flow ended with ${JSON.stringify(done.body)}`);
  }
  return {
    url,
    get token() {
      return token;
    },
    configDir,
    logFile,
    stop,
    start,
    rest,
    ws,
    connects: () => (readFileSync(logFile, "utf8").match(/PVE Backup add-on \S+ connected: /g) ?? []).length,
  };
}

/** Onboarding by script: the owner user, its tokens, then a long-lived access token. */
async function onboard(url: string): Promise<string> {
  const clientId = `${url}/`;
  const user = await fetch(`${url}/api/onboarding/users`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_id: clientId,
      name: "Test",
      username: "test",
      password: "test-password-123",
      language: "en",
    }),
  });
  if (!user.ok) throw new Error(`onboarding user: ${user.status} ${await user.text()}`);
  const { auth_code } = (await user.json()) as { auth_code: string };
  const tokenRes = await fetch(`${url}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: auth_code,
      client_id: clientId,
    }).toString(),
  });
  const { access_token } = (await tokenRes.json()) as { access_token: string };
  for (const step of ["core_config", "analytics"]) {
    await fetch(`${url}/api/onboarding/${step}`, {
      method: "POST",
      headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" },
      body: "{}",
    });
  }
  return wsCommand<string>(url, access_token, {
    type: "auth/long_lived_access_token",
    client_name: "pve-backup tests",
    lifespan: 365,
  });
}

export function wsCommand<T>(url: string, token: string, msg: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/websocket`);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no answer to ${String(msg.type)}`));
    }, 30_000);
    ws.on("message", (data) => {
      const m = JSON.parse(String(data));
      if (m.type === "auth_required") ws.send(JSON.stringify({ type: "auth", access_token: token }));
      else if (m.type === "auth_ok") ws.send(JSON.stringify({ id: 1, ...msg }));
      else if (m.type === "auth_invalid") reject(new Error("auth_invalid"));
      else if (m.id === 1 && m.type === "result") {
        clearTimeout(timer);
        ws.close();
        if (m.success) resolve(m.result as T);
        else reject(new Error(`${String(msg.type)}: ${m.error?.code} ${m.error?.message}`));
      }
    });
    ws.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** A websocket that collects the events of one type (e.g. `pve_backup_backup_failed`). */
export async function collectEvents(
  url: string,
  token: string,
  eventType: string,
): Promise<{ events: { data: Record<string, unknown> }[]; close(): void }> {
  const events: { data: Record<string, unknown> }[] = [];
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/websocket`);
  await new Promise<void>((resolve, reject) => {
    ws.on("message", (raw) => {
      const m = JSON.parse(String(raw));
      if (m.type === "auth_required") ws.send(JSON.stringify({ type: "auth", access_token: token }));
      else if (m.type === "auth_ok")
        ws.send(JSON.stringify({ id: 1, type: "subscribe_events", event_type: eventType }));
      else if (m.id === 1 && m.type === "result")
        m.success ? resolve() : reject(new Error("subscribe failed"));
      else if (m.id === 1 && m.type === "event") events.push(m.event);
    });
    ws.on("error", reject);
  });
  return { events, close: () => ws.close() };
}

export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  message: string,
  everyMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
