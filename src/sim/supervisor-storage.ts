import { createHash, randomUUID } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { TarScanner } from "../ssh/tar-scan.js";

/**
 * The Supervisor stand-in's network storage and backups (reference home-assistant.md §2.4–2.5):
 * `/mounts` (list, create, update, delete, reload, options) with the Supervisor's validation, and
 * `/backups` (list, info, new/full, new/partial, delete, reload) writing real `.tar` files. A mount
 * is a directory under `mountRoot` (what the host would mount); a server listed in
 * `unreachableServers` gives a mount in state `failed`, as systemd reports it.
 */

export interface StorageOptions {
  /** The Supervisor's local `/backup`. */
  readonly backupDir: string;
  /** Where mounts appear (`/mnt/data/supervisor/mounts` on a real host). */
  readonly mountRoot: string;
  readonly unreachableServers?: readonly string[];
}

export interface StandInMount {
  readonly name: string;
  readonly type: "cifs" | "nfs";
  readonly usage: "backup" | "media" | "share";
  readonly server: string;
  readonly share?: string;
  readonly path?: string;
  readonly port?: number;
  readonly version?: string | null;
  readonly username?: string;
  readonly password?: string;
  readonly read_only: boolean;
}

interface StandInBackup {
  slug: string;
  name: string;
  date: string;
  type: "full" | "partial";
  locations: (string | null)[];
  protected: boolean;
  content: { homeassistant: boolean; addons: string[]; folders: string[] };
  extra: Record<string, unknown>;
}

export type Answer = { status: number; data?: unknown; message?: string };

const ok = (data: unknown = {}): Answer => ({ status: 200, data });
const bad = (message: string, status = 400): Answer => ({ status, message });
const FOLDERS = ["share", "addons/local", "ssl", "media"];

export function createSupervisorStorage(opts: StorageOptions) {
  const mounts = new Map<string, StandInMount>();
  const backups = new Map<string, StandInBackup>();
  let defaultBackupMount: string | null = null;
  mkdirSync(opts.backupDir, { recursive: true });

  const dirOf = (location: string | null) =>
    location === null ? opts.backupDir : join(opts.mountRoot, location);
  const stateOf = (m: StandInMount) =>
    opts.unreachableServers?.includes(m.server) || !existsSync(dirOf(m.name)) ? "failed" : "active";
  const activate = (m: StandInMount) => {
    if (!opts.unreachableServers?.includes(m.server)) mkdirSync(dirOf(m.name), { recursive: true });
  };

  function validateMount(body: Record<string, unknown>): StandInMount | string {
    const { name, type, usage, server, share, path, port, version, username, password } = body;
    if (typeof name !== "string" || !/^[A-Za-z0-9_]+$/.test(name))
      return "does not match regular expression ^[A-Za-z0-9_]+$ for dictionary value @ data['name']";
    if (type !== "cifs" && type !== "nfs") return `value must be one of ['cifs', 'nfs'] @ data['type']`;
    if (usage !== "backup" && usage !== "media" && usage !== "share")
      return `value must be one of ['backup', 'media', 'share'] @ data['usage']`;
    if (typeof server !== "string" || /[\\/]/.test(server) || server === "")
      return "does not match regular expression for dictionary value @ data['server']";
    if (type === "cifs" && (typeof share !== "string" || /[\\/]/.test(share) || share === ""))
      return "required key not provided @ data['share']";
    if (type === "nfs" && (typeof path !== "string" || !path.startsWith("/")))
      return "required key not provided @ data['path']";
    if (
      port !== undefined &&
      (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535)
    )
      return "value must be at most 65535 for dictionary value @ data['port']";
    if (version !== undefined && version !== null && version !== "1.0" && version !== "2.0")
      return "value must be one of ['1.0', '2.0'] for dictionary value @ data['version']";
    if ((username === undefined) !== (password === undefined))
      return "some but not all values in the same group of inclusion 'basic_auth' @ data[<basic_auth>]";
    if (usage === "backup" && body.read_only === true) return "Backup mounts cannot be read only";
    return {
      name,
      type,
      usage,
      server,
      ...(type === "cifs"
        ? { share: share as string, version: (version as string | null | undefined) ?? null }
        : {}),
      ...(type === "nfs" ? { path: path as string } : {}),
      ...(port !== undefined ? { port: port as number } : {}),
      ...(typeof username === "string" ? { username, password: password as string } : {}),
      read_only: body.read_only === true,
    };
  }

  const mountView = (m: StandInMount) => ({
    name: m.name,
    type: m.type,
    usage: m.usage,
    read_only: m.read_only,
    server: m.server,
    ...(m.port !== undefined ? { port: m.port } : {}),
    ...(m.type === "cifs" ? { share: m.share, version: m.version ?? null } : { path: m.path }),
    state: stateOf(m),
    user_path: m.usage === "backup" ? null : `/${m.usage}/${m.name}`,
  });

  const backupView = (b: StandInBackup) => {
    const sizes = Object.fromEntries(
      b.locations.map((l) => [l ?? ".local", { protected: b.protected, size_bytes: sizeOf(b, l) }]),
    );
    const size = sizeOf(b, b.locations[0] ?? null);
    return {
      slug: b.slug,
      name: b.name,
      date: b.date,
      type: b.type,
      size: Math.round((size / 1048576) * 100) / 100,
      size_bytes: size,
      location: b.locations[0] ?? null,
      locations: b.locations,
      protected: b.protected,
      compressed: true,
      location_attributes: sizes,
      content: b.content,
    };
  };
  const sizeOf = (b: StandInBackup, l: string | null) => {
    const f = join(dirOf(l), `${b.slug}.tar`);
    return existsSync(f) ? statSync(f).size : 0;
  };

  function createBackup(body: Record<string, unknown>, type: "full" | "partial"): Answer {
    const name = typeof body.name === "string" ? body.name : `Backup ${new Date().toISOString()}`;
    let locations: (string | null)[];
    if (!("location" in body)) locations = [defaultBackupMount];
    else {
      const given = Array.isArray(body.location) ? body.location : [body.location];
      locations = given.map((l) => (l === null || l === "" || l === ".local" ? null : String(l)));
    }
    for (const l of locations) {
      if (l === null) continue;
      const m = mounts.get(l);
      if (!m) return bad(`No mount exists with name ${l}`);
      if (m.usage !== "backup") return bad(`Mount ${l} is not used for backups, cannot backup to there`);
      if (stateOf(m) !== "active") return bad(`Mount ${l} is not mounted, cannot backup to there`);
    }
    const folders =
      type === "full"
        ? FOLDERS
        : Array.isArray(body.folders)
          ? body.folders.filter((f): f is string => typeof f === "string")
          : [];
    const homeassistant = type === "full" || body.homeassistant === true;
    const date = new Date().toISOString();
    const slug = createHash("sha1").update(`${date} - ${name}`.toLowerCase()).digest("hex").slice(0, 8);
    const backup: StandInBackup = {
      slug,
      name,
      date,
      type,
      locations,
      protected: typeof body.password === "string" && body.password !== "",
      content: { homeassistant, addons: [], folders },
      extra: (body.extra as Record<string, unknown>) ?? {},
    };
    const tar = backupTar(backup);
    for (const l of locations) writeFileSync(join(dirOf(l), `${slug}.tar`), tar);
    backups.set(slug, backup);
    const jobId = randomUUID().replace(/-/g, "");
    return ok(body.background === true ? { job_id: jobId } : { job_id: jobId, slug });
  }

  /** Read the backups in the local folder and every active backup mount, as a reload does. */
  async function reload(): Promise<void> {
    for (const location of [
      null,
      ...[...mounts.values()].filter((m) => m.usage === "backup").map((m) => m.name),
    ]) {
      const dir = dirOf(location);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).filter((n) => n.endsWith(".tar"))) {
        const meta = await readBackupJson(join(dir, f));
        if (!meta) continue;
        const known = backups.get(meta.slug);
        if (known) {
          if (!known.locations.includes(location)) known.locations.push(location);
        } else backups.set(meta.slug, { ...meta, locations: [location] });
      }
    }
    for (const b of backups.values()) {
      b.locations = b.locations.filter((l) => existsSync(join(dirOf(l), `${b.slug}.tar`)));
      if (b.locations.length === 0) backups.delete(b.slug);
    }
  }

  return {
    /** Handle `/mounts…` and `/backups…`; undefined when the path is neither. */
    async handle(method: string, path: string, body: Record<string, unknown>): Promise<Answer | undefined> {
      if (path === "/mounts" && method === "GET")
        return ok({ default_backup_mount: defaultBackupMount, mounts: [...mounts.values()].map(mountView) });
      if (path === "/mounts" && method === "POST") {
        const m = validateMount(body);
        if (typeof m === "string") return bad(m);
        if (mounts.has(m.name)) return bad(`A mount already exists with name ${m.name}`);
        mounts.set(m.name, m);
        activate(m);
        if (m.usage === "backup" && defaultBackupMount === null) {
          defaultBackupMount = m.name;
          await reload();
        }
        return ok();
      }
      if (path === "/mounts/options" && method === "POST") {
        const d = body.default_backup_mount;
        if (d !== null && typeof d !== "string") return bad("expected str for dictionary value");
        if (typeof d === "string") {
          const m = mounts.get(d);
          if (!m) return bad(`No mount exists with name ${d}`);
          if (m.usage !== "backup")
            return bad(`Mount ${d} is not used for backups, cannot use it as default`);
        }
        defaultBackupMount = d;
        return ok();
      }
      const one = /^\/mounts\/([A-Za-z0-9_]+)(\/reload)?$/.exec(path);
      if (one) {
        const name = one[1] as string;
        const m = mounts.get(name);
        if (!m) return bad(`No mount exists with name ${name}`, 404);
        if (one[2] && method === "POST") {
          activate(m);
          return ok();
        }
        if (!one[2] && method === "PUT") {
          const next = validateMount({ ...body, name });
          if (typeof next === "string") return bad(next);
          mounts.set(name, next);
          activate(next);
          return ok();
        }
        if (!one[2] && method === "DELETE") {
          mounts.delete(name);
          if (defaultBackupMount === name) defaultBackupMount = null;
          return ok();
        }
      }
      if ((path === "/backups" || path === "/backups/info") && method === "GET") {
        const list = [...backups.values()].map(backupView);
        return ok(path === "/backups" ? { backups: list } : { backups: list, days_until_stale: 30 });
      }
      if (path === "/backups/new/full" && method === "POST") return createBackup(body, "full");
      if (path === "/backups/new/partial" && method === "POST") return createBackup(body, "partial");
      if (path === "/backups/reload" && method === "POST") {
        await reload();
        return ok();
      }
      const b = /^\/backups\/([0-9a-f]{8})(\/info)?$/.exec(path);
      if (b) {
        const backup = backups.get(b[1] as string);
        if (!backup) return bad("Backup does not exist", 404);
        if (b[2] && method === "GET")
          return ok({
            ...backupView(backup),
            supervisor_version: "2026.11.0",
            homeassistant: backup.content.homeassistant ? "2025.1.4" : null,
            addons: [],
            repositories: [],
            folders: backup.content.folders,
            homeassistant_exclude_database: false,
            extra: backup.extra,
          });
        if (!b[2] && method === "DELETE") {
          const only = Array.isArray(body.location)
            ? body.location.map((l) => (l === null || l === ".local" ? null : String(l)))
            : backup.locations;
          for (const l of only) {
            const f = join(dirOf(l), `${backup.slug}.tar`);
            if (existsSync(f)) unlinkSync(f);
          }
          backup.locations = backup.locations.filter((l) => !only.includes(l));
          if (backup.locations.length === 0) backups.delete(backup.slug);
          return ok();
        }
      }
      if (path.startsWith("/mounts") || path.startsWith("/backups"))
        return bad(`no such endpoint: ${method} ${path}`, 404);
      return undefined;
    },
  };
}

/** The outer tar as the Supervisor writes it: `./backup.json`, then one `.tar.gz` per part. */
function backupTar(b: StandInBackup): Buffer {
  const json = Buffer.from(
    JSON.stringify({
      slug: b.slug,
      name: b.name,
      date: b.date,
      type: b.type,
      protected: b.protected,
      compressed: true,
      homeassistant: b.content.homeassistant ? { version: "2025.1.4", exclude_database: false } : null,
      folders: b.content.folders,
      addons: [],
      extra: b.extra,
    }),
  );
  const parts: [string, Buffer][] = [["./backup.json", json]];
  const inner = (label: string) => gzipSync(Buffer.from(`${label} of ${b.slug}\n`.repeat(64)));
  if (b.content.homeassistant) parts.push(["./homeassistant.tar.gz", inner("homeassistant")]);
  for (const f of b.content.folders) parts.push([`./${f.replace(/\//g, "_")}.tar.gz`, inner(f)]);
  return Buffer.concat([...parts.flatMap(([name, data]) => tarEntry(name, data)), Buffer.alloc(1024)]);
}

function tarEntry(name: string, data: Buffer): Buffer[] {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, "utf8");
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
  h.write(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, "0")}\0`,
    136,
  );
  h.write("        ", 148);
  h.write("0", 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return [h, data, Buffer.alloc((512 - (data.length % 512)) % 512)];
}

async function readBackupJson(file: string): Promise<Omit<StandInBackup, "locations"> | undefined> {
  const fd = openSync(file, "r");
  try {
    const head = Buffer.alloc(65_536);
    const n = readSync(fd, head, 0, head.length, 0);
    const parts: Buffer[] = [];
    const scanner = new TarScanner((m) =>
      m.name === "backup.json" ? { write: (c) => void parts.push(Buffer.from(c)), end() {} } : undefined,
    );
    await scanner.push(head.subarray(0, n));
    const meta = JSON.parse(Buffer.concat(parts).toString("utf8")) as {
      slug: string;
      name: string;
      date: string;
      type?: "full" | "partial";
      protected?: boolean;
      homeassistant?: unknown;
      folders?: string[];
      extra?: Record<string, unknown>;
    };
    return {
      slug: meta.slug,
      name: meta.name,
      date: meta.date,
      type: meta.type ?? "partial",
      protected: meta.protected ?? false,
      content: { homeassistant: meta.homeassistant != null, addons: [], folders: meta.folders ?? [] },
      extra: meta.extra ?? {},
    };
  } catch {
    // Not a backup this stand-in can read: the real Supervisor skips it too.
    return undefined;
  } finally {
    closeSync(fd);
  }
}
