import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { checkHealth, checkLiveness, degradedFeatures, healthHttpStatus } from "../../../lib/observability";
import { spawnRedisServer, type SpawnedRedis } from "../../../tools/upstash-local/redis-server";
import { startUpstashLocal, type UpstashLocal } from "../../../tools/upstash-local/server";
import { createTestKit } from "../../setup/kit";

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
