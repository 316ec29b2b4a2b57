import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * Installs or updates the companion integration in Home Assistant's config folder
 * (`custom_components/pve_backup`), when the `install_integration` option asks for it. Home
 * Assistant loads custom integrations only at start: the caller tells the user to restart.
 */

export type InstallResult =
  | { readonly kind: "installed" | "updated"; readonly version: string; readonly path: string }
  | { readonly kind: "current"; readonly version: string; readonly path: string }
  | { readonly kind: "no_config_dir"; readonly tried: readonly string[] };

function versionAt(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { version?: string }).version;
  } catch {
    // No manifest (not installed) or an unreadable one: treated as not installed.
    return undefined;
  }
}

/**
 * `source`: the integration shipped with the add-on. `configDirs`: where HA's config may be
 * mounted (`/homeassistant` for add-ons on current Supervisors, `/config` on older ones), in
 * order; the first that exists and holds `configuration.yaml` is used.
 */
export function installIntegration(source: string, configDirs: readonly string[]): InstallResult {
  const configDir = configDirs.find((d) => existsSync(join(d, "configuration.yaml")));
  if (!configDir) return { kind: "no_config_dir", tried: configDirs };
  const target = join(configDir, "custom_components", "pve_backup");
  const shipped = versionAt(source);
  if (!shipped) throw new Error(`the add-on's copy of the integration at ${source} has no manifest`);
  const present = versionAt(target);
  if (present === shipped) return { kind: "current", version: shipped, path: target };
  // Replace the whole folder: files removed from the integration must not linger.
  rmSync(target, { recursive: true, force: true });
  cpSync(source, target, { recursive: true, filter: (src) => !src.includes("__pycache__") });
  return { kind: present ? "updated" : "installed", version: shipped, path: target };
}
