import { parseArgs } from "node:util";
import { startSimLab } from "./lab.js";

/**
 * `node dist/sim/serve.js [scenario] [--port N]`: the simulated lab on a real clock, for poking at
 * it with curl or pointing the add-on at it by hand.
 */
async function serve(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { port: { type: "string" } },
    allowPositionals: true,
  });
  const scenario = positionals[0] ?? "seed";
  const lab = await startSimLab({
    scenario,
    clock: "real",
    port: values.port === undefined ? 8006 : Number(values.port),
  });
  const lines = [
    `simulated PVE lab '${scenario}' at ${lab.url}`,
    `certificate fingerprint: ${lab.fingerprint}`,
    `sim time: ${new Date(lab.nowMs()).toISOString()}`,
    "tokens:",
    ...lab.state.tokens.map((t) => `  ${t.id}=${t.secret}`),
  ];
  const first = lab.state.tokens[0];
  if (first) {
    lines.push(
      "try:",
      `  curl -k -H 'Authorization: PVEAPIToken=${first.id}=${first.secret}' ${lab.url}/api2/json/cluster/resources`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  const stop = () => void lab.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

serve().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
