/**
 * The atomic steps of an idempotency record (reference §7 "Decision flow", §10 idea 2).
 *
 * One record = one string key under `keys.idempotency(scope, key)` holding JSON:
 *   {"state":"in-flight","fp":…,"token":…,"until":…}            while the first request runs
 *   {"state":"completed","fp":…,"token":…,"response":{…}}        once its response is stored
 * where `fp` is the request fingerprint bound at claim time (never recomputed: Powertools #5715),
 * `token` the claimer's random token (only it may complete or release: Powertools #5675), `until`
 * the lease end (epoch ms, only a Retry-After hint), `response` the stored response envelope.
 * The key's own expiry carries both lifetimes: PX = the in-flight lease while in flight (a crashed
 * request frees the key when it lapses), PX = the retention once completed.
 *
 * The claim is NOT a script (issue 10): `SET key record NX PX lease GET` (Redis ≥ 7.0) claims the key
 * and, when it is taken, returns the existing record in the same command — one command instead of a
 * four-command script, decided on the primary, and write-class, so it rides the rate limiter's
 * request. Completing, releasing and renewing check the token, so they stay scripts.
 *
 * `allow-key-locking`: every key is in KEYS, so Upstash locks only this key instead of the whole
 * database (reference §5 failure mode 6); upstash-local strips the Upstash-only flag.
 *
 * Scripts import `defineScript` from run-script (not the lib/redis index): see script-registry.ts.
 */
import { defineScript } from "../redis/run-script";

/**
 * Stores the response and switches the record to its retention, only for the claimer and only
 * while in flight. 0 means the lease ran out and the key was released or re-claimed meanwhile: the
 * response must not overwrite the newer attempt's record.
 */
export const IDEMPOTENCY_COMPLETE = defineScript<0 | 1>({
  name: "idempotency-complete",
  source: `#!lua flags=allow-key-locking
-- idempotency-complete
-- KEYS[1]  idempotency record (JSON string, see the module comment)
-- ARGV[1]  claim token
-- ARGV[2]  response envelope (JSON)
-- ARGV[3]  retention, ms
-- returns  1 stored (or already stored by this token), 0 not the claimer any more
local raw = redis.call("GET", KEYS[1])
if not raw then
  return 0
end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= "table" or record.token ~= ARGV[1] then
  return 0
end
if record.state == "in-flight" then
  local completed = '{"state":"completed","fp":' .. cjson.encode(record.fp) .. ',"token":' .. cjson.encode(record.token) .. ',"response":' .. ARGV[2] .. '}'
  redis.call("SET", KEYS[1], completed, "PX", ARGV[3])
end
return 1
`,
  sha1: "6c1fcac981b6e34fe6a8e51ae4897e436dafcf4e",
});

/**
 * Deletes the record so the next attempt runs the handler again (handler threw, or a 5xx under the
 * "release" policy). Only the claimer, only while in flight: a completed record is never dropped.
 */
export const IDEMPOTENCY_RELEASE = defineScript<0 | 1>({
  name: "idempotency-release",
  source: `#!lua flags=allow-key-locking
-- idempotency-release
-- KEYS[1]  idempotency record (JSON string, see the module comment)
-- ARGV[1]  claim token
-- returns  1 released, 0 not the claimer any more (or already completed)
local raw = redis.call("GET", KEYS[1])
-- A completed record is never released: checked on the text, so its response is never decoded here.
if not raw or string.sub(raw, 1, 21) ~= '{"state":"in-flight",' then
  return 0
end
local ok, record = pcall(cjson.decode, raw)
if ok and type(record) == "table" and record.token == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
`,
  sha1: "59fce303bb48485b51f0e86eb6aa5e430c993e45",
});

/**
 * The heartbeat of a running request (heartbeat.ts): pushes the in-flight lease ARGV[2] ms ahead,
 * only for the claimer and only while in flight — the same owner check as lib/lock's extend. A
 * lease fixed at claim time lapses under a handler slower than it, and the next retry runs the
 * handler a second time (draft -07 §2.7 wants a 409 while the original is outstanding). 0: the
 * claim is gone (lease lapsed and re-claimed, released, or already completed: a completed record's
 * retention is never shortened). `until` in the JSON is not rewritten: it is only a Retry-After hint.
 */
export const IDEMPOTENCY_RENEW = defineScript<0 | 1>({
  name: "idempotency-renew",
  source: `#!lua flags=allow-key-locking
-- idempotency-renew
-- KEYS[1]  idempotency record (JSON string, see the module comment)
-- ARGV[1]  claim token
-- ARGV[2]  new remaining lease, ms from now
-- returns  1 renewed, 0 not the claimer's in-flight record any more
local raw = redis.call("GET", KEYS[1])
if not raw or string.sub(raw, 1, 21) ~= '{"state":"in-flight",' then
  return 0
end
local ok, record = pcall(cjson.decode, raw)
if ok and type(record) == "table" and record.token == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0
`,
  sha1: "8af4d8758ccf3c4fabf6ce417d3ea020b18b2c5c",
});

/** Every idempotency script, for lib/redis/script-registry.ts. */
export const IDEMPOTENCY_SCRIPTS = [IDEMPOTENCY_COMPLETE, IDEMPOTENCY_RELEASE, IDEMPOTENCY_RENEW] as const;
