import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { checkHealth, checkLiveness, degradedFeatures, healthHttpStatus } from "../../../lib/observability";
import { spawnRedisServer, type SpawnedRedis } from "../../../tools/upstash-local/redis-server";
import { startUpstashLocal, type UpstashLocal } from "../../../tools/upstash-local/server";
import { createTestKit } from "../../setup/kit";
import { defineRoutes } from "../../../lib/policy";
import { defineRateLimits } from "../../../lib/ratelimit";

describe("checkHealth", () => {
  it("passes with the PING latency when Redis answers", async () => {
    const report = await checkHealth(createTestKit());
    expect(report.status).toBe("pass");
    expect(healthHttpStatus(report)).toBe(200);
    const ping = report.checks["redis:responseTime"]![0]!;
    expect(ping.status).toBe("pass");
    expect(typeof ping.observedValue).toBe("number");
    expect(report.degradedFeatures).toEqual([]);
  });

  it("in memory mode warns and lists every feature as per-instance", async () => {
    const report = await checkHealth(createTestKit({ memory: true }));
    expect(report.status).toBe("warn");
    expect(healthHttpStatus(report)).toBe(200);
    expect(report.degradedFeatures!.map((d) => d.feature)).toEqual(["ratelimit", "cache", "idempotency", "lock", "queue"]);
    expect(report.degradedFeatures!.find((d) => d.feature === "cache")!.behaviour).toMatch(/route responses are not cached/);
    // Idempotency keeps no per-instance store: keyed requests get the fail policy, 503 by default.
    expect(report.degradedFeatures!.find((d) => d.feature === "idempotency")!.behaviour).toBe("no store in memory mode: refusing keyed requests with 503 (fail closed)");
  });

  it("in memory mode names the idempotent routes that fail open apart from the rest", () => {
    const routes = defineRoutes([
      { pattern: "/orders", methods: ["POST"], name: "orders.create", policy: { idempotency: {} } },
      { pattern: "/likes", methods: ["POST"], name: "likes.create", policy: { idempotency: { failPolicy: "open" } } },
    ]);
    const entries = degradedFeatures(createTestKit({ memory: true }), "memory", routes).filter((d) => d.feature === "idempotency");
    expect(entries.map((d) => [d.behaviour, d.appliesTo])).toEqual([
      ["no store in memory mode: refusing keyed requests with 503 (fail closed)", ["orders.create"]],
      ["no store in memory mode: not enforcing Idempotency-Key (fail open)", ["likes.create"]],
    ]);
  });
});

describe("degradedFeatures", () => {
  it("says what each feature does while Redis is down, from its fail policy", () => {
    const kit = createTestKit({ env: { RATE_LIMIT_FAIL_POLICY: "closed", CACHE_FAIL_POLICY: "open", USE_REDIS_QUEUE: "true" } });
    const byFeature = Object.fromEntries(degradedFeatures(kit, "down").map((d) => [d.feature, d.behaviour]));
    expect(byFeature["ratelimit"]).toMatch(/503/);
    expect(byFeature["cache"]).toMatch(/fail open/);
    expect(byFeature["idempotency"]).toMatch(/fail closed/);
    expect(byFeature["queue"]).toMatch(/enqueue/);
    expect(degradedFeatures(createTestKit(), "down").map((d) => d.feature)).not.toContain("queue");
    expect(degradedFeatures(kit, "up")).toEqual([]);
  });
});

describe("degradedFeatures with the app's routes", () => {
  const rateLimits = defineRateLimits({ policies: { burst: { algorithm: "fixed-window", limit: 5, window: "1 s", failPolicy: "local" } } });
  const routes = defineRoutes([
    { pattern: "/login", methods: ["POST"], name: "auth.login", policy: { rateLimit: rateLimits.use("login") } },
    { pattern: "/items", methods: ["GET"], name: "items.list", policy: { rateLimit: rateLimits.use("api", "burst") } },
    { pattern: "/orders", methods: ["POST"], name: "orders.create", policy: { rateLimit: rateLimits.use("message"), idempotency: { required: true } } },
    { pattern: "/events", methods: ["POST"], name: "events.ingest", policy: { idempotency: { failPolicy: "open" } } },
  ]);

  it("names which policies and routes fail which way when they disagree", () => {
    const kit = createTestKit({ env: { RATE_LIMIT_FAIL_POLICY: "open", IDEMPOTENCY_FAIL_POLICY: "closed" } });
    expect(degradedFeatures(kit, "down", routes)).toEqual([
      // login: closed by its built-in definition; api: open by its own; burst: local; message: the config default.
      { feature: "ratelimit", behaviour: "refusing requests with 503 (fail closed)", appliesTo: ["login"] },
      { feature: "ratelimit", behaviour: "allowing every request (fail open)", appliesTo: ["api", "message"] },
      { feature: "ratelimit", behaviour: "limiting per instance (fail local)", appliesTo: ["burst"] },
      { feature: "cache", behaviour: expect.stringMatching(/fail open/) },
      { feature: "idempotency", behaviour: "refusing keyed requests with 503 (fail closed)", appliesTo: ["orders.create"] },
      { feature: "idempotency", behaviour: "not enforcing Idempotency-Key (fail open)", appliesTo: ["events.ingest"] },
      { feature: "lock", behaviour: "cannot acquire locks" },
    ]);
  });

  it("gives one unnamed entry when every route agrees, even against the config default", () => {
    const kit = createTestKit({ env: { RATE_LIMIT_FAIL_POLICY: "closed" } });
    const onlyApi = defineRoutes([{ pattern: "/*", name: "all", policy: { rateLimit: rateLimits.use("api") } }]);
    expect(degradedFeatures(kit, "down", onlyApi).filter((d) => d.feature === "ratelimit")).toEqual([
      { feature: "ratelimit", behaviour: "allowing every request (fail open)" },
    ]);
  });
});

describe("checkLiveness", () => {
  it("passes from the process alone with its uptime", () => {
    const report = checkLiveness();
    expect(report.status).toBe("pass");
    expect(report.checks["process:uptime"]![0]!.observedUnit).toBe("s");
  });
});

describe("checkHealth (outages)", () => {
  describe("when Redis is down", () => {
    let redis: SpawnedRedis;
    let server: UpstashLocal;
    const token = randomBytes(8).toString("hex");
    beforeAll(async () => {
      redis = await spawnRedisServer();
      server = await startUpstashLocal({ port: 0, token, redisUrl: redis.url });
      await redis.stop();
    });
    afterAll(async () => {
      await server.close();
    });

    it("fails with 503 within its budget instead of hanging", async () => {
      const kit = createTestKit({ url: server.url, token });
      const started = Date.now();
      const report = await checkHealth(kit, { timeoutMs: 300 });
      expect(Date.now() - started).toBeLessThan(1500);
      expect(report.status).toBe("fail");
      expect(healthHttpStatus(report)).toBe(503);
      expect(report.checks["redis:responseTime"]![0]!.output).toMatch(/degraded/);
      expect(report.degradedFeatures!.map((d) => d.feature)).toEqual(["ratelimit", "cache", "idempotency", "lock"]);
      expect(report.notes![0]).toMatch(/ratelimit allowing every request/);
    });

    it("fails within its budget when the REST endpoint itself does not answer", async () => {
      const { createServer } = await import("node:http");
      const hung = createServer(() => {
        /* never answers: simulates a hung Upstash endpoint */
      });
      await new Promise<void>((r) => hung.listen(0, "127.0.0.1", r));
      const port = (hung.address() as { port: number }).port;
      try {
        const kit = createTestKit({ url: `http://127.0.0.1:${port}`, token });
        const started = Date.now();
        const report = await checkHealth(kit, { timeoutMs: 300 });
        expect(Date.now() - started).toBeLessThan(1000);
        expect(report.status).toBe("fail");
      } finally {
        hung.closeAllConnections();
        hung.close();
      }
    });
  });
});
