/**
 * Which path `enqueue` takes: the Redis stream (`USE_REDIS_QUEUE=true`) or inline after the
 * response (the default). The run-time flag `USE_REDIS_QUEUE` (lib/flags) overrides the env
 * setting, so the queue can be switched on or off without a deploy.
 */
import type { Kit } from "../kit";
import { resolveFlag } from "../flags";
import type { JobMode } from "./job-record";

export const QUEUE_FLAG = "USE_REDIS_QUEUE";

/** A flag read is cached per isolate this long: one more GET per enqueue would double its cost. */
const FLAG_CACHE_MS = 5000;

const cache = new WeakMap<Kit, { mode: JobMode; until: number }>();

/**
 * The mode for the next enqueue: the flag when set, else `config.useRedisQueue`. Without Redis the
 * answer is always `inline`. A failed flag read falls back to the config value, reported through
 * `degraded` (and not cached, so the next enqueue asks again).
 */
export async function resolveQueueMode(kit: Kit): Promise<{ mode: JobMode; degraded?: string }> {
  if (!kit.redis) return { mode: "inline" };
  const now = kit.clock.now();
  const cached = cache.get(kit);
  if (cached && cached.until > now) return { mode: cached.mode };
  const flag = await resolveFlag(kit, QUEUE_FLAG, kit.config.useRedisQueue);
  const mode: JobMode = flag.value ? "stream" : "inline";
  if (flag.degraded) return { mode, degraded: flag.degraded };
  cache.set(kit, { mode, until: now + FLAG_CACHE_MS });
  return { mode };
}

/** Tests only: forget cached flag reads. */
export function clearQueueModeCache(kit: Kit): void {
  cache.delete(kit);
}
