/**
 * The queue's Lua scripts. Each state change that spans keys (dedupe marker + record + stream,
 * ack + delete + record, retry = ack + delayed, dead letter = ack + DLQ) is one script, so a crash
 * between two commands cannot lose or duplicate a job, and a batch costs one round trip. Every key
 * a script touches is declared in KEYS (Upstash locks per declared key, not globally).
 * Pinned hashes are checked by test/lib/redis/scripts.test.ts via the script registry.
 */
import { defineScript } from "../redis/run-script";
import { REQUEUE_DEAD, STATS } from "./operation-scripts";

/**
 * Enqueue: dedupe check, status record, then XADD (or ZADD when delayed), atomically.
 * Trimming: acked entries are deleted at once (see SETTLE), so the stream holds only unfinished
 * work and `MAXLEN ~` bites only past `maxLength` waiting jobs. XTRIM after the XADD (rather than
 * XADD MAXLEN, which does not say) returns how many were dropped, counted as `trimmed` here and
 * reported by the caller. Every path that adds to the stream (FETCH's promotion, REQUEUE_DEAD)
 * trims the same way.
 */
export const ENQUEUE = defineScript<[status: "enqueued" | "duplicate", jobId: string, trimmed: number]>({
  name: "queue-enqueue",
  source: `-- queue-enqueue
-- KEYS[1] stream  KEYS[2] delayed zset  KEYS[3] job record  KEYS[4] all-time counters hash
-- KEYS[5] this minute's counters hash  KEYS[6] dedupe marker (optional)
-- ARGV[1] "stream" | "record" (inline mode: record and dedupe only)  ARGV[2] envelope JSON
-- ARGV[3] run-at ms (0 = now)  ARGV[4] stream max length  ARGV[5] record TTL s
-- ARGV[6] dedupe window ms  ARGV[7] job id  ARGV[8] minute-counter TTL s  ARGV[9..] record field/value pairs
-- returns {"enqueued", id, waiting jobs trimmed} or {"duplicate", existing id, 0}
if KEYS[6] then
  local existing = redis.call("GET", KEYS[6])
  if existing then
    redis.call("HINCRBY", KEYS[4], "duplicates", 1)
    return {"duplicate", existing, 0}
  end
  redis.call("SET", KEYS[6], ARGV[7], "PX", ARGV[6])
end
redis.call("HSET", KEYS[3], unpack(ARGV, 9))
redis.call("EXPIRE", KEYS[3], ARGV[5])
redis.call("HINCRBY", KEYS[4], "enqueued", 1)
redis.call("HINCRBY", KEYS[5], "enqueued", 1)
redis.call("EXPIRE", KEYS[5], ARGV[8])
local trimmed = 0
if ARGV[1] == "stream" then
  if tonumber(ARGV[3]) > 0 then
    redis.call("ZADD", KEYS[2], ARGV[3], "1:" .. ARGV[2])
  else
    redis.call("XADD", KEYS[1], "*", "job", ARGV[2], "attempt", "1")
    trimmed = redis.call("XTRIM", KEYS[1], "MAXLEN", "~", ARGV[4])
    if trimmed > 0 then
      redis.call("HINCRBY", KEYS[4], "trimmed", trimmed)
      redis.call("HINCRBY", KEYS[5], "trimmed", trimmed)
    end
  end
end
return {"enqueued", ARGV[7], trimmed}
`,
  sha1: "41de741c23cc876916390d90ff3a62b62e24b690",
});

/**
 * One delivered entry: stream id, envelope (parsed by the client), attempt in the entry, PEL
 * delivery count, budget cut-offs in a row (see settle-outcome.ts).
 */
export type FetchedEntry = [streamId: string, job: unknown, attempt: number, deliveries: number, cutoffs: number];

/**
 * Fetch one batch: promote due delayed jobs, reclaim entries idle past `minIdle` (crashed or
 * timed-out consumers) with XAUTOCLAIM + their delivery counts, then read new entries with
 * XREADGROUP (no BLOCK: Upstash REST has none). Creates the group at `0` on first use, so jobs
 * enqueued before any consumer ran are not skipped (the `$` pitfall).
 * `trimmed`: waiting jobs dropped by the XTRIM after promotion (a full stream). `lost`: entries a
 * crashed consumer left pending that were trimmed meanwhile (XAUTOCLAIM's deleted ids); they were
 * counted as trimmed when it happened, this only says some of them never finished.
 */
export const FETCH = defineScript<[entries: FetchedEntry[], trimmed: number, nextDueAt: number | string, lost: number]>({
  name: "queue-fetch",
  source: `-- queue-fetch
-- KEYS[1] stream  KEYS[2] delayed zset
-- ARGV[1] group  ARGV[2] consumer  ARGV[3] batch size  ARGV[4] reclaim min-idle ms  ARGV[5] now ms
-- ARGV[6] stream max length  ARGV[7] max XAUTOCLAIM rounds  ARGV[8] max delayed jobs promoted
-- returns {{{id, job, attempt, deliveries, cutoffs}...}, waiting jobs trimmed, next delayed run-at or "",
--          reclaimed ids already trimmed}
local count = tonumber(ARGV[3])
local due = redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", ARGV[5], "LIMIT", 0, tonumber(ARGV[8]))
for _, member in ipairs(due) do
  local sep = string.find(member, ":", 1, true)
  redis.call("XADD", KEYS[1], "*", "job", string.sub(member, sep + 1), "attempt", string.sub(member, 1, sep - 1))
  redis.call("ZREM", KEYS[2], member)
end
local trimmed = 0
if #due > 0 then trimmed = redis.call("XTRIM", KEYS[1], "MAXLEN", "~", ARGV[6]) end

local function field(values, name)
  if not values then return false end
  for i = 1, #values, 2 do
    if values[i] == name then return values[i + 1] end
  end
  return false
end

local out, lost = {}, 0
local reply = redis.pcall("XAUTOCLAIM", KEYS[1], ARGV[1], ARGV[2], ARGV[4], "0-0", "COUNT", count)
if type(reply) == "table" and reply.err then
  if not string.find(reply.err, "NOGROUP", 1, true) then return redis.error_reply(reply.err) end
  redis.pcall("XGROUP", "CREATE", KEYS[1], ARGV[1], "0", "MKSTREAM")
  reply = nil
end
local rounds = tonumber(ARGV[7])
while reply do
  for _, entry in ipairs(reply[2]) do
    local pending = redis.call("XPENDING", KEYS[1], ARGV[1], entry[1], entry[1], 1)
    local deliveries = pending[1] and pending[1][4] or 1
    table.insert(out, {entry[1], field(entry[2], "job") or "", field(entry[2], "attempt") or "1", deliveries, field(entry[2], "cutoffs") or "0"})
  end
  if reply[3] then lost = lost + #reply[3] end
  rounds = rounds - 1
  if reply[1] == "0-0" or #out >= count or rounds <= 0 then break end
  reply = redis.call("XAUTOCLAIM", KEYS[1], ARGV[1], ARGV[2], ARGV[4], reply[1], "COUNT", count - #out)
end

if #out < count then
  local read = redis.call("XREADGROUP", "GROUP", ARGV[1], ARGV[2], "COUNT", count - #out, "STREAMS", KEYS[1], ">")
  if read then
    for _, entry in ipairs(read[1][2]) do
      table.insert(out, {entry[1], field(entry[2], "job") or "", field(entry[2], "attempt") or "1", 1, field(entry[2], "cutoffs") or "0"})
    end
  end
end

local head = redis.call("ZRANGE", KEYS[2], 0, 0, "WITHSCORES")
return {out, trimmed, head[2] or "", lost}
`,
  sha1: "8408fec0104a455b6b62515f8585de9171f7d770",
});

/** What happens to one delivered entry; all string values (cjson would mangle big numbers). */
export type SettleOutcome =
  | { kind: "ack"; id: string; record: string[] }
  | { kind: "release"; id: string; record: string[]; job: string; attempt: string; cutoffs: string }
  | { kind: "retry"; id: string; record: string[]; runAt: string; member: string }
  | { kind: "dead"; id: string; record: string[]; job: string; attempt: string; error: string; failedAt: string };

/**
 * Settle a batch in one call. `ack`: XACK + XDEL (the pre-8.2 XACKDEL) and the record update.
 * `release` (cut off by the consume budget): a new stream entry at the same attempt, so the run
 * is not charged — leaving the entry pending would be, as every redelivery counts. It is added
 * without trimming: one entry replaces the one deleted. `retry` / `dead` / `release` first check
 * that this consumer still owns the entry: if it was reclaimed by another consumer meanwhile,
 * that one decides, so a job is never scheduled twice.
 */
export const SETTLE = defineScript<Array<"ok" | "skipped">>({
  name: "queue-settle",
  source: `-- queue-settle
-- KEYS[1] stream  KEYS[2] delayed zset  KEYS[3] dead-letter stream  KEYS[3+i] record of outcome i
-- ARGV[1] group  ARGV[2] consumer  ARGV[3] record TTL s  ARGV[4] DLQ max length  ARGV[5] outcomes JSON
-- returns one "ok" | "skipped" per outcome
local outcomes = cjson.decode(ARGV[5])
local results = {}
for i, o in ipairs(outcomes) do
  local owned = true
  if o.kind ~= "ack" then
    local p = redis.call("XPENDING", KEYS[1], ARGV[1], o.id, o.id, 1)
    owned = p[1] ~= nil and p[1][2] == ARGV[2]
  end
  if owned then
    if o.kind == "retry" then
      redis.call("ZADD", KEYS[2], o.runAt, o.member)
    elseif o.kind == "release" then
      redis.call("XADD", KEYS[1], "*", "job", o.job, "attempt", o.attempt, "cutoffs", o.cutoffs)
    elseif o.kind == "dead" then
      redis.call("XADD", KEYS[3], "MAXLEN", "~", ARGV[4], "*", "job", o.job, "attempt", o.attempt, "error", o.error, "failedAt", o.failedAt, "sourceId", o.id)
    end
    redis.call("XACK", KEYS[1], ARGV[1], o.id)
    redis.call("XDEL", KEYS[1], o.id)
    if #o.record > 0 then
      redis.call("HSET", KEYS[3 + i], unpack(o.record))
      redis.call("EXPIRE", KEYS[3 + i], ARGV[3])
    end
    results[i] = "ok"
  else
    results[i] = "skipped"
  end
end
return results
`,
  sha1: "1324bc1eb61af27c536d580ca0586f699fda5437",
});

/**
 * Consumer clean-up: delete this invocation's consumer, and any consumer idle past the threshold,
 * but only with nothing pending — deleting a consumer with pending entries strands them.
 */
export const PRUNE_CONSUMERS = defineScript<number>({
  name: "queue-prune-consumers",
  source: `-- queue-prune-consumers
-- KEYS[1] stream
-- ARGV[1] group  ARGV[2] this invocation's consumer  ARGV[3] idle threshold ms
-- returns the number of consumers deleted
local reply = redis.pcall("XINFO", "CONSUMERS", KEYS[1], ARGV[1])
if type(reply) ~= "table" or reply.err then return 0 end
local deleted = 0
for _, c in ipairs(reply) do
  local info = {}
  for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
  if info["pending"] == 0 and (info["name"] == ARGV[2] or info["idle"] > tonumber(ARGV[3])) then
    redis.call("XGROUP", "DELCONSUMER", KEYS[1], ARGV[1], info["name"])
    deleted = deleted + 1
  end
end
return deleted
`,
  sha1: "6c9efc50ea83fc2cc90dc3017da076a2cc352538",
});

export const QUEUE_SCRIPTS = [ENQUEUE, FETCH, SETTLE, PRUNE_CONSUMERS, REQUEUE_DEAD, STATS] as const;
