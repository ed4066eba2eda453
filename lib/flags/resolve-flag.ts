/**
 * `resolveFlag(kit, "USE_REDIS_QUEUE", config.useRedisQueue)`: a known flag's run-time value, with
 * the config value as the default. The read is fail-soft by design: a request path asking "is the
 * queue on?" must not fail because Redis is down; it falls back to the config default and says so.
 */
import { z } from "zod";
import type { Kit } from "../kit";
import { guard, kitGuardOptions, type DegradedReason } from "../resilience";

/** Flags the kit itself reads, with the type each must have. Add a line to add one. */
export const KNOWN_FLAGS = {
  /** Overrides USE_REDIS_QUEUE at run time: true = background jobs go through the Redis Streams queue. */
  USE_REDIS_QUEUE: z.boolean(),
} as const;

export type KnownFlag = keyof typeof KNOWN_FLAGS;
export type KnownFlagValue<F extends KnownFlag> = z.output<(typeof KNOWN_FLAGS)[F]>;

export interface ResolvedFlag<T> {
  value: T;
  /**
   * `flag`: set in Redis; `default`: not set (or memory mode); `invalid`: set with the wrong type
   * (ignored, logged); `degraded`: Redis unreachable, the default was used.
   */
  source: "flag" | "default" | "invalid" | "degraded";
  degraded?: DegradedReason;
}

export async function resolveFlag<F extends KnownFlag>(kit: Kit, name: F, fallback: KnownFlagValue<F>): Promise<ResolvedFlag<KnownFlagValue<F>>> {
  const redis = kit.redis;
  if (!redis) return { value: fallback, source: "default" };
  const { value: stored, degraded } = await guard(() => redis.hget<{ v: unknown }>(kit.keys.flags(), name), {
    ...kitGuardOptions(kit, "flags.resolve"),
    failPolicy: "open",
    fallback: () => null,
  });
  if (degraded) return { value: fallback, source: "degraded", degraded };
  if (stored === null || stored === undefined) return { value: fallback, source: "default" };
  const parsed = KNOWN_FLAGS[name].safeParse(stored.v);
  if (!parsed.success) {
    console.warn(`[edge-kit] flag ${name} holds ${JSON.stringify(stored.v)}, not the expected type; using the default ${JSON.stringify(fallback)}`);
    return { value: fallback, source: "invalid" };
  }
  return { value: parsed.data as KnownFlagValue<F>, source: "flag" };
}
