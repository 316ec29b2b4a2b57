// Self-contained server bundles (the add-on image needs no `npm install`). Code splitting keeps
// what only the simulated lab needs (its certificate generator among it) in chunks that the
// service and the CLI load only for `--demo`; `dist/main.js` with the chunks it imports
// statically is the service as it runs in production.
import { rmSync } from "node:fs";
import { build } from "esbuild";

// Chunks are named by their content: without this, every earlier build's would pile up.
rmSync("dist/chunks", { recursive: true, force: true });

await build({
  entryPoints: {
    cli: "src/cli.ts",
    main: "src/main.ts",
    "sim/serve": "src/sim/serve.ts",
    "bench/refresh": "bench/refresh.ts",
    "bench/sim-child": "bench/sim-child.ts",
    "bench/push": "bench/push.ts",
    "bench/push-ha": "bench/push-ha.ts",
    "bench/addon": "bench/addon.ts",
    "bench/soak": "bench/soak.ts",
    "bench/ha-backup-verify": "bench/ha-backup-verify.ts",
    "bench/verify": "bench/verify.ts",
  },
  // ssh2's native crypto and cpu-features are optional (loaded in try/catch): the bundle uses
  // ssh2's pure JavaScript paths and needs neither in the image.
  external: ["*.node", "cpu-features"],
  outdir: "dist",
  bundle: true,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  logLevel: "warning",
  banner: {
    // Some bundled CommonJS dependencies call require() or read __dirname (ssh2's agent); give
    // them both in the ESM bundle.
    js: "#!/usr/bin/env node\nimport { createRequire as __pvebCreateRequire } from 'node:module';\nconst require = __pvebCreateRequire(import.meta.url); const __dirname = import.meta.dirname;",
  },
});
