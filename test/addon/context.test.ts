import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The Supervisor builds the add-on's image from the add-on folder as it is in git: the bundle it
 * copies (addon/rootfs/app) must be what the sources build today. Needs `npm run build`.
 */

const root = join(import.meta.dirname, "../..");
const committed = join(root, "addon/rootfs/app");

function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

describe("the add-on's build context", () => {
  it("is what `npm run addon:build` makes from the sources (run it and commit addon/rootfs/app)", () => {
    const fresh = mkdtempSync(join(tmpdir(), "pve-backup-context-"));
    execFileSync(process.execPath, [join(root, "scripts/addon-build.mjs"), fresh], { stdio: "ignore" });
    const want = files(fresh);
    const have = files(committed);
    expect([...have.keys()].sort(), "files in addon/rootfs/app").toEqual([...want.keys()].sort());
    const stale = [...want].filter(([rel, bytes]) => !have.get(rel)?.equals(bytes)).map(([rel]) => rel);
    expect(stale, "files in addon/rootfs/app that differ from the build").toEqual([]);
  });

  it("carries the service without the simulated lab", () => {
    const dist = join(committed, "dist");
    expect(existsSync(join(dist, "main.js"))).toBe(true);
    for (const [rel, bytes] of files(dist)) expect(bytes.toString("utf8"), rel).not.toMatch(/src\/sim\//);
  });
});
