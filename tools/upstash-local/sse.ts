/**
 * Pub/Sub over Server-Sent Events (spec §10): `POST /subscribe/<channel>` and
 * `POST /psubscribe/<pattern>`, each on its own Redis subscriber connection (a subscribed
 * connection cannot run other commands). When the HTTP client disconnects we unsubscribe and
 * close that connection, so `PUBSUB NUMSUB` drops back to 0.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import Redis from "ioredis";
import { baseHeaders, sendError, HTTP_STATUS } from "./http-io";
import { closeConnection, connectionOptions, type Log } from "./pool";

export type SubscribeKind = "subscribe" | "psubscribe";

export interface SseRegistry {
  /** Ends every open stream (graceful shutdown, brief item 13). */
  closeAll(): Promise<void>;
  readonly open: number;
}

interface OpenStream {
  close(): Promise<void>;
}

const NEWLINE = Buffer.from("\n\n");
const COMMA = Buffer.from(",");
const MESSAGE_PREFIX = Buffer.from("data: message,");
const PMESSAGE_PREFIX = Buffer.from("data: pmessage,");

export function createSseRegistry(redisUrl: string, log: Log) {
  const streams = new Set<OpenStream>();
  let sequence = 0;

  async function handle(req: IncomingMessage, res: ServerResponse, kind: SubscribeKind, target: string): Promise<void> {
    req.resume(); // the body (`[]`) carries nothing for a subscription; drain it
    const label = `upstash-local:sse${++sequence}`;
    const sub = new Redis(redisUrl, {
      ...connectionOptions(label),
      lazyConnect: true,
      // A subscriber that lost Redis ends its stream; the client decides whether to resubscribe.
      retryStrategy: () => null,
    });
    sub.on("error", (err: Error) => log(`[${label}] ${err.message}`));

    let closed = false;
    const stream: OpenStream = {
      async close() {
        if (closed) return;
        closed = true;
        streams.delete(stream);
        if (!res.writableEnded) res.end();
        try {
          if (sub.status === "ready") await (kind === "subscribe" ? sub.unsubscribe(target) : sub.punsubscribe(target));
        } catch (err) {
          log(`[${label}] unsubscribe failed, closing anyway: ${(err as Error).message}`);
        }
        await closeConnection(sub);
      },
    };
    streams.add(stream);
    res.once("close", () => void stream.close());

    let count: unknown;
    try {
      await sub.connect();
      count = kind === "subscribe" ? await sub.subscribe(target) : await sub.psubscribe(target);
    } catch (err) {
      sendError(res, HTTP_STATUS.internal, `upstash-local: Redis unavailable: ${(err as Error).message}`);
      await stream.close();
      return;
    }
    if (closed) return; // the client left while we were subscribing; close() already cleaned up

    const headers = baseHeaders();
    headers["content-type"] = "text/event-stream";
    headers["cache-control"] = "no-cache";
    headers["x-accel-buffering"] = "no";
    res.writeHead(HTTP_STATUS.ok, headers);
    res.write(`data: ${kind},${target},${String(count)}\n\n`);

    // Payloads are raw bytes, not base64 (§10): write them as received. ioredis hands the pattern
    // of a pmessage over as a string, channel and payload as Buffers.
    const write = (parts: Array<Buffer | string>) => {
      try {
        res.write(Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part) : part))));
      } catch (err) {
        // Never let one broken stream throw out of a Redis event handler (that would crash the process).
        log(`[${label}] write failed, closing stream: ${(err as Error).message}`);
        void stream.close();
      }
    };
    sub.on("messageBuffer", (channel: Buffer, message: Buffer) => write([MESSAGE_PREFIX, channel, COMMA, message, NEWLINE]));
    sub.on("pmessageBuffer", (pattern: Buffer | string, channel: Buffer, message: Buffer) =>
      write([PMESSAGE_PREFIX, pattern, COMMA, channel, COMMA, message, NEWLINE]),
    );
    sub.once("end", () => void stream.close());
  }

  const registry: SseRegistry & { handle: typeof handle } = {
    handle,
    async closeAll() {
      await Promise.all([...streams].map((s) => s.close()));
    },
    get open() {
      return streams.size;
    },
  };
  return registry;
}
