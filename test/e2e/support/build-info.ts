/** What the e2e global setup (test/e2e/setup/next-build.ts) shares with the e2e files. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../../..");

/** The one shared build of a run (never `.next`: developers and other tools use that). */
export const E2E_DIST_DIR = ".next-e2e";

/**
 * Makes `next build` / `next start` skip the project's .env files, so a developer's .env.local can
 * never change what the e2e tier tests: every variable comes from the test. `__NEXT_PROCESSED_ENV` is
 * @next/env's own "already loaded" marker (node_modules/@next/env/dist/index.js), not a public
 * option; if a Next upgrade drops it, .env files simply load again.
 */
export const HERMETIC_ENV = { __NEXT_PROCESSED_ENV: "true" } as const;

export interface E2eBuild {
  /** Relative to the project root, e.g. ".next-e2e". */
  distDir: string;
  /** The METRICS_TOKEN / CRON_SECRET the build was made with; every `next start` gets the same. */
  metricsToken: string;
  cronSecret: string;
  buildMs: number;
  /** true when EDGE_KIT_E2E_BUILD=reuse skipped the build. */
  reused: boolean;
}

/**
 * `next build` with a custom distDir adds it to tsconfig.json's include and points next-env.d.ts at
 * it; both are shared files, so put them back exactly as they were.
 */
export async function withSharedFilesRestored<T>(work: () => Promise<T>, root = ROOT): Promise<T> {
  const files = ["tsconfig.json", "next-env.d.ts"].map((f) => path.join(root, f));
  const saved = files.map((f) => (existsSync(f) ? readFileSync(f, "utf8") : null));
  try {
    return await work();
  } finally {
    files.forEach((f, i) => {
      const before = saved[i];
      if (before !== null && before !== undefined && readFileSync(f, "utf8") !== before) writeFileSync(f, before);
    });
  }
}
