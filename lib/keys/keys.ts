/**
 * Every Redis key the kit writes, built in one place: `{prefix}:{family}:{part}[:{part}…]`.
 *
 * Families are fixed literals; every caller-supplied part goes through `encodeKeyPart`, so a part
 * never contains `:` or a glob character. Hence a key's family and segments can always be read back
 * unambiguously, families never collide, and `{prefix}:{family}:*` matches exactly one family.
 * The `{…}` in the formats below are placeholders, not hash tags (braces are encoded away).
 */
import { KitError } from "../errors";
import { encodeKeyPart } from "./encode";

export const KEY_FAMILIES = [
  "cache",
  "cache-tag",
  "cache-ns",
  "cache-stats",
  "ratelimit",
  "lock",
  "lock-fence",
  "dedupe",
  "idempotency",
  "queue",
  "queue-delayed",
  "queue-dead",
  "queue-job",
  "queue-dedupe",
  "session",
  "counter",
  "counter-minute",
  "flags",
] as const;

export type KeyFamily = (typeof KEY_FAMILIES)[number];

/** Families made of a single key with no parts: their "pattern" is the key itself. */
const SINGLETON_FAMILIES: ReadonlySet<KeyFamily> = new Set<KeyFamily>(["cache-stats", "flags"]);

// Colon-separated segments are allowed so test harnesses can use `t:{random}`; no glob characters.
const PREFIX = /^[A-Za-z0-9_-]+(?::[A-Za-z0-9_-]+)*$/;
const MAX_PREFIX_LENGTH = 64;

/**
 * Key builders for one deployment's prefix (normally `config.keyPrefix`, default `kit`).
 * A trailing `:` on the prefix is ignored. Apps sharing a database need distinct prefixes, neither
 * of which is a prefix of the other's keys.
 * @throws KitError `E_INVALID_KEY_PART` for an invalid prefix, and from every builder for an empty,
 *   malformed or over-long (> 512 bytes encoded) part.
 * @example createKeys("kit").lock("ingest-permits") // "kit:lock:ingest-permits"
 */
export function createKeys(prefix: string) {
  const root = prefix.endsWith(":") ? prefix.slice(0, -1) : prefix;
  if (!PREFIX.test(root) || root.length > MAX_PREFIX_LENGTH) {
    throw new KitError(
      "E_INVALID_KEY_PART",
      `Invalid key prefix: must be 1-${MAX_PREFIX_LENGTH} characters of A-Z a-z 0-9 _ - (":" between segments)`,
      { context: { part: "prefix" } },
    );
  }
  const key = (family: KeyFamily, ...parts: string[]): string => [root, family, ...parts].join(":");
  const enc = encodeKeyPart;

  return Object.freeze({
    /** The normalised prefix every key starts with (`kit`). */
    prefix: root,

    /**
     * A cached value: `kit:cache:{namespace}:{key}`, or `kit:cache:{namespace}@{version}:{key}` with a
     * namespace version (`@` never occurs in an encoded part). Encoding is prefix-preserving, so
     * `cache(ns, "user-") + "*"` is a safe SCAN pattern for every key starting with `user-`.
     */
    cache: (namespace: string, cacheKey: string, version?: number): string => {
      const ns = enc(namespace, "cache(namespace)");
      const scoped = version === undefined ? ns : `${ns}@${integerPart(version, "cache(version)")}`;
      return key("cache", scoped, enc(cacheKey, "cache(key)"));
    },
    /**
     * Version token of a tag (a random string; SET on invalidation, so every entry stamped with the old
     * token reads as invalid — an evicted token counts as invalid too): `kit:cache-tag:{tag}`.
     */
    cacheTag: (tag: string): string => key("cache-tag", enc(tag, "cacheTag(tag)")),
    /** Version token of a namespace; one SET invalidates the whole namespace in O(1): `kit:cache-ns:{namespace}`. */
    cacheNamespaceVersion: (namespace: string): string =>
      key("cache-ns", enc(namespace, "cacheNamespaceVersion(namespace)")),
    /** Hit/miss counters of the cache: `kit:cache-stats`. */
    cacheStats: (): string => key("cache-stats"),

    /**
     * The `prefix` option of one @upstash/ratelimit limiter: `kit:ratelimit:{policy}:{identity}`.
     * The limiter appends its own `:{identifier}:{window}`, `:dynamic:global`, `:denyList:all`,
     * `:events:{hour}`…; each starts with `:`, which no encoded identity contains, so everything it
     * writes stays under `kit:ratelimit:{policy}:{identity}:` and cannot reach another identity,
     * policy or family. Pass a fixed identifier (e.g. `"_"`) to `limit()`: the identity is already here.
     */
    rateLimit: (policy: string, identity: string): string =>
      key("ratelimit", enc(policy, "rateLimit(policy)"), enc(identity, "rateLimit(identity)")),

    /** Owner token of a distributed lock: `kit:lock:{name}`. */
    lock: (name: string): string => key("lock", enc(name, "lock(name)")),
    /** Fencing counter of a lock, INCR on each acquisition; never expires: `kit:lock-fence:{name}`. */
    lockFence: (name: string): string => key("lock-fence", enc(name, "lockFence(name)")),

    /** One "seen" marker per item, each with its own expiry: `kit:dedupe:{scope}:{id}`. */
    dedupe: (scope: string, id: string): string =>
      key("dedupe", enc(scope, "dedupe(scope)"), enc(id, "dedupe(id)")),
    /** Idempotency record (in-flight or completed response): `kit:idempotency:{scope}:{key}`. */
    idempotency: (scope: string, idempotencyKey: string): string =>
      key("idempotency", enc(scope, "idempotency(scope)"), enc(idempotencyKey, "idempotency(key)")),

    /** Redis Stream of a queue: `kit:queue:{queue}`. */
    queueStream: (queue: string): string => key("queue", enc(queue, "queueStream(queue)")),
    /** Sorted set of jobs waiting for their retry time: `kit:queue-delayed:{queue}`. */
    queueDelayed: (queue: string): string => key("queue-delayed", enc(queue, "queueDelayed(queue)")),
    /** Dead-letter stream of a queue: `kit:queue-dead:{queue}`. */
    queueDeadLetter: (queue: string): string => key("queue-dead", enc(queue, "queueDeadLetter(queue)")),
    /** Status record of one job (GET /jobs/:id): `kit:queue-job:{id}`. */
    queueJob: (id: string): string => key("queue-job", enc(id, "queueJob(id)")),
    /** Enqueue-once marker: `kit:queue-dedupe:{queue}:{dedupeId}`. */
    queueDedupe: (queue: string, dedupeId: string): string =>
      key("queue-dedupe", enc(queue, "queueDedupe(queue)"), enc(dedupeId, "queueDedupe(dedupeId)")),

    /** Short-lived session record (upload sessions…): `kit:session:{kind}:{id}`. */
    session: (kind: string, id: string): string =>
      key("session", enc(kind, "session(kind)"), enc(id, "session(id)")),

    /** All-time counter: `kit:counter:{name}`. */
    counter: (name: string): string => key("counter", enc(name, "counter(name)")),
    /** Per-minute bucket, `epochMinute = Math.floor(ms / 60_000)`: `kit:counter-minute:{name}:{epochMinute}`. */
    counterMinute: (name: string, epochMinute: number): string =>
      key("counter-minute", enc(name, "counterMinute(name)"), integerPart(epochMinute, "counterMinute(epochMinute)")),

    /** Every feature flag, one hash field per flag (persistent): `kit:flags`. */
    flags: (): string => key("flags"),

    /** What every key of `name` starts with: `kit:lock:` (for a single-key family, the key itself). */
    family: (name: KeyFamily): string => (SINGLETON_FAMILIES.has(name) ? key(name) : `${key(name)}:`),
    /**
     * SCAN MATCH glob matching exactly the keys of one family (`kit:lock:*`), e.g. to sample key
     * counts by family. The prefix and family contain no glob characters, so nothing else matches.
     */
    scanPattern: (name: KeyFamily): string => (SINGLETON_FAMILIES.has(name) ? key(name) : `${key(name)}:*`),
  });
}

export type Keys = ReturnType<typeof createKeys>;

function integerPart(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new KitError("E_INVALID_KEY_PART", `Invalid ${what}: must be a non-negative safe integer`, {
      context: { part: what },
    });
  }
  return String(value);
}
