/**
 * `cache.fill`: the manual fill used across invocations (middleware takes the lease, the route stores
 * the value). The ticket is the lease token plus the version tokens captured before loading, joined
 * with "."; it travels from the gate to the route in a request header.
 *
 * Only a ticket carrying a complete set of captured tokens writes to Redis: that stamp is what keeps a
 * value loaded before an invalidation from being written as valid after it. An empty ticket (degraded
 * lookup, lost lease) keeps the value in this instance's memory store only (`unshared: "no-ticket"`).
 */
import type { Keys } from "../keys";
import { capturedStamp, type BackendInfo, type CacheBackend, type PendingEntry } from "./backend";
import type { EntryOutcome, CacheEnvelope } from "./envelope";
import { newLeaseToken } from "./memory-store";
import type { CacheFill, CacheLookup, FillBegin, LeaseOptions, WriteOptions } from "./types";

/** What the namespaced cache lends its fill (closures of cache.ts). */
export interface FillContext {
  namespace: string;
  backend: CacheBackend;
  keys: Keys;
  defaultLeaseMs: number;
  note<R extends BackendInfo>(result: R): R;
  toLookup<T>(read: BackendInfo & { outcome: EntryOutcome; entry?: CacheEnvelope }, key?: string): CacheLookup<T>;
  leaseSettings(call: false | LeaseOptions | undefined): false | { ttlMs: number; waitMs: number };
  pending(key: string, value: unknown, ttl: WriteOptions): PendingEntry;
}

export function createFill(ctx: FillContext): CacheFill {
  const { namespace, backend, keys, note } = ctx;
  const leaseMs = (lease: false | LeaseOptions | undefined) => {
    const settings = ctx.leaseSettings(lease);
    return settings === false ? ctx.defaultLeaseMs : settings.ttlMs;
  };
  const ticketOf = (token: string, tokens: readonly (string | undefined)[]) => [token, ...tokens.map((t) => t ?? "")].join(".");

  /** Takes the fill lease, creating the missing version keys; the ticket is "" unless Redis granted it. */
  async function acquire(key: string, tags: readonly string[], lease: LeaseOptions | undefined, leaseToken: string) {
    const taken = note(await backend.acquireLease(keys.cache(namespace, key), leaseToken, leaseMs(lease), { namespace, tags }));
    const ticket = taken.backend === "redis" && taken.won ? ticketOf(leaseToken, taken.tokens ?? []) : "";
    return { won: taken.won, ticket, backend: taken.backend, ...(taken.degraded ? { degraded: taken.degraded } : {}) };
  }

  return {
    async begin<T>(key: string, options: Parameters<CacheFill["begin"]>[1] = {}): Promise<FillBegin<T>> {
      const proof = options.proof ?? "";
      const leaseToken = newLeaseToken();
      // Issued synchronously (backend → guard → EVALSHA): lib/gate batches this call with the rate limit's.
      const found = note(
        await backend.lookupOrLease(namespace, key, options.tags ?? [], {
          proof: proof.split(".")[0] ?? "",
          leaseToken,
          leaseMs: leaseMs(options.lease),
        }),
      );
      if (found.outcome === "proven") {
        return { status: "miss", value: undefined, backend: found.backend, proven: true, lease: { won: true, ticket: proof } };
      }
      const lookup = ctx.toLookup<T>({ ...found, outcome: found.outcome }, key);
      if (lookup.status === "hit") return { ...lookup, proven: false };
      if (found.outcome === "hit" && found.backend === "redis") {
        // The script saw a fresh hit, so it took no lease, but the entry could not be decoded: take the
        // lease now, so this request refills it (instead of everyone waiting for a fill nobody runs).
        const { won, ticket } = await acquire(key, options.tags ?? [], options.lease, leaseToken);
        return { ...lookup, proven: false, lease: { won, ticket } };
      }
      const ticket = found.backend === "redis" && found.leased ? ticketOf(leaseToken, found.tokens) : "";
      return { ...lookup, proven: false, lease: { won: found.leased, ticket } };
    },
    async acquire(key, fillOptions = {}) {
      return acquire(key, fillOptions.tags ?? [], fillOptions.lease, newLeaseToken());
    },
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
    async release(key, ticket) {
      const [leaseToken] = ticket.split(".");
      if (leaseToken) note(await backend.releaseLease(keys.cache(namespace, key), leaseToken));
    },
    async holds(key, ticket) {
      const [leaseToken] = ticket.split(".");
      return leaseToken ? backend.holdsLease(keys.cache(namespace, key), leaseToken) : false;
    },
  };
}
