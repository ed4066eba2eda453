/**
 * The `cache` field of a route in kit.config.ts: how a cacheable GET route's responses are cached by
 * middleware.ts (Next) and the Hono `cache()` middleware.
 */
import type { Duration } from "../duration";
import type { CacheProfile } from "./ttl";

export interface RouteCachePolicy {
  /** Fresh window. @default the profile's TTL, else 300 s */
  ttl?: Duration;
  profile?: CacheProfile;
  /** Served as `x-cache: STALE` and revalidated in the background for this long after `ttl`. @default 0 */
  staleWhileRevalidate?: Duration;
  /**
   * Request headers the response depends on (e.g. `accept-language`): their values are part of the
   * key, like HTTP `Vary`. Path and the sorted query string always are.
   */
  vary?: readonly string[];
  /**
   * Requests carrying credentials (`Authorization` or `Cookie`):
   * - `per-user` (default): cached, keyed by the credentials, so one user's response never reaches another;
   * - `shared`: one entry for everyone — only when the response does not depend on who asks;
   * - `bypass`: not cached at all.
   */
  authenticated?: "per-user" | "shared" | "bypass";
  /** Tags of a route's entries, from its params: `PUT /items/:id` invalidates `item:{id}`. */
  tags?: (params: Readonly<Record<string, string>>) => readonly string[];
  /** Response headers stored and replayed besides the defaults (content-type, etag, last-modified…). */
  headers?: readonly string[];
  /** Largest response body stored; larger ones pass through uncached. @default 512 KiB */
  maxBodyBytes?: number;
}
