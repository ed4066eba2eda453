/**
 * A throwaway copy of the project for builds that must differ from the real tree (the proxy.ts
 * switch), so the working tree other people edit is never touched. It lives under `.next-e2e-proxy/`
 * (gitignored, excluded from tsconfig) on the same filesystem as the repo, which lets node_modules
 * be a hard-linked copy: Turbopack refuses a node_modules symlink that points outside its root.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { HERMETIC_ENV, ROOT } from "./build-info";

/** Never copied: build output, VCS, data, installed packages (hard-linked separately), and the tests. */
const SKIP = new Set(["node_modules", ".git", ".data", "coverage", ".vercel", "test", "bench"]);

export interface CommandResult {
  code: number | null;
  output: string;
  ms: number;
}

export interface ProjectCopy {
  dir: string;
  /** `next build` in the copy (NODE_ENV=production). */
  build(env: Record<string, string>): Promise<CommandResult>;
  /** Runs a package binary of the copy (`node_modules/<path>`) in the copy, with a hermetic env. */
  run(bin: string, args: readonly string[], env: Record<string, string>): Promise<CommandResult>;
}

/**
 * Copies the project's sources to `<ROOT>/<name>/app` (keeping its previous `.next/cache`, so rebuilds
 * are incremental). test/ and bench/ are left out: they import `@/middleware`, which a proxy switch
 * renames, and `next build` type-checks every file in the project.
 */
export function copyProject(name: string): ProjectCopy {
  const dir = path.join(ROOT, name, "app");
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(dir)) if (entry !== ".next") rmSync(path.join(dir, entry), { recursive: true, force: true });
  for (const entry of readdirSync(ROOT)) {
    // .env files too: a developer's .env.local must not change what the copy is built with.
    if (SKIP.has(entry) || entry.startsWith(".next") || entry.endsWith(".tsbuildinfo") || (entry.startsWith(".env") && entry !== ".env.example")) continue;
    cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  // Hard links: instant, no extra space, and real directories as far as Turbopack can tell.
  execFileSync("cp", ["-al", path.join(ROOT, "node_modules"), path.join(dir, "node_modules")]);
  const run = (bin: string, args: readonly string[], env: Record<string, string>) =>
    new Promise<CommandResult>((resolve, reject) => {
      const started = Date.now();
      let output = "";
      const child = spawn(process.execPath, [path.join(dir, "node_modules", bin), ...args], {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NEXT_TELEMETRY_DISABLED: "1", ...HERMETIC_ENV, ...env, NODE_ENV: "production" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, output, ms: Date.now() - started }));
    });
  return { dir, run, build: (env) => run("next/dist/bin/next", ["build"], env) };
}

export function removeCopy(name: string): void {
  const dir = path.join(ROOT, name);
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}
