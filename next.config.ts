/**
 * Next.js configuration. Also the earliest point to validate the kit's environment: Next loads this
 * file (after .env files) for `next build`, `next start` and `next dev`, so a bad variable fails the
 * build with the full list of problems instead of surfacing as a 500 on the first request.
 *
 * EDGE_KIT_SKIP_CONFIG_VALIDATION=1 skips that check, for build images that only receive their
 * secrets at runtime; the app still validates when it first loads its config.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";
import { ConfigError } from "./lib/errors";
import { isConfigValidationSkipped, loadConfig, readEnv } from "./lib/config";

if (!isConfigValidationSkipped()) {
  try {
    loadConfig(readEnv());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // A stack trace through Next's config loader buries the list; print it plainly and stop.
    console.error(`\n✖ edge-kit: ${error.message}\n  (EDGE_KIT_SKIP_CONFIG_VALIDATION=1 skips this check; see .env.example)\n`);
    process.exit(1);
  }
}

const nextConfig: NextConfig = {
  // Pin the workspace root: a lockfile in a parent directory (CI checkouts, monorepos) would
  // otherwise make Turbopack infer the wrong root and warn.
  turbopack: { root: path.dirname(fileURLToPath(import.meta.url)) },
  // EDGE_KIT_DIST_DIR lets the end-to-end tests build into their own folder (e.g. .next-e2e) without
  // clobbering a developer's .next; unset = Next's default.
  ...(process.env.EDGE_KIT_DIST_DIR ? { distDir: process.env.EDGE_KIT_DIST_DIR } : {}),
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
