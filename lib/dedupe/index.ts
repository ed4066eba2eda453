/**
 * lib/dedupe — "seen before?" with a window per id (90 days by default, as for permit ids).
 *
 * One marker key per id (`SET kit:dedupe:{scope}:{id} <call token> NX PX ttl GET`) inside one atomic
 * script per batch: every id gets its own exact expiry, writes spread over many keys (no hot key, no 100 MB
 * record limit), ~113-145 B per id (idempotency-locks-dedupe.md §6). Not one set with one TTL:
 * that forgets everything at once, or never expires under traffic.
 *
 * ```ts
 * const permits = createDedupe(kit, { scope: "permits" });
 * const { fresh, duplicates, token } = await permits.mark(["p-1", "p-2", "p-1"]); // fresh [p-1, p-2], duplicates [p-1]
 * await process(fresh).catch(async (err) => { await permits.forget(fresh, { token }); throw err; });
 * ```
 * The call token makes a retried call (a lost reply) recognise its own marks, and lets a failed call
 * give back exactly what it marked (dedupe.ts).
 * Counters (`readCounts(kit, "dedupe")`): fresh, duplicates, degraded.
 */
export { createDedupe, MAX_DEDUPE_BATCH } from "./dedupe";
export type { Dedupe, DedupeOptions, DedupeResult } from "./dedupe";
export { DEDUPE_MARK, DEDUPE_UNMARK } from "./scripts";
