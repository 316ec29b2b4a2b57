import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { materializeHistory } from "./history.js";
import { createApiHandler, type Fault, type RequestLogEntry } from "./http.js";
import { localClock } from "./local-time.js";
import { createNotifier, type NotificationDelivery } from "./notify.js";
import { restoreRoutes } from "./restore.js";
import type { SimDeps } from "./route.js";
import { accessRoutes } from "./routes-access.js";
import { clusterRoutes } from "./routes-cluster.js";
import { nodeRoutes } from "./routes-nodes.js";
import { notificationRoutes } from "./routes-notifications.js";
import { storageRoutes } from "./routes-storage.js";
import { type ParsedScenario, Scenario } from "./scenario.js";
import { createScheduler } from "./scheduler.js";
import { createSimState, type SimState } from "./state.js";
import { createTaskEngine } from "./task-engine.js";
import { createNodeCertificate, fakeFingerprint } from "./tls.js";

/**
 * A simulated Proxmox VE 9.1 cluster served over HTTPS on loopback: the test double of the PVE
 * adapter and the demo lab. Time is the scenario's: frozen and moved by `advance()` ("manual"),
 * or flowing at wall speed from the scenario's `now` ("real").
 */

export interface SimLabOptions {
  /** A scenario, the name of a file in `src/sim/scenarios` (without `.json`), or a path to one. */
  readonly scenario: Scenario | string;
  readonly clock?: "manual" | "real";
  /** Default: any free port. */
  readonly port?: number;
  /** Added to every answer; default: the scenario's `latencyMs`. */
  readonly latencyMs?: number;
  /** Delay of 401 answers (PVE: ~3 s); default 0. */
  readonly authFailDelayMs?: number;
}

export interface SimLab {
  /** `https://127.0.0.1:PORT`. */
  readonly url: string;
  /** SHA-256 fingerprint of the served certificate, `AB:CD:…` uppercase. */
  readonly fingerprint: string;
  /** Sim time, epoch ms. */
  nowMs(): number;
  /** Moves sim time forward: running tasks progress and due scheduled jobs run on the way. */
  advance(ms: number): Promise<void>;
  /** The live lab state; tests may change it (nodes offline, storages inactive, jobs, …). */
  readonly state: SimState;
  /** Every request answered, in order. */
  readonly requestLog: RequestLogEntry[];
  /** Notification deliveries (webhook requests, sendmail hand-offs), in the order they started. */
  readonly notifications: NotificationDelivery[];
  /** Resolves once every notification delivery started so far has finished. */
  settleNotifications(): Promise<void>;
  setLatency(ms: number): void;
  /** Make the next matching request(s) fail as PVE would, before anything changes. */
  failNext(fault: Omit<Fault, "times" | "skip"> & { times?: number; skip?: number }): void;
  stop(): Promise<void>;
}

/** The repository root: the nearest directory above this module with a `package.json`. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the repository root (no package.json above the sim)");
    dir = parent;
  }
}

/**
 * Reads and validates a scenario: a bare name means `src/sim/scenarios/<name>.json` of this
 * repository (found from the sources and from the `dist/` bundle alike), anything with a `/` or
 * ending in `.json` is a path.
 */
export function loadScenario(nameOrPath: string): ParsedScenario {
  const isPath = nameOrPath.includes("/") || nameOrPath.endsWith(".json");
  const file = isPath
    ? resolve(nameOrPath)
    : join(repoRoot(), "src", "sim", "scenarios", `${nameOrPath}.json`);
  if (!existsSync(file)) throw new Error(`no such scenario: ${nameOrPath} (looked for ${file})`);
  return Scenario.parse(JSON.parse(readFileSync(file, "utf8")));
}

const HOUR_MS = 3_600_000;

export async function startSimLab(opts: SimLabOptions): Promise<SimLab> {
  const scenario =
    typeof opts.scenario === "string" ? loadScenario(opts.scenario) : Scenario.parse(opts.scenario);
  const labStartMs = Date.parse(scenario.now);
  const local = localClock(scenario.timezone);
  const entry = (scenario.nodes[0] as ParsedScenario["nodes"][number]).name;
  const cert = await createNodeCertificate(entry);
  const state = createSimState(scenario, {
    local,
    fingerprintOf: (node) => (node === entry ? cert.fingerprint : fakeFingerprint(node)),
  });

  // Nodes booted a while before anything in their history (UPID pstart counts from boot).
  const bootMsOf = (node: string) =>
    Math.min(
      labStartMs - 13 * 24 * HOUR_MS - state.nodes.findIndex((n) => n.name === node) * HOUR_MS,
      ...scenario.tasks.filter((t) => t.node === node).map((t) => Date.parse(t.start) - HOUR_MS),
    );
  // Tasks that end while history replays send nothing; live ones may notify.
  const notifier = createNotifier({ state, local });
  let live = false;
  const onTaskFinished = (task: SimState["tasks"][number]) => {
    if (live) notifier.taskFinished(task);
  };
  const engine = createTaskEngine({ state, bootMsOf, onTaskFinished });
  materializeHistory(scenario.tasks, { state, engine, local, labStartMs });
  // Running history catches up to the lab's start (no scheduled jobs fire in the past).
  while (engine.runNext(labStartMs)) {
    /* replay */
  }
  live = true;
  const scheduler = createScheduler({ state, local, effectsFromMs: labStartMs, engine }, labStartMs);

  let manualNowMs = labStartMs;
  let offsetMs = labStartMs - Date.now();
  const real = opts.clock === "real";
  const nowMs = () => (real ? Date.now() + offsetMs : manualNowMs);

  /** Runs task steps and scheduled jobs in time order up to `targetMs` (tasks first on ties). */
  const runUntil = (targetMs: number) => {
    for (;;) {
      const taskAt = engine.nextWakeMs();
      const jobAt = scheduler.nextFireMs();
      const taskDue = taskAt !== undefined && taskAt <= targetMs;
      const jobDue = jobAt !== undefined && jobAt <= targetMs;
      if (!taskDue && !jobDue) break;
      if (taskDue && (!jobDue || (taskAt as number) <= (jobAt as number))) {
        if (!real) manualNowMs = Math.max(manualNowMs, taskAt as number);
        engine.runNext(taskAt as number);
      } else {
        if (!real) manualNowMs = Math.max(manualNowMs, jobAt as number);
        scheduler.fire(jobAt as number);
      }
    }
    scheduler.skipTo(targetMs);
  };

  let latencyMs = opts.latencyMs ?? scenario.latencyMs;
  const requestLog: RequestLogEntry[] = [];
  const deps: SimDeps = { state, engine, local, entryNode: () => entry, effectsFromMs: labStartMs };
  const faults: Fault[] = [];
  const handler = createApiHandler({
    sim: deps,
    routes: notifier.instrument([
      ...clusterRoutes(deps),
      ...nodeRoutes(deps),
      ...restoreRoutes(deps),
      ...accessRoutes(deps),
      ...storageRoutes(deps),
      ...notificationRoutes(deps, notifier),
    ]),
    sync: () => {
      runUntil(nowMs());
      return nowMs();
    },
    latencyMs: () => latencyMs,
    authFailDelayMs: opts.authFailDelayMs ?? 0,
    requestLog,
    faults,
  });

  const server = createServer({ key: cert.key, cert: cert.cert }, handler);
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(opts.port ?? 0, "127.0.0.1", () => ok());
  });
  const port = (server.address() as AddressInfo).port;

  // Real clock: tasks progress and jobs fire even when nobody asks.
  const ticker = real ? setInterval(() => runUntil(nowMs()), 1000) : undefined;
  ticker?.unref();

  return {
    url: `https://127.0.0.1:${port}`,
    fingerprint: cert.fingerprint,
    nowMs,
    async advance(ms) {
      if (ms < 0) throw new Error("the sim clock only moves forward");
      if (real) {
        offsetMs += ms;
        runUntil(nowMs());
      } else {
        const target = manualNowMs + ms;
        runUntil(target);
        manualNowMs = target;
      }
    },
    state,
    requestLog,
    notifications: notifier.log,
    settleNotifications: () => notifier.settle(),
    setLatency(ms) {
      latencyMs = ms;
    },
    failNext(fault) {
      faults.push({ times: 1, skip: 0, ...fault });
    },
    async stop() {
      if (ticker) clearInterval(ticker);
      server.closeAllConnections();
      await notifier.settle();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
