/**
 * lib/counter — dashboard counters: `increment("permits.accepted", n)`, `read()`, and per-minute
 * buckets with a TTL (`readMinutes(name, 60)` for a last-hour chart). Shared by every instance.
 */
export { createCounters } from "./counters";
export type { Counters, IncrementResult, MinuteCount } from "./counters";
