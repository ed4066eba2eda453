/**
 * lib/flags — feature flags and system state (`flag:*`): get/set/delete/list, and `resolveFlag()`
 * for the flags the kit reads itself, e.g. USE_REDIS_QUEUE overridden at run time:
 *
 * ```ts
 * const { value: useQueue, source } = await resolveFlag(kit, "USE_REDIS_QUEUE", kit.config.useRedisQueue);
 * await createFlags(kit).set("USE_REDIS_QUEUE", false); // every instance falls back to inline jobs
 * ```
 */
export { createFlags } from "./flags";
export type { Flags, FlagValue } from "./flags";
export { resolveFlag, KNOWN_FLAGS } from "./resolve-flag";
export type { KnownFlag, KnownFlagValue, ResolvedFlag } from "./resolve-flag";
