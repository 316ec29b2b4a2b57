import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Options } from "./config/schema.js";
import { InputError } from "./errors.js";
import { type SimLab, startSimLab } from "./sim/lab.js";

/**
 * The demo: the simulated home lab of `src/sim/scenarios/seed.json` and options that point at
 * it, with the lab's tiers (P0 critical daily 03:00, P1 important daily 03:15, P2 weekly,
 * keep-last=3, NFS storage on the NAS). `main.ts` and `cli.ts` load this module only when the
 * demo is asked for (a dynamic import: the build puts it in a chunk of its own).
 */
export const DEMO_TOKEN = { id: "root@pam!pve-backup", secret: "5d1c6a0e-8f3b-4c2a-9e71-2b8d4f6a9c10" };
/** The demo's `push.secret`: the demo lab sends it back with every notification. */
export const DEMO_PUSH_SECRET = "demo-push-secret-0123456789";

/** The scenarios shipped with the lab, by name. */
export function demoScenarios(): string[] {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  const scenarios = join(dir, "src", "sim", "scenarios");
  if (!existsSync(scenarios)) return [];
  return readdirSync(scenarios)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

/** A bare name must be a shipped scenario; a path (with `/` or `.json`) must exist. */
export async function startDemoLab(scenario = "seed", clock: "real" | "manual" = "real"): Promise<SimLab> {
  const isPath = scenario.includes("/") || scenario.endsWith(".json");
  if (isPath ? !existsSync(scenario) : !demoScenarios().includes(scenario))
    throw new InputError(
      `unknown demo scenario '${scenario}': choose ${demoScenarios().join(", ") || "(none found)"}, or give the path of a scenario .json`,
    );
  return startSimLab({ scenario, clock });
}

export function demoOptions(lab: Pick<SimLab, "url" | "fingerprint">, extra: Partial<Options> = {}): Options {
  return {
    clusters: [
      {
        name: "home",
        url: lab.url,
        token_id: DEMO_TOKEN.id,
        token_secret: DEMO_TOKEN.secret,
        fingerprint: lab.fingerprint,
      },
    ],
    storage: "nas-backups",
    tiers: [
      { name: "P0", schedule: "03:00", keep_last: 3, guests: [100, 102] },
      { name: "P1", schedule: "03:15", keep_last: 3, guests: [101, 105] },
      { name: "P2", schedule: "sun 04:00", keep_last: 3, guests: [103] },
    ],
    ...extra,
  };
}
