/**
 * The cache's two Lua scripts. Both are single round trips that must be atomic or must count:
 * - CACHE_READ: entry + namespace/tag versions + the hit/stale/miss decision + the shared stats
 *   counter, in ONE command. Auto-pipelining cannot do this: @upstash/redis sends reads (GET/MGET) and
 *   writes (HINCRBY) in separate /pipeline requests, so a counted MGET would cost two HTTP requests.
 * - CACHE_WRITE: resolves version tokens and writes entries stamped with them, atomically, so an entry
 *   loaded before an invalidation is never written as valid after it (bentocache's createdAt race,
 *   cache-and-queue.md §A2).
 * Tag version keys named inside a stored envelope are read with GET from within CACHE_READ when the
 * caller did not pass them in KEYS; fine on single-shard Upstash databases, documented in the README.
 */
import { defineScript } from "../redis/run-script";
import { ENTRY_DECISION_LUA } from "./entry-decision-lua";

/** [outcome, envelope JSON or nil, namespace token or nil, caller tag tokens or nil…] */
export type CacheReadReply = [string, unknown, ...unknown[]];

export const CACHE_READ = defineScript<CacheReadReply>({
  name: "cache-read",
  source: `-- cache-read
-- KEYS[1]   cache entry (envelope JSON)
-- KEYS[2]   stats hash
-- KEYS[3]   namespace version key
-- KEYS[4..] tag version keys the caller reads or will write with
-- ARGV[1]   now, epoch ms (the writer's clock stamped the envelope)
-- ARGV[2]   "1": count the outcome in the stats hash ("hit", "stale" or "miss"); "0": do not (polls)
-- returns   { outcome, envelope|nil, namespace token|nil, tag tokens|nil ... }
--           outcome: hit | stale | miss | expired | invalid | corrupt (envelope only for hit/stale)
local now = tonumber(ARGV[1])
local known = {}
local versions = {}
for i = 3, #KEYS do
  local token = redis.call("GET", KEYS[i])
  known[KEYS[i]] = token
  versions[#versions + 1] = token
end
local raw = redis.call("GET", KEYS[1])
${ENTRY_DECISION_LUA}if ARGV[2] == "1" then
  local field = "miss"
  if outcome == "hit" or outcome == "stale" then field = outcome end
  redis.call("HINCRBY", KEYS[2], field, 1)
end
local body = false
if outcome == "hit" or outcome == "stale" then body = raw end
return { outcome, body, unpack(versions) }
`,
  sha1: "c256c722c2dd635f44477e4c3d2e4fe37baec7a0",
});

/** [entries written, namespace token, tag tokens…] */
export type CacheWriteReply = [number, ...unknown[]];

export const CACHE_WRITE = defineScript<CacheWriteReply>({
  name: "cache-write",
  source: `-- cache-write
-- KEYS[1]          namespace version key
-- KEYS[2..v]       tag version keys (v = ARGV[1])
-- KEYS[v+1..]      entry keys (none: only resolve the tokens)
-- ARGV[1]          v, the number of version keys
-- ARGV[2]          version key TTL in seconds (a version key that expires turns its entries into misses)
-- ARGV[2+i]        version key i: "=<token>" write only while the key still holds <token> (captured
--                  before the loader ran); "+<token>" use the current token, creating it as <token> if missing
-- ARGV[2+v+2j-1]   entry j: envelope JSON without its closing brace
-- ARGV[2+v+2j]     entry j: PX in milliseconds
-- returns          { entries written, namespace token, tag tokens ... }; 0 written when a captured token
--                  changed (the value was loaded before an invalidation: writing it would revive old data)
-- Every version key is kept alive at least 1 min longer than the longest entry written with it (an
-- expired version key turns its entries into misses): a key with less time left is extended to
-- max(ARGV[2] s, longest PX + 1 min). Never shortened; a key without expiry is left alone.
local v = tonumber(ARGV[1])
local tokens = {}
for i = 1, v do
  local spec = ARGV[2 + i]
  local mode = string.sub(spec, 1, 1)
  local wanted = string.sub(spec, 2)
  local current = redis.call("GET", KEYS[i])
  if mode == "=" then
    if current ~= wanted then return { 0 } end
  elseif not current then
    redis.call("SET", KEYS[i], wanted, "EX", ARGV[2])
    current = wanted
  end
  tokens[i] = current
end
local tags = {}
for i = 2, v do
  tags[#tags + 1] = cjson.encode(KEYS[i]) .. ":" .. cjson.encode(tokens[i])
end
local tail = ',"n":' .. cjson.encode(tokens[1]) .. ',"g":{' .. table.concat(tags, ",") .. "}}"
local written = 0
local longest = 0
for j = 1, #KEYS - v do
  local px = tonumber(ARGV[2 + v + 2 * j])
  redis.call("SET", KEYS[v + j], ARGV[2 + v + 2 * j - 1] .. tail, "PX", px)
  if px > longest then longest = px end
  written = written + 1
end
if written > 0 then
  local needed = longest + 60000
  local keep = math.max(tonumber(ARGV[2]) * 1000, needed)
  for i = 1, v do
    local left = redis.call("PTTL", KEYS[i])
    if left >= 0 and left < needed then redis.call("PEXPIRE", KEYS[i], keep) end
  end
end
return { written, unpack(tokens) }
`,
  sha1: "5b9d3b868c7cae39e4596896608a10c47e48a098",
});
