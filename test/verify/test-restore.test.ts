import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import type { PveApi } from "../../src/pve/api.js";
import type { SimLab } from "../../src/sim/lab.js";
import { restoreFaults } from "../../src/sim/restore.js";
import { archiveVolid, findGuest } from "../../src/sim/state.js";
import { runTestRestore, type TestRestoreRequest } from "../../src/verify/test-restore.js";
import { tieredLab } from "../support/scenarios.js";
import { simApiPerTest } from "../support/sim-api.js";

const withSim = simApiPerTest();

function newest(lab: SimLab, vmid: number) {
  const a = lab.state.archives.filter((x) => x.vmid === vmid).sort((x, y) => y.ctimeSec - x.ctimeSec)[0];
  if (!a) throw new Error(`no archive of ${vmid}`);
  return a;
}

async function run(lab: SimLab, api: PveApi, over: Partial<TestRestoreRequest> & { ownerVmid: number }) {
  const a = newest(lab, over.ownerVmid);
  return runTestRestore(
    { api, log: silentLogger, nowMs: () => lab.nowMs(), sleep: (ms) => lab.advance(ms) },
    {
      volid: archiveVolid(a),
      guestType: a.type,
      spareVmid: 990,
      node: "pve",
      targetStorage: "local-lvm",
      bootTimeoutMs: 120_000,
      pollMs: 1000,
      ...over,
    },
  );
}

describe("test restore against the simulated PVE", () => {
  it("restores a VM to the spare VMID with links down and onboot off, waits for its agent, destroys it", async () => {
    const { lab, api } = await withSim(tieredLab());
    const requests: string[] = [];
    const spy = {
      ...api,
      post: (p: string, params?: Record<string, unknown>) => {
        requests.push(`POST ${p} ${JSON.stringify(params ?? {})}`);
        return api.post(p, params as never);
      },
    } as PveApi;
    const r = await run(lab, spy, { ownerVmid: 100 });
    expect(r).toMatchObject({
      result: "ok",
      cleanedUp: true,
      message: expect.stringMatching(/guest agent answered after \d+ s/),
    });
    expect(r.timeToRestoreMs).toBeGreaterThan(15_000);
    expect(requests[0]).toMatch(
      /POST \/nodes\/pve\/qemu .*"vmid":990.*"unique":1.*"onboot":0.*"net0":"virtio,bridge=vmbr0,firewall=1,link_down=1"/,
    );
    // The product's name on the copy: how a restart tells its leftover from any other guest.
    expect(requests[0]).toMatch(/"name":"pve-backup-test-restore-100"/);
    expect(findGuest(lab.state, 990)).toBeUndefined();
    expect(findGuest(lab.state, 100)).toBeDefined();
    expect(r.steps).toEqual([
      expect.stringMatching(/^restore .* to 990: OK$/),
      "start: OK",
      "guest agent answered",
      "stop: OK",
      "destroy 990 with its disks: OK",
    ]);
  });

  it("restores a container, puts its links down after the restore, and removes it", async () => {
    const { lab, api } = await withSim(tieredLab());
    const ct = lab.state.archives.find((a) => a.type === "lxc");
    if (!ct) throw new Error("the tiered lab has no container archive");
    const r = await run(lab, api, { ownerVmid: ct.vmid });
    expect(r).toMatchObject({ result: "ok", cleanedUp: true });
    expect(r.steps).toContain("network links down");
    expect(lab.state.guests.some((g) => g.name === `pve-backup-test-restore-${ct.vmid}`)).toBe(false);
    expect(findGuest(lab.state, 990)).toBeUndefined();
  });

  it("refuses a spare VMID that exists, touching nothing", async () => {
    const { lab, api } = await withSim(tieredLab());
    const before = lab.state.guests.length;
    await expect(run(lab, api, { ownerVmid: 100, spareVmid: 101 })).rejects.toThrow(
      /VMID 101 is in use.*nothing was changed/,
    );
    expect(lab.state.guests.length).toBe(before);
    expect(findGuest(lab.state, 101)?.status).toBeDefined();
  });

  it("refuses the guest's own VMID", async () => {
    const { lab, api } = await withSim(tieredLab());
    lab.state.guests.splice(
      lab.state.guests.findIndex((g) => g.vmid === 100),
      1,
    );
    await expect(run(lab, api, { ownerVmid: 100, spareVmid: 100 })).rejects.toThrow(/is the guest's own/);
  });

  it("cleans up a restore that failed half-way (the guest was created)", async () => {
    const { lab, api } = await withSim(tieredLab());
    restoreFaults(lab.state).failAfterCreate.add(archiveVolid(newest(lab, 100)));
    const r = await run(lab, api, { ownerVmid: 100 });
    expect(r).toMatchObject({
      result: "failed",
      cleanedUp: true,
      message: expect.stringMatching(/state is NOT cleaned up/),
    });
    expect(r.steps.at(-1)).toBe("destroy 990 with its disks: OK");
    expect(findGuest(lab.state, 990)).toBeUndefined();
  });

  it("times out on an agent that never answers, and still destroys the copy", async () => {
    const { lab, api } = await withSim(tieredLab());
    restoreFaults(lab.state).agentSilent.add(990);
    const r = await run(lab, api, { ownerVmid: 100, bootTimeoutMs: 30_000 });
    expect(r).toMatchObject({
      result: "failed",
      cleanedUp: true,
      message: expect.stringMatching(/agent did not answer within 30 s/),
    });
    expect(findGuest(lab.state, 990)).toBeUndefined();
  });

  it("stops before creating anything when PVE cannot read the archive", async () => {
    const { lab, api } = await withSim(tieredLab());
    restoreFaults(lab.state).damaged.add(archiveVolid(newest(lab, 100)));
    await expect(run(lab, api, { ownerVmid: 100 })).rejects.toThrow(
      /Failed to extract config from VMA archive/,
    );
    expect(findGuest(lab.state, 990)).toBeUndefined();
  });

  it("the sim refuses what PVE refuses", async () => {
    const { lab, api } = await withSim(tieredLab());
    const volid = archiveVolid(newest(lab, 100));
    await expect(api.post("/nodes/pve/qemu", { vmid: 101, archive: volid })).rejects.toThrow(
      /VM 101 already exists/,
    );
    await expect(
      api.post("/nodes/pve/qemu", { vmid: 990, archive: volid, scsi0: "local-lvm:1" }),
    ).rejects.toThrow(/option conflicts with option 'archive'/);
    await expect(
      api.post("/nodes/pve/qemu", { vmid: 990, archive: volid, "live-restore": 1 }),
    ).rejects.toThrow(/live-restore/);
    await expect(api.post("/nodes/pve/qemu/100/agent/ping")).rejects.toThrow(
      /No QEMU guest agent configured|does not exist/,
    );
  });
});
