/**
 * JSON command array -> a command ready for ioredis, or a refusal (spec §1 argument serialization,
 * §11 refusals, §3 read-only token, §8 script rewrite).
 */
import { isReadCommand, readonlyDenial } from "./readonly-commands";
import { refusalFor, type RedisArg } from "./refusals";
import type { ScriptShaMap } from "./scripts";

export type { RedisArg } from "./refusals";

/** The request body itself is malformed: the whole request gets 400 (spec §4). */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadRequestError";
  }
}

export interface PreparedCommand {
  refused?: undefined;
  /** Upper-case name: keeps ioredis from applying its own reply transformers (it keys them on "hgetall"). */
  name: string;
  lower: string;
  args: RedisArg[];
  /** Adjusts a successful reply (SCRIPT LOAD answers with the client's SHA, §8 rule 2). */
  transform?: (reply: unknown) => unknown;
}

export interface RefusedCommand {
  refused: string;
}

export interface PrepareContext {
  scripts: ScriptShaMap;
  readonly: boolean;
}

interface CommandName {
  upper: string;
  lower: string;
}

/** Command names repeat endlessly on the hot path; cache their case variants. */
const NAME_CACHE = new Map<string, CommandName>();
const NAME_CACHE_LIMIT = 1024;

function commandName(raw: string): CommandName {
  let name = NAME_CACHE.get(raw);
  if (name === undefined) {
    name = { upper: raw.toUpperCase(), lower: raw.toLowerCase() };
    if (NAME_CACHE.size >= NAME_CACHE_LIMIT) NAME_CACHE.clear();
    NAME_CACHE.set(raw, name);
  }
  return name;
}

/** string -> itself (ioredis writes UTF-8), number -> String(n), boolean -> "true"/"false", null -> "" (§1). */
function toRedisArg(value: unknown, index: number, where: string): RedisArg {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      return String(value);
    case "boolean":
      return value ? "true" : "false";
    default:
      if (value === null) return "";
      throw new BadRequestError(
        `ERR invalid argument ${index} of ${where}: only strings, numbers, booleans and null are allowed (nested arrays/objects are not)`,
      );
  }
}

function applyScriptRewrite(cmd: PreparedCommand, scripts: ScriptShaMap): void {
  const { lower, args } = cmd;
  if (args.length === 0) return;
  if (lower === "eval" || lower === "eval_ro") {
    args[0] = scripts.rewrite(args[0] as RedisArg).body;
  } else if (lower === "evalsha" || lower === "evalsha_ro") {
    args[0] = scripts.translate(args[0] as RedisArg);
  } else if (lower === "script") {
    const sub = String(args[0]).toLowerCase();
    if (sub === "load" && args.length > 1) {
      const { body, clientSha } = scripts.rewrite(args[1] as RedisArg);
      args[1] = body;
      if (clientSha !== undefined) cmd.transform = () => Buffer.from(clientSha);
    } else if (sub === "exists") {
      for (let i = 1; i < args.length; i++) args[i] = scripts.translate(args[i] as RedisArg);
    } else if (sub === "flush") {
      cmd.transform = (reply) => {
        scripts.clear();
        return reply;
      };
    }
  }
}

/** Validates one command array; throws BadRequestError on a malformed shape. */
export function prepareCommand(raw: unknown, ctx: PrepareContext, where = "the command"): PreparedCommand | RefusedCommand {
  if (!Array.isArray(raw)) throw new BadRequestError(`ERR ${where} must be a JSON array like ["SET","key","value"]`);
  if (raw.length === 0) throw new BadRequestError(`ERR ${where} is empty`);
  const first: unknown = raw[0];
  if (typeof first !== "string" || first.length === 0) {
    throw new BadRequestError(`ERR ${where}: the command name must be a non-empty string`);
  }
  const args: RedisArg[] = new Array(raw.length - 1);
  for (let i = 1; i < raw.length; i++) args[i - 1] = toRedisArg(raw[i], i, where);
  const { upper, lower } = commandName(first);
  const refused = refusalFor(lower, args);
  if (refused !== undefined) return { refused };
  if (ctx.readonly && !isReadCommand(lower)) return { refused: readonlyDenial(lower) };
  const cmd: PreparedCommand = { name: upper, lower, args };
  applyScriptRewrite(cmd, ctx.scripts);
  return cmd;
}

/** A batch body (`/pipeline`, `/multi-exec`): a non-empty array of command arrays. */
export function prepareBatch(body: unknown, ctx: PrepareContext): Array<PreparedCommand | RefusedCommand> {
  if (!Array.isArray(body)) throw new BadRequestError('ERR the body must be a JSON array of commands like [["SET","k","v"]]');
  if (body.length === 0) throw new BadRequestError("ERR the batch is empty");
  const out: Array<PreparedCommand | RefusedCommand> = new Array(body.length);
  for (let i = 0; i < body.length; i++) out[i] = prepareCommand(body[i], ctx, `command ${i}`);
  return out;
}
