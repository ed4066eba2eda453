/**
 * The three ways the kit is served, started for real: `next start` on the shared build, the Hono app
 * on workerd (miniflare, the esbuild bundle of edge/worker.ts) and on Node (scripts/serve-node.ts).
 * Every server gets the same production config except its key prefix (its own keys in the shared
 * Redis), and TRUST_PROXY=true so each contract case can be its own client (x-forwarded-for; on
 * workerd CF-Connecting-IP, which edge/worker.ts maps to it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { Miniflare } from "miniflare";
import { inject } from "vitest";
import { bundleWorker } from "../../../scripts/bundle-worker";
import { freePort } from "../../../tools/upstash-local/redis-server";
import { HERMETIC_ENV, ROOT } from "./build-info";

export interface RunningServer {
  /** Origin, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  /** The Redis key prefix of this server (EDGE_KIT_KEY_PREFIX). */
  readonly prefix: string;
  output(): string;
  stop(): Promise<void>;
}

/** A fresh key prefix (EDGE_KIT_KEY_PREFIX allows 1-32 of A-Z a-z 0-9 _ -). */
export function e2ePrefix(label: string): string {
  return `e2e-${label}-${randomBytes(3).toString("hex")}`.slice(0, 32);
}

/** The production env every target runs with (the build's secrets, the run's upstash-local). */
export function productionEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  const upstash = inject("upstash");
  const build = inject("e2eBuild");
  return {
    NODE_ENV: "production",
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: upstash.token,
    UPSTASH_DISABLE_TELEMETRY: "1",
    METRICS_TOKEN: build.metricsToken,
    CRON_SECRET: build.cronSecret,
    TRUST_PROXY: "true",
    EDGE_KIT_KEY_PREFIX: prefix,
    // The e2e tier tests behaviour, not latency budgets: on a busy 2-core CI runner a Redis call can
    // stall past the 300 ms / 1 s production defaults and turn a correct answer into a (visible,
    // by-design) degraded one. Generous budgets keep the contract about the contract.
    RATE_LIMIT_TIMEOUT_MS: "2000",
    REDIS_COMMAND_TIMEOUT_MS: "3000",
    ...extra,
  };
}

type Child = ChildProcess;

function spawnServer(command: string[], env: Record<string, string>, cwd: string): { child: Child; output: () => string } {
  let out = "";
  // Its own process group, so stop() ends exactly this server and whatever it started.
  const child = spawn(process.execPath, command, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...HERMETIC_ENV, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

function stopper(child: Child): () => Promise<void> {
  return async () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    process.kill(-child.pid, "SIGTERM");
    const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
    if (!killed && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
  };
}

async function waitUntilUp(url: string, child: Child, output: () => string, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(url).then((r) => r.status < 500, () => false);
    if (ok) return;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${what} did not come up:\n${output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface NextServerOptions {
  prefix: string;
  /** Project directory holding the build. @default the repo root */
  cwd?: string;
  /** The build to serve, relative to cwd. @default the shared e2e build */
  distDir?: string;
  env?: Record<string, string>;
}

/** `next start` on a build (the shared `.next-e2e` by default). */
export async function startNext(options: NextServerOptions): Promise<RunningServer> {
  const cwd = options.cwd ?? ROOT;
  const distDir = options.distDir ?? inject("e2eBuild").distDir;
  const port = await freePort();
  const env = { ...productionEnv(options.prefix, options.env), ...(distDir === ".next" ? {} : { EDGE_KIT_DIST_DIR: distDir }) };
  const { child, output } = spawnServer([path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], env, cwd);
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(child);
  try {
    await waitUntilUp(`${url}/healthz/live`, child, output, "next start");
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, prefix: options.prefix, output, stop };
}

/** The Hono app on Node: `scripts/serve-node.ts` (@hono/node-server) in its own process. */
export async function startNodeServer(options: { prefix: string; env?: Record<string, string> }): Promise<RunningServer> {
  const { child, output } = spawnServer(
    ["--import", "tsx", path.join(ROOT, "scripts/serve-node.ts")],
    { ...productionEnv(options.prefix, options.env), PORT: "0", HOST: "127.0.0.1" },
    ROOT,
  );
  const stop = stopper(child);
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (!url) {
    url = /^listening (http:\/\/\S+)$/m.exec(output())?.[1];
    if (url) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`scripts/serve-node.ts did not come up:\n${output().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, prefix: options.prefix, output, stop };
}

/** The same compatibility settings wrangler.toml deploys with (the test reads them from there). */
export interface WorkerdSettings {
  compatibilityDate: string;
  compatibilityFlags: string[];
  vars: Record<string, string>;
}

/** The Hono app on workerd: edge/worker.ts bundled like wrangler does, served by miniflare. */
export async function startWorkerd(options: { prefix: string; settings: WorkerdSettings; env?: Record<string, string>; omit?: readonly string[] }): Promise<RunningServer> {
  const bindings: Record<string, string> = { ...options.settings.vars, ...productionEnv(options.prefix, options.env) };
  for (const name of options.omit ?? []) delete bindings[name];
  const { code } = await bundleWorker();
  let logs = "";
  const mf = new Miniflare({
    modules: true,
    script: code,
    compatibilityDate: options.settings.compatibilityDate,
    compatibilityFlags: options.settings.compatibilityFlags,
    // wrangler.toml's [vars] first, then the secrets a deploy would add (`wrangler secret put`).
    bindings,
    host: "127.0.0.1",
    port: 0,
    handleRuntimeStdio(stdout, stderr) {
      stdout.on("data", (d: Buffer) => (logs += d.toString()));
      stderr.on("data", (d: Buffer) => (logs += d.toString()));
    },
  });
  const ready = await mf.ready.catch((error: Error) => {
    // Miniflare's own message only says "likely additional logging output above": attach that output.
    error.message += `\nworkerd output:\n${logs.slice(-4000)}`;
    throw error;
  });
  return { url: ready.origin, prefix: options.prefix, output: () => logs, stop: () => mf.dispose() };
}
