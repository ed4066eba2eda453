/**
 * The `local` fail policy's stand-in: a per-instance, in-memory fixed-window counter used only while
 * Redis is slow or down (or when the kit has no Redis at all). It is NOT shared between instances —
 * N instances admit up to N × `localLimit` — which is why every decision it makes is marked
 * `degraded` (DESIGN.md §2 lib/memory: never pretending to be shared). Bounded: past `maxEntries`
 * the oldest window is dropped, which can only admit more, never block more.
 */
export interface LocalLimitResult {
  success: boolean;
  limit: number;
  remaining: number;
  /** Epoch ms at which the current window ends. */
  reset: number;
}

export interface LocalLimiter {
  limit(key: string, options: { limit: number; windowMs: number; cost: number; now: number }): LocalLimitResult;
  /** Windows currently held (for tests and the bound). */
  readonly size: number;
}

export function createLocalLimiter(maxEntries = 10_000): LocalLimiter {
  const windows = new Map<string, { bucket: number; used: number }>();
  return {
    limit(key, { limit, windowMs, cost, now }) {
      const bucket = Math.floor(now / windowMs);
      let entry = windows.get(key);
      if (!entry || entry.bucket !== bucket) {
        windows.delete(key);
        if (windows.size >= maxEntries) {
          const oldest = windows.keys().next();
          if (!oldest.done) windows.delete(oldest.value);
        }
        entry = { bucket, used: 0 };
        windows.set(key, entry);
      }
      // Denied requests are not counted: unlike Redis's fixed window there is no one else to share with.
      const success = entry.used + cost <= limit;
      if (success) entry.used += cost;
      return { success, limit, remaining: Math.max(0, limit - entry.used), reset: (bucket + 1) * windowMs };
    },
    get size() {
      return windows.size;
    },
  };
}
