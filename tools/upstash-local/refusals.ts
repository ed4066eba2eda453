/**
 * Commands a pooled REST proxy must not forward (spec §11, §9): connection-state commands would
 * change a connection other requests share, and blocking commands would stall it for everyone.
 */

const STATE_HINT = "connection state cannot be shared over REST";
const BLOCKING_HINT = "blocking commands would stall a shared connection";

/** Lower-case name -> reason. */
const REFUSED: ReadonlyMap<string, string> = new Map([
  ...["select", "auth", "hello", "reset", "quit", "multi", "exec", "discard", "watch", "unwatch", "sync", "psync"].map(
    (c) => [c, STATE_HINT] as const,
  ),
  ...["replicaof", "slaveof", "shutdown", "failover"].map((c) => [c, "it would reconfigure or stop the shared server"] as const),
  ...["subscribe", "psubscribe", "ssubscribe"].map((c) => [c, `${STATE_HINT}; use POST /${c === "psubscribe" ? "psubscribe/<pattern>" : "subscribe/<channel>"}`] as const),
  ...["unsubscribe", "punsubscribe", "sunsubscribe"].map((c) => [c, `${STATE_HINT}; close the /subscribe stream instead`] as const),
  ["monitor", `${STATE_HINT}`],
  ...["blpop", "brpop", "brpoplpush", "blmove", "blmpop", "bzpopmin", "bzpopmax", "bzmpop", "wait", "waitaof"].map(
    (c) => [c, BLOCKING_HINT] as const,
  ),
]);

/** CLIENT subcommands that only read; everything else (REPLY, SETNAME, TRACKING, KILL, PAUSE, …) changes state. */
const CLIENT_READ_SUBCOMMANDS = new Set(["list", "info", "id", "getname", "help"]);

export type RedisArg = string | Buffer;

function refusal(display: string, reason: string): string {
  return `ERR ${display} is not supported by upstash-local (${reason})`;
}

function lowerArg(arg: RedisArg | undefined): string {
  return arg === undefined ? "" : String(arg).toLowerCase();
}

/** XREAD/XREADGROUP options before STREAMS: find a BLOCK token (the group/consumer names are skipped). */
function hasBlockOption(lower: string, args: readonly RedisArg[]): boolean {
  let i = lower === "xreadgroup" ? 3 : 0; // XREADGROUP GROUP <group> <consumer> …
  while (i < args.length) {
    const token = lowerArg(args[i]);
    if (token === "streams") return false;
    if (token === "block") return true;
    i += token === "count" ? 2 : 1;
  }
  return false;
}

/** Returns the Redis-style error text when the command must not be forwarded, else undefined. */
export function refusalFor(lower: string, args: readonly RedisArg[]): string | undefined {
  const reason = REFUSED.get(lower);
  if (reason !== undefined) return refusal(lower.toUpperCase(), reason);
  if (lower === "client") {
    const sub = lowerArg(args[0]);
    if (!CLIENT_READ_SUBCOMMANDS.has(sub)) return refusal(`CLIENT ${sub.toUpperCase()}`.trim(), STATE_HINT);
    return undefined;
  }
  if (lower === "debug" && lowerArg(args[0]) === "sleep") return refusal("DEBUG SLEEP", BLOCKING_HINT);
  if ((lower === "xread" || lower === "xreadgroup") && hasBlockOption(lower, args)) {
    return refusal(`${lower.toUpperCase()} with BLOCK`, BLOCKING_HINT);
  }
  return undefined;
}
