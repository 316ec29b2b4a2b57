import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { installIntegration } from "../../src/ha/install.js";

const source = join(import.meta.dirname, "../../custom_components/pve_backup");
const version = JSON.parse(readFileSync(join(source, "manifest.json"), "utf8")).version as string;

function haConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), "ha-config-"));
  writeFileSync(join(dir, "configuration.yaml"), "default_config:\n");
  return dir;
}

describe("installIntegration", () => {
  it("installs into the first config folder that holds configuration.yaml, then finds it current", () => {
    const config = haConfig();
    const r = installIntegration(source, ["/nonexistent-homeassistant", config]);
    expect(r).toEqual({ kind: "installed", version, path: join(config, "custom_components/pve_backup") });
    expect(existsSync(join(config, "custom_components/pve_backup/__init__.py"))).toBe(true);
    expect(installIntegration(source, [config]).kind).toBe("current");
  });

  it("replaces an older version completely", () => {
    const config = haConfig();
    const target = join(config, "custom_components/pve_backup");
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, "manifest.json"), JSON.stringify({ domain: "pve_backup", version: "0.0.1" }));
    writeFileSync(join(target, "stale.py"), "");
    expect(installIntegration(source, [config]).kind).toBe("updated");
    expect(existsSync(join(target, "stale.py"))).toBe(false);
    expect(JSON.parse(readFileSync(join(target, "manifest.json"), "utf8")).version).toBe(version);
  });

  it("says where it looked when there is no Home Assistant config folder", () => {
    expect(installIntegration(source, ["/nope-a", "/nope-b"])).toEqual({
      kind: "no_config_dir",
      tried: ["/nope-a", "/nope-b"],
    });
  });
});
