/**
 * What a read-only token may run (spec §3: "permits access to the read commands only. Some
 * powerful read commands (e.g. SCAN, KEYS) are also restricted"). An allow-list, so a command this
 * file does not know about is denied rather than silently allowed to write.
 */
const READ_COMMANDS: ReadonlySet<string> = new Set([
  // connection / server
  "ping", "echo", "time", "dbsize", "lastsave", "type", "exists", "ttl", "pttl", "expiretime", "pexpiretime",
  "object", "touch", "randomkey", "dump", "lcs",
  // strings & bits
  "get", "mget", "getrange", "substr", "strlen", "getbit", "bitcount", "bitpos", "bitfield_ro",
  // hashes
  "hget", "hmget", "hgetall", "hkeys", "hvals", "hlen", "hexists", "hstrlen", "hrandfield", "hscan", "httl", "hpttl",
  "hexpiretime", "hpexpiretime",
  // lists
  "lindex", "llen", "lrange", "lpos",
  // sets
  "scard", "sismember", "smismember", "smembers", "srandmember", "sinter", "sintercard", "sunion", "sdiff", "sscan",
  // sorted sets
  "zcard", "zcount", "zlexcount", "zrange", "zrangebylex", "zrangebyscore", "zrank", "zrevrange", "zrevrangebylex",
  "zrevrangebyscore", "zrevrank", "zscore", "zmscore", "zrandmember", "zinter", "zintercard", "zunion", "zdiff", "zscan",
  // streams (non-blocking reads; XREADGROUP writes group state)
  "xlen", "xrange", "xrevrange", "xread", "xpending", "xinfo",
  // geo & hyperloglog
  "geodist", "geohash", "geopos", "georadius_ro", "georadiusbymember_ro", "geosearch", "pfcount",
  // read-only scripts
  "eval_ro", "evalsha_ro", "fcall_ro",
]);

export function isReadCommand(lower: string): boolean {
  return READ_COMMANDS.has(lower);
}

/** Same wording as a Redis ACL denial, which is what Upstash returns (spec §3). */
export function readonlyDenial(lower: string): string {
  return `NOPERM this user has no permissions to run the '${lower}' command or its subcommand`;
}
