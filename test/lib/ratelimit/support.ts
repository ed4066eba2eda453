/**
 * Shared setup of the rate-limit tests: a kit per simulated isolate against a private upstash-local
 * (fronting the shared test redis-server) so HTTP requests can be counted exactly via GET /stats.
 */
import { randomBytes } from "node:crypto";
import type { Identity } from "@/lib/http";
import type { Kit } from "@/lib/kit";
import {
  checkRateLimit,
  defineRateLimits,
  type DefaultPolicyName,
  type RateLimitDecision,
  type RateLimitsOptions,
  type RouteRateLimit,
} from "@/lib/ratelimit";
import { startPrivateUpstashLocal, type PrivateUpstashLocal } from "../../tools/upstash-local/private-upstash-local";
import { createTestKit, type TestKitOptions } from "../../setup/kit";

export { startPrivateUpstashLocal, type PrivateUpstashLocal };

let counter = 0;

/** A fresh client identity (unique per call, so tests never share budgets). */
export function identity(overrides: Partial<Identity> = {}): Identity {
  counter += 1;
  const ip = `10.${process.pid % 250}.${Math.floor(counter / 250) % 250}.${(counter % 250) + 1}`;
  return { ip, userId: null, ...overrides };
}

/** A unique IPv4 for an identity; tests combine it with `userId` as needed. */
export function uniqueIp(): string {
  return identity().ip!;
}

/** One key prefix per test file: the "app" every simulated isolate of this file belongs to. */
export const APP_PREFIX = `rl-${randomBytes(4).toString("hex")}`;

/**
 * A kit against `server`: one per simulated isolate (each has its own limiter registry and caches),
 * all of the same app (same key prefix) unless `env.EDGE_KIT_KEY_PREFIX` says otherwise.
 */
export function kitOn(server: PrivateUpstashLocal, options: TestKitOptions = {}): Kit {
  return createTestKit({ url: server.url, token: server.token, ...options, env: { EDGE_KIT_KEY_PREFIX: APP_PREFIX, ...options.env } });
}

/** `defineRateLimits` with counters flushed rarely, so they add no request to the ones being counted. */
export function limits<const T extends string = never>(options: RateLimitsOptions<DefaultPolicyName | T> = {}) {
  return defineRateLimits<T>({ countersFlushEvery: "1 h", denyList: { shared: false }, ...options });
}

/** Runs one check and waits for its pending work, as waitUntil would. */
export async function check(
  kit: Kit,
  rateLimit: RouteRateLimit,
  who: Identity,
  routeName = "test.route",
): Promise<RateLimitDecision> {
  const decision = await checkRateLimit(kit, { identity: who, routeName, rateLimit });
  await decision.pending;
  return decision;
}

/** HTTP requests `server` served while `run` ran. */
export async function requestsDuring(server: PrivateUpstashLocal, run: () => Promise<unknown>): Promise<number> {
  const before = await server.httpRequests();
  await run();
  return (await server.httpRequests()) - before;
}
