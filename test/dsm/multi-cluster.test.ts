import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { demoOptions } from "../../src/demo.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { runCli } from "../support/cli.js";
import { tieredLab } from "../support/scenarios.js";
import { hyperBackupTask, nasOptionsFor, simDsmPerTest } from "./support.js";

/**
 * Two clusters, one NAS: each cluster's backup storage is judged against the NAS when it is an
 * NFS export of it; a cluster whose storage lives on another server gets `unknown` with the
 * reason, never "no". `status --json`, `nas --json` and the export say the same.
 */

const startDsm = simDsmPerTest();
const labs: SimLab[] = [];
afterEach(async () => {
  for (const lab of labs.splice(0)) await lab.stop();
});
const NOW = Date.parse("2026-02-11T10:00:00Z");
const env = { PVE_BACKUP_NOW: new Date(NOW).toISOString() };

/** The tiered lab with its backup storage exported by `server`. */
async function labOn(server: string): Promise<SimLab> {
  const s = tieredLab();
  s.storages = s.storages.map((st) => (st.id === "nas-backups" ? { ...st, server } : st));
  const lab = await startSimLab({ scenario: s, clock: "manual" });
  labs.push(lab);
  return lab;
}

async function twoClusters(officeServer: string) {
  const home = await labOn("10.0.0.150");
  const office = await labOn(officeServer);
  const { cert, dsm } = await startDsm({
    tasks: [hyperBackupTask(NOW, { task_id: 4, name: "NAS to B2", type: "cloud_image:image_remote" })],
  });
  const a = demoOptions(home);
  const b = demoOptions(office);
  const options = {
    ...a,
    timezone: "UTC",
    clusters: [a.clusters[0], { ...b.clusters[0], name: "office" }],
    nas: nasOptionsFor(dsm, cert),
  };
  const file = join(mkdtempSync(join(tmpdir(), "pve-backup-two-")), "options.json");
  writeFileSync(file, JSON.stringify(options));
  return { file, dsm };
}

type Copies = { offNas: string; offNasTime: string | null; offNasReason: string | null; nas: number | null };

async function copiesEverywhere(file: string) {
  const status = await runCli(["status", "--json", "--options", file], env);
  expect(status.stderr).toBe("");
  const s = JSON.parse(status.stdout) as {
    guests: { cluster: string; vmid: number; copies: Copies }[];
    nas: { clusters: { cluster: string; onNas: string; reason: string | null }[] };
  };
  const nas = JSON.parse((await runCli(["nas", "--json", "--options", file], env)).stdout) as {
    guests: { cluster: string; vmid: number; copies: Copies }[];
  };
  const exp = JSON.parse((await runCli(["export", "--format", "json", "--options", file], env)).stdout) as {
    guests: { cluster: string; vmid: number; offNas: string; offNasTime: string | null }[];
  };
  const key = (g: { cluster: string; vmid: number }) => `${g.cluster}/${g.vmid}`;
  return {
    status: s,
    fromStatus: Object.fromEntries(s.guests.map((g) => [key(g), g.copies])),
    fromNas: Object.fromEntries(nas.guests.map((g) => [key(g), g.copies])),
    fromExport: Object.fromEntries(exp.guests.map((g) => [key(g), [g.offNas, g.offNasTime]])),
  };
}

describe("the NAS judged for every cluster", () => {
  it("a second cluster on another server: unknown with the reason, the first judged; every view agrees", async () => {
    const { file, dsm } = await twoClusters("10.0.0.99");
    const { status, fromStatus, fromNas, fromExport } = await copiesEverywhere(file);
    expect(fromStatus["home/100"]).toEqual({
      pve: 3,
      nas: 3,
      offNas: "yes",
      offNasTime: "2026-02-11T04:00:00.000Z",
      offNasReason: null,
    });
    expect(fromStatus["office/100"]).toMatchObject({ nas: null, offNas: "unknown", offNasTime: null });
    expect(fromStatus["office/100"]?.offNasReason).toContain(
      "storage 'nas-backups' of cluster 'office' is an NFS export of 10.0.0.99, not of the NAS",
    );
    expect(status.nas.clusters.map((c) => [c.cluster, c.onNas])).toEqual([
      ["home", "yes"],
      ["office", "unknown"],
    ]);
    expect(fromNas).toEqual(fromStatus);
    for (const [k, c] of Object.entries(fromStatus)) expect(fromExport[k]).toEqual([c.offNas, c.offNasTime]);
    expect(Object.keys(fromExport)).toHaveLength(10);
    // DSM's tasks were read once per command, not once per cluster.
    expect(dsm.calls.filter((c) => c.method === "list").length).toBe(3);
  });

  it("a second cluster on the same NAS is judged too, not only the first", async () => {
    const { file } = await twoClusters("10.0.0.150");
    const { status, fromStatus, fromNas } = await copiesEverywhere(file);
    for (const vmid of [100, 101, 102, 103, 105])
      for (const cluster of ["home", "office"])
        expect(fromStatus[`${cluster}/${vmid}`]).toMatchObject({ offNas: "yes", offNasReason: null });
    expect(status.nas.clusters.map((c) => c.onNas)).toEqual(["yes", "yes"]);
    expect(fromNas).toEqual(fromStatus);
  });
});
