import { createHash } from "node:crypto";
import {
  copyFileSync,
  type Dirent,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";

/**
 * Installs or updates the companion integration in Home Assistant's config folder
 * (`custom_components/pve_backup`), when the `install_integration` option asks for it. Home
 * Assistant loads custom integrations only at start: the caller tells the user to restart.
 *
 * Safe against what a config folder can hold:
 * - "current" means every shipped file is there with the same content (a hash, not only the
 *   version): a half-copied folder is never taken as current;
 * - a newer installed copy (by semver, e.g. from HACS) is left alone;
 * - the new copy is built in a sibling temp folder (dot-named, so Home Assistant never loads
 *   it) with `manifest.json` written last, then swapped in by rename (the old copy renamed aside,
 *   then removed): Home Assistant sees the old copy or the new one, never a mix;
 * - files the user added to the folder are kept: every file the integration does not ship, and
 *   that an earlier install by the add-on did not ship either (`.pve_backup_install.json` lists
 *   those), is carried over into the new copy; files an earlier version shipped and this one does
 *   not are dropped;
 * - every failure (read-only or full disk, a file where a folder should be) is a `failed` result
 *   with the reason, never an exception.
 */

export type InstallResult =
  | {
      readonly kind: "installed" | "updated";
      readonly version: string;
      readonly path: string;
      /** Files the user added, carried over (relative paths). */
      readonly kept: readonly string[];
    }
  | { readonly kind: "current"; readonly version: string; readonly path: string }
  | {
      readonly kind: "newer_installed";
      readonly installed: string;
      readonly shipped: string;
      readonly path: string;
    }
  | { readonly kind: "no_config_dir"; readonly tried: readonly string[] }
  | { readonly kind: "failed"; readonly path: string; readonly reason: string };

/** The record of what the add-on installed, inside the integration's folder. */
const RECORD = ".pve_backup_install.json";
const MANIFEST = "manifest.json";

function versionAt(dir: string): string | undefined {
  try {
    const v = (JSON.parse(readFileSync(join(dir, MANIFEST), "utf8")) as { version?: unknown }).version;
    return typeof v === "string" ? v : undefined;
  } catch {
    // No manifest (not installed, or a copy that stopped half-way) or an unreadable one.
    return undefined;
  }
}

/** Relative paths of the files under `dir`, without byte-code caches; [] when it is no folder. */
function filesUnder(dir: string, prefix = ""): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(dir, prefix), { withFileTypes: true });
  } catch {
    // Missing or not a folder: nothing installed there.
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name === "__pycache__") continue;
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

function hashOf(dir: string, files: readonly string[]): string {
  const h = createHash("sha256");
  for (const f of files) {
    h.update(f);
    h.update("\0");
    try {
      h.update(readFileSync(join(dir, f)));
    } catch {
      // A shipped file missing or unreadable in the installed copy: the hashes differ.
      h.update("\0missing");
    }
    h.update("\0");
  }
  return h.digest("hex");
}

/** Semver order of `a` and `b` (pre-releases before their release); unparseable counts as oldest. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/.exec(v.trim());
    return m ? { nums: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] } : undefined;
  };
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return x ? 1 : y ? -1 : 0;
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] as number) - (y.nums[i] as number);
    if (d !== 0) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  const px = x.pre.split(".");
  const py = y.pre.split(".");
  for (let i = 0; i < Math.max(px.length, py.length); i++) {
    const p = px[i];
    const q = py[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const np = /^\d+$/.test(p);
    const nq = /^\d+$/.test(q);
    if (np && nq && Number(p) !== Number(q)) return Math.sign(Number(p) - Number(q));
    if (np !== nq) return np ? -1 : 1;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

function recordedFiles(dir: string): Set<string> {
  try {
    const r = JSON.parse(readFileSync(join(dir, RECORD), "utf8")) as { files?: unknown };
    return new Set(Array.isArray(r.files) ? r.files.map(String) : []);
  } catch {
    // Not installed by the add-on (HACS, by hand): every extra file counts as the user's.
    return new Set();
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // A leftover dot-folder is harmless (Home Assistant does not load it) and removed next time.
  }
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * `source`: the integration shipped with the add-on. `configDirs`: where HA's config may be
 * mounted (`/homeassistant` for add-ons on current Supervisors, `/config` on older ones), in
 * order; the first that exists and holds `configuration.yaml` is used.
 */
export function installIntegration(source: string, configDirs: readonly string[]): InstallResult {
  const configDir = configDirs.find((d) => existsSync(join(d, "configuration.yaml")));
  if (!configDir) return { kind: "no_config_dir", tried: configDirs };
  const parent = join(configDir, "custom_components");
  const target = join(parent, "pve_backup");
  const shipped = versionAt(source);
  if (!shipped)
    return { kind: "failed", path: target, reason: `the add-on's copy at ${source} has no manifest` };
  const shippedFiles = filesUnder(source);
  const present = versionAt(target);
  if (present !== undefined && compareVersions(present, shipped) > 0)
    return { kind: "newer_installed", installed: present, shipped, path: target };
  if (present === shipped && hashOf(target, shippedFiles) === hashOf(source, shippedFiles))
    return { kind: "current", version: shipped, path: target };

  const ours = new Set([...shippedFiles, ...recordedFiles(target), RECORD]);
  const kept = filesUnder(target).filter((f) => !ours.has(f));
  const temp = join(parent, `.pve_backup.new-${process.pid}`);
  const aside = join(parent, `.pve_backup.old-${process.pid}`);
  let movedAside = false;
  try {
    mkdirSync(parent, { recursive: true });
    rmSync(temp, { recursive: true, force: true });
    rmSync(aside, { recursive: true, force: true });
    // The manifest last: a copy that stops half-way has none and is never taken as installed.
    const copy = (from: string, rel: string) => {
      mkdirSync(dirname(join(temp, rel)), { recursive: true });
      copyFileSync(join(from, rel), join(temp, rel));
    };
    for (const f of shippedFiles) if (f !== MANIFEST) copy(source, f);
    for (const f of kept) copy(target, f);
    writeFileSync(join(temp, RECORD), `${JSON.stringify({ version: shipped, files: shippedFiles })}\n`);
    copy(source, MANIFEST);
    if (existsSync(target)) {
      renameSync(target, aside);
      movedAside = true;
    }
    renameSync(temp, target);
  } catch (err) {
    if (movedAside && !existsSync(target)) {
      try {
        renameSync(aside, target);
      } catch {
        // Nothing more to try: the reason below says what failed first.
      }
    }
    removeQuietly(temp);
    return { kind: "failed", path: target, reason: `could not write ${target}: ${reasonOf(err)}` };
  }
  // The old copy is out of the way; a failure to delete it leaves a dot-folder HA ignores.
  removeQuietly(aside);
  return { kind: present ? "updated" : "installed", version: shipped, path: target, kept };
}
