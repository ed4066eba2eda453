/**
 * Request routing (spec §2): `POST /`, `/pipeline`, `/multi-exec`, `/subscribe/<ch>`,
 * `/psubscribe/<pat>`, the optional path form `/<cmd>/<arg>…`, plus `GET /` (health) and
 * `GET /stats`, `POST /stats/reset`. Every failure is answered as JSON; nothing here may throw
 * past `handleRequest` (brief item 7: never crash the process).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { presentedToken, UNAUTHORIZED_MESSAGE, type AccessLevel, type Authenticator } from "./auth";
import { BadRequestError, prepareBatch, prepareCommand, type PrepareContext, type RedisArg } from "./commands";
import { runMultiExec, runPipeline, runSingle, type ExecuteContext, type JsonReply } from "./execute";
import { BodyTooLargeError, HTTP_STATUS, isBase64Requested, readBody, sendError, sendJson, sendPreflight } from "./http-io";
import { RedisUnavailableError, type Log } from "./pool";
import type { ScriptShaMap } from "./scripts";
import type { SubscribeKind } from "./sse";

export interface RouteContext extends ExecuteContext {
  auth: Authenticator;
  scripts: ScriptShaMap;
  maxBodyBytes: number;
  log: Log;
  /** Lower-case Redis command names: the path form only claims paths that start with one. */
  knownCommands: ReadonlySet<string>;
  subscribe(req: IncomingMessage, res: ServerResponse, kind: SubscribeKind, target: string): Promise<void>;
}

const COMMAND_METHODS = new Set(["GET", "POST", "PUT", "HEAD"]);

function splitUrl(rawUrl: string): { path: string; query: URLSearchParams | undefined } {
  const q = rawUrl.indexOf("?");
  if (q === -1) return { path: rawUrl, query: undefined };
  return { path: rawUrl.slice(0, q), query: new URLSearchParams(rawUrl.slice(q + 1)) };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new BadRequestError(`ERR the request body is not valid JSON: ${(err as Error).message}`);
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequestError(`ERR invalid percent-encoding in path segment "${segment}"`);
  }
}

function authorize(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, query: URLSearchParams | undefined): AccessLevel | undefined {
  const level = ctx.auth.check(presentedToken(req, query));
  if (level === undefined) {
    ctx.stats.errors++;
    req.resume(); // discard the unread body so the keep-alive connection stays usable
    sendError(res, HTTP_STATUS.unauthorized, UNAUTHORIZED_MESSAGE);
  }
  return level;
}

function prepareContext(ctx: RouteContext, level: AccessLevel): PrepareContext {
  return { scripts: ctx.scripts, readonly: level === "readonly" };
}

/** Path form (spec §2): segments are args; a POST/PUT body is appended raw, then query pairs. */
async function pathFormCommand(ctx: RouteContext, req: IncomingMessage, segments: string[], query: URLSearchParams | undefined): Promise<unknown[]> {
  const command: Array<string | RedisArg> = segments.map(decodeSegment);
  if (req.method === "POST" || req.method === "PUT") {
    const body = await readBody(req, ctx.maxBodyBytes);
    if (body.length > 0) command.push(body.toString("utf8"));
  }
  query?.forEach((value, key) => {
    if (key === "_token") return;
    command.push(key);
    if (value !== "") command.push(value);
  });
  return command;
}

async function route(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? "GET";
  if (method === "OPTIONS") return sendPreflight(req, res);
  if (!COMMAND_METHODS.has(method)) return sendError(res, HTTP_STATUS.methodNotAllowed, `ERR method ${method} is not allowed`, { allow: "GET, POST, PUT, HEAD, OPTIONS" });

  const { path, query } = splitUrl(req.url ?? "/");
  const base64 = isBase64Requested(req);
  const isPost = method === "POST";

  if (path === "/pipeline" || path === "/multi-exec") {
    if (!isPost) return sendError(res, HTTP_STATUS.methodNotAllowed, `ERR ${path} only accepts POST`);
    const level = authorize(ctx, req, res, query);
    if (!level) return;
    ctx.stats.httpRequests++;
    const commands = prepareBatch(parseJson(await readBody(req, ctx.maxBodyBytes)), prepareContext(ctx, level));
    const reply = path === "/pipeline" ? await runPipeline(ctx, commands, base64) : await runMultiExec(ctx, commands, base64);
    return sendJson(res, reply.status, reply.body);
  }

  if (path === "/" || path === "") {
    if (!isPost) return sendJson(res, HTTP_STATUS.ok, JSON.stringify({ ok: true, name: "upstash-local", redis: ctx.pool.anyReady() ? "connected" : "disconnected" }));
    const level = authorize(ctx, req, res, query);
    if (!level) return;
    ctx.stats.httpRequests++;
    const command = prepareCommand(parseJson(await readBody(req, ctx.maxBodyBytes)), prepareContext(ctx, level));
    const reply = await runSingle(ctx, command, base64);
    return sendJson(res, reply.status, reply.body);
  }

  const segments = path.split("/").slice(1);
  const head = segments[0] ?? "";

  if ((head === "subscribe" || head === "psubscribe") && segments.length >= 2) {
    if (!authorize(ctx, req, res, query)) return;
    ctx.stats.httpRequests++;
    // Clients do not URL-encode the segment, but browsers and curl may: decode it (brief item 9).
    return ctx.subscribe(req, res, head, decodeSegment(segments.slice(1).join("/")));
  }

  if (head === "stats") {
    const level = authorize(ctx, req, res, query);
    if (!level) return;
    if (segments.length === 1 && method === "GET") return sendJson(res, HTTP_STATUS.ok, JSON.stringify(ctx.stats.snapshot()));
    if (segments[1] === "reset" && isPost && level === "full") {
      ctx.stats.reset();
      return sendJson(res, HTTP_STATUS.ok, JSON.stringify({ result: "OK" }));
    }
    return sendError(res, HTTP_STATUS.notFound, "ERR use GET /stats or POST /stats/reset (full-access token)");
  }

  if (ctx.knownCommands.has(decodeSegment(head).toLowerCase())) {
    const level = authorize(ctx, req, res, query);
    if (!level) return;
    ctx.stats.httpRequests++;
    const command = prepareCommand(await pathFormCommand(ctx, req, segments, query), prepareContext(ctx, level));
    const reply = await runSingle(ctx, command, base64);
    return sendJson(res, reply.status, reply.body);
  }

  req.resume();
  return sendError(res, HTTP_STATUS.notFound, `ERR unknown endpoint ${path}`);
}

function failureReply(ctx: RouteContext, err: unknown): JsonReply & { close?: boolean } {
  ctx.stats.errors++;
  const body = (message: string) => JSON.stringify({ error: message });
  if (err instanceof BadRequestError) return { status: HTTP_STATUS.badRequest, body: body(err.message) };
  // No `Connection: close` here: closing while the client is still uploading makes it fail with EPIPE
  // instead of reading our 413. The rest of the body is drained (bounded) and the connection kept.
  if (err instanceof BodyTooLargeError) return { status: HTTP_STATUS.payloadTooLarge, body: body(err.message) };
  if (err instanceof RedisUnavailableError) return { status: HTTP_STATUS.internal, body: body(err.message) };
  ctx.log(`upstash-local: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return { status: HTTP_STATUS.internal, body: body(`upstash-local: internal error: ${err instanceof Error ? err.message : String(err)}`) };
}

export async function handleRequest(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    await route(ctx, req, res);
  } catch (err) {
    const reply = failureReply(ctx, err);
    sendJson(res, reply.status, reply.body, reply.close ? { connection: "close" } : undefined);
  }
}
