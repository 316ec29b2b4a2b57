import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { createServiceHandlers } from "../../src/ha/services.js";
import { type PanelLab, startPanelLab } from "./harness.js";

const labs: PanelLab[] = [];
afterEach(async () => {
  for (const l of labs.splice(0)) await l.stop();
});

describe("pve_backup.apply_policy goes through the policy service", () => {
  it("answers a dry run with the plan and changes nothing, then applies and refreshes", async () => {
    const l = await startPanelLab("seed");
    labs.push(l);
    let refreshes = 0;
    const handlers = createServiceHandlers({
      app: l.deps.app as App,
      nowMs: () => l.lab.nowMs(),
      refreshNow: async () => {
        refreshes++;
      },
      onPveNotification: () => {},
    });
    const owned = () => l.lab.state.jobs.filter((j) => j.id.startsWith("pve-backup-")).map((j) => j.id);

    const dry = (await handlers.serviceCall("apply_policy", {})) as {
      dry_run: boolean;
      clusters: { cluster: string; plan: { create: { id: string }[] }; applied: unknown }[];
    };
    expect(dry.dry_run).toBe(true);
    expect(dry.clusters.map((c) => [c.cluster, c.plan.create.length, c.applied])).toEqual([
      ["home", 4, null],
    ]);
    expect(owned()).toEqual([]);
    expect(refreshes).toBe(0);

    const real = (await handlers.serviceCall("apply_policy", { dry_run: false })) as {
      clusters: { applied: { applied: unknown[] } | null }[];
    };
    expect(real.clusters[0]?.applied?.applied).toHaveLength(4);
    expect(owned().sort()).toEqual(["pve-backup-manual", "pve-backup-p0", "pve-backup-p1", "pve-backup-p2"]);
    expect(refreshes).toBe(1);
  });
});
