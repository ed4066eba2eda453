/**
 * `checkRateLimit()`: one decision for every policy a route applies, in ONE HTTP round trip.
 *
 * Order of the checks, cheapest first:
 * 1. deny list (static entries, and the isolate's copy of the shared list, even when a re-read is due)
 *    against the whole identity (IP and user) — no Redis call on the request's path;
 * 2. this isolate's cache of denials and penalties — no Redis call (reference §5.4 "zero round trips");
 * 3. every limiter call (each policy × identity), the penalty lookups and a due deny-list re-read are
 *    issued in the same tick, so @upstash/redis auto-pipelining sends them as one `/pipeline` request.
 * Each policy runs under its own guard() (its own fail policy), all sharing the one request.
 */
import { KitError } from "../errors";
import type { Identity } from "../http";
import type { GateKit } from "../kit";
import { guard } from "../resilience";
import { denyCandidates, denyHash } from "./deny-list";
import { limiterRegistry, type LimiterRegistry } from "./limiters";
import type { ResolvedRateLimitPolicy } from "./policy";
import type { RouteRateLimit } from "./settings";
import { hashSubjects, type Subject } from "./subjects";
import { needsBucketRead, tokenBucketRetryAt, type StoredBucket } from "./token-bucket";
import { blocked, combine, finishDecision, merge, type SubjectResult } from "./decision";
import type { PolicyOutcome, RateLimitDecision, RateLimitDegradedReason } from "./types";

export interface CheckRateLimitInput {
  identity: Identity;
  /** The matched route's name (kit.config.ts), the scope of per-route policies. */
  routeName: string;
  rateLimit: RouteRateLimit;
}

/**
 * A decision split in two (issue 10): `prepareRateLimit` does the async CPU work (hashing identities)
 * and every check that needs no Redis; `run()` then sends every Redis call of the decision before its
 * first await, so a caller can issue other features' calls in the same tick and share the request.
 */
export type PreparedRateLimit =
  /** Decided without Redis: deny list, this isolate's cached denials and penalties, memory mode. */
  | { readonly decided: RateLimitDecision; readonly run?: undefined }
  /** Needs Redis: `run()` issues every call synchronously (limits, penalty lookups, due deny-list re-read, due counters). */
  | { readonly decided?: undefined; run(): Promise<RateLimitDecision> };

/**
 * Decides whether the request may go on. Never throws for Redis trouble (each policy's fail policy
 * answers instead); a Redis *command* error (a bug) or an invalid key part propagates.
 */
export async function checkRateLimit(kit: GateKit, input: CheckRateLimitInput): Promise<RateLimitDecision> {
  const prepared = await prepareRateLimit(kit, input);
  return prepared.decided ?? prepared.run();
}

/** The first phase of {@link checkRateLimit}: no Redis call is made here. */
export async function prepareRateLimit(kit: GateKit, input: CheckRateLimitInput): Promise<PreparedRateLimit> {
  const registry = limiterRegistry(kit, input.rateLimit.settings);
  const { policies } = input.rateLimit;
  const subjects = await Promise.all(policies.map((p) => hashSubjects(p, input.identity, input.routeName)));
  // The whole identity, not the policies' subjects: see denyCandidates (a signed-in caller keeps its IP).
  const candidates = denyCandidates(input.identity);
  const denyHashes = registry.denyList.shared ? await Promise.all(candidates.map((c) => denyHash(c.dimension, c.value))) : [];
  const now = kit.clock.now();
  const pending: Promise<unknown>[] = [];
  const finish = (decision: Omit<RateLimitDecision, "pending" | "decidedAt">) => finishDecision(registry, decision, now, pending);

  const staticHit = registry.denyList.matchStatic(candidates);
  if (staticHit !== undefined) return { decided: finish(blocked(policies, staticHit.startsWith("ip:") ? "ip" : "user")) };
  const refreshDue = registry.denyList.refreshDue(now);
  if (registry.denyList.matchShared(denyHashes)) {
    // The local copy first, even when a re-read is due: a listed identity is refused with no round trip
    // on its path and no limiter debited. The due re-read still goes out, off the path (pending →
    // waitUntil): only this way does an isolate that sees nothing but the listed client ever learn
    // that the entry was removed (at most one interval and one request late).
    if (refreshDue) pending.push(registry.denyList.refresh());
    return { decided: finish(blocked(policies, sharedHitKind(registry, candidates, denyHashes))) };
  }

  if (registry.redis === null) {
    const outcomes = policies.map((p, i) => localOutcome(registry, p, subjects[i]!, now, "no-redis"));
    return { decided: finish(combine(outcomes, now)) };
  }

  const cached = cachedDenials(registry, policies, subjects, now);
  if (cached) return { decided: finish(combine(cached, now)) };

  return {
    async run() {
      // ---- one tick: everything below is issued before the first await (auto-pipelining) ----
      const refresh = refreshDue ? registry.denyList.refresh() : undefined;
      const runs = policies.map((p, i) => runPolicy(registry, p, subjects[i]!, now, pending));
      // Counters buffered since the last flush ride this request (HINCRBY is write-class, like EVALSHA).
      const counts = registry.counts.flushIfDue();
      if (counts) pending.push(counts);
      const [outcomes] = await Promise.all([Promise.all(runs), refresh]);

      if (refresh && registry.denyList.matchShared(denyHashes)) {
        return finish(blocked(policies, sharedHitKind(registry, candidates, denyHashes)));
      }
      return finish(combine(outcomes, now));
    },
  };
}

function runPolicy(
  registry: LimiterRegistry,
  policy: ResolvedRateLimitPolicy,
  subjects: Subject[],
  now: number,
  pending: Promise<unknown>[],
): Promise<PolicyOutcome> {
  const { kit, cache } = registry;
  const redis = registry.redis!;
  const failPolicy = policy.failPolicy ?? kit.config.rateLimit.failPolicy;
  const limiters = subjects.map((s) => registry.limiter(policy, s.dimension));
  const penaltyKeys = subjects.map((s) => kit.keys.rateLimit(`${policy.name}.penalty`, s.id));
  const readBucket = needsBucketRead(policy);

  const operation = () =>
    Promise.all(
      subjects.map((s, i) => {
        const limited = limiters[i]!.ratelimit.limit(s.id, { rate: policy.cost });
        // GETEX (no options = GET) on purpose: @upstash/redis auto-pipelines read commands such as GET
        // into a separate HTTP request from write commands such as EVALSHA; GETEX rides with EVALSHA.
        const penalty = policy.penaltyMs > 0 ? redis.getex<number>(penaltyKeys[i]!) : Promise.resolve(null);
        // Token bucket with cost > refillRate: the bucket's level, for a refusal's true retry time
        // (token-bucket.ts). The library's read script is an EVALSHA too: same HTTP request.
        const bucket: Promise<StoredBucket | null> = readBucket ? limiters[i]!.ratelimit.getRemaining(s.id) : Promise.resolve(null);
        return Promise.all([limited, penalty, bucket]);
      }),
    );
  const common = { name: `ratelimit.${policy.name}`, timeoutMs: kit.config.rateLimit.timeoutMs, breaker: kit.breaker };
  const guarded =
    failPolicy === "closed"
      ? guard(operation, { ...common, failPolicy: "closed" })
      : failPolicy === "local"
        ? guard(operation, { ...common, failPolicy: "local", local: () => null })
        : guard(operation, { ...common, failPolicy: "open", fallback: () => null });

  return guarded.then(
    ({ value, degraded }): PolicyOutcome => {
      if (value === null) {
        const reason = degraded ?? "redis-error";
        if (failPolicy === "local") return localOutcome(registry, policy, subjects, now, reason);
        return { policy, success: true, source: "unmeasured", degraded: reason };
      }
      const results = value.map(([response, penaltyUntil, bucket], i): SubjectResult => {
        pending.push(response.pending);
        const cacheKey = `${limiters[i]!.prefix}:${subjects[i]!.id}`;
        if (typeof penaltyUntil === "number" && penaltyUntil > now) {
          cache.set(cacheKey, penaltyUntil);
          return { success: false, remaining: 0, reset: penaltyUntil, source: "penalty" };
        }
        const source = response.reason === "cacheBlock" ? "cache" : "redis";
        let reset = response.reset;
        if (!response.success && source === "redis" && bucket) {
          reset = tokenBucketRetryAt(policy, response.reset, bucket);
          // Replaces the library's entry (the next refill, where Redis would refuse again).
          cache.set(cacheKey, reset);
        }
        if (!response.success && source === "redis" && policy.penaltyMs > 0) {
          const until = Math.max(now + policy.penaltyMs, reset);
          // Mirrored in this isolate's cache (overriding the library's window-end entry): 0 calls until then.
          cache.set(cacheKey, until);
          pending.push(writePenalty(registry, penaltyKeys[i]!, until, until - now));
          return { success: false, remaining: 0, reset: until, source: "penalty" };
        }
        return { success: response.success, remaining: response.remaining, reset, source };
      });
      return merge(policy, results);
    },
    (err: unknown): PolicyOutcome => {
      // Only the closed policy throws for an outage; anything else is a bug and propagates.
      if (!(err instanceof KitError) || !["E_REDIS_TIMEOUT", "E_REDIS_UNAVAILABLE", "E_CIRCUIT_OPEN"].includes(err.code)) throw err;
      const reason: RateLimitDegradedReason =
        err.code === "E_REDIS_TIMEOUT" ? "timeout" : err.code === "E_CIRCUIT_OPEN" ? "circuit-open" : "redis-error";
      const retryAfterMs = typeof err.context.retryAfterMs === "number" ? err.context.retryAfterMs : undefined;
      return { policy, success: false, source: "unmeasured", degraded: reason, unavailable: true, retryAfterMs };
    },
  );
}

function writePenalty(registry: LimiterRegistry, key: string, until: number, ms: number): Promise<unknown> {
  const redis = registry.redis!;
  return guard<unknown>(() => redis.set(key, until, { px: ms }), {
    name: "ratelimit.penalty",
    timeoutMs: registry.kit.config.rateLimit.timeoutMs,
    breaker: registry.kit.breaker,
    failPolicy: "open",
    // This isolate still enforces the penalty from its cache; other instances only see the window.
    fallback: (reason) => {
      console.warn(`[edge-kit] penalty not shared (${reason}); enforced by this instance only`);
      return null;
    },
  });
}

/** A policy decided from the per-instance stand-in (fail policy `local`, or memory mode). */
function localOutcome(
  registry: LimiterRegistry,
  policy: ResolvedRateLimitPolicy,
  subjects: Subject[],
  now: number,
  reason: RateLimitDegradedReason,
): PolicyOutcome {
  const results = subjects.map((s): SubjectResult => {
    const r = registry.local.limit(`${policy.name}:${s.id}`, {
      limit: policy.localLimit,
      windowMs: policy.windowMs,
      cost: policy.cost,
      now,
    });
    return { ...r, source: "local" };
  });
  return { ...merge(policy, results), degraded: reason };
}

/** The isolate's remembered denials/penalties; if any subject is blocked, the request is refused with no call. */
function cachedDenials(
  registry: LimiterRegistry,
  policies: readonly ResolvedRateLimitPolicy[],
  subjects: Subject[][],
  now: number,
): PolicyOutcome[] | undefined {
  let hit = false;
  const outcomes = policies.map((policy, i): PolicyOutcome => {
    let until: number | undefined;
    for (const s of subjects[i]!) {
      const blockedUntil = registry.cache.blockedUntil(`${registry.limiter(policy, s.dimension).prefix}:${s.id}`, now);
      if (blockedUntil !== undefined) until = Math.max(until ?? 0, blockedUntil);
    }
    if (until === undefined) return { policy, success: true, source: "unmeasured" };
    hit = true;
    return { policy, success: false, source: "cache", remaining: 0, reset: until };
  });
  return hit ? outcomes : undefined;
}

function sharedHitKind(registry: LimiterRegistry, candidates: ReturnType<typeof denyCandidates>, hashes: string[]): "ip" | "user" {
  const index = hashes.findIndex((h) => registry.denyList.matchShared([h]));
  return candidates[index]?.dimension ?? "ip";
}

