/**
 * edge/worker.ts specifics on workerd (the shared contract is in contract.test.ts): it runs in production
 * with only the Redis secrets; the client address
 * comes from the platform's CF-Connecting-IP, never from a client-sent X-Forwarded-For; a worker with
 * a bad config answers 500 problem+json and leaks no value.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { e2ePrefix, startWorkerd, type RunningServer } from "./support/servers";
import { readWranglerToml } from "./support/wrangler-toml";

const wrangler = readWranglerToml();
let worker: RunningServer;
let broken: RunningServer;
const BAD_TOKEN_URL = "not-a-url-with-secret-0123456789";

beforeAll(async () => {
  [worker, broken] = await Promise.all([
    // As `wrangler secret put` would leave it: Redis credentials only. The worker serves neither the
    // metrics endpoint nor the cron consumer, so production must not demand their secrets.
    startWorkerd({ prefix: e2ePrefix("wk"), settings: wrangler, omit: ["METRICS_TOKEN", "CRON_SECRET"] }),
    startWorkerd({ prefix: e2ePrefix("wk-bad"), settings: wrangler, env: { UPSTASH_REDIS_REST_URL: BAD_TOKEN_URL } }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([worker?.stop(), broken?.stop()]);
});

describe("edge/worker.ts on workerd", () => {
  it("wrangler.toml deploys edge/worker.ts with no secret in it", () => {
    expect(wrangler.main).toBe("edge/worker.ts");
    for (const name of ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", "KV_REST_API_TOKEN", "METRICS_TOKEN", "CRON_SECRET"]) {
      expect(wrangler.vars[name], `${name} belongs in \`wrangler secret put\`, not [vars]`).toBeUndefined();
    }
  });

  it("identity is CF-Connecting-IP: a forged X-Forwarded-For does not buy a fresh rate-limit budget", async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 200) + 1}`;
    const remaining: string[] = [];
    for (const forged of ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) {
      const res = await fetch(`${worker.url}/api/edge/items/wk-${ip}`, { headers: { "cf-connecting-ip": ip, "x-forwarded-for": forged } });
      expect(res.status).toBe(200);
      remaining.push(res.headers.get("x-ratelimit-remaining") ?? "");
    }
    // One shared identity: the budget goes down across the three requests (99, 98, 97 — or 99, 99, 98 when a
    // sliding-window bucket boundary falls between two of them). Forged identities would read 99, 99, 99.
    expect(remaining[0]).toBe("99");
    expect(Number(remaining[2])).toBeLessThanOrEqual(98);
  });

  it("a misconfigured worker answers 500 problem+json, naming no value", async () => {
    const res = await fetch(`${broken.url}/api/edge/items/1`);
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ title: "Server misconfigured", code: "E_CONFIG" });
    expect(text).not.toContain(BAD_TOKEN_URL);
    // The operator sees which variable is wrong in the worker's log (wrangler tail). The log reaches
    // this process through workerd's pipe, which may lag the response: polled (a fresh-clone CI run
    // read an empty log here).
    await expect.poll(() => broken.output(), { timeout: 5_000 }).toMatch(/UPSTASH_REDIS_REST_URL/);
  });
});
