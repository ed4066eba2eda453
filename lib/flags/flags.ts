/**
 * `createFlags(kit)`: feature flags and system state in Redis, one field per flag of the hash
 * `kit:flags`. Flags persist until deleted. One hash rather than a key per flag plus an index set:
 * a set or delete is one command, atomic with what `list()` reads (a key and a separate index,
 * written by two commands, could disagree after a concurrent set and delete), and `list()` is one
 * `HGETALL` instead of SMEMBERS then MGET.
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
  const hash = kit.keys.flags();

  return Object.freeze({
    async get(name: string) {
      checkName(name);
      const stored = await run("flags.get", (r) => r.hget<{ v: FlagValue }>(hash, name));
      return stored?.v ?? null;
    },
    async set(name: string, value: FlagValue) {
      checkName(name);
      if (!["boolean", "number", "string"].includes(typeof value)) throw new TypeError(`flag "${name}": value must be a boolean, number or string`);
      await run("flags.set", (r) => r.hset(hash, { [name]: { v: value } }));
    },
    async delete(name: string) {
      checkName(name);
      return (await run("flags.delete", (r) => r.hdel(hash, name))) === 1;
    },
    async list() {
      const stored = (await run("flags.list", (r) => r.hgetall<Record<string, { v: FlagValue }>>(hash))) ?? {};
      return Object.fromEntries(Object.keys(stored).sort().map((name) => [name, stored[name]!.v]));
    },
  });
}
