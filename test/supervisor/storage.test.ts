import {
  createReadStream,
  existsSync,
  readdirSync as list,
  mkdtempSync,
  readdirSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type SupervisorStandIn, startSupervisorStandIn } from "../../src/sim/supervisor.js";
import type { NasSession } from "../../src/ssh/nas.js";
import { verifyHaBackup } from "../../src/ssh/verify.js";
import { createSupervisorClient } from "../../src/supervisor/client.js";

const TOKEN = "addon-token-0123456789";
let standIn: SupervisorStandIn | undefined;

afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function start(role: "default" | "backup" | "manager" = "manager", unreachable: string[] = []) {
  const root = mkdtempSync(join(tmpdir(), "pve-backup-sup-"));
  standIn = await startSupervisorStandIn({
    token: TOKEN,
    core: { url: "http://127.0.0.1:9", token: "core" },
    addon: {
      slug: "local_pve_backup",
      name: "PVE Backup",
      version: "0.1.0",
      discovery: [],
      homeassistantApi: true,
      hassioApi: true,
      hassioRole: role,
      options: {},
    },
    storage: {
      backupDir: join(root, "backup"),
      mountRoot: join(root, "mounts"),
      unreachableServers: unreachable,
    },
  });
  const client = createSupervisorClient({ baseUrl: standIn.url, token: TOKEN });
  const raw = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${standIn?.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : text };
  };
  return { root, client, raw };
}

/** The local filesystem as a NAS session, to check the stand-in's files with the real verifier. */
function localShare(dir: string): NasSession {
  return {
    list: async () =>
      list(dir).map((name) => ({
        name,
        sizeBytes: statSync(join(dir, name)).size,
        mtimeMs: statSync(join(dir, name)).mtimeMs,
      })),
    async read(name, onChunk) {
      let n = 0;
      for await (const c of createReadStream(join(dir, name))) {
        n += (c as Buffer).length;
        await onChunk(c as Buffer);
      }
      return { sizeBytes: n };
    },
    freeBytes: async () => undefined,
    close() {},
  };
}

describe("Supervisor stand-in: /mounts", () => {
  it("creates an NFS backup mount that becomes the default backup mount", async () => {
    const { client } = await start();
    await client.createMount({
      type: "nfs",
      name: "nas",
      server: "10.0.0.150",
      path: "/volume1/backups/homeassistant_backups",
    });
    expect(await client.mounts()).toEqual({
      defaultBackupMount: "nas",
      mounts: [
        {
          name: "nas",
          type: "nfs",
          usage: "backup",
          server: "10.0.0.150",
          path: "/volume1/backups/homeassistant_backups",
          share: undefined,
          state: "active",
        },
      ],
    });
  });

  it.each([
    [{ name: "bad-name", type: "nfs", usage: "backup", server: "nas", path: "/x" }, "data['name']"],
    [{ name: "n", type: "smb", usage: "backup", server: "nas", path: "/x" }, "data['type']"],
    [{ name: "n", type: "cifs", usage: "backup", server: "nas/x", share: "s" }, "data['server']"],
    [
      { name: "n", type: "cifs", usage: "backup", server: "nas", share: "s", version: "3.0" },
      "data['version']",
    ],
    [{ name: "n", type: "cifs", usage: "backup", server: "nas", share: "s", username: "u" }, "basic_auth"],
    [
      { name: "n", type: "nfs", usage: "backup", server: "nas", path: "/x", read_only: true },
      "cannot be read only",
    ],
  ])("refuses an invalid mount %j", async (body, message) => {
    const { raw } = await start();
    const res = await raw("POST", "/mounts", body);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(message);
  });

  it("needs the manager role, as the Supervisor's security middleware", async () => {
    const { raw } = await start("backup");
    expect((await raw("GET", "/mounts")).status).toBe(403);
    expect((await raw("GET", "/backups")).status).toBe(200);
  });

  it("reports a mount whose server cannot be reached as failed, and refuses backups to it", async () => {
    const { client, raw } = await start("manager", ["10.0.0.99"]);
    await client.createMount({
      type: "cifs",
      name: "away",
      server: "10.0.0.99",
      share: "backups",
      username: "ha",
      password: "pw",
    });
    expect((await client.mounts()).mounts[0]?.state).toBe("failed");
    const res = await raw("POST", "/backups/new/full", { name: "x", location: "away" });
    expect(res).toMatchObject({
      status: 400,
      body: { message: "Mount away is not mounted, cannot backup to there" },
    });
  });

  it("refuses backups to a mount not used for backups", async () => {
    const { raw } = await start();
    await raw("POST", "/mounts", { name: "media1", type: "nfs", usage: "media", server: "nas", path: "/m" });
    const res = await raw("POST", "/backups/new/full", { name: "x", location: "media1" });
    expect(res.body.message).toBe("Mount media1 is not used for backups, cannot backup to there");
  });
});

describe("Supervisor stand-in: /backups", () => {
  it("writes a full backup to the default backup mount as a real tar that verifies", async () => {
    const { root, client, raw } = await start();
    await client.createMount({ type: "nfs", name: "nas", server: "10.0.0.150", path: "/volume1/ha" });
    const made = await raw("POST", "/backups/new/full", { name: "Nightly" });
    expect(made.status).toBe(200);
    const slug = made.body.data.slug as string;
    expect(slug).toMatch(/^[0-9a-f]{8}$/);
    const [listed] = await client.backups();
    expect(listed).toMatchObject({ slug, name: "Nightly", locations: ["nas"], protected: false });
    const dir = join(root, "mounts/nas");
    expect(readdirSync(dir)).toEqual([`${slug}.tar`]);
    const v = await verifyHaBackup(
      localShare(dir),
      {
        backupId: slug,
        name: "Nightly",
        dateMs: listed?.dateMs ?? 0,
        sizeBytes: listed?.sizeBytes ?? 0,
        protected: false,
        homeassistantIncluded: true,
        addons: [],
        folders: ["share", "addons/local", "ssl", "media"],
      },
      { retentionCopies: 1 },
    );
    expect(v.verdict).toMatchObject({ kind: "ok" });
    const info = await raw("GET", `/backups/${slug}/info`);
    expect(info.body.data).toMatchObject({
      slug,
      homeassistant: "2025.1.4",
      folders: ["share", "addons/local", "ssl", "media"],
    });
  });

  it("keeps a backup on several locations, deletes from one, and reloads what is on disk", async () => {
    const { root, client, raw } = await start();
    await client.createMount({ type: "nfs", name: "nas", server: "nas", path: "/v" });
    const made = await raw("POST", "/backups/new/partial", {
      name: "Two",
      homeassistant: true,
      location: [null, "nas"],
    });
    const slug = made.body.data.slug as string;
    expect((await client.backups())[0]?.locations).toEqual([null, "nas"]);
    await raw("DELETE", `/backups/${slug}`, { location: ["nas"] });
    expect(existsSync(join(root, "mounts/nas", `${slug}.tar`))).toBe(false);
    expect((await client.backups())[0]?.locations).toEqual([null]);
    await raw("POST", "/backups/reload");
    expect((await client.backups()).map((b) => b.slug)).toEqual([slug]);
    expect((await raw("DELETE", `/backups/${slug}`)).status).toBe(200);
    expect(await client.backups()).toEqual([]);
    expect((await raw("GET", `/backups/${slug}/info`)).status).toBe(404);
  });

  it("lets any role with hassio_api read /backups/info", async () => {
    const { raw } = await start("default");
    expect((await raw("GET", "/backups/info")).body.data).toEqual({ backups: [], days_until_stale: 30 });
    expect((await raw("GET", "/backups")).status).toBe(403);
  });
});
