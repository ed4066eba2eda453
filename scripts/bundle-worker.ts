/**
 * Bundles edge/worker.ts the way wrangler does for workerd (esbuild, ESM, `workerd`/`worker`/`browser`
 * export conditions, no Node built-ins), so the tests can run the exact artefact a deploy would ship:
 *
 *   npx tsx scripts/bundle-worker.ts [out.js]   # prints raw and gzip size
 */
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface WorkerBundle {
  /** The ES module source, ready for `new Miniflare({ modules: true, script })` or an upload. */
  code: string;
  rawBytes: number;
  gzipBytes: number;
}

export async function bundleWorker(entry = path.join(ROOT, "edge/worker.ts")): Promise<WorkerBundle> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    // "neutral" + explicit fields: resolve like wrangler (workerd conditions first), never Node's.
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    minify: true,
    logLevel: "silent",
    // Node built-ins must not be reachable from edge/worker.ts; esbuild fails the build if one is.
    external: [],
  });
  const code = result.outputFiles[0]!.text;
  const bytes = new TextEncoder().encode(code);
  return { code, rawBytes: bytes.byteLength, gzipBytes: gzipSync(bytes).byteLength };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bundle = await bundleWorker();
  const out = process.argv[2];
  if (out) writeFileSync(out, bundle.code);
  console.log(`edge/worker.ts bundle: ${(bundle.rawBytes / 1000).toFixed(1)} kB raw, ${(bundle.gzipBytes / 1000).toFixed(1)} kB gzip${out ? ` → ${out}` : ""}`);
}
