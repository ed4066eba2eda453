/**
 * `defineSessionStore(kit, { kind, schema, ttl })`: short-lived typed records (upload sessions…)
 * with a TTL of 15 min to 24 h, sliding on `touch()`. One key per session
 * (`kit:session:{kind}:{id}`) holding a JSON envelope; Redis expires it, so an expired session is
 * simply absent: reads answer `null`, never a stale record.
 */
import type { z } from "zod";
import { toMs, type Duration } from "../duration";
import { KitError } from "../errors";
import type { Kit } from "../kit";
import { DEFAULT_TTLS } from "../keys";
import type { SessionRedis } from "../redis";
import { guard, type EmitResilienceEvent, type GuardCommonOptions, kitGuardOptions } from "../resilience";

const MIN_MS = DEFAULT_TTLS.session.minSeconds * 1000;
const MAX_MS = DEFAULT_TTLS.session.maxSeconds * 1000;
// Ids are minted here (crypto.randomUUID); anything else is a miss without asking Redis.
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface SessionStoreOptions<S extends z.ZodType> {
  /** What the sessions are, e.g. "upload": part of the key. */
  kind: string;
  /** Validates `data` on create/update and again on read (a record that no longer fits is an error). */
  schema: S;
  /**
   * Lifetime of every session of this kind, renewed by `touch()`; 15 min to 24 h (longer-lived
   * state belongs in a database, shorter would expire under a slow upload).
   * @default DEFAULT_TTLS.session.defaultSeconds (15 min)
   */
  ttl?: Duration;
  emit?: EmitResilienceEvent;
}

export interface Session<T> {
  id: string;
  data: T;
  /** Epoch ms of `create()`. */
  createdAt: number;
  /** Epoch ms at which it expires unless touched (as seen by Redis at this call). */
  expiresAt: number;
}

export interface SessionStore<T> {
  readonly kind: string;
  readonly ttlMs: number;
  /** Stores a new session with a fresh random id. Throws a ZodError when `data` does not fit the schema, a TypeError when it would not read back from JSON. */
  create(data: T): Promise<Session<T>>;
  /** The session, or `null` when unknown or expired. `{ touch: true }` also slides its expiry (same round trip). */
  read(id: string, options?: { touch?: boolean }): Promise<Session<T> | null>;
  /** Replaces the data, keeping the expiry; `false` when the session is gone. */
  update(id: string, data: T): Promise<boolean>;
  /** Sliding expiry: the session now ends `ttl` from now. `null` when it is already gone. */
  touch(id: string): Promise<{ expiresAt: number } | null>;
  /** Deletes it; `true` when it existed. */
  destroy(id: string): Promise<boolean>;
}

interface Envelope {
  v: 1;
  data: unknown;
  createdAt: number;
}

/** Redis is required: sessions are shared state; every call is fail-closed (E_REDIS_* → 503). */
export function defineSessionStore<S extends z.ZodType>(kit: Kit, options: SessionStoreOptions<S>): SessionStore<z.output<S>> {
  type T = z.output<S>;
  const ttlMs = Math.round(toMs(options.ttl ?? DEFAULT_TTLS.session.defaultSeconds * 1000));
  if (ttlMs < MIN_MS || ttlMs > MAX_MS) {
    throw new RangeError(`session ttl must be from ${MIN_MS / 60_000} min to ${MAX_MS / 3_600_000} h, got ${ttlMs} ms`);
  }
  const { kind, schema } = options;
  kit.keys.session(kind, "x"); // validates `kind` now, not on the first request
  const common = (name: string): GuardCommonOptions => kitGuardOptions(kit, name, options.emit);
  const run = async <R>(name: string, op: (redis: SessionRedis) => Promise<R>): Promise<R> => {
    const redis = kit.redis;
    if (!redis) throw new KitError("E_REDIS_UNAVAILABLE", `${name}: sessions need Redis (memory mode has no shared state)`, { retryable: false });
    return (await guard(() => op(redis), { ...common(name), failPolicy: "closed" })).value;
  };
  const decode = (id: string, raw: unknown, pttl: number): Session<T> | null => {
    if (raw === null || raw === undefined || pttl === -2) return null;
    const envelope = raw as Partial<Envelope>;
    const parsed = envelope.v === 1 ? schema.safeParse(envelope.data) : undefined;
    if (!parsed?.success) {
      throw new KitError("E_SESSION_CORRUPT", `Session ${kind}/${id} does not match its schema (changed since it was written?)`, {
        context: { kind, issues: parsed?.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? ["not a session envelope"] },
      });
    }
    return { id, data: parsed.data, createdAt: Number(envelope.createdAt), expiresAt: kit.clock.now() + Math.max(pttl, 0) };
  };

  /**
   * `data` validated for storage. The record is JSON and `read()` re-validates what comes back, so
   * data the schema accepts only before serialisation (a `z.date()`, a Map, a transform whose output
   * is not valid input) is refused here — otherwise it would be written, and every read of the session
   * would fail as E_SESSION_CORRUPT until its TTL.
   */
  const storable = (data: T, name: string): T => {
    const valid = schema.parse(data) as T;
    let json: unknown;
    try {
      json = JSON.parse(JSON.stringify(valid)) as unknown;
    } catch {
      json = undefined;
    }
    if (json === undefined || !schema.safeParse(json).success) {
      throw new TypeError(`${name}: ${kind} session data does not survive JSON (Date, Map, BigInt or a transform in the schema?); use a schema of plain JSON values`);
    }
    return valid;
  };

  return Object.freeze({
    kind,
    ttlMs,
    async create(data: T) {
      const valid = storable(data, "session.create");
      const id = crypto.randomUUID();
      const createdAt = kit.clock.now();
      const envelope: Envelope = { v: 1, data: valid, createdAt };
      await run("session.create", (r) => r.set(kit.keys.session(kind, id), envelope, { px: ttlMs, nx: true }));
      return { id, data: valid, createdAt, expiresAt: createdAt + ttlMs };
    },
    async read(id: string, readOptions: { touch?: boolean } = {}) {
      if (!SESSION_ID.test(id)) return null;
      const key = kit.keys.session(kind, id);
      const [raw, pttl] = await run("session.read", (r) =>
        // Issued in the same tick. GET and PTTL are both read-class: auto-pipelining sends them in one HTTP
        // request, in this order. With `touch`, @upstash/redis 1.39 sends PEXPIRE (write-class) in a
        // separate request from the GET, concurrently and in no set order: the reported expiry assumes
        // the PEXPIRE found the key, which a key expiring between the two commands would not be.
        Promise.all([r.get<Envelope>(key), readOptions.touch ? r.pexpire(key, ttlMs).then(() => ttlMs) : r.pttl(key)]),
      );
      return decode(id, raw, raw === null ? -2 : pttl);
    },
    async update(id: string, data: T) {
      if (!SESSION_ID.test(id)) return false;
      const envelopeData = storable(data, "session.update");
      const key = kit.keys.session(kind, id);
      const current = await run("session.update", (r) => r.get<Envelope>(key));
      if (current === null) return false;
      const envelope: Envelope = { v: 1, data: envelopeData, createdAt: Number(current.createdAt) };
      const written = await run("session.update", (r) => r.set(key, envelope, { xx: true, keepTtl: true }));
      return written === "OK";
    },
    async touch(id: string) {
      if (!SESSION_ID.test(id)) return null;
      const renewed = await run("session.touch", (r) => r.pexpire(kit.keys.session(kind, id), ttlMs));
      return renewed === 1 ? { expiresAt: kit.clock.now() + ttlMs } : null;
    },
    async destroy(id: string) {
      if (!SESSION_ID.test(id)) return false;
      return (await run("session.destroy", (r) => r.del(kit.keys.session(kind, id)))) === 1;
    },
  });
}
