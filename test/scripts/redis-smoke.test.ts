/**
 * `npm run redis:test` (scripts/redis-smoke.ts) as a real child process against the test upstash-local:
 * every step passes and cleans up after itself; a wrong token or a dead endpoint fails with exit code 1
 * and advice naming the likely cause.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Redis } from "@upstash/redis";
import { createServer } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { upstashTarget } from "../setup/redis";
import { spawnRedisServer } from "../../tools/upstash-local/redis-server";
import { startUpstashLocal } from "../../tools/upstash-local/server";

const target = upstashTarget();

function runSmoke(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["tsx", "scripts/redis-smoke.ts"], {
      cwd: new URL("../..", import.meta.url).pathname,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "test", UPSTASH_DISABLE_TELEMETRY: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

/** A free port whose decimal digits contain "401" (40100-40199 first, then others). */
async function freePortContaining401(): Promise<number> {
  for (const port of [...Array.from({ length: 100 }, (_, i) => 40_100 + i), 14_010, 24_010, 34_010, 44_010, 54_010]) {
    const probe = createServer();
    const free = await new Promise<boolean>((resolve) => {
      probe.once("error", () => resolve(false));
      probe.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (free) {
      await new Promise((r) => probe.close(r));
      return port;
    }
  }
  throw new Error("no free port containing 401");
}

describe("npm run redis:test", () => {
  it("passes every numbered step against a working endpoint and leaves no key behind, also on a large shared keyspace", async () => {
    const prefix = `smk${Date.now().toString(36)}`;
    // More keys than a bounded queue-discovery SCAN reads (5 pages × 1000), on a private server so the
    // filler cannot slow other files' SCANs: the smoke test must read the app's queues by name, as the
    // metrics endpoint does, instead of reporting "discovery incomplete".
    const redis = await spawnRedisServer();
    const token = randomBytes(8).toString("hex");
    const server = await startUpstashLocal({ port: 0, token, redisUrl: redis.url });
    onTestFinished(async () => {
      await server.close();
      await redis.stop();
    });
    const raw = new Redis({ url: server.url, token });
    for (let page = 0; page < 8; page++) {
      await raw.mset(Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`filler:${page}:${i}`, "x"])));
    }
    const { code, out } = await runSmoke({
      UPSTASH_REDIS_REST_URL: server.url,
      UPSTASH_REDIS_REST_TOKEN: token,
      EDGE_KIT_KEY_PREFIX: prefix,
      USE_REDIS_QUEUE: "true",
    });
    expect(out).not.toContain(token);
    for (const [n, step] of ["connection and PING", "SET / GET round trip", "cache service", "rate limiter", "lock", "stream (queue)", "monitoring", "cleanup"].entries()) {
      expect(out).toMatch(new RegExp(`✓ ${n + 1}\\. ${step.replace(/[()/]/g, "\\$&")} \\d+ ms`));
    }
    expect(out).toContain("All steps passed.");
    expect(code).toBe(0);
    const [, left] = await raw.scan(0, { match: `${prefix}-smoke-*`, count: 100_000 });
    expect(left).toEqual([]);
  }, 60_000);

  it("fails with exit code 1 and token advice when the token is wrong, skipping the rest", async () => {
    const { code, out } = await runSmoke({ UPSTASH_REDIS_REST_URL: target.url, UPSTASH_REDIS_REST_TOKEN: "wrong-token" });
    expect(code).toBe(1);
    expect(out).toMatch(/✗ 1\. connection and PING/);
    expect(out).toMatch(/→ .*UPSTASH_REDIS_REST_TOKEN/);
    expect(out).toMatch(/- 2\. SET \/ GET round trip \(skipped: no connection\)/);
    expect(out).not.toContain("wrong-token");
  }, 60_000);

  it("explains a refused connection (nothing listening at the URL), also on a port whose digits contain 401", async () => {
    // A port that was free a moment ago: nothing listens there. Its digits contain "401", which was once
    // taken for an HTTP 401 and answered with token advice (a flake whenever the free port looked so).
    const port = await freePortContaining401();
    const { code, out } = await runSmoke({ UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${port}`, UPSTASH_REDIS_REST_TOKEN: "t" });
    expect(code).toBe(1);
    expect(out).toMatch(/→ Nothing listens at UPSTASH_REDIS_REST_URL/);
  }, 60_000);

  it("refuses to run without a configured Redis", async () => {
    const { code, out } = await runSmoke({});
    expect(code).toBe(2);
    expect(out).toMatch(/No Redis configured/);
  }, 60_000);
});
