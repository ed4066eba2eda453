/**
 * `cache.fill`: the manual fill used across invocations (middleware takes the lease, the route stores
 * the value). The ticket is the lease token plus the version tokens captured before loading, joined
 * with "."; it travels from the gate to the route in a request header.
 *
 * Only a ticket carrying a complete set of captured tokens writes to Redis: that stamp is what keeps a
 * value loaded before an invalidation from being written as valid after it. An empty ticket (degraded
 * lookup, lost lease) keeps the value in this instance's memory store only (`unshared: "no-ticket"`).
 *
 * Two halves: `createFillLease` (begin / acquire / release: all the gates run, over the lease functions
 * of backend-lease.ts) and `createFill`, which adds `complete` and `holds` over the whole CacheBackend.
 */
import type { CacheBackend } from "./backend";
import { acquireLease, releaseLease, versionKeys } from "./backend-lease";
import { capturedStamp, type BackendDeps, type BackendInfo, type PendingEntry } from "./backend-types";
import type { EntryOutcome, CacheEnvelope } from "./envelope";
import { lookupOrLease } from "./lookup-or-lease";
import { newLeaseToken } from "./memory-store";
import type { CacheFill, CacheFillLease, CacheLookup, FillBegin, LeaseOptions, WriteOptions } from "./types";

/** What the namespaced cache lends its fill's lease half (closures of cache-state.ts). */
export interface FillLeaseContext {
  namespace: string;
  deps: BackendDeps;
  defaultLeaseMs: number;
  note<R extends BackendInfo>(result: R): R;
  toLookup<T>(read: BackendInfo & { outcome: EntryOutcome; entry?: CacheEnvelope }, key?: string): CacheLookup<T>;
  leaseSettings(call: false | LeaseOptions | undefined): false | { ttlMs: number; waitMs: number };
}

/** …and what the whole fill needs on top: the backend's write paths and the entry encoder. */
export interface FillContext extends FillLeaseContext {
  backend: CacheBackend;
  pending(key: string, value: unknown, ttl: WriteOptions): PendingEntry;
}

export function createFillLease(ctx: FillLeaseContext): CacheFillLease {
  const { namespace, deps, note } = ctx;
  const { keys } = deps;
  const leaseMs = (lease: false | LeaseOptions | undefined) => {
    const settings = ctx.leaseSettings(lease);
    return settings === false ? ctx.defaultLeaseMs : settings.ttlMs;
  };
  const ticketOf = (token: string, tokens: readonly (string | undefined)[]) => [token, ...tokens.map((t) => t ?? "")].join(".");

  /** Takes the fill lease, creating the missing version keys; the ticket is "" unless Redis granted it. */
  async function acquire(key: string, tags: readonly string[], lease: LeaseOptions | undefined, leaseToken: string) {
    const taken = note(await acquireLease(deps, keys.cache(namespace, key), leaseToken, leaseMs(lease), { namespace, tags }));
    const ticket = taken.backend === "redis" && taken.won ? ticketOf(leaseToken, taken.tokens ?? []) : "";
    return { won: taken.won, ticket, backend: taken.backend, ...(taken.degraded ? { degraded: taken.degraded } : {}) };
  }

  return {
    async begin<T>(key: string, options: Parameters<CacheFillLease["begin"]>[1] = {}): Promise<FillBegin<T>> {
      const proof = options.proof ?? "";
      const readOnly = options.lease === false;
      const leaseToken = readOnly ? "" : newLeaseToken(); // "": the script takes no lease
      const tags = options.tags ?? [];
      // "pass" is the pass marker's value (lease-pass-script.ts), never a lease token: as a proof, a
      // client's forged ticket would match the marker and make its request the "filler".
      const proofToken = proof.split(".")[0] ?? "";
      // Issued synchronously (guard → EVALSHA): lib/gate batches this call with the rate limit's.
      const found = note(
        await lookupOrLease(deps, namespace, key, versionKeys(deps, namespace, tags), {
          proof: proofToken === "pass" ? "" : proofToken,
          leaseToken,
          leaseMs: leaseMs(options.lease),
        }),
      );
      if (found.outcome === "proven") {
        return { status: "miss", value: undefined, backend: found.backend, proven: true, lease: { won: true, ticket: proof } };
      }
      const lookup = ctx.toLookup<T>({ ...found, outcome: found.outcome }, key);
      if (lookup.status === "hit" || readOnly) return { ...lookup, proven: false };
      if (found.outcome === "hit" && found.backend === "redis") {
        // The script saw a fresh hit, so it took no lease, but the entry could not be decoded: take the
        // lease now, so this request refills it (instead of everyone waiting for a fill nobody runs).
        const { won, ticket } = await acquire(key, tags, options.lease || undefined, leaseToken);
        return { ...lookup, proven: false, lease: { won, ticket } };
      }
      const ticket = found.backend === "redis" && found.leased ? ticketOf(leaseToken, found.tokens) : "";
      return { ...lookup, proven: false, lease: { won: found.leased, ticket, ...(found.passed ? { pass: true as const } : {}) } };
    },
    async acquire(key, fillOptions = {}) {
      return acquire(key, fillOptions.tags ?? [], fillOptions.lease, newLeaseToken());
    },
    async release(key, ticket) {
      const [leaseToken] = ticket.split(".");
      if (leaseToken) note(await releaseLease(deps, keys.cache(namespace, key), leaseToken));
    },
  };
}

export function createFill(ctx: FillContext): CacheFill {
  const { namespace, backend, note } = ctx;
  const { keys } = ctx.deps;
  return {
    ...createFillLease(ctx),
    async complete(key, value, write) {
      const tags = write.tags ?? [];
      const [leaseToken, ...tokens] = write.ticket.split(".");
      let entry: PendingEntry;
      try {
        entry = ctx.pending(key, value, write);
      } catch (err) {
        // Unserializable or too large: nothing to store, but the lease must not wait out its ttl.
        if (leaseToken) await backend.releaseLease(keys.cache(namespace, key), leaseToken).catch(() => undefined);
        throw err;
      }
      const stamp = capturedStamp(tokens, tags.length + 1);
      if (!stamp) {
        if (leaseToken) note(await backend.releaseLease(entry.key, leaseToken));
        return backend.writeUnshared(namespace, tags, [entry]);
      }
      if (!leaseToken) return note(await backend.write(namespace, tags, [entry], stamp));
      return note(await backend.writeAndRelease(namespace, tags, [entry], stamp, { entryKey: entry.key, token: leaseToken }));
    },
    async holds(key, ticket) {
      const [leaseToken] = ticket.split(".");
      return leaseToken ? backend.holdsLease(keys.cache(namespace, key), leaseToken) : false;
    },
    async pass(key, ticket, ms) {
      const [leaseToken] = ticket.split(".");
      if (leaseToken) note(await backend.passLease(keys.cache(namespace, key), leaseToken, ms));
    },
  };
}
