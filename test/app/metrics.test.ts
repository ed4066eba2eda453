/**
 * GET /api/admin/redis/metrics through the exported Next handler: bearer auth (401 problem+json),
 * JSON by default, Prometheus text when asked, shared numbers across instances, budgets under a hung
 * Redis (msw delay), and no secret in any body.
 */
import { randomBytes } from "node:crypto";
import { delay, http, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/admin/redis/metrics/route";
import { GET as dashboard } from "@/app/api/dashboard/route";
import { recordCounts } from "@/lib/observability";
import { getKit } from "@/lib/kit-instance";
import { uniquePrefix, upstashTarget } from "../setup/redis";
import { useRouteEnv, type RouteEnv } from "./health-env";

const target = upstashTarget();
const PREFIX = uniquePrefix("metrics").slice(0, -1).replace(":", "-");
const METRICS_TOKEN = `mt-${randomBytes(16).toString("hex")}`;
const CRON_SECRET = `cs-${randomBytes(16).toString("hex")}`;
const SECRETS = [target.token, METRICS_TOKEN, CRON_SECRET, new URL(target.url).host];
const URL_ = "http://localhost/api/admin/redis/metrics";

const msw = setupServer(http.all("*", () => passthrough()));
let restore: () => void = () => {};
function env(extra: RouteEnv = {}): void {
  restore();
  restore = useRouteEnv({
    UPSTASH_REDIS_REST_URL: target.url,
    UPSTASH_REDIS_REST_TOKEN: target.token,
    EDGE_KIT_KEY_PREFIX: PREFIX,
    METRICS_TOKEN,
    CRON_SECRET,
    ...extra,
  });
}

async function call(res: Promise<Response>) {
  const r = await res;
  const text = await r.text();
  for (const secret of SECRETS) expect(text).not.toContain(secret);
  return { status: r.status, headers: r.headers, text };
}

const auth = { authorization: `Bearer ${METRICS_TOKEN}` };

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: "bypass" });
  env();
  await recordCounts(getKit(), "ratelimit", { allowed: 5, limited: 2 });
});
afterEach(() => msw.resetHandlers());
afterAll(() => {
  msw.close();
  restore();
});

describe("GET /api/admin/redis/metrics", () => {
  describe("auth", () => {
    it.each([
      ["no Authorization header", {}],
      ["a wrong token", { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}x` }],
      ["the token under another scheme", { authorization: `Basic ${METRICS_TOKEN}` }],
      ["CRON_SECRET instead of METRICS_TOKEN", { authorization: `Bearer ${CRON_SECRET}` }],
    ])("answers 401 problem+json for %s", async (_, headers) => {
      env();
      const r = await call(GET(new Request(URL_, { headers })));
      expect(r.status).toBe(401);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(JSON.parse(r.text)).toMatchObject({ status: 401, title: "Unauthorized" });
    });

    it("refuses every request when METRICS_TOKEN is not configured", async () => {
      env({ METRICS_TOKEN: undefined });
      const r = await call(GET(new Request(URL_, { headers: { authorization: "Bearer " } })));
      expect(r.status).toBe(401);
      expect(JSON.parse(r.text).detail).toMatch(/METRICS_TOKEN is not configured/);
    });
  });

  it("answers a JSON snapshot by default", async () => {
    env();
    const r = await call(GET(new Request(URL_, { headers: auth })));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(r.headers.get("cache-control")).toBe("no-store");
    const body = JSON.parse(r.text);
    expect(body.redis.reachable).toBe(true);
    expect(body.redis.info.usedMemoryBytes).toBeGreaterThan(0);
    expect(body.redis.info.memFragmentationRatio).toBeGreaterThan(0);
    expect(body.rateLimit).toMatchObject({ allowed: 5, denied: 2 });
    expect(body.cache).toMatchObject({ hits: expect.any(Number), misses: expect.any(Number) });
    expect(body.lock).toMatchObject({ contended: expect.any(Number) });
    expect(Array.isArray(body.queues)).toBe(true);
    expect(body.keys.families.find((f: { family: string }) => f.family === "counter")).toMatchObject({ exact: true });
    expect(body.degraded).toEqual([]);
  });

  it.each([
    ["Accept: text/plain", URL_, { accept: "text/plain;version=0.0.4" }],
    ["?format=prometheus", `${URL_}?format=prometheus`, {}],
    ["a Prometheus scraper's Accept", URL_, { accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1" }],
  ])("answers Prometheus text for %s", async (_, url, headers) => {
    env();
    const r = await call(GET(new Request(url, { headers: { ...auth, ...headers } })));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(r.text).toContain("# TYPE edge_kit_ratelimit_allowed_total counter\nedge_kit_ratelimit_allowed_total 5\n");
    expect(r.text).toMatch(/^edge_kit_redis_up 1$/m);
    expect(r.text).toMatch(/^edge_kit_keys\{family="counter",exact="true"\} \d+$/m);
    expect(r.text.endsWith("\n")).toBe(true);
  });

  it("keeps JSON for Accept: application/json even with text/plain listed later", async () => {
    env();
    const r = await call(GET(new Request(URL_, { headers: { ...auth, accept: "application/json, text/plain" } })));
    expect(r.headers.get("content-type")).toBe("application/json");
  });

  it("reports the same counters from every instance (they live in Redis)", async () => {
    env();
    const first = JSON.parse((await call(GET(new Request(URL_, { headers: auth })))).text);
    await recordCounts(getKit(), "ratelimit", { allowed: 1 });
    env(); // a fresh kit: another instance of the same app
    const second = JSON.parse((await call(GET(new Request(URL_, { headers: auth })))).text);
    expect(second.rateLimit.allowed).toBe(first.rateLimit.allowed + 1);
  });

  it("answers within its budget when every Redis request hangs (msw delay), naming the unreadable parts", async () => {
    env({ REDIS_BREAKER_THRESHOLD: "0" });
    msw.use(
      http.post(`${target.url}/*`, async () => {
        await delay("infinite");
      }),
    );
    const started = Date.now();
    const r = await call(GET(new Request(URL_, { headers: auth })));
    expect(Date.now() - started).toBeLessThan(4000);
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text);
    expect(body.redis.reachable).toBe(false);
    expect(body.degraded).toEqual(expect.arrayContaining(["ping: timeout", "info: timeout"]));
  });
});

describe("GET /api/dashboard", () => {
  it("needs no secret and exposes aggregate numbers only", async () => {
    env();
    const r = await call(dashboard(new Request("http://localhost/api/dashboard")));
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text);
    expect(body).toMatchObject({ status: "pass", mode: "redis", rateLimit: { allowed: expect.any(Number) } });
    expect(body.history.minutes.length).toBe(30);
    // No key names (the prefix) and no Redis version/host details beyond the figures shown.
    expect(r.text).not.toContain(PREFIX);
    expect(r.text).not.toContain("redis_version");
  });
});
