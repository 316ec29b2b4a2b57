// One self-contained server bundle per entry point: the add-on image needs no `npm install`.
import { build } from "esbuild";

await build({
  entryPoints: {
    cli: "src/cli.ts",
    main: "src/main.ts",
    "sim/serve": "src/sim/serve.ts",
    "bench/refresh": "bench/refresh.ts",
    "bench/sim-child": "bench/sim-child.ts",
    "bench/push": "bench/push.ts",
    "bench/push-ha": "bench/push-ha.ts",
    "bench/soak": "bench/soak.ts",
  },
  outdir: "dist",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  logLevel: "warning",
  banner: {
    // Some bundled CommonJS dependencies call require(); give them one in the ESM bundle.
    js: "#!/usr/bin/env node\nimport { createRequire as __pvebCreateRequire } from 'node:module';\nconst require = __pvebCreateRequire(import.meta.url);",
  },
});
