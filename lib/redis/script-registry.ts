/**
 * Every Lua script the kit sends, in one list, so one test can check each pinned SHA-1 against
 * the source text and the server's `SCRIPT LOAD` (a stale pin would make every EVALSHA miss and
 * silently double the round trips). Features append their scripts here.
 *
 * Deliberately not re-exported from `lib/redis/index.ts`: features import `lib/redis` for
 * `runScript`, and this file imports the features' script modules, so re-exporting it would
 * create an import cycle. Feature script modules must import `defineScript` from
 * `lib/redis/run-script` (not from the index) for the same reason.
 */
import type { RedisScript } from "./run-script";
import { COMPARE_AND_DELETE } from "./scripts";
import { IDEMPOTENCY_SCRIPTS } from "../idempotency/scripts";
import { LOCK_ACQUIRE, LOCK_EXTEND, LOCK_RELEASE } from "../lock/scripts";
import { DEDUPE_SCRIPTS } from "../dedupe/scripts";
import { RATE_LIMIT_SCRIPTS } from "../ratelimit/scripts";
import { QUEUE_SCRIPTS } from "../queue/scripts";
import { CACHE_READ, CACHE_WRITE } from "../cache/scripts";
import { CACHE_LOOKUP } from "../cache/lookup-script";
import { CACHE_LEASE_PASS } from "../cache/lease-pass-script";

export const scriptRegistry: readonly RedisScript[] = [COMPARE_AND_DELETE, ...IDEMPOTENCY_SCRIPTS, ...RATE_LIMIT_SCRIPTS, LOCK_ACQUIRE, LOCK_RELEASE, LOCK_EXTEND, ...DEDUPE_SCRIPTS, ...QUEUE_SCRIPTS, CACHE_READ, CACHE_WRITE, CACHE_LOOKUP, CACHE_LEASE_PASS];
