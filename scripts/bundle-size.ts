/**
 * Size of the middleware's edge bundle in a `next build` output: the chunk files that
 * `server/middleware-manifest.json` lists for the middleware (what Vercel ships as the edge
 * function), raw and gzip (Node's zlib default level, as `gzip` on the command line).
 *
 *   npx tsx scripts/bundle-size.ts [distDir=.next]
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/**
 * The budget: a bare `@upstash/ratelimit` sliding-window middleware with a zod-validated env
 * (three variables; bench/bundle-baseline/middleware.ts), built with the same Next 16.4.6 / Turbopack,
 * measured 110,958 bytes gzip here (385,531 raw) — "about 111 KB". The kit's middleware must cost no
 * more than that (test/e2e/bundle-budget.test.ts asserts it on every CI run). The 2026-12-05 correctness
 * fixes took it to 111.7 kB and the budget to the baseline + 1 kB for a while; building only a gate kit in
 * the middleware (lib/kit.ts createGateKit) took it to 108,148 B gzip, 357,605 raw (from 111,646 and 367,648
 * on the same build), so the budget is the baseline again (README "Bundle budget").
 */
export const MIDDLEWARE_GZIP_BUDGET_BYTES = 110_958;

export interface BundleFile {
  file: string;
  rawBytes: number;
  gzipBytes: number;
}

export interface BundleSize {
  /** "edge" for middleware.ts; a proxy.ts (Node) build has no edge bundle and throws instead. */
  files: BundleFile[];
  rawBytes: number;
  gzipBytes: number;
}

/** Reads the middleware entry of `<distDir>/server/middleware-manifest.json` and measures its files. */
export function middlewareBundleSize(distDir: string): BundleSize {
  const manifest = JSON.parse(readFileSync(path.join(distDir, "server/middleware-manifest.json"), "utf8")) as {
    middleware: Record<string, { files: string[] }>;
  };
  const entries = Object.values(manifest.middleware);
  if (entries.length !== 1) throw new Error(`expected one edge middleware in ${distDir}, found ${entries.length}`);
  const files = entries[0]!.files.map((file) => {
    const bytes = readFileSync(path.join(distDir, file));
    return { file, rawBytes: bytes.byteLength, gzipBytes: gzipSync(bytes).byteLength };
  });
  return {
    files,
    rawBytes: files.reduce((n, f) => n + f.rawBytes, 0),
    gzipBytes: files.reduce((n, f) => n + f.gzipBytes, 0),
  };
}

/** "450.5 kB raw, 134.2 kB gzip (budget 111.0 kB)" — decimal kB, as Next and Vercel print sizes. */
export function describeBundleSize(size: BundleSize): string {
  const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;
  return `${kb(size.rawBytes)} raw, ${kb(size.gzipBytes)} gzip (budget ${kb(MIDDLEWARE_GZIP_BUDGET_BYTES)})`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const size = middlewareBundleSize(path.resolve(process.argv[2] ?? ".next"));
  for (const f of size.files) console.log(`${String(f.gzipBytes).padStart(8)} B gzip ${String(f.rawBytes).padStart(8)} B raw  ${f.file}`);
  console.log(`middleware edge bundle: ${describeBundleSize(size)}`);
  process.exitCode = size.gzipBytes > MIDDLEWARE_GZIP_BUDGET_BYTES ? 1 : 0;
}
