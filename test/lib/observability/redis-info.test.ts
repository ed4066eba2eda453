import { describe, expect, it } from "vitest";
import { hitRatePercent, parseRedisInfo, summarizeRedisInfo } from "@/lib/observability";
import { testRedis } from "../../setup/redis";

const SAMPLE = [
  "# Server",
  "redis_version:7.0.15",
  "uptime_in_seconds:42",
  "",
  "# Clients",
  "connected_clients:3",
  "# Memory",
  "used_memory:2097152",
  "used_memory_human:2.00M",
  "used_memory_rss:4194304",
  "maxmemory:0",
  "# Stats",
  "total_commands_processed:1234",
  "instantaneous_ops_per_sec:17",
  "keyspace_hits:30",
  "keyspace_misses:10",
  "evicted_keys:0",
  "# Keyspace",
  "db0:keys=12,expires=4,avg_ttl=5000",
  "db3:keys=1,expires=0,avg_ttl=0",
].join("\r\n");

describe("parseRedisInfo / summarizeRedisInfo", () => {
  it("splits sections and extracts the reported figures", () => {
    const sections = parseRedisInfo(SAMPLE);
    expect(sections["memory"]!["used_memory_human"]).toBe("2.00M");
    const s = summarizeRedisInfo(sections);
    expect(s).toMatchObject({
      redisVersion: "7.0.15",
      uptimeSeconds: 42,
      connectedClients: 3,
      usedMemoryBytes: 2097152,
      usedMemoryHuman: "2.00M",
      maxMemoryBytes: 0,
      totalCommandsProcessed: 1234,
      instantaneousOpsPerSec: 17,
      keyspaceHits: 30,
      keyspaceMisses: 10,
      keyspaceHitRatePercent: 75,
      evictedKeys: 0,
    });
    // No mem_fragmentation_ratio line: derived from rss / used.
    expect(s.memFragmentationRatio).toBe(2);
    expect(s.keyspace).toEqual({
      db0: { keys: 12, expires: 4, avgTtlMs: 5000 },
      db3: { keys: 1, expires: 0, avgTtlMs: 0 },
    });
  });

  it("reports fields the server does not send as null, not 0 (Upstash answers a subset)", () => {
    const s = summarizeRedisInfo(parseRedisInfo("# Memory\nused_memory_human:1K\ngarbage line\n:novalue\n"));
    expect(s.usedMemoryHuman).toBe("1K");
    expect(s.connectedClients).toBeNull();
    expect(s.instantaneousOpsPerSec).toBeNull();
    expect(s.keyspaceHitRatePercent).toBeNull();
    expect(s.keyspace).toEqual({});
  });

  it("parses a real INFO reply fetched through the REST client", async () => {
    const text = await testRedis().exec<string>(["INFO"]);
    const s = summarizeRedisInfo(parseRedisInfo(String(text)));
    expect(s.redisVersion).toMatch(/^\d+\.\d+/);
    expect(s.connectedClients).toBeGreaterThan(0);
    expect(s.totalCommandsProcessed).toBeGreaterThan(0);
    expect(s.usedMemoryHuman).toMatch(/\d/);
    expect(s.memFragmentationRatio).toBeGreaterThan(0);
  });

  it("hitRatePercent is null before the first lookup and rounds to one decimal", () => {
    expect(hitRatePercent(0, 0)).toBeNull();
    expect(hitRatePercent(2, 1)).toBe(66.7);
    expect(hitRatePercent(5, 0)).toBe(100);
  });
});
