/**
 * vitest global setup of the e2e project: ONE `next build` per run into `.next-e2e`, shared by every
 * e2e file (each starts its own `next start` processes on it). Runs after test/setup/global-setup.ts
 * (listed first), whose upstash-local the build is configured with.
 *
 * vitest runs a project's global setup only when that project has files in the run, so
 * `npx vitest run test/lib/…` never builds; `npx vitest run --project e2e` (or any test/e2e file) does.
 *
 * EDGE_KIT_E2E_BUILD=reuse skips the build when `.next-e2e` holds a complete one (local iteration on
 * the e2e tests only; the secrets recorded with that build are reused so the bundle checks stay meaningful).
 */
import type { TestProject } from "vitest/node";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { E2E_DIST_DIR, HERMETIC_ENV, ROOT, withSharedFilesRestored, type E2eBuild } from "../support/build-info";

declare module "vitest" {
  export interface ProvidedContext {
    e2eBuild: E2eBuild;
  }
}

const RECORD = "e2e-build.json";

function runBuild(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    let output = "";
    const child = spawn(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "build"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

const LOCK_DIR = path.join(ROOT, ".next-e2e.lock");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Two e2e runs on one checkout would rebuild `.next-e2e` under each other's servers: the second waits
 * (mkdir is atomic; a lock whose owner died is taken over). Held until this run's teardown.
 */
async function lockBuildDir(): Promise<() => void> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(path.join(LOCK_DIR, "pid"), String(process.pid));
      return () => rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number(existsSync(path.join(LOCK_DIR, "pid")) ? readFileSync(path.join(LOCK_DIR, "pid"), "utf8") : NaN);
      if (Number.isInteger(owner) && !alive(owner)) rmSync(LOCK_DIR, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another e2e run (pid ${owner}) still holds ${LOCK_DIR}`);
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export default async function setup(project: TestProject) {
  const upstash = project.getProvidedContext().upstash;
  if (!upstash) throw new Error("e2e global setup: test/setup/global-setup.ts must be listed before it (it provides upstash)");
  const dist = path.join(ROOT, E2E_DIST_DIR);
  const recordPath = path.join(dist, RECORD);
  const unlock = await lockBuildDir();

  if (process.env.EDGE_KIT_E2E_BUILD === "reuse" && existsSync(recordPath) && existsSync(path.join(dist, "BUILD_ID"))) {
    const previous = JSON.parse(readFileSync(recordPath, "utf8")) as Pick<E2eBuild, "metricsToken" | "cronSecret">;
    project.provide("e2eBuild", { ...previous, distDir: E2E_DIST_DIR, buildMs: 0, reused: true });
    return unlock;
  }

  // Distinctive values, so finding one in a client bundle cannot be a coincidence.
  const secrets = { metricsToken: `metrics-${randomBytes(16).toString("hex")}`, cronSecret: `cron-${randomBytes(16).toString("hex")}` };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...HERMETIC_ENV,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    UPSTASH_DISABLE_TELEMETRY: "1",
    EDGE_KIT_DIST_DIR: E2E_DIST_DIR,
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: upstash.token,
    METRICS_TOKEN: secrets.metricsToken,
    CRON_SECRET: secrets.cronSecret,
  };
  const started = Date.now();
  const { code, output } = await withSharedFilesRestored(() => runBuild(env));
  const buildMs = Date.now() - started;
  if (code !== 0) {
    unlock();
    throw new Error(`next build (${E2E_DIST_DIR}) failed with code ${code}:\n${output.slice(-6000)}`);
  }
  writeFileSync(recordPath, JSON.stringify(secrets));
  console.log(`[e2e] next build → ${E2E_DIST_DIR} in ${(buildMs / 1000).toFixed(1)} s`);
  project.provide("e2eBuild", { ...secrets, distDir: E2E_DIST_DIR, buildMs, reused: false });
  return unlock;
}
