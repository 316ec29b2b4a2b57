import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareVersions, installIntegration } from "../../src/ha/install.js";

const source = join(import.meta.dirname, "../../custom_components/pve_backup");
const version = JSON.parse(readFileSync(join(source, "manifest.json"), "utf8")).version as string;

function haConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), "ha-config-"));
  writeFileSync(join(dir, "configuration.yaml"), "default_config:\n");
  return dir;
}

function installed(
  config: string,
  manifest: Record<string, unknown> | undefined,
  files: Record<string, string>,
) {
  const target = join(config, "custom_components/pve_backup");
  mkdirSync(target, { recursive: true });
  if (manifest) writeFileSync(join(target, "manifest.json"), JSON.stringify(manifest));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(target, name), text);
  return target;
}

const shippedText = (name: string) => readFileSync(join(source, name), "utf8");

describe("installIntegration", () => {
  it("installs into the first config folder that holds configuration.yaml, then finds it current", () => {
    const config = haConfig();
    const r = installIntegration(source, ["/nonexistent-homeassistant", config]);
    expect(r).toEqual({
      kind: "installed",
      version,
      path: join(config, "custom_components/pve_backup"),
      kept: [],
    });
    expect(existsSync(join(config, "custom_components/pve_backup/__init__.py"))).toBe(true);
    expect(installIntegration(source, [config]).kind).toBe("current");
    // No temp or aside folder is left next to it.
    expect(readdirSync(join(config, "custom_components"))).toEqual(["pve_backup"]);
  });

  it("replaces an older version it installed, dropping the files that version shipped", () => {
    const config = haConfig();
    const target = installed(
      config,
      { domain: "pve_backup", version: "0.0.1" },
      {
        "stale.py": "",
        ".pve_backup_install.json": JSON.stringify({
          version: "0.0.1",
          files: ["manifest.json", "stale.py"],
        }),
      },
    );
    expect(installIntegration(source, [config])).toMatchObject({ kind: "updated", kept: [] });
    expect(existsSync(join(target, "stale.py"))).toBe(false);
    expect(JSON.parse(readFileSync(join(target, "manifest.json"), "utf8")).version).toBe(version);
  });

  it("keeps files the user added to the folder when it updates", () => {
    const config = haConfig();
    const target = installed(config, { domain: "pve_backup", version: "0.0.1" }, { "my_notes.txt": "mine" });
    expect(installIntegration(source, [config])).toMatchObject({ kind: "updated", kept: ["my_notes.txt"] });
    expect(readFileSync(join(target, "my_notes.txt"), "utf8")).toBe("mine");
    expect(readFileSync(join(target, "__init__.py"), "utf8")).toBe(shippedText("__init__.py"));
  });

  it("leaves a newer installed copy alone", () => {
    const config = haConfig();
    const target = installed(
      config,
      { domain: "pve_backup", version: "99.0.0" },
      { "__init__.py": "# newer" },
    );
    expect(installIntegration(source, [config])).toEqual({
      kind: "newer_installed",
      installed: "99.0.0",
      shipped: version,
      path: target,
    });
    expect(readFileSync(join(target, "__init__.py"), "utf8")).toBe("# newer");
  });

  it("completes a half-copied folder that has no manifest", () => {
    const config = haConfig();
    const target = installed(config, undefined, { "__init__.py": shippedText("__init__.py").slice(0, 100) });
    expect(installIntegration(source, [config]).kind).toBe("installed");
    expect(readFileSync(join(target, "__init__.py"), "utf8")).toBe(shippedText("__init__.py"));
    expect(existsSync(join(target, "sensor.py"))).toBe(true);
    expect(installIntegration(source, [config]).kind).toBe("current");
  });

  it("does not take a copy with the same version but different files as current", () => {
    const config = haConfig();
    installIntegration(source, [config]);
    const target = join(config, "custom_components/pve_backup");
    writeFileSync(join(target, "sensor.py"), "# cut short");
    expect(installIntegration(source, [config]).kind).toBe("updated");
    expect(readFileSync(join(target, "sensor.py"), "utf8")).toBe(shippedText("sensor.py"));
  });

  it("answers failed, without throwing, when the folder cannot be written", () => {
    const config = haConfig();
    // Tests run as root, which chmod does not stop: a file where the folder should be does.
    writeFileSync(join(config, "custom_components"), "not a folder");
    const r = installIntegration(source, [config]);
    expect(r.kind).toBe("failed");
    expect(r.kind === "failed" && r.reason).toMatch(
      /could not write .*custom_components\/pve_backup: .*(ENOTDIR|EEXIST)/,
    );
    expect(readFileSync(join(config, "custom_components"), "utf8")).toBe("not a folder");
  });

  it("says where it looked when there is no Home Assistant config folder", () => {
    expect(installIntegration(source, ["/nope-a", "/nope-b"])).toEqual({
      kind: "no_config_dir",
      tried: ["/nope-a", "/nope-b"],
    });
  });
});

describe("compareVersions", () => {
  it.each([
    ["0.2.0", "0.1.9", 1],
    ["0.1.0", "0.1.0", 0],
    ["0.1.10", "0.1.9", 1],
    ["1.0.0-beta.2", "1.0.0", -1],
    ["1.0.0-beta.10", "1.0.0-beta.2", 1],
    ["1.0.0-alpha", "1.0.0-beta", -1],
    ["1.0.0-rc.1", "1.0.0-rc", 1],
    ["1.0.0-1", "1.0.0-alpha", -1],
    ["v1.2.3", "1.2.3", 0],
    ["dev", "0.0.1", -1],
    ["0.0.1", "dev", 1],
    ["dev", "main", 0],
  ])("orders %s against %s as %d", (a, b, want) => {
    expect(compareVersions(a, b)).toBe(want);
  });
});
