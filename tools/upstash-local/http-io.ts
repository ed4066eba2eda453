/**
 * HTTP plumbing: capped body reading, JSON responses carrying the headers every answer needs
 * (a fresh `upstash-sync-token`, spec §6; CORS, spec §10), and preflights.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";

export const HTTP_STATUS = {
  ok: 200,
  noContent: 204,
  badRequest: 400,
  unauthorized: 401,
  notFound: 404,
  methodNotAllowed: 405,
  payloadTooLarge: 413,
  internal: 500,
  unavailable: 503,
} as const;

/** After refusing an oversized body we drain (not buffer) this much more so the client can read the 413, then hang up. */
const MAX_DRAIN_AFTER_REFUSAL = 32 * 1024 * 1024;

/** The token only has to change on every response (§6); a boot id keeps values unique across restarts. */
const BOOT_ID = randomBytes(4).toString("hex");
let syncCounter = 0;

export function nextSyncToken(): string {
  return `${BOOT_ID}-${++syncCounter}`;
}

const ALLOWED_METHODS = "GET, POST, PUT, HEAD, OPTIONS";
const ALLOWED_HEADER = /^(authorization|content-type|accept|cache-control|pragma|upstash-[a-z0-9-]+)$/;
const DEFAULT_ALLOWED_HEADERS = "authorization, content-type, upstash-encoding, upstash-sync-token, upstash-telemetry-runtime, upstash-telemetry-platform, upstash-telemetry-sdk, upstash-telemetry-retry";

export function baseHeaders(): OutgoingHttpHeaders {
  return {
    "upstash-sync-token": nextSyncToken(),
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "upstash-sync-token",
  };
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`ERR request body is larger than ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** Reads the body, failing as soon as it exceeds `maxBytes` (declared Content-Length or bytes received). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) {
      drainThenDrop(req);
      reject(new BodyTooLargeError(maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off("data", onData);
        chunks.length = 0;
        drainThenDrop(req);
        reject(new BodyTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.once("error", reject);
  });
}

/** Discards the rest of an oversized upload so the client sees our 413 rather than a reset. */
function drainThenDrop(req: IncomingMessage): void {
  let drained = 0;
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > MAX_DRAIN_AFTER_REFUSAL) req.socket.destroy();
  });
  req.resume();
}

export function sendJson(res: ServerResponse, status: number, body: string, extra?: OutgoingHttpHeaders): void {
  if (res.headersSent || res.destroyed) return; // the client went away: results are just dropped (§7)
  const headers = baseHeaders();
  headers["content-type"] = "application/json";
  headers["content-length"] = Buffer.byteLength(body);
  if (extra) Object.assign(headers, extra);
  res.writeHead(status, headers);
  res.end(body);
}

export function sendError(res: ServerResponse, status: number, message: string, extra?: OutgoingHttpHeaders): void {
  sendJson(res, status, JSON.stringify({ error: message }), extra);
}

/** CORS preflight: allow the methods and the headers the Upstash clients send (spec §10). */
export function sendPreflight(req: IncomingMessage, res: ServerResponse): void {
  const requested = req.headers["access-control-request-headers"];
  const allowed = requested
    ? requested
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter((h) => ALLOWED_HEADER.test(h))
        .join(", ")
    : DEFAULT_ALLOWED_HEADERS;
  const headers = baseHeaders();
  headers["access-control-allow-methods"] = ALLOWED_METHODS;
  headers["access-control-allow-headers"] = allowed || DEFAULT_ALLOWED_HEADERS;
  headers["access-control-max-age"] = "86400";
  headers["content-length"] = 0;
  res.writeHead(HTTP_STATUS.noContent, headers);
  res.end();
}

export function isBase64Requested(req: IncomingMessage): boolean {
  const value = req.headers["upstash-encoding"];
  return typeof value === "string" && value.trim().toLowerCase() === "base64";
}
