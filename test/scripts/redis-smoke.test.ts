/**
 * `npm run redis:test` (scripts/redis-smoke.ts) as a real child process against the test upstash-local:
 * every step passes and cleans up after itself; a wrong token or a dead endpoint fails with exit code 1
 * and advice naming the likely cause.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { testRedis, upstashTarget } from "../setup/redis";

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

describe("npm run redis:test", () => {
  it("passes every numbered step against a working endpoint and leaves no key behind", async () => {
    const prefix = `smk${Date.now().toString(36)}`;
    const { code, out } = await runSmoke({
      UPSTASH_REDIS_REST_URL: target.url,
      UPSTASH_REDIS_REST_TOKEN: target.token,
      EDGE_KIT_KEY_PREFIX: prefix,
      USE_REDIS_QUEUE: "true",
    });
    expect(out).not.toContain(target.token);
    for (const [n, step] of ["connection and PING", "SET / GET round trip", "cache service", "rate limiter", "lock", "stream (queue)", "monitoring", "cleanup"].entries()) {
      expect(out).toMatch(new RegExp(`✓ ${n + 1}\\. ${step.replace(/[()/]/g, "\\$&")} \\d+ ms`));
    }
    expect(out).toContain("All steps passed.");
    expect(code).toBe(0);
    const [, left] = await testRedis().scan(0, { match: `${prefix}-smoke-*`, count: 100_000 });
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

  it("explains a refused connection (nothing listening at the URL)", async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const { port } = probe.address() as { port: number };
    await new Promise((r) => probe.close(r));
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
