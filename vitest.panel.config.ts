import { defineConfig } from "vitest/config";

/** The panel in headless Chromium (`npm run test:panel`; Debian's `chromium` at /usr/bin/chromium). */
export default defineConfig({
  test: {
    include: ["test/panel/**/*.e2e.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
