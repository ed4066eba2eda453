import { configDefaults, defineConfig } from "vitest/config";

// One redis-server + one upstash-local per project run, shared by its files; each file gets its own key prefix.
const REDIS_SETUP = "test/setup/global-setup.ts";

export default defineConfig({
  test: {
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // 2 cores: more workers only add contention.
    maxWorkers: 2,
    env: { UPSTASH_DISABLE_TELEMETRY: "1" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/e2e/**"],
          globalSetup: [REDIS_SETUP],
        },
      },
      {
        // The whole app for real: ONE `next build` into .next-e2e per run (test/e2e/setup/next-build.ts),
        // then `next start`, workerd (miniflare) and @hono/node-server processes. vitest runs a project's
        // global setup only when the run selects some of its files, so `npx vitest run test/lib/x` never builds.
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: [REDIS_SETUP, "test/e2e/setup/next-build.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // After the unit project, so the servers these files start never compete with timing-sensitive unit
          // tests; and one file at a time: a second `next build` (proxy-switch) next to two `next start`
          // processes starves a 2-core runner until Redis calls time out and answers turn degraded.
          sequence: { groupOrder: 1 },
          maxWorkers: 1,
        },
      },
    ],
  },
  resolve: { alias: { "@": new URL(".", import.meta.url).pathname } },
});
