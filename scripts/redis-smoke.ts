/**
 * `npm run redis:test` — a smoke test of the Redis the environment configures (UPSTASH_REDIS_REST_* or
 * KV_REST_API_*, read by lib/config exactly as the app reads them). Numbered steps with ✓/✗ and
 * timing, advice on the usual causes of failure, and cleanup of every key it wrote (it writes only
 * under its own random key prefix). Exit code 0 only when every step passed.
 */
import { randomBytes } from "node:crypto";
import { Ratelimit } from "@upstash/ratelimit";
import { ConfigError } from "../lib/errors";
import { describeConfig, loadConfig, readEnv, type KitConfig } from "../lib/config";
import { createKit, type Kit } from "../lib/kit";
import { KEY_FAMILIES } from "../lib/keys";
import { createLocks } from "../lib/lock";
import { collectMetrics, scanKeys } from "../lib/observability";
import { appQueues } from "../app/app-queues";

type StepResult = string | { skipped: string };
interface Step {
  name: string;
  run: () => Promise<StepResult>;
}

const useColour = process.stdout.isTTY;
const paint = (code: number, s: string) => (useColour ? `\x1b[${code}m${s}\x1b[0m` : s);

/** Maps the usual failures to what to check first. */
export function adviceFor(error: unknown, config: KitConfig): string {
  const text = describeChain(error);
  const urlVar = config.redis?.source === "KV_REST_API" ? "KV_REST_API_URL" : "UPSTASH_REDIS_REST_URL";
  const tokenVar = config.redis?.source === "KV_REST_API" ? "KV_REST_API_TOKEN" : "UPSTASH_REDIS_REST_TOKEN";
  // Connection failures first: their text carries host:port, and a port like 40123 contains "401".
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/i.test(text)) return `The host in ${urlVar} does not resolve: check for typos (it looks like https://<name>.upstash.io).`;
  if (/ECONNREFUSED/i.test(text)) return `Nothing listens at ${urlVar}: for a local upstash-local, start it (npm run upstash-local); check the port.`;
  if (/\b401\b|unauthori[sz]ed|WRONGPASS|invalid token|NOAUTH/i.test(text)) {
    return `The server refused the token: check ${tokenVar} (copy the REST token, not the Redis password; no quotes or spaces; a read-only token cannot write).`;
  }
  if (/CERT|SSL|TLS|EPROTO|self[- ]signed|wrong version number/i.test(text)) {
    return `TLS failed: Upstash needs https:// (plain http only for a local server); behind a proxy set NODE_EXTRA_CA_CERTS.`;
  }
  if (/timeout|aborted|ETIMEDOUT/i.test(text)) {
    return `No answer in time: check network/firewall egress to ${urlVar}'s host, or raise REDIS_COMMAND_TIMEOUT_MS for a distant region.`;
  }
  if (/404|not found/i.test(text)) return `${urlVar} should be the database's REST URL root, without a path.`;
  return `Check ${urlVar} and ${tokenVar}.`;
}

/** Name, message and `code` of an error and its causes (fetch hides ECONNREFUSED two levels down). */
function describeChain(error: unknown, depth = 0): string {
  if (depth > 4 || error === undefined || error === null) return "";
  if (!(error instanceof Error)) return String(error);
  const { code, cause, errors } = error as Error & { code?: unknown; cause?: unknown; errors?: unknown[] };
  const nested = [cause, ...(Array.isArray(errors) ? errors : [])].map((e) => describeChain(e, depth + 1)).filter(Boolean);
  return [`${error.name}: ${error.message}`, typeof code === "string" ? code : "", ...nested].filter(Boolean).join(" ← ");
}

function errorLine(error: unknown): string {
  const chain = describeChain(error);
  return chain.length > 300 ? `${chain.slice(0, 300)}…` : chain;
}

async function main(): Promise<number> {
  let config: KitConfig;
  try {
    config = loadConfig(readEnv());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`✗ configuration: ${error.message}`);
    return 2;
  }
  if (!config.redis) {
    console.error("✗ No Redis configured: set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN (or KV_REST_API_URL / KV_REST_API_TOKEN).");
    return 2;
  }
  // Its own prefix: the smoke test never reads or deletes the app's keys.
  const keyPrefix = `${config.keyPrefix}-smoke-${randomBytes(4).toString("hex")}`;
  const kit: Kit = createKit({ ...config, keyPrefix, breaker: false });
  const redis = kit.redis!;
  console.log(`edge-kit Redis smoke test → ${describeConfig(config).split(", ").find((f) => f.startsWith("redis:"))}, keys under ${keyPrefix}:`);

  const steps: Step[] = [
    {
      name: "connection and PING",
      run: async () => {
        const reply = await redis.ping();
        if (reply !== "PONG") throw new Error(`PING answered ${JSON.stringify(reply)}`);
        return "PONG";
      },
    },
    {
      name: "SET / GET round trip",
      run: async () => {
        const key = kit.keys.session("smoke", "roundtrip");
        const value = { text: "héllo ✓", n: 42, nested: [1, null, true] };
        await redis.set(key, value, { ex: 60 });
        const back = await redis.get(key);
        if (JSON.stringify(back) !== JSON.stringify(value)) throw new Error(`read back ${JSON.stringify(back)}`);
        return "value read back unchanged";
      },
    },
    {
      name: "cache service",
      run: async () => {
        const miss = await kit.cache.lookup("smoke-item");
        await kit.cache.set("smoke-item", { id: 1 }, { ttl: "60 s" });
        const hit = await kit.cache.lookup<{ id: number }>("smoke-item");
        if (miss.status !== "miss" || hit.status !== "hit" || hit.value?.id !== 1) {
          throw new Error(`expected miss then hit, got ${miss.status} then ${hit.status}`);
        }
        if (hit.backend !== "redis") throw new Error(`cache answered from ${hit.backend}`);
        return "miss → set → hit on redis";
      },
    },
    {
      name: "rate limiter",
      run: async () => {
        const limiter = new Ratelimit({ redis, limiter: Ratelimit.fixedWindow(3, "30 s"), prefix: kit.keys.rateLimit("smoke", "cli"), analytics: false });
        const results = [];
        for (let i = 0; i < 4; i++) results.push((await limiter.limit("_")).success);
        if (results.join() !== "true,true,true,false") throw new Error(`3/30s limit answered ${results.join(", ")}`);
        return "3 allowed, 4th denied";
      },
    },
    {
      name: "lock",
      run: async () => {
        const locks = createLocks(kit);
        const first = await locks.acquireLock("smoke", { lease: "10 s", retry: false });
        if (!first.acquired) throw new Error("could not acquire a free lock");
        const second = await locks.acquireLock("smoke", { lease: "10 s", retry: false });
        if (second.acquired) throw new Error("a held lock was acquired twice");
        const released = await first.lease.release();
        if (!released.released) throw new Error("release failed");
        return `acquired (fence ${first.lease.fence}), excluded a second owner, released`;
      },
    },
    {
      name: "stream (queue)",
      run: async () => {
        if (!config.useRedisQueue) return { skipped: "USE_REDIS_QUEUE is off" };
        const stream = kit.keys.queueStream("smoke");
        await redis.xadd(stream, "*", { job: "smoke" });
        await redis.xgroup(stream, { type: "CREATE", group: "smoke", id: "0" });
        const read = (await redis.xreadgroup("smoke", "smoke-1", stream, ">", { count: 1 })) as [string, [string, unknown][]][];
        const id = read?.[0]?.[1]?.[0]?.[0];
        if (!id) throw new Error("XREADGROUP returned nothing");
        if ((await redis.xack(stream, "smoke", id)) !== 1) throw new Error("XACK did not ack");
        return "XADD → XREADGROUP → XACK";
      },
    },
    {
      name: "monitoring",
      run: async () => {
        // The app's queues, as its metrics endpoint passes them: discovering queues by SCAN is reported
        // incomplete on a keyspace larger than a few pages (a shared or busy database), which is not a fault.
        const snapshot = await collectMetrics(kit, { keyCounts: { families: ["session", "cache", "lock"], maxPages: 3 }, queues: appQueues(kit) });
        if (snapshot.degraded.length > 0) throw new Error(`unreadable: ${snapshot.degraded.join("; ")}`);
        const info = snapshot.redis.info!;
        return `INFO ok (redis ${info.redisVersion ?? "?"}, ${info.usedMemoryHuman ?? "?"} used, ${info.instantaneousOpsPerSec ?? "?"} ops/s), PING ${snapshot.redis.latencyMs} ms`;
      },
    },
  ];

  let failed = 0;
  let connected = true;
  for (const [i, step] of steps.entries()) {
    const label = `${i + 1}. ${step.name}`;
    if (!connected) {
      console.log(`${paint(90, "-")} ${label} ${paint(90, "(skipped: no connection)")}`);
      continue;
    }
    const started = performance.now();
    try {
      const result = await step.run();
      const ms = Math.round(performance.now() - started);
      if (typeof result === "string") console.log(`${paint(32, "✓")} ${label} ${paint(90, `${ms} ms`)} — ${result}`);
      else console.log(`${paint(90, "-")} ${label} ${paint(90, `(skipped: ${result.skipped})`)}`);
    } catch (error) {
      failed++;
      const ms = Math.round(performance.now() - started);
      console.log(`${paint(31, "✗")} ${label} ${paint(90, `${ms} ms`)} — ${errorLine(error)}`);
      console.log(`   → ${adviceFor(error, config)}`);
      if (i === 0) connected = false;
    }
  }

  // Cleanup: every family under the smoke prefix (the rate limiter and lock wrote keys of their own naming).
  const cleanupLabel = `${steps.length + 1}. cleanup`;
  if (connected) {
    const started = performance.now();
    try {
      let deleted = 0;
      for (const family of KEY_FAMILIES) {
        for (let round = 0; round < 20; round++) {
          const { keys, complete } = await scanKeys(redis, kit.keys.scanPattern(family), { maxPages: 50, pageSize: 1000 });
          if (keys.length > 0) deleted += await redis.del(...keys);
          if (complete) break;
        }
      }
      const left = (await Promise.all(KEY_FAMILIES.map((f) => scanKeys(redis, kit.keys.scanPattern(f), { maxPages: 50, pageSize: 1000 })))).flatMap((w) => w.keys);
      if (left.length > 0) throw new Error(`${left.length} keys left under ${keyPrefix}`);
      console.log(`${paint(32, "✓")} ${cleanupLabel} ${paint(90, `${Math.round(performance.now() - started)} ms`)} — ${deleted} keys deleted, none left`);
    } catch (error) {
      failed++;
      console.log(`${paint(31, "✗")} ${cleanupLabel} — ${errorLine(error)} (delete keys matching ${keyPrefix}:* by hand)`);
    }
  } else {
    console.log(`${paint(90, "-")} ${cleanupLabel} ${paint(90, "(skipped: nothing was written)")}`);
  }

  console.log(failed === 0 ? paint(32, "\nAll steps passed.") : paint(31, `\n${failed} step(s) failed.`));
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`✗ smoke test crashed: ${errorLine(error)}`);
    process.exit(1);
  },
);
