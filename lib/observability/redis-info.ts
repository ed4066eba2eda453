/**
 * Parsing of the Redis INFO reply (https://redis.io/docs/latest/commands/info/): `# Section` headers,
 * `field:value` lines, CRLF or LF. Upstash answers a subset of the fields, so every figure the kit
 * extracts is optional (`null` when the server does not report it) rather than a guessed zero.
 */

/** `{ memory: { used_memory: "1024", … }, keyspace: { db0: "keys=1,expires=0,avg_ttl=0" } }` (lower-case sections). */
export type RedisInfoSections = Record<string, Record<string, string>>;

/** Key counts of one logical database, from a `db0:keys=…,expires=…,avg_ttl=…` line. */
export interface KeyspaceEntry {
  keys: number;
  expires: number;
  avgTtlMs: number | null;
}

/** The figures the health and metrics endpoints report. */
export interface RedisInfoSummary {
  redisVersion: string | null;
  uptimeSeconds: number | null;
  connectedClients: number | null;
  usedMemoryBytes: number | null;
  usedMemoryHuman: string | null;
  maxMemoryBytes: number | null;
  /** used_memory_rss / used_memory; above ~1.5 the allocator holds much more than the data needs. */
  memFragmentationRatio: number | null;
  totalCommandsProcessed: number | null;
  instantaneousOpsPerSec: number | null;
  keyspaceHits: number | null;
  keyspaceMisses: number | null;
  /** Server-wide hit rate of key lookups (keyspace_hits / (hits + misses)), in percent. */
  keyspaceHitRatePercent: number | null;
  evictedKeys: number | null;
  expiredKeys: number | null;
  keyspace: Record<string, KeyspaceEntry>;
}

/** Splits an INFO reply into sections; unknown or malformed lines are skipped, never thrown on. */
export function parseRedisInfo(text: string): RedisInfoSections {
  const sections: RedisInfoSections = {};
  let current: Record<string, string> = (sections["default"] = {});
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      const name = line.slice(1).trim().toLowerCase();
      current = sections[name] ??= {};
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    current[line.slice(0, colon)] = line.slice(colon + 1);
  }
  if (Object.keys(sections["default"]!).length === 0) delete sections["default"];
  return sections;
}

/** Extracts the reported figures from a parsed INFO reply (fields may live in any section). */
export function summarizeRedisInfo(sections: RedisInfoSections): RedisInfoSummary {
  const flat: Record<string, string> = {};
  for (const [name, fields] of Object.entries(sections)) if (name !== "keyspace") Object.assign(flat, fields);
  const num = (field: string): number | null => {
    const value = flat[field];
    if (value === undefined || value.trim() === "") return null;
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  };
  const hits = num("keyspace_hits");
  const misses = num("keyspace_misses");
  const used = num("used_memory");
  const rss = num("used_memory_rss");
  return {
    redisVersion: flat["redis_version"] ?? null,
    uptimeSeconds: num("uptime_in_seconds"),
    connectedClients: num("connected_clients"),
    usedMemoryBytes: used,
    usedMemoryHuman: flat["used_memory_human"] ?? null,
    maxMemoryBytes: num("maxmemory"),
    memFragmentationRatio: num("mem_fragmentation_ratio") ?? (used && rss ? round2(rss / used) : null),
    totalCommandsProcessed: num("total_commands_processed"),
    instantaneousOpsPerSec: num("instantaneous_ops_per_sec"),
    keyspaceHits: hits,
    keyspaceMisses: misses,
    keyspaceHitRatePercent: hits !== null && misses !== null ? hitRatePercent(hits, misses) : null,
    evictedKeys: num("evicted_keys"),
    expiredKeys: num("expired_keys"),
    keyspace: parseKeyspace(sections["keyspace"] ?? {}),
  };
}

/** `hits / (hits + misses)` in percent with one decimal; `null` before the first lookup (not 0 %, not 100 %). */
export function hitRatePercent(hits: number, misses: number): number | null {
  const total = hits + misses;
  return total > 0 ? Math.round((hits / total) * 1000) / 10 : null;
}

function parseKeyspace(fields: Record<string, string>): Record<string, KeyspaceEntry> {
  const out: Record<string, KeyspaceEntry> = {};
  for (const [db, value] of Object.entries(fields)) {
    const parts = Object.fromEntries(value.split(",").map((kv) => kv.split("=") as [string, string]));
    const keys = Number(parts["keys"]);
    if (!Number.isFinite(keys)) continue;
    const avgTtl = Number(parts["avg_ttl"]);
    out[db] = { keys, expires: Number(parts["expires"]) || 0, avgTtlMs: Number.isFinite(avgTtl) ? avgTtl : null };
  }
  return out;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
