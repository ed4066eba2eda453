/**
 * Builds the app into `.next-bench` (never `.next`) and runs `next start` on it, for bench/gate.
 *
 * `next build` with a custom distDir rewrites tsconfig.json (include) and next-env.d.ts; both are
 * shared files, so they are saved before and written back after, exactly as they were. Another build
 * in progress (the e2e suite builds into `.next-e2e` the same way) would make the "before" copies
 * wrong, so the build refuses to start while either file differs from git HEAD.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const DIST_DIR = ".next-bench";
/** Next from the project being built or served: a copy's own hard-linked one (one React per process). */
const nextBin = (cwd: string) => path.join(cwd, "node_modules/next/dist/bin/next");
const SHARED_FILES = ["tsconfig.json", "next-env.d.ts"];
/** @next/env's "already loaded" marker: `next build/start` then ignore the developer's .env files. */
const HERMETIC_ENV = { __NEXT_PROCESSED_ENV: "true" } as const;

export function hasBuild(): boolean {
  return existsSync(path.join(ROOT, DIST_DIR, "BUILD_ID"));
}

function headVersion(file: string): string | null {
  const out = spawnSync("git", ["show", `HEAD:${file}`], { cwd: ROOT, encoding: "utf8" });
  return out.status === 0 ? out.stdout : null;
}

/** `cwd`: the project to build; a throwaway copy (bench/gate/proxy-copy.ts) needs no file guarding. */
export async function build(env: Record<string, string>, cwd = ROOT): Promise<number> {
  const guarded = cwd === ROOT ? SHARED_FILES : [];
  // null = absent (next-env.d.ts is git-ignored: a fresh clone has none until a build writes it).
  const saved = guarded.map((f) => (existsSync(path.join(ROOT, f)) ? readFileSync(path.join(ROOT, f), "utf8") : null));
  guarded.forEach((f, i) => {
    const head = headVersion(f);
    if (head !== null && saved[i] !== null && head !== saved[i]) {
      throw new Error(`${f} differs from git HEAD (another next build in progress, or a local edit): refusing to build over it`);
    }
  });
  const started = Date.now();
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [nextBin(cwd), "build"], {
        cwd,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...HERMETIC_ENV, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", EDGE_KIT_DIST_DIR: DIST_DIR, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      child.on("error", reject);
      child.on("close", (c) => {
        if (c !== 0) console.error(output.slice(-4000));
        resolve(c);
      });
    });
    if (code !== 0) throw new Error(`next build failed (code ${code})`);
  } finally {
    guarded.forEach((f, i) => {
      const file = path.join(ROOT, f);
      const before = saved[i];
      if (before === null || before === undefined) rmSync(file, { force: true });
      else if (readFileSync(file, "utf8") !== before) writeFileSync(file, before);
    });
  }
  return Date.now() - started;
}

export interface NextServer {
  origin: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** `execArgv`: Node flags for the server process (e.g. `--cpu-prof` when profiling the gates). */
export async function start(port: number, env: Record<string, string>, execArgv: string[] = [], cwd = ROOT): Promise<NextServer> {
  const child: ChildProcess = spawn(process.execPath, [...execArgv, nextBin(cwd), "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...HERMETIC_ENV, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", EDGE_KIT_DIST_DIR: DIST_DIR, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited early (code ${child.exitCode})`);
    // A refused connection (not listening yet) is null: poll again.
    const res = await fetch(`${origin}/bench/plain`).catch(() => null);
    if (res) {
      await res.arrayBuffer();
      if (res.status === 200) break;
    }
    if (Date.now() > deadline) throw new Error("next start did not answer within 60 s");
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    origin,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
