import { afterEach, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { seed } from "../support/scenarios.js";
import { READ_ONLY, type SimClient, simClient } from "./client.js";

/**
 * Protection of backup archives (reference §5.3, §3.3): `PUT .../content/{volume}` and the limit
 * `max-protected-backups` puts on it and on `vzdump --protected 1`.
 */

const SEC = 1000;
/** Backs up guest 102 onto the NAS, without Datastore.Allocate: at most 5 protected archives. */
const BACKUPER = { id: "backup@pve!ha", secret: "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b" };
const CONTENT = "/nodes/pve/storage/nas-backups/content";
const volname = (day: string) => `backup/vzdump-qemu-102-${day.replaceAll("-", "_")}-03_00_05.vma.zst`;

/** Vaultwarden (102) with six nightly archives on the NAS, the first `protectedCount` protected. */
function lab102(protectedCount: number): Scenario {
  const s = seed();
  s.archives = ["2026-02-05", "2026-02-06", "2026-02-07", "2026-02-08", "2026-02-09", "2026-02-10"].map(
    (day, i) => ({
      storage: "nas-backups",
      vmid: 102,
      type: "qemu" as const,
      time: `${day}T03:00:05Z`,
      sizeBytes: 1_100_000_000,
      notes: "vaultwarden",
      protected: i < protectedCount,
    }),
  );
  s.tokens.push({
    ...BACKUPER,
    acl: [
      { path: "/storage/nas-backups", roles: ["PVEDatastoreUser"] },
      { path: "/vms/102", roles: ["PVEVMUser"] },
    ],
  });
  return s;
}

let lab: SimLab | undefined;
const clients: SimClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await lab?.stop();
  lab = undefined;
});

async function start(s: Scenario) {
  lab = await startSimLab({ scenario: s, clock: "manual" });
  const client = (token?: { id: string; secret: string }) => {
    const c = simClient(lab as SimLab, token);
    clients.push(c);
    return c;
  };
  return { lab, admin: client(), backuper: client(BACKUPER), readOnly: client(READ_ONLY) };
}

async function protectedOf(api: SimClient): Promise<string[]> {
  const items = await api.data<Array<{ volid: string; protected?: number }>>(CONTENT, { vmid: 102 });
  return items.filter((i) => i.protected === 1).map((i) => i.volid);
}

describe("PUT /nodes/{node}/storage/{storage}/content/{volume}", () => {
  it("protects and unprotects an archive named by its full volid, unencoded slash and all", async () => {
    const { backuper } = await start(lab102(0));
    const volid = `nas-backups:${volname("2026-02-10")}`;
    const put = await backuper.put(`${CONTENT}/${volid}`, { protected: 1 });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ data: null });
    expect(await protectedOf(backuper)).toEqual([volid]);
    await backuper.put(`${CONTENT}/${volid}`, { protected: 0 });
    expect(await protectedOf(backuper)).toEqual([]);
  });

  it("takes the volume name without the storage, and sets notes", async () => {
    const { backuper } = await start(lab102(0));
    expect(
      (await backuper.put(`${CONTENT}/${volname("2026-02-09")}`, { notes: "before the upgrade" })).status,
    ).toBe(200);
    const items = await backuper.data<Array<{ volid: string; notes?: string }>>(CONTENT, { vmid: 102 });
    expect(items.find((i) => i.volid.endsWith(volname("2026-02-09")))?.notes).toBe("before the upgrade");
  });

  it("refuses a sixth protected archive of a guest for a token without Datastore.Allocate", async () => {
    const { backuper } = await start(lab102(4));
    expect((await backuper.put(`${CONTENT}/${volname("2026-02-09")}`, { protected: 1 })).status).toBe(200);
    const refused = await backuper.put(`${CONTENT}/${volname("2026-02-10")}`, { protected: 1 });
    expect(refused.status).toBe(500);
    expect(refused.statusText).toBe(
      "The number of protected backups per guest is limited to 5 on storage 'nas-backups'",
    );
    expect(await protectedOf(backuper)).toHaveLength(5);
    // Protecting one already protected is no new protection; unprotecting is never limited.
    expect((await backuper.put(`${CONTENT}/${volname("2026-02-05")}`, { protected: 1 })).status).toBe(200);
    expect((await backuper.put(`${CONTENT}/${volname("2026-02-05")}`, { protected: 0 })).status).toBe(200);
  });

  it("lets Datastore.Allocate protect without limit, unless the storage sets max-protected-backups", async () => {
    const { admin } = await start(lab102(5));
    expect((await admin.put(`${CONTENT}/${volname("2026-02-10")}`, { protected: 1 })).status).toBe(200);
    expect((await admin.put("/storage/nas-backups", { "max-protected-backups": 2 })).status).toBe(200);
    await admin.put(`${CONTENT}/${volname("2026-02-10")}`, { protected: 0 });
    const refused = await admin.put(`${CONTENT}/${volname("2026-02-10")}`, { protected: 1 });
    expect(refused.statusText).toBe(
      "The number of protected backups per guest is limited to 2 on storage 'nas-backups'",
    );
  });

  it("needs the volume access a listing needs, and names a volume that does not exist", async () => {
    const { readOnly, admin } = await start(lab102(0));
    const denied = await readOnly.put(`${CONTENT}/${volname("2026-02-10")}`, { protected: 1 });
    expect(denied.status).toBe(403);
    const missing = await admin.put(`${CONTENT}/${volname("2026-03-01")}`, { protected: 1 });
    expect(missing.status).toBe(500);
    expect(missing.statusText).toBe(`volume 'nas-backups:${volname("2026-03-01")}' does not exist`);
  });
});

describe("vzdump --protected 1 and max-protected-backups", () => {
  it("fails the guest once it has 5 protected archives, and backs it up while it has 4", async () => {
    const { lab, backuper, admin } = await start(lab102(5));
    const post = () =>
      backuper.post("/nodes/pve/vzdump", { vmid: 102, storage: "nas-backups", protected: 1, remove: 0 });
    const upid = (await post()).json?.data as string;
    await lab.advance(120 * SEC);
    const log = await admin.data<Array<{ t: string }>>(`/nodes/pve/tasks/${encodeURIComponent(upid)}/log`, {
      limit: 0,
    });
    expect(log.map((l) => l.t)).toContain(
      "ERROR: Backup of VM 102 failed - The number of protected backups per guest is limited to 5 on storage 'nas-backups'",
    );
    expect(await protectedOf(admin)).toHaveLength(5);

    await admin.put(`${CONTENT}/${volname("2026-02-05")}`, { protected: 0 });
    const second = (await post()).json?.data as string;
    await lab.advance(120 * SEC);
    const status = await admin.data<{ exitstatus: string }>(
      `/nodes/pve/tasks/${encodeURIComponent(second)}/status`,
    );
    expect(status.exitstatus).toBe("OK");
    expect(await protectedOf(admin)).toHaveLength(5);
  });
});

describe("DELETE /nodes/{node}/storage/{storage}/content/{volume}", () => {
  it("removes an unprotected archive, waiting with delay, and refuses a protected one with the task's error", async () => {
    const { backuper, readOnly } = await start(lab102(1));
    const gone = await backuper.delete(`${CONTENT}/${volname("2026-02-10")}`, { delay: 5 });
    expect(gone.status).toBe(200);
    expect(gone.json).toEqual({ data: null });
    const left = await backuper.data<Array<{ volid: string }>>(CONTENT, { vmid: 102 });
    expect(left.map((i) => i.volid)).not.toContain(`nas-backups:${volname("2026-02-10")}`);
    expect(left).toHaveLength(5);

    const refused = await backuper.delete(`${CONTENT}/${volname("2026-02-05")}`, { delay: 5 });
    expect(refused.status).toBe(500);
    expect(refused.statusText).toBe(
      `cannot remove protected volume '${volname("2026-02-05")}' on 'nas-backups'`,
    );
    expect((await readOnly.delete(`${CONTENT}/${volname("2026-02-06")}`)).status).toBe(403);
  });

  it("answers the imgdel task's UPID without delay", async () => {
    const { backuper, admin } = await start(lab102(0));
    const res = await backuper.delete(`${CONTENT}/nas-backups:${volname("2026-02-09")}`);
    const upid = res.json?.data as string;
    expect(upid).toMatch(
      /^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:imgdel:102@nas-backups:backup@pve!ha:$/,
    );
    const status = await admin.data<{ exitstatus: string }>(
      `/nodes/pve/tasks/${encodeURIComponent(upid)}/status`,
    );
    expect(status.exitstatus).toBe("OK");
  });
});
