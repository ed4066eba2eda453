/**
 * The stored form of a cache entry. Always a JSON *object* (so the client's automatic deserialization
 * hands it back unchanged) whose data field `d` is the codec's text (so the data round-trips exactly):
 *
 * `{"k":"ek1","c":createdAt,"f":freshUntil,"s":staleUntil,"d":"<codec text>","n":"<ns token>","g":{"<tag key>":"<token>"}}`
 *
 * `f`/`s` are absolute epoch milliseconds of the writer's clock: fresh before `f`, stale (served while a
 * refresh runs) before `s`, gone after; Redis expires the key at `s` (PX), so TTLs are enforced twice.
 * `n`/`g` are the namespace and tag version tokens current when the value was loaded; the entry is valid
 * only while every one still equals the version key's value (cache-and-queue.md §A4, "versions in the
 * envelope, validated in the same round trip"). The cache-write script appends them atomically.
 */
import { CacheValueTooLargeError } from "./errors";

/** Format marker; bump when the envelope changes shape so old entries read as misses. */
export const ENVELOPE_FORMAT = "ek1";

export interface CacheEnvelope {
  k: typeof ENVELOPE_FORMAT;
  /** Created at (epoch ms). */
  c: number;
  /** Fresh until (epoch ms). */
  f: number;
  /** Stale-servable until (epoch ms); equals `f` without a stale window. */
  s: number;
  /** Codec text of the value. */
  d: string;
  /** Namespace version token. */
  n: string;
  /** Tag version key → token. */
  g: Record<string, string>;
}

/** What a read decided about one entry; the same rules run in Lua (CACHE_READ) and in memory. */
export type EntryOutcome = "hit" | "stale" | "miss" | "expired" | "invalid" | "corrupt";

const encoder = new TextEncoder();

/** UTF-8 size of a string, without Buffer. */
export function byteLength(text: string): number {
  return encoder.encode(text).byteLength;
}

export interface EnvelopeTimes {
  createdAt: number;
  freshMs: number;
  staleMs: number;
}

/**
 * The envelope text up to (not including) its closing brace: the write script appends the version
 * tokens it resolves atomically. Throws CacheValueTooLargeError past `maxBytes`.
 */
export function envelopeHead(key: string, data: string, times: EnvelopeTimes, maxBytes: number): string {
  const { createdAt, freshMs, staleMs } = times;
  const head = JSON.stringify({ k: ENVELOPE_FORMAT, c: createdAt, f: createdAt + freshMs, s: createdAt + freshMs + staleMs, d: data });
  const bytes = byteLength(head);
  if (bytes > maxBytes) throw new CacheValueTooLargeError(key, bytes, maxBytes);
  return head.slice(0, -1);
}

/** A parsed envelope, or undefined when `raw` is not one (foreign value, older format). */
export function asEnvelope(raw: unknown): CacheEnvelope | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const e = raw as Partial<CacheEnvelope>;
  return e.k === ENVELOPE_FORMAT && typeof e.d === "string" && typeof e.f === "number" && typeof e.s === "number"
    ? (e as CacheEnvelope)
    : undefined;
}

/**
 * The TypeScript twin of the CACHE_READ script's decision (used by the in-memory fallback).
 * `versions` maps version keys to their current token (absent = missing = invalid).
 */
export function evaluateEntry(
  entry: CacheEnvelope | undefined,
  nsVersionKey: string,
  versions: (key: string) => string | undefined,
  now: number,
): EntryOutcome {
  if (!entry) return "miss";
  if (entry.n !== versions(nsVersionKey)) return "invalid";
  for (const [tagKey, token] of Object.entries(entry.g)) if (versions(tagKey) !== token) return "invalid";
  if (now < entry.f) return "hit";
  if (now < entry.s) return "stale";
  return "expired";
}
