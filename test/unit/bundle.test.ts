import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The service as it runs in production is `dist/main.js` and the chunks it imports statically;
 * the simulated lab (and `selfsigned`, which only the lab needs) is in chunks that only a dynamic
 * `import()` for `--demo` reaches. Needs `npm run build`.
 */

const dist = join(import.meta.dirname, "../../dist");

/** Every file `entry` loads before it runs: itself and its static imports, transitively. */
function staticClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"(\.[^"]+)"|^import\s*"(\.[^"]+)"/gm))
      visit(resolve(dirname(file), (m[1] ?? m[2]) as string));
  };
  visit(entry);
  return [...seen];
}

describe.each(["main.js", "cli.js"])("dist/%s", (name) => {
  it.runIf(existsSync(join(dist, name)))("carries no simulated lab until --demo loads it", () => {
    const files = staticClosure(join(dist, name));
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
    process.stdout.write(`dist/${name}: ${files.length} files, ${bytes} bytes loaded at start\n`);
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      expect(text, f).not.toMatch(/node_modules\/selfsigned|src\/sim\//);
    }
    expect(readFileSync(join(dist, name), "utf8")).toMatch(/import\("\.\/chunks\/demo-[\w-]+\.js"\)/);
  });
});
