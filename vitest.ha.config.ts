import { defineConfig } from "vitest/config";

/** End-to-end tests against a real Home Assistant Core (`npm run test:ha`). */
export default defineConfig({
  test: {
    include: ["test/ha/**/*.test.ts", "test/soak/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
