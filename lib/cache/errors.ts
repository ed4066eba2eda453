/**
 * Typed errors of the cache. Both are caller bugs (a value the cache cannot store exactly), so they
 * are thrown, never degraded: silently not caching a value would hide the problem until production.
 */
import { KitError } from "../errors";

/** The encoded entry is larger than `maxValueBytes`; nothing was written. */
export class CacheValueTooLargeError extends KitError {
  constructor(key: string, bytes: number, maxBytes: number) {
    super("E_CACHE_VALUE_TOO_LARGE", `Cache value for "${key}" is ${bytes} bytes encoded; the limit is ${maxBytes} bytes`, {
      context: { key, bytes, maxBytes },
    });
  }
}

/** The value holds something the codec cannot round-trip exactly (a function, a class instance, a cycle…). */
export class CacheSerializationError extends KitError {
  constructor(message: string, path: string) {
    super("E_CACHE_UNSERIALIZABLE", `Cannot cache value: ${message} at ${path}`, { context: { path } });
  }
}
