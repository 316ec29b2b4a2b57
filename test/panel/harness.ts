import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app.js";
import { parseOptions } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import { silentLogger } from "../../src/log.js";
import { SUPERVISOR_INGRESS_PEER, startIngressServer } from "../../src/server/ingress.js";
import type { PanelDeps } from "../../src/server/panel/router.js";
import { startPanelServer } from "../../src/server/panel/serve.js";
import { createRuntime } from "../../src/service/runtime.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import type { Scenario } from "../../src/sim/scenario.js";

/** The seed lab's read-only token (PVEAuditor on /). */
export const READ_ONLY_TOKEN = { id: "monitor@pve!readonly", secret: "0a9e3b7c-1d2f-4e5a-8b6c-7d8e9f0a1b2c" };

const root = join(import.meta.dirname, "../..");

/** The panel's script, built by the project's own build script into a temp folder. */
export function buildPanelBundle(): string {
  const out = join(mkdtempSync(join(tmpdir(), "pvb-panel-")), "panel.js");
  execFileSync(process.execPath, [join(root, "scripts/build-panel.mjs"), out], { cwd: root });
  return out;
}

export interface PanelLab {
  readonly lab: SimLab;
  readonly deps: PanelDeps;
  /** The panel on loopback, as `npm start` serves it: `http://127.0.0.1:PORT/`. */
  readonly url: string;
  /** The same panel behind the ingress server (send `X-Ingress-Path`). */
  readonly ingressUrl: string;
  stop(): Promise<void>;
}

/**
 * A simulated lab on a manual clock, the service wired to it as main.ts wires it (app, runtime,
 * demo options), after one refresh, and the panel served on loopback and through ingress.
 */
export async function startPanelLab(
  scenario: Scenario | string,
  opts: { bundlePath?: string; token?: { id: string; secret: string } } = {},
): Promise<PanelLab> {
  const lab = await startSimLab({ scenario, clock: "manual" });
  const options = demoOptions(lab);
  const [cluster] = options.clusters;
  if (opts.token && cluster)
    Object.assign(cluster, { token_id: opts.token.id, token_secret: opts.token.secret });
  const config = parseOptions(options, { defaultTimeZone: "UTC" });
  const nowMs = () => lab.nowMs();
  const app = createApp(config, silentLogger, { nowMs });
  const runtime = createRuntime({ app, log: silentLogger, nowMs });
  await runtime.start();
  const deps: PanelDeps = {
    app,
    nowMs,
    refreshNow: () => runtime.refreshNow(),
    log: silentLogger,
    bundlePath: opts.bundlePath,
  };
  const panel = await startPanelServer(deps, 0);
  const ingress = await startIngressServer(
    {
      status: () => runtime.status(),
      bridge: () => undefined,
      refreshes: () => runtime.count(),
      allowedPeers: [SUPERVISOR_INGRESS_PEER],
      log: silentLogger,
      panel: deps,
    },
    0,
    "127.0.0.1",
  );
  return {
    lab,
    deps,
    url: panel.url,
    ingressUrl: ingress.url,
    async stop() {
      runtime.stop();
      await panel.close();
      await ingress.close();
      await app.close();
      await lab.stop();
    },
  };
}
