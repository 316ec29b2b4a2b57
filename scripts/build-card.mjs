// The dashboard card: one ES module (Lit included) in dist/, copied into the companion
// integration, which serves it (custom_components/pve_backup/frontend.py). The copy is committed:
// HACS and manual installs take the integration folder from git as it is
// (test/card/bundle.test.ts fails when it is stale). With a file as the first argument, only the
// card is built, into that file (the staleness test).
import { copyFileSync, mkdirSync } from "node:fs";
import { build } from "esbuild";

const only = process.argv[2];
await build({
  entryPoints: ["lovelace/pve-backup-card/index.ts"],
  outfile: only ?? "dist/pve-backup-card.js",
  bundle: true,
  platform: "browser",
  target: ["chrome109", "firefox115", "safari16"],
  format: "esm",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
if (!only) {
  mkdirSync("custom_components/pve_backup/frontend", { recursive: true });
  copyFileSync("dist/pve-backup-card.js", "custom_components/pve_backup/frontend/pve-backup-card.js");

  // The card's benchmark (Node; it drives Chromium and a real Home Assistant).
  await build({
    entryPoints: { "bench/card": "bench/card.ts" },
    outdir: "dist",
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    packages: "external",
    logLevel: "warning",
  });
}
