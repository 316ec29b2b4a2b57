import type { Options } from "./config/schema.js";
import { type SimLab, startSimLab } from "./sim/lab.js";

/**
 * The embedded default: the simulated home lab of `src/sim/scenarios/seed.json` and options
 * that point at it, with the lab's tiers (P0 critical daily 03:00, P1 important daily 03:15,
 * P2 weekly, keep-last=3, NFS storage on the NAS).
 */
export const DEMO_TOKEN = { id: "root@pam!pve-backup", secret: "5d1c6a0e-8f3b-4c2a-9e71-2b8d4f6a9c10" };

export async function startDemoLab(scenario = "seed", clock: "real" | "manual" = "real"): Promise<SimLab> {
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
