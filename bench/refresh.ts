import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseOptions } from "../src/config/schema.js";
import { assessCluster } from "../src/core/status.js";
import { silentLogger } from "../src/log.js";
import { createPveApi, type PveApi } from "../src/pve/api.js";
import { createPveReader } from "../src/pve/reader.js";
import { policyFromConfig } from "../src/service/monitor.js";

/**
 * One full refresh (read every fact of the cluster, judge every guest) at 10, 100 and 1,000
 * guests with 30 archives each on 3 nodes, the simulated PVE adding 25 ms to every answer.
 * Each size runs in a fresh process, so peak RSS is that size's own. Prints numbers; asserts none.
 */
const LATENCY_MS = 25;
const ARCHIVES = 30;
/**
 * The Node flags the service runs with (`npm start`, src/main.ts): each measuring process (the
 * product's) gets them too. A young generation of 2 MB semi-spaces: refreshes keep tens of
 * thousands of archives alive across scavenges, and V8 would grow it to 16 MB semi-spaces for them.
 */
const PRODUCT_NODE_FLAGS = ["--max-semi-space-size=2"];
const here = dirname(fileURLToPath(import.meta.url));

async function measure(guests: number) {
  // The sim generates the lab (bench/lab-gen.ts) in its own process: this one is the product's.
  const sim: ChildProcess = spawn(
    process.execPath,
    [join(here, "sim-child.js"), String(guests), String(ARCHIVES), String(LATENCY_MS)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const first = await new Promise<string>((resolve) =>
    createInterface({ input: sim.stdout as NodeJS.ReadableStream }).once("line", resolve),
  );
  const lab = JSON.parse(first) as {
    url: string;
    fingerprint: string;
    nowMs: number;
    token: { id: string; secret: string };
  };
  const { token } = lab;
  const config = parseOptions(
    {
      clusters: [
        {
          name: "bench",
          url: lab.url,
          token_id: token.id,
          token_secret: token.secret,
          fingerprint: lab.fingerprint,
        },
      ],
      timezone: "UTC",
    },
    { defaultTimeZone: "UTC" },
  );
  const raw = createPveApi(config.clusters[0] as (typeof config.clusters)[0], { timeoutMs: 60_000 });
  let requests = 0;
  const api: PveApi = {
    ...raw,
    get: (path, params) => {
      requests++;
      return raw.get(path, params);
    },
    getEach: (path, params, onItem) => {
      requests++;
      return raw.getEach(path, params, onItem);
    },
  };
  const reader = createPveReader({ cluster: "bench", api, log: silentLogger });
  const policy = policyFromConfig(config);

  // The floor: two sequential round trips (list storages, then list their contents).
  await api.get("/version");
  let t = performance.now();
  await api.get("/version");
  await api.get("/version");
  const floorMs = performance.now() - t;

  const refresh = async () => {
    requests = 0;
    const t0 = performance.now();
    const facts = await reader.readFacts(lab.nowMs);
    const report = assessCluster(facts, policy, lab.nowMs);
    return {
      ms: performance.now() - t0,
      requests,
      guests: report.guests.length,
      archives: facts.reachable ? facts.archives.length : 0,
      ok: report.guests.filter((g) => g.status === "ok").length,
    };
  };
  const cold = await refresh();
  const warm: number[] = [];
  let warmRequests = 0;
  for (let i = 0; i < 5; i++) {
    const r = await refresh();
    warm.push(r.ms);
    warmRequests = r.requests;
  }
  warm.sort((a, b) => a - b);
  t = performance.now();
  sim.kill("SIGTERM");
  await raw.close();
  return {
    guests,
    archives: cold.archives,
    judgedOk: cold.ok,
    requestsCold: cold.requests,
    requestsWarm: warmRequests,
    coldMs: Math.round(cold.ms),
    warmMedianMs: Math.round(warm[2] ?? 0),
    floorMs: Math.round(floorMs),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

const only = process.argv.indexOf("--guests");
if (only > 0) {
  const result = await measure(Number(process.argv[only + 1]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  const rows = [10, 100, 1000].map((n) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [...PRODUCT_NODE_FLAGS, fileURLToPath(import.meta.url), "--guests", String(n)],
        {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
        },
      )
        .trim()
        .split("\n")
        .pop() as string,
    ),
  );
  console.log(
    `refresh benchmark: 3 nodes, ${ARCHIVES} archives per guest, ${LATENCY_MS} ms injected latency per PVE answer; ` +
      `product process: node ${PRODUCT_NODE_FLAGS.join(" ")} (as npm start runs the service)`,
  );
  console.table(
    rows.map((r) => ({
      ...r,
      "cold/floor": (r.coldMs / r.floorMs).toFixed(2),
      "warm/floor": (r.warmMedianMs / r.floorMs).toFixed(2),
    })),
  );
}
