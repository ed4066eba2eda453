/**
 * `#!lua flags=allow-key-locking` support (spec §8). The flag is Upstash-only; stock Redis 7
 * rejects it ("ERR Unexpected flag in script shebang"), which breaks every @upstash/ratelimit >= 2.1
 * limiter. We drop the flag before Redis sees the script and keep `sha1(original) -> sha1(rewritten)`
 * so EVALSHA / SCRIPT EXISTS with the client's SHA (hard-coded in ratelimit) still find it.
 */
import { createHash } from "node:crypto";
import { withKeyLockingGuard } from "./key-locking";
import type { RedisArg } from "./refusals";

const SHEBANG_PREFIX = "#!lua";
const FLAGS_PREFIX = "flags=";
const UPSTASH_ONLY_FLAGS = new Set(["allow-key-locking"]);
/** Scripts are few (ratelimit ships 12); a bound only protects against a client generating endless ones. */
const MAX_MAPPED_SCRIPTS = 10_000;

export function sha1Hex(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** Returns the script without Upstash-only shebang flags, or undefined when nothing changes. */
export function rewriteShebang(script: string): string | undefined {
  if (!script.startsWith(SHEBANG_PREFIX)) return undefined;
  const lineEnd = script.indexOf("\n");
  const firstLine = lineEnd === -1 ? script : script.slice(0, lineEnd);
  const rest = lineEnd === -1 ? "" : script.slice(lineEnd);
  const tokens = firstLine.slice(SHEBANG_PREFIX.length).split(/\s+/).filter((t) => t.length > 0);
  let changed = false;
  const kept: string[] = [];
  for (const token of tokens) {
    if (!token.startsWith(FLAGS_PREFIX)) {
      kept.push(token);
      continue;
    }
    const flags = token.slice(FLAGS_PREFIX.length).split(",");
    const remaining = flags.filter((f) => !UPSTASH_ONLY_FLAGS.has(f));
    if (remaining.length === flags.length) {
      kept.push(token);
      continue;
    }
    changed = true;
    // An empty `flags=` would still be valid for Redis, but dropping it keeps the line minimal (§8 rule 1).
    if (remaining.length > 0) kept.push(FLAGS_PREFIX + remaining.join(","));
  }
  if (!changed) return undefined;
  return [SHEBANG_PREFIX, ...kept].join(" ") + rest;
}

export class ScriptShaMap {
  private readonly clientToServer = new Map<string, string>();

  /** Rewrites a script body argument; records the SHA pair when the text changed. */
  rewrite(script: RedisArg): { body: RedisArg; clientSha?: string } {
    if (typeof script !== "string") return { body: script };
    const stripped = rewriteShebang(script);
    if (stripped === undefined) return { body: script };
    // Without the flag Redis would not enforce its rules; the guard does (key-locking.ts).
    const rewritten = withKeyLockingGuard(stripped);
    const clientSha = sha1Hex(script);
    if (!this.clientToServer.has(clientSha)) {
      if (this.clientToServer.size >= MAX_MAPPED_SCRIPTS) this.clientToServer.clear();
      this.clientToServer.set(clientSha, sha1Hex(rewritten));
    }
    return { body: rewritten, clientSha };
  }

  /** Client SHA -> the SHA Redis knows; unknown SHAs pass through (Redis then answers NOSCRIPT, §8 rule 3). */
  translate(sha: RedisArg): RedisArg {
    if (typeof sha !== "string") return sha;
    return this.clientToServer.get(sha.toLowerCase()) ?? sha;
  }

  clear(): void {
    this.clientToServer.clear();
  }

  get size(): number {
    return this.clientToServer.size;
  }
}
