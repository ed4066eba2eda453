/**
 * Scripts of the queue's operations side (gauges, dead-letter requeue); registered through
 * `QUEUE_SCRIPTS` in scripts.ts, whose pinned hashes the scripts test checks.
 */
import { defineScript } from "../redis/run-script";

/**
 * Move dead letters back to the stream at attempt 1, each only if still in the DLQ (two operators
 * requeueing at once cannot double a job). Trimmed like enqueue: XTRIM's count of waiting jobs
 * dropped is returned, so the caller can report it.
 */
export const REQUEUE_DEAD = defineScript<[moved: number, trimmed: number]>({
  name: "queue-requeue-dead",
  source: `-- queue-requeue-dead
-- KEYS[1] dead-letter stream  KEYS[2] stream  KEYS[2+i] record of entry i
-- ARGV[1] stream max length  ARGV[2] record TTL s  ARGV[3] entries JSON [{id, record}]
-- returns {jobs moved, waiting jobs trimmed}
local entries = cjson.decode(ARGV[3])
local moved = 0
for i, e in ipairs(entries) do
  local found = redis.call("XRANGE", KEYS[1], e.id, e.id)
  if found[1] then
    local values, job = found[1][2], nil
    for j = 1, #values, 2 do
      if values[j] == "job" then job = values[j + 1] end
    end
    if job then
      redis.call("XADD", KEYS[2], "*", "job", job, "attempt", "1")
      if #e.record > 0 then
        redis.call("HSET", KEYS[2 + i], unpack(e.record))
        redis.call("EXPIRE", KEYS[2 + i], ARGV[2])
      end
      moved = moved + 1
    end
    redis.call("XDEL", KEYS[1], e.id)
  end
end
local trimmed = 0
if moved > 0 then trimmed = redis.call("XTRIM", KEYS[2], "MAXLEN", "~", ARGV[1]) end
return {moved, trimmed}
`,
  sha1: "c67153eecc311166079a5a78361215bc7e4517f6",
});

/** [stream length, pending, lag (-1 = unknown), consumers, delayed, dead letters, oldest pending idle ms (-1 = none)] */
export type StatsReply = [number, number, number, number, number, number, number];

/**
 * Queue gauges in one round trip. XINFO GROUPS fails on a stream that does not exist yet (pcall →
 * zeros); `lag` is nil when Redis cannot compute it (trimmed or deleted entries ahead of the group).
 */
export const STATS = defineScript<StatsReply>({
  name: "queue-stats",
  source: `-- queue-stats
-- KEYS[1] stream  KEYS[2] delayed zset  KEYS[3] dead-letter stream
-- ARGV[1] group
-- returns {length, pending, lag or -1, consumers, delayed, dead, oldest pending idle ms or -1}
local length = redis.call("XLEN", KEYS[1])
-- Without the group (no consumer ran yet) every entry is undelivered: lag = length.
local pending, lag, consumers, oldest = 0, length, 0, -1
local groups = redis.pcall("XINFO", "GROUPS", KEYS[1])
if type(groups) == "table" and not groups.err then
  for _, g in ipairs(groups) do
    local info = {}
    for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
    if info["name"] == ARGV[1] then
      pending, consumers = info["pending"], info["consumers"]
      lag = info["lag"] or -1
    end
  end
  if pending > 0 then
    local first = redis.call("XPENDING", KEYS[1], ARGV[1], "-", "+", 1)
    if first[1] then oldest = first[1][3] end
  end
end
return {length, pending, lag, consumers, redis.call("ZCARD", KEYS[2]), redis.call("XLEN", KEYS[3]), oldest}
`,
  sha1: "483d8beb147af2bb90684333843ba4a93a868f90",
});
