/**
 * The kit's only `new Redis(...)`: the Upstash HTTP client with every transport knob set on
 * purpose, because the client's defaults are tuned for "eventually succeed", not for a request
 * path with a latency budget (code-style anti-pattern 14, upstash-rest-protocol.md §7).
 */
import { Redis, type RedisConfigNodejs } from "@upstash/redis";
import { CoalescingRequester, type CoalescingOptions } from "./coalescing-requester";

/** Options for {@link createRedis}; the composition root maps `KitConfig` onto these. */
export interface CreateRedisOptions {
  /** Upstash REST URL (`UPSTASH_REDIS_REST_URL` / `KV_REST_API_URL`). */
  url: string;
  /** Upstash REST token (`UPSTASH_REDIS_REST_TOKEN` / `KV_REST_API_TOKEN`). */
  token: string;
  /**
   * Budget of one HTTP request (one command, or one auto-pipelined batch), retries included:
   * the signal is created once per request and shared by its retries.
   */
  commandTimeoutMs: number;
  /**
   * Extra attempts after a *network* failure (refused, reset, DNS). HTTP error statuses are
   * never retried by the client. `0` means exactly one request.
   */
  retries: number;
  /**
   * Batch the commands issued in the same tick into one `/pipeline` request.
   * @default true
   */
  autoPipelining?: boolean;
  /** Join concurrent callers' pipelines when this many HTTP requests are out; `false` = never. */
  coalesce?: false | Omit<CoalescingOptions, "timeoutMs">;
}

/** Wait before retry `n` (0-based): 50, 100, 200, 400, 800, then 1000 ms. */
export function retryBackoffMs(retryIndex: number): number {
  // Capped exponential: the client's default `Math.exp(n) * 50` sleeps ~4.3 s over 5 retries,
  // far beyond any request budget; a cap keeps a large `retries` from sleeping for minutes.
  return Math.min(1000, 50 * 2 ** retryIndex);
}

/**
 * Creates the Upstash HTTP Redis client the whole kit shares.
 *
 * @example
 * const redis = createRedis({ url, token, commandTimeoutMs: 1000, retries: 1 });
 * @see https://upstash.com/docs/redis/sdks/ts/overview
 */
export function createRedis(options: CreateRedisOptions): Redis {
  const { url, token, commandTimeoutMs, retries, autoPipelining = true, coalesce = false } = options;
  if (!Number.isInteger(retries) || retries < 0) throw new RangeError(`retries must be an integer >= 0, got ${retries}`);
  if (!Number.isFinite(commandTimeoutMs) || commandTimeoutMs <= 0) {
    throw new RangeError(`commandTimeoutMs must be > 0, got ${commandTimeoutMs}`);
  }
  const config: RedisConfigNodejs = {
    url,
    token,
    // Always the object form: `retry: false` sets attempts = 1 and the client's `i <= attempts`
    // loop then still sends 2 requests (1.39 dist `HttpClient.request`). `{ retries: 0 }` sends 1.
    retry: { retries, backoff: retryBackoffMs },
    // The FUNCTION form: a fresh timeout signal per request, and a fired signal makes the command
    // throw a DOMException "TimeoutError". A static AbortSignal would instead make the client
    // synthesize `{ result: signal.reason }`: a timeout disguised as a null value, or, when
    // auto-pipelined, a misleading `TypeError: res.map is not a function` (both tested).
    signal: () => AbortSignal.timeout(commandTimeoutMs),
    // On purpose (the client default is also true): commands issued in the same tick
    // (`Promise.all([get, get, get])`) share one HTTP round trip, which is the dominant cost on REST.
    // Side effect every feature must know: even a lone command goes to `/pipeline`.
    enableAutoPipelining: autoPipelining,
    // Kept at the default `true`: @upstash/ratelimit is built and tested against the default
    // client (JSON-parsed results). Features that need an exact round trip store their own
    // JSON envelope (an object), which this mode returns as the same object.
    automaticDeserialization: true,
    // Base64 replies are binary-safe (raw Redis bytes); the server leaves errors unencoded.
    responseEncoding: "base64",
    // No SDK/runtime/platform headers on every request: nothing in the kit reads them.
    enableTelemetry: false,
    // Send and track `upstash-sync-token` so a read after a write on this client sees the write,
    // even when Upstash serves it from a replica.
    readYourWrites: true,
    // Client-side console.log per command: the kit reports latency through its own events.
    latencyLogging: false,
    // Reuse TCP/TLS connections between requests where the runtime supports it.
    keepAlive: true,
    // Never serve a Redis reply from an HTTP cache (Next.js patches fetch and caches by default).
    cache: "no-store" as const,
  };
  if (!coalesce) return new Redis(config);
  return new CoalescingRedis(config, { ...coalesce, timeoutMs: commandTimeoutMs });
}

/**
 * The client whose requester joins concurrent callers' pipelines (lib/redis/coalescing-requester.ts).
 * A subclass because the client keeps its requester in a protected field and builds every pipeline
 * from it; constructing with a Requester instead would lose the config path (auto-pipelining,
 * retries, encoding, timeouts).
 */
class CoalescingRedis extends Redis {
  constructor(config: RedisConfigNodejs, options: CoalescingOptions) {
    super(config);
    // `this` is the auto-pipelining Proxy the constructor returned: reads of `client` go through its
    // trap (to its own pipeline's client: the same HttpClient in 1.39), writes land on the target,
    // where `pipeline()` reads it for every pipeline it builds (test/lib/redis/coalescing-requester).
    this.client = new CoalescingRequester(this.client, options);
  }
}
