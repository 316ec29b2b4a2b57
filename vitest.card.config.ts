import { defineConfig } from "vitest/config";

/** The dashboard card in the real Home Assistant frontend, in headless Chromium (`npm run test:card`). */
export default defineConfig({
  test: {
    include: ["test/card/**/*.spec.ts"],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
