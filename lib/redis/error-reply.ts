/**
 * The one parser of `@upstash/redis` error text. The client keeps no status code or error code on
 * its errors, only a message, so recognising a Redis error reply (and NOSCRIPT in particular) has
 * to read text. Every such read in the kit goes through `redisErrorReply()`; nothing else in lib/
 * matches on error messages (code-style anti-pattern 9).
 *
 * Message shapes thrown by @upstash/redis 1.39 (read from `dist/chunk-*.mjs`):
 * - auto-pipelined command, entry error in a 200 array: `Command failed: <reply>`
 * - explicit `pipeline()`/`multi()` entry error:       `Command <i> [ <cmd> ] failed: <reply>`
 * - single command, `{"error"}` in a 2xx body:         `<reply>`
 * - any non-2xx response with a JSON body:              `<body.error>, command was: <json>`
 *   (a Redis error on `/` is a 400; on `/pipeline` a non-2xx is a whole-request failure: 401, 500…)
 */

import { errors } from "@upstash/redis";

/** A Redis error reply, e.g. `{ code: "WRONGTYPE", text: "WRONGTYPE Operation against a key…" }`. */
export interface RedisErrorReply {
  /** The reply's leading upper-case word (`ERR`, `WRONGTYPE`, `NOSCRIPT`, `NOPERM`, `LOADING`…). */
  readonly code: string;
  /** The reply text as Redis sent it, without the client's decorations. */
  readonly text: string;
  /** Whether the reply arrived as an entry of a 2xx batch (so Redis itself answered it). */
  readonly inBatch: boolean;
}

const PIPELINE_ENTRY = /^Command(?: \d+ \[ [^\]]* \])? failed: ([\s\S]*)$/;
const NON_2XX_SUFFIX = ", command was: ";
// Redis error replies start with an upper-case code word ("-ERR …", "-WRONGTYPE …", "-NOSCRIPT …").
const REPLY_CODE = /^([A-Z][A-Z_]*)(?:\s|$)/;

function isUpstashError(err: unknown): err is Error {
  // By name rather than instanceof: a second copy of @upstash/redis (e.g. bundled by a dependency)
  // throws errors of a different class with the same name.
  return err instanceof Error && (err.name === "UpstashError" || err.name === "UpstashJSONParseError");
}

/**
 * The Redis error reply carried by an @upstash/redis error, or `undefined` when the error is not
 * a Redis reply (network failure, timeout, unparsable body, non-2xx without a Redis code…).
 */
export function redisErrorReply(err: unknown): RedisErrorReply | undefined {
  if (!isUpstashError(err) || err.name === "UpstashJSONParseError") return undefined;
  const message = err.message;
  const entry = PIPELINE_ENTRY.exec(message);
  let text: string;
  let inBatch = false;
  if (entry) {
    text = entry[1] ?? "";
    inBatch = true;
  } else {
    const cut = message.indexOf(NON_2XX_SUFFIX);
    text = cut === -1 ? message : message.slice(0, cut);
  }
  const code = REPLY_CODE.exec(text)?.[1];
  return code === undefined ? undefined : { code, text, inBatch };
}

/**
 * True only when Redis answered `NOSCRIPT` (the script cache does not hold this SHA-1): the caller
 * should resend the script body with EVAL. The only NOSCRIPT test in the kit.
 */
export function isNoScriptError(err: unknown): boolean {
  return redisErrorReply(err)?.code === "NOSCRIPT";
}

/**
 * The same failure without the request body the client appends to a non-2xx message (`, command was:
 * <json>`), replaced by `note`. A request that joined several callers' pipelines
 * (coalescing-requester.ts) carries their keys and values, which must not reach another caller's
 * error or logs; the reply before the suffix is kept, so `redisErrorReply` reads the same.
 */
export function withoutCommandEcho(err: unknown, note: string): unknown {
  if (!isUpstashError(err) || err.name !== "UpstashError") return err;
  const cut = err.message.indexOf(NON_2XX_SUFFIX);
  if (cut === -1) return err;
  return new errors.UpstashError(`${err.message.slice(0, cut)}${NON_2XX_SUFFIX}${note}`);
}
