/**
 * `npm run dev`: starts the app on http://localhost:3000 with the right Redis behind it (DESIGN.md §4):
 *  - UPSTASH_REDIS_REST_URL / KV_REST_API_URL set → use it as is;
 *  - else redis-server on PATH → upstash-local over a private redis-server (data in .data/redis, AOF on);
 *  - else → degraded in-memory mode, with a banner saying what is not shared.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { hasRedisServer } from "../tools/upstash-local/redis-server";
import { startUpstashLocalStack } from "../tools/upstash-local/stack";

const root = resolve(import.meta.dirname, "..");
const env: NodeJS.ProcessEnv = { ...process.env };
const configured = Boolean(env.UPSTASH_REDIS_REST_URL || env.KV_REST_API_URL);
let stopStack: (() => Promise<void>) | undefined;

function banner(lines: string[]): void {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const bar = "=".repeat(width);
  console.log(`\n${bar}\n${lines.map((l) => `  ${l}`).join("\n")}\n${bar}\n`);
}

if (configured) {
  console.log(`[dev] using Redis from the environment (${env.UPSTASH_REDIS_REST_URL ? "UPSTASH_REDIS_REST_URL" : "KV_REST_API_URL"})`);
} else if (hasRedisServer()) {
  const token = env.UPSTASH_LOCAL_TOKEN || `dev-${randomBytes(16).toString("hex")}`;
  // Port 0: a free port, so two checkouts (or a stray server on 8079) never clash.
  const stack = await startUpstashLocalStack({ spawn: true, port: 0, token, dataDir: resolve(root, ".data/redis") });
  stopStack = stack.close;
  env.UPSTASH_REDIS_REST_URL = stack.url;
  env.UPSTASH_REDIS_REST_TOKEN = stack.token;
  console.log(`[dev] upstash-local ${stack.url} over private redis-server ${stack.redisUrl} (data: .data/redis)`);
} else {
  banner([
    "edge-kit DEGRADED MODE: redis-server is not on PATH and no Upstash credentials are set.",
    "Rate limits, cached reads, idempotency keys, locks and the queue run IN MEMORY, per process:",
    "nothing is shared between instances and everything is lost on restart.",
    "Fix: install redis-server (apt-get install redis-server / brew install redis),",
    "or set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN (see .env.example).",
  ]);
}

const nextBin = resolve(root, "node_modules/.bin/next");
const child = spawn(nextBin, ["dev", ...process.argv.slice(2)], { cwd: root, env, stdio: "inherit" });

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  child.kill(signal);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
child.on("exit", async (code) => {
  if (stopStack) await stopStack();
  process.exit(code ?? 0);
});
