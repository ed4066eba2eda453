/**
 * Upstash's rules for `#!lua flags=allow-key-locking` scripts (upstash/docs redis/features/key-locking.mdx),
 * which stock Redis does not know: "Every key passed to `redis.call` must appear in `KEYS`" (a key computed in
 * the script must equal a declared one), else `ERR Dynamic keys are not allowed in Lua scripts when
 * 'allow-key-locking' flag is set. Key was: <key>`; and FLUSHDB/FLUSHALL "cannot be called" (Upstash's text for
 * that is undocumented; ours says what happened). When the flag is dropped (scripts.ts), this one-line Lua guard is
 * put at the start of the script's second line (line numbers in error texts stay the original ones): it shadows
 * `redis` with a table whose `call`/`pcall` check the keys first.
 *
 * Key positions come from the command table ioredis ships (@ioredis/commands: first key, last key, step, as
 * Redis's COMMAND reports them), plus the movable-key forms scripts use: `numkeys` lists, `STREAMS k… id…`, and
 * the container commands whose key follows a subcommand (XINFO, XGROUP, OBJECT, MEMORY USAGE). Other movable
 * keys (SORT BY/GET patterns, GEORADIUS STORE, MIGRATE KEYS) are checked at their fixed positions only.
 */
import { createRequire } from "node:module";

interface CommandSpec {
  flags: string[];
  keyStart: number;
  keyStop: number;
  step: number;
}

// Loaded with require: an ESM JSON import would make tsx declare `export const eval`, a strict-mode SyntaxError.
const table = createRequire(import.meta.url)("@ioredis/commands/built/commands.json") as Record<string, CommandSpec>;
const DATABASE_WIDE = ["flushdb", "flushall"];
/** Position (in `redis.call`'s arguments, the command name being 1) of `numkeys`, and of a destination key before it. */
const NUMKEYS: Record<string, { at: number; dest?: number }> = {
  zunionstore: { at: 3, dest: 2 },
  zinterstore: { at: 3, dest: 2 },
  zdiffstore: { at: 3, dest: 2 },
  zunion: { at: 2 },
  zinter: { at: 2 },
  zdiff: { at: 2 },
  zintercard: { at: 2 },
  sintercard: { at: 2 },
  lmpop: { at: 2 },
  zmpop: { at: 2 },
  blmpop: { at: 3 },
  bzmpop: { at: 3 },
};
const SUBCOMMAND_KEY = ["xinfo", "xgroup", "object", "memory"];

/**
 * The key specs of the commands `script` names in quotes (`redis.call("SET", …)`), not of all ~240: Redis
 * gives scripts no state across calls, so the table is rebuilt on every call, and the whole one cost
 * ~22 µs per EVALSHA (redis-benchmark: 12,600 → 9,850 calls/s). A command whose name is computed at run
 * time is therefore not checked.
 */
function luaSpecs(script: string): string {
  const named = new Set([...script.matchAll(/["']([A-Za-z]+)["']/g)].map((m) => m[1]!.toLowerCase()));
  const entries: string[] = [];
  for (const [name, spec] of Object.entries(table)) {
    if (!named.has(name) || spec.flags.includes("noscript") || !/^[a-z_]+$/.test(name)) continue;
    const numkeys = NUMKEYS[name];
    if (numkeys) entries.push(`${name}={"n",${numkeys.at},${numkeys.dest ?? 0}}`);
    else if (name === "xread" || name === "xreadgroup") entries.push(`${name}={"s"}`);
    else if (SUBCOMMAND_KEY.includes(name)) entries.push(`${name}={"c"}`);
    else if (spec.keyStart > 0) entries.push(`${name}={${spec.keyStart + 1},${spec.keyStop < 0 ? spec.keyStop : spec.keyStop + 1},${spec.step}}`);
  }
  for (const name of DATABASE_WIDE) if (named.has(name)) entries.push(`${name}={"g"}`);
  return `{${entries.join(",")}}`;
}

/** `a` = the call's arguments (a[1] the command); returns an error text, or nil when the call may run. */
const CHECK = `local function chk(a) local n = #a local c = string.lower(tostring(a[1])) local s = S[c] if s == nil then return nil end
local ks = {}
if s[1] == "g" then return "ERR " .. string.upper(c) .. " is not allowed in Lua scripts when 'allow-key-locking' flag is set (it needs the global lock)"
elseif s[1] == "n" then if s[3] > 0 then ks[#ks + 1] = s[3] end for i = 1, tonumber(a[s[2]]) or 0 do ks[#ks + 1] = s[2] + i end
elseif s[1] == "s" then for i = 2, n do if string.lower(tostring(a[i])) == "streams" then for j = i + 1, i + math.floor((n - i) / 2) do ks[#ks + 1] = j end break end end
elseif s[1] == "c" then local sub = string.lower(tostring(a[2] or "")) if sub ~= "help" and (c ~= "memory" or sub == "usage") then ks[1] = 3 end
else local last = s[2] < 0 and n + 1 + s[2] or s[2] for i = s[1], last, s[3] do ks[#ks + 1] = i end end
for _, i in ipairs(ks) do local k = a[i] if k ~= nil and not D[tostring(k)] then return "ERR Dynamic keys are not allowed in Lua scripts when 'allow-key-locking' flag is set. Key was: " .. tostring(k) end end
return nil end`;

/** One Lua line (no newline, ends with `;`) that makes `script`'s `redis.call`/`redis.pcall` enforce the rules above. */
export function keyLockingGuard(script: string): string {
  return (
    `local redis = (function(r, S) local D = {} for _, k in ipairs(KEYS) do D[k] = true end ${CHECK} ` +
    `return setmetatable({call = function(...) local e = chk({...}) if e then error({err = e}) end return r.call(...) end, ` +
    `pcall = function(...) local e = chk({...}) if e then return r.error_reply(e) end return r.pcall(...) end}, {__index = r}) ` +
    `end)(redis, ${luaSpecs(script)});`
  ).replace(/\n/g, " ");
}

/** Inserts the guard at the start of line 2 of a script whose line 1 is its shebang. */
export function withKeyLockingGuard(script: string): string {
  const guard = keyLockingGuard(script);
  const lineEnd = script.indexOf("\n");
  if (lineEnd === -1) return `${script}\n${guard}`;
  return `${script.slice(0, lineEnd + 1)}${guard} ${script.slice(lineEnd + 1)}`;
}
