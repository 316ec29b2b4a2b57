import { startSimLab } from "../src/sim/lab.js";
import { benchLab } from "./lab-gen.js";

/**
 * Runs the simulated lab in its own process, so the benchmark measures only the product: the lab
 * (`benchLab`) is generated here too, never in the product's process.
 * Arguments: guests, archives per guest, latency (ms).
 */
const [guests, archives, latency] = process.argv.slice(2).map(Number);
const scenario = benchLab(guests as number, archives as number, latency as number);
const token = scenario.tokens[0] as { id: string; secret: string };
const lab = await startSimLab({ scenario, clock: "manual", latencyMs: latency as number });
process.stdout.write(
  `${JSON.stringify({ url: lab.url, fingerprint: lab.fingerprint, nowMs: lab.nowMs(), token })}\n`,
);
process.on("SIGTERM", () => void lab.stop().then(() => process.exit(0)));
