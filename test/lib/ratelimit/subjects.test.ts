/**
 * Identity hashing (lib/ratelimit/subjects.ts): identifiers reach Redis only as truncated SHA-256, and
 * returning clients are hashed once — the memo must hold as many clients as one instance serves
 * (issue 10: a cycling pool of 5,000 clients used to miss it on every request).
 */
import { createHash } from "node:crypto";
import { afterEach, expect, it, vi } from "vitest";
import { HASH_MEMO_SIZE, hashParts } from "../../../lib/ratelimit/subjects";

afterEach(() => vi.restoreAllMocks());

/** Counts the digests actually computed; calls through to the real crypto.subtle. */
function countDigests(): { readonly calls: number } {
  const spy = vi.spyOn(crypto.subtle, "digest");
  return {
    get calls() {
      return spy.mock.calls.length;
    },
  };
}

it("is the first 128 bits of SHA-256 over the NUL-joined parts, as hex", async () => {
  const expected = createHash("sha256").update("rl\u0000orders\u0000ip\u0000203.0.113.7").digest("hex").slice(0, 32);
  expect(await hashParts("rl", "orders", "ip", "203.0.113.7")).toBe(expected);
});

it("hashes each of 20,000 returning clients once (a rate-limit and a deny-list id each), however they cycle", async () => {
  const clients = Array.from({ length: 20_000 }, (_, i) => `cycle-${i}`);
  const pass = () => Promise.all(clients.flatMap((ip) => [hashParts("rl", "api", "ip", ip), hashParts("deny", "ip", ip)]));
  const digests = countDigests();
  const first = await pass();
  expect(digests.calls).toBe(40_000);
  const second = await pass();
  expect(digests.calls).toBe(40_000);
  expect(second).toEqual(first);
}, 30_000); // 40,000 real digests twice: seconds on a loaded 2-core machine, past the default 5 s

it("evicts the least recently used entry when full, not the oldest one still in use", async () => {
  const fill = Array.from({ length: HASH_MEMO_SIZE }, (_, i) => `lru-${i}`);
  await Promise.all(fill.map((v) => hashParts("lru", v)));
  await hashParts("lru", "lru-0"); // used again: now the most recent
  await hashParts("lru", "lru-new"); // evicts lru-1, the least recently used
  const digests = countDigests();
  await hashParts("lru", "lru-0");
  expect(digests.calls).toBe(0);
  await hashParts("lru", "lru-1");
  expect(digests.calls).toBe(1);
}, 30_000);
