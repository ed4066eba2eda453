/**
 * Runs prepared commands on Redis and builds the JSON envelopes of spec §4:
 * `/` -> {"result"} | 400 {"error"}; `/pipeline` -> always a 200 array with inline errors;
 * `/multi-exec` -> 200 array, or 400 when the transaction was discarded as a whole.
 * Whole-request failures (Redis unreachable) throw RedisUnavailableError -> 500, never a 2xx
 * non-array, which would crash the client's `res.map` (§4).
 */
import Redis, { Command } from "ioredis";
import type { PreparedCommand, RefusedCommand } from "./commands";
import { errorEntry, isReplyError, resultEntry } from "./encode";
import { RedisUnavailableError, type CommandPool, type TransactionPool } from "./pool";
import type { StatsCounters } from "./stats";

export interface JsonReply {
  status: number;
  body: string;
}

export interface ExecuteContext {
  pool: CommandPool;
  txPool: TransactionPool;
  stats: StatsCounters;
}

/** A rejected command, kept as a value so one `Promise.all` can wait for a whole batch. */
class Failure {
  constructor(readonly error: unknown) {}
}

const toFailure = (error: unknown) => new Failure(error);
const HTTP_OK = 200;
const HTTP_BAD_REQUEST = 400;

function send(conn: Redis, name: string, args: PreparedCommand["args"]): Promise<unknown> {
  const command = new Command(name, args, { replyEncoding: null });
  conn.sendCommand(command);
  return command.promise.then(undefined, toFailure);
}

/** Anything but a Redis reply error means the connection failed: the whole request fails (§10). */
function assertReachable(settled: readonly unknown[]): void {
  for (const value of settled) {
    if (value instanceof Failure && !isReplyError(value.error)) {
      const message = value.error instanceof Error ? value.error.message : String(value.error);
      throw new RedisUnavailableError(message);
    }
  }
}

function errorMessage(failure: Failure): string {
  return failure.error instanceof Error ? failure.error.message : String(failure.error);
}

/**
 * Sends every runnable command synchronously on one connection. Corking the socket turns the
 * batch into a single write (one real RESP pipeline) instead of one syscall per command.
 */
function sendBatch(conn: Redis, commands: ReadonlyArray<PreparedCommand | RefusedCommand>): Array<Promise<unknown> | undefined> {
  const stream = conn.status === "ready" ? conn.stream : undefined;
  stream?.cork();
  try {
    const pending: Array<Promise<unknown> | undefined> = new Array(commands.length);
    for (let i = 0; i < commands.length; i++) {
      const cmd = commands[i]!;
      pending[i] = cmd.refused === undefined ? send(conn, cmd.name, cmd.args) : undefined;
    }
    return pending;
  } finally {
    stream?.uncork();
  }
}

function countRunnable(commands: ReadonlyArray<PreparedCommand | RefusedCommand>): number {
  let n = 0;
  for (const cmd of commands) if (cmd.refused === undefined) n++;
  return n;
}

/** Encodes one settled command as a `{"result"}` / `{"error"}` entry. */
function entryFor(cmd: PreparedCommand | RefusedCommand, value: unknown, base64: boolean, stats: StatsCounters) {
  if (cmd.refused !== undefined) {
    stats.errors++;
    return { json: errorEntry(cmd.refused), failed: true };
  }
  if (value instanceof Failure) {
    stats.errors++;
    return { json: errorEntry(errorMessage(value)), failed: true };
  }
  const entry = resultEntry(cmd.transform ? cmd.transform(value) : value, base64);
  if (entry.failed) stats.errors++;
  return entry;
}

async function runOnPool(ctx: ExecuteContext, commands: ReadonlyArray<PreparedCommand | RefusedCommand>): Promise<unknown[]> {
  const runnable = countRunnable(commands);
  if (runnable === 0) return new Array(commands.length).fill(undefined);
  const index = ctx.pool.pick();
  const conn = ctx.pool.acquire(index, runnable);
  ctx.stats.redisCommands += runnable;
  try {
    const settled = await Promise.all(sendBatch(conn, commands));
    assertReachable(settled);
    return settled;
  } finally {
    ctx.pool.release(index, runnable);
  }
}

export async function runSingle(ctx: ExecuteContext, cmd: PreparedCommand | RefusedCommand, base64: boolean): Promise<JsonReply> {
  const [value] = await runOnPool(ctx, [cmd]);
  const entry = entryFor(cmd, value, base64, ctx.stats);
  return { status: entry.failed ? HTTP_BAD_REQUEST : HTTP_OK, body: entry.json };
}

export async function runPipeline(ctx: ExecuteContext, commands: ReadonlyArray<PreparedCommand | RefusedCommand>, base64: boolean): Promise<JsonReply> {
  ctx.stats.pipelines++;
  const settled = await runOnPool(ctx, commands);
  let body = "[";
  for (let i = 0; i < commands.length; i++) {
    if (i > 0) body += ",";
    body += entryFor(commands[i]!, settled[i], base64, ctx.stats).json;
  }
  return { status: HTTP_OK, body: body + "]" };
}

function badRequest(ctx: ExecuteContext, message: string): JsonReply {
  ctx.stats.errors++;
  return { status: HTTP_BAD_REQUEST, body: errorEntry(message) };
}

export async function runMultiExec(ctx: ExecuteContext, commands: ReadonlyArray<PreparedCommand | RefusedCommand>, base64: boolean): Promise<JsonReply> {
  ctx.stats.transactions++;
  // A refused command would leave a hole in the transaction: refuse the whole batch (brief item 8).
  for (const cmd of commands) if (cmd.refused !== undefined) return badRequest(ctx, cmd.refused);
  const runnable = commands as readonly PreparedCommand[];

  const conn = await ctx.txPool.acquire(() => ctx.pool.anyReady());
  ctx.stats.redisCommands += runnable.length;
  let settled: unknown[];
  try {
    const stream = conn.status === "ready" ? conn.stream : undefined;
    stream?.cork();
    const pending: Array<Promise<unknown>> = [send(conn, "MULTI", [])];
    for (const cmd of runnable) pending.push(send(conn, cmd.name, cmd.args));
    pending.push(send(conn, "EXEC", []));
    stream?.uncork();
    // Released only once EXEC has answered, even if the HTTP client is long gone (§7 abort).
    settled = await Promise.all(pending);
  } finally {
    ctx.txPool.release(conn);
  }
  assertReachable(settled);

  // Queue-time error (wrong arity, unknown command): Redis discarded everything; report the cause (§4).
  for (let i = 1; i <= runnable.length; i++) {
    const queued = settled[i];
    if (queued instanceof Failure) return badRequest(ctx, errorMessage(queued));
  }
  const exec = settled[settled.length - 1];
  if (exec instanceof Failure) return badRequest(ctx, errorMessage(exec));
  if (!Array.isArray(exec)) return badRequest(ctx, "EXECABORT Transaction discarded");

  let body = "[";
  for (let i = 0; i < runnable.length; i++) {
    if (i > 0) body += ",";
    const value: unknown = exec[i];
    const cmd = runnable[i]!;
    // EXEC-time errors arrive as ReplyError entries: inline {"error"} (§4, §13 item 7).
    body += isReplyError(value) ? entryFor({ refused: value.message }, undefined, base64, ctx.stats).json : entryFor(cmd, value, base64, ctx.stats).json;
  }
  return { status: HTTP_OK, body: body + "]" };
}
