/**
 * Idempotency when Redis fails, through the Hono app: the per-route fail policy decides, visibly.
 * - closed (the default for idempotent routes): 503 problem+json + Retry-After, handler NOT run —
 *   running a non-repeatable request twice is worse than refusing it;
 * - open: the handler runs without idempotency and the response says so (x-idempotency-degraded).
 * Faults: msw in front of the real upstash-local (5xx, hang past the budget, dropped connection),
 * and a private redis-server stopped behind a private upstash-local, then restarted.
 */
import { bypass, delay, http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { IDEMPOTENCY_COMPLETE, sha256Base64Url } from "@/lib/idempotency";
import { spawnRedisServer, type SpawnedRedis } from "@/tools/upstash-local/redis-server";
import { startUpstashLocal } from "@/tools/upstash-local/server";
import { createTestKit } from "../setup/kit";
import { testRedis, upstashTarget } from "../setup/redis";
import { buildHarness, newIp, newKey, request } from "./idempotency-harness";

const target = upstashTarget();
const msw = setupServer(http.all("*", () => passthrough()));
beforeAll(() => msw.listen({ onUnhandledRequest: "bypass" }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

// No breaker (each fault is judged on its own) and a short budget so the hang case is quick.
const env = { TRUST_PROXY: "true", REDIS_BREAKER_THRESHOLD: "0", REDIS_COMMAND_TIMEOUT_MS: "300" };

const faults = {
  "HTTP 500 from Upstash": () => HttpResponse.json({ error: "internal server error" }, { status: 500 }),
  "HTTP 503 from Upstash": () => HttpResponse.json({ error: "upstream down" }, { status: 503 }),
  "a hang past the command budget": async () => {
    await delay(2000);
    return HttpResponse.json([]);
  },
  "a dropped connection": () => HttpResponse.error(),
};

function injectEverywhere(resolver: (typeof faults)[keyof typeof faults]) {
  msw.use(http.post(`${target.url}/pipeline`, resolver), http.post(`${target.url}/`, resolver));
}

function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const original = console.warn;
  console.warn = () => {};
  return fn().finally(() => (console.warn = original));
}

describe.each(Object.entries(faults))("%s", (_name, resolver) => {
  it("fail closed (default): 503 problem+json with Retry-After, and the handler does not run", async () => {
    const { app, calls } = buildHarness(createTestKit({ env }));
    injectEverywhere(resolver);
    const res = await request(app, "/t/echo", { ip: newIp(), key: newKey() });
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(await res.json()).toMatchObject({ status: 503, type: "https://edge-kit.dev/problems/dependency-unavailable" });
    expect(calls.echo ?? 0).toBe(0);
  });

  it("fail open: the handler runs without idempotency and the response is marked x-idempotency-degraded", async () => {
    const { app, calls } = buildHarness(createTestKit({ env }));
    injectEverywhere(resolver);
    const res = await quietly(() => request(app, "/t/open", { ip: newIp(), key: newKey() }));
    expect(res.status).toBe(201);
    expect(res.headers.get("x-idempotency-degraded")).toMatch(/^(timeout|redis-error)$/);
    expect(calls.open).toBe(1);
  });
});

it("a completion that fails after the handler ran keeps the caller's response, marks it degraded, and logs", async () => {
  const { app } = buildHarness(createTestKit({ env: { ...env, REDIS_COMMAND_TIMEOUT_MS: "5000" } }));
  const key = newKey();
  const ip = newIp();
  // Let the claim through (EVALSHA, or EVAL after NOSCRIPT), fail the completion.
  msw.use(
    http.post(`${target.url}/pipeline`, async ({ request }) =>
      (await request.clone().text()).includes(IDEMPOTENCY_COMPLETE.sha1) ? HttpResponse.json({ error: "upstream down" }, { status: 503 }) : passthrough(),
    ),
  );
  const warnings: unknown[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args);
  try {
    const res = await request(app, "/t/echo", { ip, key });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-idempotency-degraded")).toBe("redis-error");
    expect(String((warnings[0] as unknown[])[0])).toMatch(/could not complete/);
  } finally {
    console.warn = original;
  }
  msw.resetHandlers();
  // The record stays in flight (never a double run within the lease): the retry gets 409.
  expect((await request(app, "/t/echo", { ip, key })).status).toBe(409);
});

describe("a claim whose reply is lost after Redis executed it", () => {
  it("answers 503, releases the orphaned claim in the background, and the retry with the same key runs at once (not 409)", async () => {
    // No SDK retry: the lost reply surfaces as the 503 that tells the client to retry with the same key.
    const kit = createTestKit({ env: { ...env, REDIS_RETRIES: "0", REDIS_COMMAND_TIMEOUT_MS: "5000" } });
    const { app, calls } = buildHarness(kit);
    const [ip, key] = [newIp(), newKey()];
    const recordKey = kit.keys.idempotency(`ip:${ip}`, await sha256Base64Url(key));
    let lost = false;
    msw.use(
      http.post(`${target.url}/*`, async ({ request }) => {
        const sent = await request.clone().text();
        const real = await fetch(bypass(request)); // Redis runs the claim…
        const text = await real.text();
        if (!lost && sent.includes(recordKey) && sent.toLowerCase().includes('"set"')) {
          lost = true;
          return HttpResponse.error(); // …and its answer never arrives
        }
        return new HttpResponse(text, { status: real.status, headers: real.headers });
      }),
    );
    const before = calls.echo ?? 0;
    const first = await quietly(() => request(app, "/t/echo", { ip, key }));
    expect(lost).toBe(true);
    expect(first.status).toBe(503);
    expect(await first.json()).toMatchObject({ detail: expect.stringMatching(/Retry with the same Idempotency-Key/) });
    msw.resetHandlers();
    const raw = testRedis();
    for (let i = 0; i < 50 && (await raw.exists(recordKey)) === 1; i++) await delay(20); // within the 1 s Retry-After
    const retry = await request(app, "/t/echo", { ip, key });
    expect(retry.status).toBe(201);
    expect(calls.echo).toBe(before + 1);
  });
});

describe("a stopped redis-server behind a private upstash-local", () => {
  let redis: SpawnedRedis;
  let server: Awaited<ReturnType<typeof startUpstashLocal>>;
  const token = `idem-faults-${crypto.randomUUID()}`;
  beforeAll(async () => {
    redis = await spawnRedisServer();
    server = await startUpstashLocal({ port: 0, token, redisUrl: redis.url });
  });
  afterAll(async () => {
    await server.close();
    await redis.stop();
  });

  it("answers 503 (closed) / degraded 201 (open) while Redis is down, and works again once it is back", async () => {
    // A generous budget: a stopped server fails fast anyway, and a loaded machine must not turn the
    // healthy requests of this test into timeouts.
    const kit = createTestKit({ env: { ...env, REDIS_COMMAND_TIMEOUT_MS: "5000" }, url: server.url, token });
    const { app, calls } = buildHarness(kit);
    const ip = newIp();
    const key = newKey();
    expect((await request(app, "/t/echo", { ip, key })).status).toBe(201);

    await redis.stop();
    const closed = await request(app, "/t/echo", { ip, key: newKey() });
    expect(closed.status).toBe(503);
    expect(closed.headers.get("retry-after")).toBeTruthy();
    const open = await quietly(() => request(app, "/t/open", { ip, key: newKey() }));
    expect(open.status).toBe(201);
    expect(open.headers.get("x-idempotency-degraded")).toBe("redis-error");
    const echoRuns = calls.echo;

    redis = await spawnRedisServer({ port: redis.port });
    // upstash-local reconnects to the restarted server on its own; until then requests stay refused (503).
    const deadline = Date.now() + 10_000;
    let again = await request(app, "/t/echo", { ip, key: newKey() });
    while (again.status === 503 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      again = await request(app, "/t/echo", { ip, key: newKey() });
    }
    expect(again.status).toBe(201);
    expect(calls.echo).toBe(echoRuns! + 1); // every refusal ran nothing
  }, 30_000);
});
