// Assembles the add-on's build context: addon/rootfs/app holds the server bundle and the
// companion integration, laid out as dist/main.js expects them (`../custom_components/pve_backup`
// for install_integration). Run after `node scripts/build.mjs`; the image needs no npm install.
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const app = join(root, "addon/rootfs/app");
const bundle = join(root, "dist/main.js");

if (!existsSync(bundle)) {
  process.stderr.write("addon-build: dist/main.js is missing; run `npm run build` first\n");
  process.exit(1);
}

rmSync(app, { recursive: true, force: true });
mkdirSync(join(app, "dist"), { recursive: true });
cpSync(bundle, join(app, "dist/main.js"));
// The code esbuild split out of the entry points (dist/main.js imports them at start).
cpSync(join(root, "dist/chunks"), join(app, "dist/chunks"), { recursive: true });
// The panel's script, served from beside the server bundle (src/server/panel/router.ts).
if (existsSync(join(root, "dist/panel")))
  cpSync(join(root, "dist/panel"), join(app, "dist/panel"), { recursive: true });
cpSync(join(root, "custom_components/pve_backup"), join(app, "custom_components/pve_backup"), {
  recursive: true,
  filter: (src) => !src.includes("__pycache__"),
});
// The bundle is an ES module: Node reads it as one only with "type": "module" beside it.
writeFileSync(join(app, "package.json"), `${JSON.stringify({ type: "module", private: true }, null, 2)}\n`);
process.stdout.write(`addon-build: ${app}\n`);
