import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { enc, READ_ONLY, type SimClient, simClient } from "./client.js";

/** Storage configuration (`/storage`, reference §6.1) and the NFS export scan (§6.3). */

let lab: SimLab;
let api: SimClient;
let readOnly: SimClient;
beforeEach(async () => {
  lab = await startSimLab({ scenario: "seed", clock: "manual" });
  api = simClient(lab);
  readOnly = simClient(lab, READ_ONLY);
});
afterEach(async () => {
  await Promise.all([api.close(), readOnly.close()]);
  await lab.stop();
});

const HA_NFS = {
  storage: "ha-backups",
  type: "nfs",
  server: "10.0.0.150",
  export: "/volume1/backups/homeassistant_backups",
  content: "backup",
  options: "vers=4.2",
  "prune-backups": "keep-last=3,keep-daily=7",
};

const ids = (items: Array<{ storage: string }>) => items.map((s) => s.storage);
const nas = () => {
  const server = lab.state.nfsServers.find((n) => n.server === "10.0.0.150");
  if (!server) throw new Error("the seed lab has no NAS at 10.0.0.150");
  return server;
};

describe("POST /storage (NFS)", () => {
  it("creates an NFS storage that the config, the node, the cluster resources and vzdump all see", async () => {
    const created = await api.post("/storage", HA_NFS);
    expect(created.json).toEqual({ data: { storage: "ha-backups", type: "nfs" } });

    expect(await api.data("/storage/ha-backups")).toEqual({
      storage: "ha-backups",
      type: "nfs",
      path: "/mnt/pve/ha-backups",
      server: "10.0.0.150",
      export: "/volume1/backups/homeassistant_backups",
      options: "vers=4.2",
      content: "backup",
      "prune-backups": "keep-last=3,keep-daily=7",
      shared: 1,
      digest: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(ids(await api.data("/storage"))).toEqual(["ha-backups", "local", "local-lvm", "nas-backups"]);
    expect(ids(await api.data("/storage", { type: "nfs" }))).toEqual(["ha-backups", "nas-backups"]);

    const onNode = await api.data<Array<Record<string, unknown>>>("/nodes/pve/storage", {
      content: "backup",
    });
    expect(onNode.find((s) => s.storage === "ha-backups")).toMatchObject({
      type: "nfs",
      content: "backup",
      shared: 1,
      enabled: 1,
      active: 1,
      total: 7_999_999_999_999,
    });
    const resources = await api.data<Array<Record<string, unknown>>>("/cluster/resources", {
      type: "storage",
    });
    expect(resources.find((r) => r.id === "storage/pve/ha-backups")).toMatchObject({
      plugintype: "nfs",
      status: "available",
    });

    const run = await api.post("/nodes/pve/vzdump", { vmid: "105", storage: "ha-backups", compress: "zstd" });
    const upid = run.json?.data as string;
    expect(upid).toMatch(/^UPID:pve:/);
    await lab.advance(60_000);
    expect(await api.data(`/nodes/pve/tasks/${enc(upid)}/status`)).toMatchObject({ exitstatus: "OK" });
    const content = await api.data<Array<{ volid: string }>>("/nodes/pve/storage/ha-backups/content");
    expect(content.map((c) => c.volid)).toEqual([
      "ha-backups:backup/vzdump-lxc-105-2026_02_11-10_00_00.tar.zst",
    ]);
  });

  it("configures content `images` only when content is omitted (not usable for backups)", async () => {
    const { content: _content, ...noContent } = HA_NFS;
    expect((await api.post("/storage", noContent)).status).toBe(200);
    expect(await api.data("/storage/ha-backups")).toMatchObject({ content: "images" });
    const backupTargets = await api.data<Array<{ storage: string }>>("/nodes/pve/storage", {
      content: "backup",
    });
    expect(ids(backupTargets)).toEqual(["local", "nas-backups"]);
    const run = await api.post("/nodes/pve/vzdump", { vmid: "105", storage: "ha-backups" });
    await lab.advance(60_000);
    expect(await api.data(`/nodes/pve/tasks/${enc(run.json?.data as string)}/status`)).toMatchObject({
      exitstatus:
        "could not get storage information for 'ha-backups': can't use storage 'ha-backups' for backups - wrong content type",
    });
  });

  it("refuses a duplicate storage ID", async () => {
    const r = await api.post("/storage", { ...HA_NFS, storage: "nas-backups" });
    expect([r.status, r.statusText]).toEqual([
      500,
      "create storage failed: storage ID 'nas-backups' already defined",
    ]);
  });

  it("fails to create a storage it cannot mount, and creates nothing", async () => {
    const before = lab.state.storages.map((s) => s.id);
    const unknownServer = await api.post("/storage", { ...HA_NFS, server: "10.0.0.99" });
    expect([unknownServer.status, unknownServer.statusText]).toEqual([
      500,
      "create storage failed: storage 'ha-backups' is not online",
    ]);
    const unknownExport = await api.post("/storage", {
      ...HA_NFS,
      export: "/volume1/nope",
      options: "vers=3",
    });
    expect([unknownExport.status, unknownExport.statusText]).toEqual([
      500,
      "create storage failed: mount error: mount.nfs: access denied by server while mounting 10.0.0.150:/volume1/nope",
    ]);
    nas().online = false;
    const offline = await api.post("/storage", HA_NFS);
    expect(offline.statusText).toBe("create storage failed: storage 'ha-backups' is not online");
    expect(lab.state.storages.map((s) => s.id)).toEqual(before);

    // A disabled storage is not activated on create: it is written, and shows inactive once enabled.
    expect((await api.post("/storage", { ...HA_NFS, disable: "1" })).status).toBe(200);
    expect((await api.put("/storage/ha-backups", { delete: "disable" })).status).toBe(200);
    const status = await api.data("/nodes/pve/storage/ha-backups/status");
    expect(status).toMatchObject({ enabled: 1, active: 0, total: 0 });
  });

  it("checks required options and formats", async () => {
    const { export: _export, ...noExport } = HA_NFS;
    const missing = await api.post("/storage", noExport);
    expect([missing.status, missing.statusText]).toEqual([500, "missing value for required option 'export'"]);
    const relative = await api.post("/storage", { ...HA_NFS, export: "volume1" });
    expect(relative.json?.errors).toEqual({
      export: "invalid format - value does not look like a valid absolute path\n",
    });
    const badId = await api.post("/storage", { ...HA_NFS, storage: "1nas" });
    expect(badId.json?.errors).toEqual({
      storage: "invalid format - storage ID '1nas' contains illegal characters\n",
    });
    const foreign = await api.post("/storage", { ...HA_NFS, shared: "1" });
    expect([foreign.status, foreign.statusText]).toEqual([500, "unexpected property 'shared'"]);
  });
});

describe("PUT and DELETE /storage/{storage}", () => {
  it("refuses to change the fixed server, export and path", async () => {
    for (const [key, value] of [
      ["server", "10.0.0.151"],
      ["export", "/volume1/other"],
      ["path", "/mnt/pve/other"],
    ] as const) {
      const r = await api.put("/storage/nas-backups", { [key]: value });
      expect([r.status, r.json?.errors]).toEqual([
        400,
        { [key]: "property is not defined in schema and the schema does not allow additional properties" },
      ]);
    }
    const del = await api.put("/storage/nas-backups", { delete: "export" });
    expect([del.status, del.statusText]).toEqual([
      500,
      "update storage failed: unable to delete required option 'export'",
    ]);
  });

  it("updates options, deletes keys and honours the digest", async () => {
    const { digest } = await api.data<{ digest: string }>("/storage/nas-backups");
    const r = await api.put("/storage/nas-backups", {
      content: "backup,iso",
      "prune-backups": "keep-last=5",
      "max-protected-backups": "2",
      digest,
    });
    expect(r.json).toEqual({ data: { storage: "nas-backups", type: "nfs" } });
    expect(await api.data("/storage/nas-backups")).toMatchObject({
      content: "backup,iso",
      "prune-backups": "keep-last=5",
      "max-protected-backups": 2,
    });
    const staleDigest = await api.put("/storage/nas-backups", { content: "backup", digest });
    expect([staleDigest.status, staleDigest.statusText]).toEqual([
      500,
      "update storage failed: detected modified configuration - file changed by other user? Try again.",
    ]);
    await api.put("/storage/nas-backups", { delete: "prune-backups,max-protected-backups" });
    const after = await api.data<Record<string, unknown>>("/storage/nas-backups");
    expect(after).not.toHaveProperty("prune-backups");
    expect(after).not.toHaveProperty("max-protected-backups");
  });

  it("deletes a storage from the config and every listing", async () => {
    await api.post("/storage", HA_NFS);
    expect((await api.delete("/storage/ha-backups")).json).toEqual({ data: null });
    const gone = await api.get("/storage/ha-backups");
    expect([gone.status, gone.statusText]).toEqual([500, "storage 'ha-backups' does not exist"]);
    expect(ids(await api.data("/nodes/pve/storage"))).toEqual(["local", "local-lvm", "nas-backups"]);
    const again = await api.delete("/storage/ha-backups");
    expect(again.statusText).toBe("delete storage failed: storage 'ha-backups' does not exist");
  });

  it("leaves a created storage's activation to the lab state", async () => {
    await api.post("/storage", HA_NFS);
    const created = lab.state.storages.find((s) => s.id === "ha-backups");
    if (!created) throw new Error("not created");
    created.active = false;
    const list = await api.data<Array<Record<string, unknown>>>("/nodes/pve/storage", { content: "backup" });
    expect(list.find((s) => s.storage === "ha-backups")).toMatchObject({ active: 0, total: 0 });
  });
});

describe("GET /nodes/{node}/scan/nfs", () => {
  it("lists the exports of a reachable server, sorted, with their client column", async () => {
    expect(await api.data("/nodes/pve/scan/nfs", { server: "10.0.0.150" })).toEqual([
      { path: "/volume1/backups/homeassistant_backups", options: "10.0.0.0/24" },
      { path: "/volume1/backups/proxmox", options: "10.0.0.0/24" },
    ]);
  });

  it("fails like showmount for unknown names and unreachable servers", async () => {
    const name = await api.get("/nodes/pve/scan/nfs", { server: "nas.invalid" });
    expect([name.status, name.statusText]).toEqual([
      500,
      "unable to resolve address for server 'nas.invalid'",
    ]);
    const nobody = await api.get("/nodes/pve/scan/nfs", { server: "10.0.0.99" });
    expect(nobody.statusText).toBe(
      "command '/sbin/showmount --no-headers --exports 10.0.0.99' failed: exit code 1",
    );
    nas().online = false;
    const offline = await api.get("/nodes/pve/scan/nfs", { server: "10.0.0.150" });
    expect([offline.status, offline.statusText]).toEqual([
      500,
      "command '/sbin/showmount --no-headers --exports 10.0.0.150' failed: exit code 1",
    ]);
  });
});

describe("storage permissions", () => {
  it("lets a PVEAuditor token list the storage config but not read, create, change, delete or scan", async () => {
    expect(ids(await readOnly.data("/storage"))).toEqual(["local", "local-lvm", "nas-backups"]);
    const cases: [Promise<{ status: number; statusText: string }>, string][] = [
      [
        readOnly.get("/storage/nas-backups"),
        "Permission check failed (/storage/nas-backups, Datastore.Allocate)",
      ],
      [readOnly.post("/storage", HA_NFS), "Permission check failed (/storage, Datastore.Allocate)"],
      [
        readOnly.put("/storage/nas-backups", { content: "backup" }),
        "Permission check failed (/storage, Datastore.Allocate)",
      ],
      [readOnly.delete("/storage/nas-backups"), "Permission check failed (/storage, Datastore.Allocate)"],
      [
        readOnly.get("/nodes/pve/scan/nfs", { server: "10.0.0.150" }),
        "Permission check failed (/storage, Datastore.Allocate)",
      ],
    ];
    for (const [pending, reason] of cases) {
      const r = await pending;
      expect([r.status, r.statusText]).toEqual([403, reason]);
    }
    expect(lab.state.storages.map((s) => s.id)).toEqual(["local", "local-lvm", "nas-backups"]);
  });
});
