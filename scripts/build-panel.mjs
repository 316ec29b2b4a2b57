// The panel's front end (lovelace/panel) as one ES module, dist/panel/panel.js (or the file
// given as the first argument), served by the panel's express router
// (src/server/panel/router.ts) from beside the server bundle.
import { build } from "esbuild";

await build({
  entryPoints: ["lovelace/panel/panel.ts"],
  outfile: process.argv[2] ?? "dist/panel/panel.js",
  bundle: true,
  platform: "browser",
  target: ["chrome110", "firefox115", "safari16"],
  format: "esm",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
