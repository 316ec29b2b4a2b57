import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { tieredLab } from "../support/scenarios.js";
import { READ_ONLY, type SimClient, simClient } from "./client.js";

/** Storage status and content, and what each token may see of them (reference §1.6, §2.1, §5, §6). */

/** May write to the NAS and back up guest 100 only. */
const GUEST_100 = { id: "ha@pve!vm100", secret: "11111111-2222-4333-8444-555555555555" };

let lab: SimLab;
let admin: SimClient;
let readOnly: SimClient;
let guest100: SimClient;
beforeAll(async () => {
  const s = tieredLab();
  s.nodes.push({ name: "pve2" });
  s.tokens.push({
    ...GUEST_100,
    acl: [
      { path: "/storage/nas-backups", roles: ["PVEDatastoreUser"] },
      { path: "/vms/100", roles: ["PVEVMUser"] },
    ],
  });
  lab = await startSimLab({ scenario: s, clock: "manual" });
  admin = simClient(lab);
  readOnly = simClient(lab, READ_ONLY);
  guest100 = simClient(lab, GUEST_100);
});
afterAll(async () => {
  await Promise.all([admin.close(), readOnly.close(), guest100.close()]);
  await lab.stop();
});

const withNas = async (active: boolean, fn: () => Promise<void>) => {
  const nas = lab.state.storages.find((s) => s.id === "nas-backups");
  if (!nas) throw new Error("no NAS storage in the lab");
  nas.active = active;
  try {
    await fn();
  } finally {
    nas.active = true;
  }
};

describe("backup content and the permission trap", () => {
  it("hides every backup from a PVEAuditor token with 200 and an empty list, while the admin sees them", async () => {
    const path = "/nodes/pve/storage/nas-backups/content";
    const all = await admin.data<Array<{ volid: string; vmid: number }>>(path, { content: "backup" });
    expect(all.length).toBeGreaterThan(10);
    const hidden = await readOnly.get(path, { content: "backup" });
    expect(hidden.status).toBe(200);
    expect(hidden.json).toEqual({ data: [] });
  });

  it("shows a token the backups of the guests it holds VM.Backup on (with AllocateSpace on the storage)", async () => {
    const items = await guest100.data<Array<{ vmid: number }>>("/nodes/pve/storage/nas-backups/content");
    expect(items.length).toBe(3);
    expect(new Set(items.map((i) => i.vmid))).toEqual(new Set([100]));
  });

  it("lists items sorted by volid with PVE's fields, filtered by vmid, the same on every node of a shared storage", async () => {
    const items = await admin.data<Array<Record<string, unknown>>>("/nodes/pve/storage/nas-backups/content", {
      vmid: 103,
    });
    expect(items.map((i) => i.volid)).toEqual([
      "nas-backups:backup/vzdump-lxc-103-2026_01_25-04_00_02.tar.zst",
      "nas-backups:backup/vzdump-lxc-103-2026_02_01-04_00_02.tar.zst",
      "nas-backups:backup/vzdump-lxc-103-2026_02_08-04_00_02.tar.zst",
    ]);
    expect(items[0]).toEqual({
      volid: "nas-backups:backup/vzdump-lxc-103-2026_01_25-04_00_02.tar.zst",
      content: "backup",
      format: "tar.zst",
      subtype: "lxc",
      vmid: 103,
      ctime: Date.parse("2026-01-25T04:00:02Z") / 1000,
      size: 800_000_000,
      notes: "download-home",
    });
    const onPve2 = await admin.data("/nodes/pve2/storage/nas-backups/content", { vmid: 103 });
    expect(onPve2).toEqual(items);
    // `local` is node-local: pve2 has its own, empty one.
    expect(await admin.data("/nodes/pve2/storage/local/content")).toEqual([]);
  });
});

describe("storage status", () => {
  it("omits storages without the requested content type, and lists them without a filter", async () => {
    const filtered = await admin.data<Array<{ storage: string }>>("/nodes/pve/storage", {
      content: "backup",
    });
    expect(filtered.map((s) => s.storage)).toEqual(["local", "nas-backups"]);
    const all = await admin.data<Array<{ storage: string }>>("/nodes/pve/storage");
    expect(all.map((s) => s.storage)).toEqual(["local", "local-lvm", "nas-backups"]);
  });

  it("reports an inactive NFS storage as active 0 with zero sizes, and refuses to list its content", async () => {
    await withNas(false, async () => {
      const list = await admin.data<Array<Record<string, unknown>>>("/nodes/pve/storage", {
        content: "backup",
      });
      expect(list.find((s) => s.storage === "nas-backups")).toEqual({
        storage: "nas-backups",
        type: "nfs",
        content: "backup",
        shared: 1,
        enabled: 1,
        active: 0,
        total: 0,
        used: 0,
        avail: 0,
      });
      const content = await admin.get("/nodes/pve/storage/nas-backups/content");
      expect([content.status, content.statusText]).toEqual([500, "storage 'nas-backups' is not online"]);
      const resources = await admin.data<Array<Record<string, unknown>>>("/cluster/resources", {
        type: "storage",
      });
      expect(resources.find((r) => r.id === "storage/pve/nas-backups")).toEqual({
        id: "storage/pve/nas-backups",
        storage: "nas-backups",
        node: "pve",
        type: "storage",
        plugintype: "nfs",
        status: "unknown",
        shared: 1,
        content: "backup",
      });
    });
  });

  it("answers a single storage's status, and 400 for one that does not exist", async () => {
    const status = await admin.data("/nodes/pve/storage/nas-backups/status");
    expect(status).toEqual({
      type: "nfs",
      content: "backup",
      shared: 1,
      enabled: 1,
      active: 1,
      total: 7_999_999_999_999,
      used: expect.any(Number),
      avail: expect.any(Number),
    });
    const missing = await admin.get("/nodes/pve/storage/nope/status");
    expect(missing.json?.errors).toEqual({ storage: "No such storage." });
  });
});

describe("cluster resources", () => {
  it("reports guests of an offline node with status unknown and no name", async () => {
    const pihole = lab.state.guests.find((g) => g.vmid === 105);
    const pve2 = lab.state.nodes.find((n) => n.name === "pve2");
    if (!pihole || !pve2) throw new Error("lab lacks guest 105 or node pve2");
    pihole.node = "pve2";
    pve2.online = false;
    try {
      const vms = await admin.data<Array<Record<string, unknown>>>("/cluster/resources", { type: "vm" });
      expect(vms.find((v) => v.vmid === 105)).toEqual({
        id: "lxc/105",
        vmid: 105,
        node: "pve2",
        type: "lxc",
        status: "unknown",
      });
      expect(vms.find((v) => v.vmid === 100)).toMatchObject({
        name: "homeassistant",
        status: "running",
        template: 0,
      });
      const nodes = await admin.data<Array<Record<string, unknown>>>("/cluster/resources", { type: "node" });
      expect(nodes.map((n) => [n.node, n.status])).toEqual([
        ["pve", "online"],
        ["pve2", "offline"],
      ]);
    } finally {
      pihole.node = "pve";
      pve2.online = true;
    }
  });

  it("shows a token only the guests it may audit and the storages it may audit", async () => {
    const resources = await guest100.data<Array<Record<string, unknown>>>("/cluster/resources");
    expect(resources.filter((r) => r.type === "qemu" || r.type === "lxc").map((r) => r.vmid)).toEqual([100]);
    // PVEDatastoreUser includes Datastore.Audit on the NAS only.
    expect(new Set(resources.filter((r) => r.type === "storage").map((r) => r.storage))).toEqual(
      new Set(["nas-backups"]),
    );
  });
});

describe("GET /access/permissions", () => {
  it("reports the token's effective privileges per path, 1 = propagates", async () => {
    const perms = await guest100.data<Record<string, Record<string, number>>>("/access/permissions");
    expect(Object.keys(perms).sort()).toEqual(["/storage/nas-backups", "/vms/100"]);
    expect(perms["/storage/nas-backups"]).toEqual({ "Datastore.AllocateSpace": 1, "Datastore.Audit": 1 });
    expect(perms["/vms/100"]).toMatchObject({ "VM.Backup": 1, "VM.Audit": 1 });
    const auditor = await readOnly.data<Record<string, Record<string, number>>>("/access/permissions", {
      path: "/storage/nas-backups",
    });
    expect(Object.keys(auditor)).toEqual(["/storage/nas-backups"]);
    expect(auditor["/storage/nas-backups"]).toMatchObject({ "Datastore.Audit": 1, "Sys.Audit": 1 });
    expect(auditor["/storage/nas-backups"]).not.toHaveProperty("Datastore.Allocate");
  });
});
