/**
 * Lua scripts as named constants with a pinned SHA-1 (code-style pattern 4), run with EVALSHA and
 * re-sent with EVAL only when Redis answers NOSCRIPT (as ratelimit-js `safeEval` and redis-js
 * `Script.exec` do). Pinning the hash avoids hashing at runtime on the edge; the scripts test
 * checks every pin against `scriptSha1()` and the server's `SCRIPT LOAD`.
 */
import { isNoScriptError } from "./error-reply";
import type { ScriptRedis } from "./ports";
import { toHex } from "../hex";

/**
 * A Lua script and the SHA-1 of its exact source text. `TResult` is what the script returns after
 * the client's JSON deserialization; it only types `runScript`'s result.
 */
export interface RedisScript<TResult = unknown> {
  /** Stable name for events, errors and the registry, e.g. `"compare-and-delete"`. */
  readonly name: string;
  /** The exact Lua text whose hash is `sha1` (one changed space changes the hash). */
  readonly source: string;
  /** Lower-case hex SHA-1 of `source`, pinned in code. */
  readonly sha1: string;
  /** Type-level only: never set at runtime. */
  readonly __result?: TResult;
}

export interface DefineScriptOptions {
  name: string;
  source: string;
  sha1: string;
}

const SHA1_HEX = /^[0-9a-f]{40}$/;

/**
 * Declares a script. Throws at definition time on a malformed hash; whether the hash matches the
 * source is checked by `test/lib/redis/scripts.test.ts` (hashing is async, definitions are not).
 *
 * @example
 * export const COMPARE_AND_DELETE = defineScript<0 | 1>({ name: "compare-and-delete", source, sha1: "…" });
 */
export function defineScript<TResult = unknown>(options: DefineScriptOptions): RedisScript<TResult> {
  if (!SHA1_HEX.test(options.sha1)) {
    throw new TypeError(`Script "${options.name}": sha1 must be 40 lower-case hex characters, got "${options.sha1}"`);
  }
  return Object.freeze({ name: options.name, source: options.source, sha1: options.sha1 });
}

/** A script argument as sent over REST (numbers travel as JSON numbers, Redis sees their text). */
export type ScriptArg = string | number;

/**
 * Runs `script` with EVALSHA; on NOSCRIPT (script cache flushed, new server, failover) re-sends
 * the body with EVAL, which also loads it for the next call. Any other error propagates untouched
 * so `guard()` can classify it.
 *
 * Non-idempotent scripts are safe here: NOSCRIPT means Redis ran nothing.
 *
 * @see https://redis.io/commands/evalsha
 */
export async function runScript<TResult>(
  redis: ScriptRedis,
  script: RedisScript<TResult>,
  keys: readonly string[],
  args: readonly ScriptArg[],
): Promise<TResult> {
  try {
    return await redis.evalsha<ScriptArg[], TResult>(script.sha1, [...keys], [...args]);
  } catch (err) {
    if (!isNoScriptError(err)) throw err;
    return await redis.eval<ScriptArg[], TResult>(script.source, [...keys], [...args]);
  }
}

/**
 * Lower-case hex SHA-1 of `source` (UTF-8), computed like Redis does for SCRIPT LOAD.
 * For tests and tools that pin hashes; the request path uses the pinned constants.
 */
export async function scriptSha1(source: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(source));
  return toHex(new Uint8Array(digest));
}
