import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");
const files = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
/** Value imports only: `import type` carries no dependency at run time. */
const imports = (file: string) =>
  [...readFileSync(join(root, file), "utf8").matchAll(/^import(?!\s+type\s)[^;]*?from\s+"([^"]+)"/gms)].map(
    (m) => m[1] as string,
  );

/** Every module a text names: value and type imports, re-exports, dynamic imports. */
const namedModules = (text: string) =>
  [
    ...text.matchAll(
      /^\s*(?:import|export)\b[^;]*?\bfrom\s+["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)/gm,
    ),
  ].map((m) => (m[1] ?? m[2]) as string);

describe("the dependency rule (DESIGN.md §2)", () => {
  it.each(files("src/core"))("%s imports only core modules and no I/O", (file) => {
    for (const spec of imports(file)) {
      expect(spec.startsWith("./"), `${file} imports ${spec}`).toBe(true);
    }
    const text = readFileSync(join(root, file), "utf8");
    expect(text).not.toMatch(/Date\.now\(\)|new Date\(\)|console\.|process\.|fetch\(/);
  });

  it.each(files("src/sim"))(
    "%s imports nothing from src/core: the simulated lab is an independent witness of PVE",
    (file) => {
      for (const spec of namedModules(readFileSync(join(root, file), "utf8"))) {
        const target = spec.startsWith(".") ? relative(root, join(root, dirname(file), spec)) : spec;
        expect(target.startsWith("src/core"), `${file} imports ${spec}`).toBe(false);
      }
    },
  );

  it("sees every kind of import the witness rule forbids", () => {
    const probe = [
      'import { a } from "../core/a.js";',
      'import type { B } from "../core/b.js";',
      'export { c } from "../core/c.js";',
      "const d = await import('../core/d.js');",
    ].join("\n");
    const found = namedModules(probe);
    expect(found).toEqual(["../core/a.js", "../core/b.js", "../core/c.js", "../core/d.js"]);
  });

  it("only the composition roots know the simulated lab or build adapters", () => {
    const roots = new Set(["src/main.ts", "src/cli.ts", "src/app.ts", "src/demo.ts"]);
    // The command modules are the CLI's; they receive the wired app, they do not build it.
    for (const file of files("src")) {
      if (roots.has(file) || file.startsWith("src/sim/")) continue;
      for (const spec of imports(file)) {
        expect(
          spec.includes("/sim/") || spec.endsWith("app.js"),
          `${relative(root, file)} imports ${spec}`,
        ).toBe(false);
      }
    }
  });
});
