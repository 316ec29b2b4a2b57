import { silentLogger } from "../src/log.js";
import { createPveApi } from "../src/pve/api.js";
import { createPveReader } from "../src/pve/reader.js";
import { startSimLab } from "../src/sim/lab.js";
import { benchConfig, benchLab } from "./lab-gen.js";

/**
 * Runs the simulated lab in its own process, so the benchmark measures only the product: the lab
 * (`benchLab`) is generated here too, never in the product's process.
 * Arguments: guests, archives per guest, latency (ms).
 *
 * A real PVE's API daemon has been up for days; a fresh sim's code paths are not yet compiled by
 * V8 (its first 5.8 MB listing takes ~60% longer than later ones). Before it reports ready, the
 * sim answers two full reads of itself (through a client of its own, with no latency), so the
 * measuring process meets a warm server and stays cold itself: no connections, no cached task
 * logs, none of its code compiled.
 */
const [guests, archives, latency] = process.argv.slice(2).map(Number);
const scenario = benchLab(guests as number, archives as number, latency as number);
const token = scenario.tokens[0] as { id: string; secret: string };
const lab = await startSimLab({ scenario, clock: "manual", latencyMs: 0 });
await warmUp();
lab.setLatency(latency as number);
process.stdout.write(
  `${JSON.stringify({ url: lab.url, fingerprint: lab.fingerprint, nowMs: lab.nowMs(), token })}\n`,
);
process.on("SIGTERM", () => void lab.stop().then(() => process.exit(0)));

async function warmUp(): Promise<void> {
  const config = benchConfig("warm-up", { url: lab.url, fingerprint: lab.fingerprint, token });
  const api = createPveApi(config.clusters[0] as (typeof config.clusters)[0], { timeoutMs: 60_000 });
  for (let i = 0; i < 2; i++) {
    // A new reader each time: it caches finished task logs, and the logs' route should be warm too.
    await createPveReader({ cluster: "warm-up", api, log: silentLogger }).readFacts(lab.nowMs());
  }
  await api.close();
}
