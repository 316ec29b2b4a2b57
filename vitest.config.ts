import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The real Home Assistant suites (and the soak) have their own config and need the Python
    // venv: npm run test:ha.
    exclude: ["test/ha/**", "test/soak/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      reporter: ["text-summary", "json-summary"],
      // The pure core is the part that decides; it must be covered branch by branch.
      thresholds: { "src/core/**": { branches: 100, lines: 100, functions: 100, statements: 100 } },
    },
  },
});
