import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app.js";
import { parseOptions } from "../../src/config/schema.js";
import type { VerifyLedger } from "../../src/core/verify-run.js";
import { demoOptions } from "../../src/demo.js";
import { statusWithNas } from "../../src/dsm/report.js";
import { createNasWatch } from "../../src/dsm/watch.js";
import { silentLogger } from "../../src/log.js";
import { SUPERVISOR_INGRESS_PEER, startIngressServer } from "../../src/server/ingress.js";
import type { PanelDeps } from "../../src/server/panel/router.js";
import { startPanelServer } from "../../src/server/panel/serve.js";
import { createRuntime } from "../../src/service/runtime.js";
import type { SimDsm, SimHyperBackupTask } from "../../src/sim/dsm.js";
import { startDemoDsm } from "../../src/sim/dsm-demo.js";
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
  /** The NAS's DSM stand-in, when the lab was started with `nas`. */
  readonly dsm: SimDsm | undefined;
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
 * With `nas`, the NAS's DSM stand-in holding those Hyper Backup tasks is watched as the service
 * watches it (read once before the panel starts); with `ledger`, the verification ledger is the
 * one the status reads.
 */
export async function startPanelLab(
  scenario: Scenario | string,
  opts: {
    bundlePath?: string;
    token?: { id: string; secret: string };
    nas?: { tasks: SimHyperBackupTask[] };
    ledger?: VerifyLedger;
  } = {},
): Promise<PanelLab> {
  const lab = await startSimLab({ scenario, clock: "manual" });
  const nas = opts.nas
    ? await startDemoDsm({ nowMs: () => lab.nowMs(), timeZone: "UTC", tasks: opts.nas.tasks })
    : undefined;
  const options = { ...demoOptions(lab), ...(nas ? { nas: nas.options } : {}) };
  const [cluster] = options.clusters;
  if (opts.token && cluster)
    Object.assign(cluster, { token_id: opts.token.id, token_secret: opts.token.secret });
  const config = parseOptions(options, { defaultTimeZone: "UTC" });
  const nowMs = () => lab.nowMs();
  const app = createApp(config, silentLogger, { nowMs });
  const ledger = opts.ledger;
  const runtime = createRuntime({
    app,
    log: silentLogger,
    nowMs,
    statusExtras: ledger ? () => ({ ledger }) : undefined,
  });
  // Read on every refresh (the service waits 15 minutes between reads), so a test sees news at once.
  const nasWatch = createNasWatch({
    config,
    app,
    log: silentLogger,
    nowMs,
    onChange: () => runtime.soon(0),
    intervalMs: 0,
  });
  if (nasWatch) runtime.onReports(() => nasWatch.afterRefresh());
  await runtime.start();
  if (nasWatch) {
    nasWatch.afterRefresh();
    const deadline = Date.now() + 20_000;
    while (!nasWatch.latest() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!nasWatch.latest()) throw new Error("the NAS watch read nothing from the DSM stand-in");
  }
  const status = () => statusWithNas(runtime.status(), nasWatch !== undefined, nasWatch?.views() ?? []);
  const deps: PanelDeps = {
    app,
    nowMs,
    refreshNow: () => runtime.refreshNow(),
    log: silentLogger,
    bundlePath: opts.bundlePath,
    status,
  };
  const panel = await startPanelServer(deps, 0);
  const ingress = await startIngressServer(
    {
      status,
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
    dsm: nas?.dsm,
    deps,
    url: panel.url,
    ingressUrl: ingress.url,
    async stop() {
      runtime.stop();
      await nasWatch?.close();
      await nas?.dsm.stop();
      await panel.close();
      await ingress.close();
      await app.close();
      await lab.stop();
    },
  };
}
