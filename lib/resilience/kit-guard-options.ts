/**
 * The guard options every kit feature shares for one operation: the kit's per-command budget, its one
 * breaker (so every feature trips and respects the same circuit) and its clock.
 */
import type { Kit } from "../kit";
import type { GuardCommonOptions } from "./guard";
import type { EmitResilienceEvent } from "./events";

export function kitGuardOptions(
  kit: Pick<Kit, "config" | "breaker" | "clock">,
  name: string,
  emit?: EmitResilienceEvent,
): GuardCommonOptions {
  return {
    name,
    timeoutMs: kit.config.redisCommandTimeoutMs,
    breaker: kit.breaker ?? false,
    clock: kit.clock,
    ...(emit ? { emit } : {}),
  };
}
