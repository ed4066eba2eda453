/**
 * `createFlags(kit)`: feature flags and system state in Redis (`kit:flag:{name}`, plus the index
 * set `kit:flag-index` so `list()` needs no SCAN). Flags persist until deleted.
 *
 * Values are stored in a `{ v }` envelope: @upstash/redis JSON-parses what it reads back, so a bare
 * string flag "123" would come back as the number 123.
 */
import type { Kit } from "../kit";
import type { FlagRedis } from "../redis";
import { guard, type EmitResilienceEvent, type GuardCommonOptions, kitGuardOptions } from "../resilience";

export type FlagValue = boolean | number | string;

const FLAG_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export interface Flags {
  /** The flag's value, or `null` when unset. */
  get(name: string): Promise<FlagValue | null>;
  set(name: string, value: FlagValue): Promise<void>;
  /** `true` when the flag existed. */
  delete(name: string): Promise<boolean>;
  /** Every flag that is set, by name. */
  list(): Promise<Record<string, FlagValue>>;
}

function checkName(name: string): void {
  if (!FLAG_NAME.test(name)) throw new RangeError(`Invalid flag name "${name}": 1-64 characters of A-Z a-z 0-9 _ . -`);
}

/** Every call is fail-closed (throws E_REDIS_*); `resolveFlag` is the fail-soft read for request paths. */
export function createFlags(kit: Kit, options: { emit?: EmitResilienceEvent } = {}): Flags {
  const common = (name: string): GuardCommonOptions => kitGuardOptions(kit, name, options.emit);
  const run = async <R>(name: string, op: (redis: FlagRedis) => Promise<R>): Promise<R> => {
    const redis = kit.redis;
    if (!redis) throw new RangeError(`${name}: flags need Redis (memory mode: use the config defaults)`);
    return (await guard(() => op(redis), { ...common(name), failPolicy: "closed" })).value;
  };
  const index = kit.keys.flagIndex();

  return Object.freeze({
    async get(name: string) {
      checkName(name);
      const stored = await run("flags.get", (r) => r.get<{ v: FlagValue }>(kit.keys.flag(name)));
      return stored?.v ?? null;
    },
    async set(name: string, value: FlagValue) {
      checkName(name);
      if (!["boolean", "number", "string"].includes(typeof value)) throw new TypeError(`flag "${name}": value must be a boolean, number or string`);
      await run("flags.set", (r) => Promise.all([r.set(kit.keys.flag(name), { v: value }), r.sadd(index, name)]));
    },
    async delete(name: string) {
      checkName(name);
      const [deleted] = await run("flags.delete", (r) => Promise.all([r.del(kit.keys.flag(name)), r.srem(index, name)]));
      return deleted === 1;
    },
    async list() {
      const names = (await run("flags.list", (r) => r.smembers(index))).sort();
      if (names.length === 0) return {};
      const values = await run("flags.list", (r) => r.mget<({ v: FlagValue } | null)[]>(...names.map((n) => kit.keys.flag(n))));
      const out: Record<string, FlagValue> = {};
      names.forEach((name, i) => {
        const stored = values[i];
        if (stored) out[name] = stored.v;
      });
      return out;
    },
  });
}
