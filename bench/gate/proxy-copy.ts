/**
 * `--proxy` for bench/gate: the same app with the README's one-file switch applied (middleware.ts →
 * proxy.ts, gates on Node instead of the edge sandbox), in a throwaway copy under `.next-bench-proxy/`
 * (gitignored) so the working tree is never touched. node_modules is hard-linked: Turbopack refuses a
 * symlink that points outside its root. Mirrors test/e2e/support/project-copy.ts, which tests the switch.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./next-server";

const SKIP = new Set(["node_modules", ".git", ".data", "coverage", ".vercel", "test", "bench"]);

/** Copies the project, applies the switch and returns the copy's directory. */
export function proxyCopy(): string {
  const dir = path.join(ROOT, ".next-bench-proxy", "app");
  mkdirSync(dir, { recursive: true });
  // Keep the copy's own build cache (incremental rebuilds); replace everything else.
  for (const entry of readdirSync(dir)) if (!entry.startsWith(".next")) rmSync(path.join(dir, entry), { recursive: true, force: true });
  for (const entry of readdirSync(ROOT)) {
    if (SKIP.has(entry) || entry.startsWith(".next") || entry.endsWith(".tsbuildinfo") || (entry.startsWith(".env") && entry !== ".env.example")) continue;
    cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  execFileSync("cp", ["-al", path.join(ROOT, "node_modules"), path.join(dir, "node_modules")]);
  renameSync(path.join(dir, "middleware.ts"), path.join(dir, "proxy.ts"));
  appendFileSync(path.join(dir, "proxy.ts"), "\nexport { middleware as proxy };\n");
  return dir;
}
