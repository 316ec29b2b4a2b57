// Assembles the add-on's build context: addon/rootfs/app holds the server bundle and the companion
// integration, laid out as dist/main.js expects them (`../custom_components/pve_backup` for
// install_integration). The Supervisor builds the image from the add-on folder as it is in git, so
// this folder is committed: after `npm run build`, `npm run addon:build` refreshes it, and
// test/addon/context.test.ts fails while it differs from what the build makes.
//
// `node scripts/addon-build.mjs [OUT]` writes to OUT instead (the test compares the two).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const app = process.argv[2] ?? join(root, "addon/rootfs/app");
const dist = join(root, "dist");

for (const built of ["main.js", "panel/panel.js"]) {
  if (!existsSync(join(dist, built))) {
    process.stderr.write(`addon-build: dist/${built} is missing; run \`npm run build\` first\n`);
    process.exit(1);
  }
}

/**
 * dist/main.js and the chunks it imports at start, followed import by import. The demo lab is
 * loaded with a dynamic import only when asked (`--demo`), which the add-on never is: it is left
 * out, and with it the simulator.
 */
function startupFiles() {
  const files = new Set();
  const visit = (rel) => {
    if (files.has(rel)) return;
    files.add(rel);
    const text = readFileSync(join(dist, rel), "utf8");
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"(\.[^"]+)"|^import\s*"(\.[^"]+)"/gm)) {
      visit(join(dirname(rel), m[1] ?? m[2]));
    }
  };
  visit("main.js");
  return [...files].sort();
}

rmSync(app, { recursive: true, force: true });
for (const rel of [...startupFiles(), "panel/panel.js"]) {
  mkdirSync(dirname(join(app, "dist", rel)), { recursive: true });
  cpSync(join(dist, rel), join(app, "dist", rel));
}
cpSync(join(root, "custom_components/pve_backup"), join(app, "custom_components/pve_backup"), {
  recursive: true,
  filter: (src) => !src.includes("__pycache__"),
});
// The bundle is an ES module: Node reads it as one only with "type": "module" beside it.
writeFileSync(join(app, "package.json"), `${JSON.stringify({ type: "module", private: true }, null, 2)}\n`);
process.stdout.write(`addon-build: ${app}\n`);
