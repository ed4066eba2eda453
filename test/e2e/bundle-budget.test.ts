/**
 * Bundle budget: the middleware's edge bundle in the shared `next build` (what Vercel deploys as the
 * edge function) must not exceed a bare `@upstash/ratelimit` + zod middleware (scripts/bundle-size.ts:
 * 110,958 B gzip). The figures are printed on every run. Also the workerd bundle of edge/worker.ts, for the record.
 */
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { bundleWorker } from "../../scripts/bundle-worker";
import { describeBundleSize, middlewareBundleSize, MIDDLEWARE_GZIP_BUDGET_BYTES } from "../../scripts/bundle-size";
import { ROOT } from "./support/build-info";

describe("bundle sizes", () => {
  it(`middleware.ts edge bundle ≤ ${MIDDLEWARE_GZIP_BUDGET_BYTES / 1000} kB gzip (a bare @upstash/ratelimit + zod middleware)`, () => {
    const size = middlewareBundleSize(path.join(ROOT, inject("e2eBuild").distDir));
    console.log(`[e2e] middleware edge bundle: ${describeBundleSize(size)}`);
    // Sanity: the manifest really listed the edge chunks (a near-empty bundle would pass vacuously).
    expect(size.files.every((f) => f.file.startsWith("server/edge/"))).toBe(true);
    expect(size.rawBytes).toBeGreaterThan(100_000);
    // Headroom is printed too: a change that eats most of it should be noticed before it breaks CI.
    console.log(`[e2e] headroom under the budget: ${((MIDDLEWARE_GZIP_BUDGET_BYTES - size.gzipBytes) / 1000).toFixed(1)} kB gzip`);
    expect(size.gzipBytes, describeBundleSize(size)).toBeLessThanOrEqual(MIDDLEWARE_GZIP_BUDGET_BYTES);
  });

  it("edge/worker.ts bundles for workerd without Node built-ins (size printed)", async () => {
    const bundle = await bundleWorker();
    console.log(`[e2e] edge/worker.ts workerd bundle: ${(bundle.rawBytes / 1000).toFixed(1)} kB raw, ${(bundle.gzipBytes / 1000).toFixed(1)} kB gzip`);
    expect(bundle.code).not.toMatch(/\bfrom\s*["']node:/);
    // Cloudflare's limit for a Worker on the free plan is 3 MB compressed; far below it is the point.
    expect(bundle.gzipBytes).toBeLessThan(1_000_000);
  });
});
