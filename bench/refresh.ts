import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { getHeapSpaceStatistics } from "node:v8";
import { assessCluster } from "../src/core/status.js";
import { silentLogger } from "../src/log.js";
import { createPveApi, type PveApi } from "../src/pve/api.js";
import { createPveReader } from "../src/pve/reader.js";
import { createTransport } from "../src/pve/transport.js";
import { policyFromConfig } from "../src/service/monitor.js";
import { benchConfig } from "./lab-gen.js";

/**
 * One full refresh (read every fact of the cluster, judge every guest) at 10, 100 and 1,000
 * guests with 30 archives each on 3 nodes, the simulated PVE adding 25 ms to every answer.
 * Each size runs in RUNS fresh processes (peak RSS is that size's own, and the first refresh is
 * really cold: no connections, no cached task logs, no compiled code); the table gives medians.
 * Prints numbers; asserts none.
 *
 *   npm run bench                        the table
 *   node dist/bench/refresh.js --guests 1000 [--trace] [--profile-cold]
 *                                        one process: its numbers as JSON; --trace prints each
 *                                        request's start and end and the memory after each
 *                                        refresh on stderr; --profile-cold writes a CPU profile
 *                                        of the cold refresh to the working directory
 */
const LATENCY_MS = 25;
const ARCHIVES = 30;
const RUNS = 5;
/**
 * The Node flags the service runs with (`npm start`, src/main.ts): each measuring process (the
 * product's) gets them too.
 */
const PRODUCT_NODE_FLAGS = ["--max-semi-space-size=2", "--max-old-space-size=256"];
const PROFILE_COLD = process.argv.includes("--profile-cold");
const TRACE = process.argv.includes("--trace");
const here = dirname(fileURLToPath(import.meta.url));

interface Measurement {
  guests: number;
  archives: number;
  judgedOk: number;
  requestsCold: number;
  requestsWarm: number;
  coldMs: number;
  warmMedianMs: number;
  /** Two sequential round trips of tiny answers: the network latency alone. */
  floorMs: number;
  /** List the first node's backup storages, then their contents, bytes read but not parsed. */
  floorDataMs: number;
  peakRssMb: number;
}

async function measure(guests: number): Promise<Measurement> {
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
  const config = benchConfig("bench", lab);
  const raw = createPveApi(config.clusters[0] as (typeof config.clusters)[0], { timeoutMs: 60_000 });
  let requests = 0;
  let traceFrom = 0;
  const trace: string[] = [];
  const timed = <T>(path: string, p: Promise<T>): Promise<T> => {
    if (!TRACE) return p;
    const start = performance.now() - traceFrom;
    return p.finally(() =>
      trace.push(
        `${start.toFixed(0).padStart(4)} → ${(performance.now() - traceFrom).toFixed(0).padStart(4)} ms  ${path}`,
      ),
    );
  };
  const api: PveApi = {
    ...raw,
    get: (path, params) => {
      requests++;
      return timed(path, raw.get(path, params));
    },
    getEach: (path, params, onItem) => {
      requests++;
      if (!TRACE) return raw.getEach(path, params, onItem);
      let firstAt = -1;
      let items = 0;
      return timed(
        path,
        raw.getEach(path, params, (item) => {
          if (items++ === 0) firstAt = performance.now() - traceFrom;
          onItem(item);
        }),
      ).finally(() => trace.push(`       ${items} items, the first at ${firstAt.toFixed(0)} ms  ${path}`));
    },
  };
  const reader = createPveReader({ cluster: "bench", api, log: silentLogger });
  const policy = policyFromConfig(config);

  // The floors, on a connection of their own (the reader's stay unopened: its refresh is cold).
  const floors = await measureFloors(lab.url, lab.fingerprint, `PVEAPIToken=${token.id}=${token.secret}`);

  const refresh = async () => {
    requests = 0;
    trace.length = 0;
    const t0 = performance.now();
    traceFrom = t0;
    const facts = await reader.readFacts(lab.nowMs);
    const readMs = performance.now() - t0;
    const report = assessCluster(facts, policy, lab.nowMs);
    const ms = performance.now() - t0;
    if (TRACE)
      process.stderr.write(
        `${trace.join("\n")}\n  read ${readMs.toFixed(0)} ms, judged ${ms.toFixed(0)} ms\n${memoryLine()}\n\n`,
      );
    return {
      ms,
      requests,
      ok: report.guests.filter((g) => g.status === "ok").length,
    };
  };
  const profiler = PROFILE_COLD ? await startProfiler() : undefined;
  const cold = await refresh();
  await profiler?.stop(`refresh-cold-${guests}.cpuprofile`);
  const warm: number[] = [];
  let warmRequests = 0;
  for (let i = 0; i < 5; i++) {
    const r = await refresh();
    warm.push(r.ms);
    warmRequests = r.requests;
  }
  sim.kill("SIGTERM");
  await raw.close();
  return {
    guests,
    archives: guests * ARCHIVES,
    judgedOk: cold.ok,
    requestsCold: cold.requests,
    requestsWarm: warmRequests,
    coldMs: Math.round(cold.ms),
    warmMedianMs: Math.round(median(warm)),
    floorMs: Math.round(floors.latencyMs),
    floorDataMs: Math.round(floors.dataMs),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/**
 * Two floors, each two sequential round trips: of tiny answers (`/version`: latency alone), and
 * the issue's own (list the backup storages, then list their contents; the bytes are received and
 * inflated, not parsed). Each the best of three.
 */
async function measureFloors(url: string, fingerprint: string, authorization: string) {
  const transport = createTransport({ fingerprint, verifyTls: true, timeoutMs: 60_000 });
  const get = async (path: string) => {
    let bytes = 0;
    const answer = await transport.request({
      method: "GET",
      url: new URL(`${url}/api2/json${path}`),
      headers: { Authorization: authorization, Accept: "application/json" },
      streamBody: () => (piece) => {
        bytes += piece.length;
      },
    });
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${answer.statusText}`);
    return bytes;
  };
  const best = async (run: () => Promise<unknown>) => {
    let ms = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await run();
      ms = Math.min(ms, performance.now() - t);
    }
    return ms;
  };
  await get("/version"); // the connection is opened outside the measurement
  const latencyMs = await best(async () => {
    await get("/version");
    await get("/version");
  });
  // The storage listing is small; its rows are read here only to name the contents to list.
  const listing = await transport.request({
    method: "GET",
    url: new URL(`${url}/api2/json/nodes/pve1/storage?content=backup`),
    headers: { Authorization: authorization, Accept: "application/json" },
  });
  const storages = (JSON.parse(listing.text) as { data: { storage: string }[] }).data.map((s) => s.storage);
  const dataMs = await best(async () => {
    await get("/nodes/pve1/storage?content=backup");
    await Promise.all(storages.map((s) => get(`/nodes/pve1/storage/${s}/content?content=backup`)));
  });
  await transport.close();
  return { latencyMs, dataMs };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function memoryLine(): string {
  const m = process.memoryUsage();
  const mb = (n: number) => (n / 1_048_576).toFixed(0);
  const spaces = getHeapSpaceStatistics()
    .filter((sp) => sp.space_used_size > 1_048_576)
    .map((sp) => `${sp.space_name} ${mb(sp.space_used_size)}`)
    .join(", ");
  return `  memory: rss ${mb(m.rss)} MB, heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} MB (${spaces}), peak rss ${mb(process.resourceUsage().maxRSS * 1024)} MB`;
}

async function startProfiler() {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  return {
    async stop(file: string) {
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      process.stderr.write(`cold refresh CPU profile: ${file}\n`);
    },
  };
}

const only = process.argv.indexOf("--guests");
if (only > 0) {
  const result = await measure(Number(process.argv[only + 1]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  const rows = [10, 100, 1000].map((n) => {
    const runs: Measurement[] = Array.from({ length: RUNS }, () =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [...PRODUCT_NODE_FLAGS, fileURLToPath(import.meta.url), "--guests", String(n)],
          { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
        )
          .trim()
          .split("\n")
          .pop() as string,
      ),
    );
    const med = (key: keyof Measurement) => median(runs.map((r) => r[key]));
    const cold = med("coldMs");
    const warm = med("warmMedianMs");
    const floor = med("floorMs");
    const floorData = med("floorDataMs");
    return {
      guests: n,
      archives: n * ARCHIVES,
      "requests cold/warm": `${runs[0]?.requestsCold}/${runs[0]?.requestsWarm}`,
      "cold ms": cold,
      "warm ms": warm,
      "floor ms": floor,
      "cold/floor": (cold / floor).toFixed(2),
      "warm/floor": (warm / floor).toFixed(2),
      "data floor ms": floorData,
      "cold/data floor": (cold / floorData).toFixed(2),
      "peak RSS MB": Math.max(...runs.map((r) => r.peakRssMb)),
      "judged ok": runs.every((r) => r.judgedOk === n) ? "all" : "NOT ALL",
    };
  });
  console.log(
    `refresh benchmark: 3 nodes, ${ARCHIVES} archives per guest, ${LATENCY_MS} ms injected latency per PVE answer; ` +
      `medians of ${RUNS} fresh processes (peak RSS: the largest); product process: node ${PRODUCT_NODE_FLAGS.join(" ")} (as npm start runs the service)\n` +
      "floor: two sequential round trips of tiny answers; data floor: list the backup storages, then their contents (bytes read, not parsed)",
  );
  console.table(rows);
}
