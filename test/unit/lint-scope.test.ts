import { execFile } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * `npm test` must pass on a checkout where it already ran once: the linter checks what git
 * tracks, never what the test runs leave behind (pytest's cache, Python bytecode, coverage).
 */

const root = join(import.meta.dirname, "../..");
const probes = [".pytest_cache", "test/python/__pycache__", "coverage"].map((dir) => ({
  dir: join(root, dir),
  file: join(root, dir, "lint-scope-probe.json"),
}));
const created: string[] = [];
afterAll(() => {
  for (const f of created) rmSync(f, { force: true });
});

describe("the lint scope", () => {
  it("leaves out the folders test runs generate", async () => {
    for (const p of probes) {
      mkdirSync(p.dir, { recursive: true });
      // Badly formatted on purpose: Biome would report it if it looked.
      writeFileSync(p.file, '{"a":1,   "b":[1,2\n]}');
      created.push(p.file);
    }
    const out = await new Promise<string>((resolve) =>
      execFile(
        process.execPath,
        [join(root, "node_modules/@biomejs/biome/bin/biome"), "check", "--max-diagnostics=200", "."],
        { cwd: root },
        (_err, stdout, stderr) => resolve(`${stdout}${stderr}`),
      ),
    );
    expect(out).not.toContain("lint-scope-probe");
  });
});
