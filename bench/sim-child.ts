import { readFileSync } from "node:fs";
import { startSimLab } from "../src/sim/lab.js";

/** Runs the simulated lab in its own process, so the benchmark measures only the product. */
const [file, latency] = process.argv.slice(2);
const lab = await startSimLab({
  scenario: JSON.parse(readFileSync(file as string, "utf8")),
  clock: "manual",
  latencyMs: Number(latency ?? 0),
});
process.stdout.write(
  `${JSON.stringify({ url: lab.url, fingerprint: lab.fingerprint, nowMs: lab.nowMs() })}\n`,
);
process.on("SIGTERM", () => void lab.stop().then(() => process.exit(0)));
