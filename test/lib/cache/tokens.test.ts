/**
 * Version tokens only need to be unique; lease tokens are capabilities (a fill ticket lets its holder
 * write the cache entry), so they must not be predictable from one another.
 */
import { describe, expect, it } from "vitest";
import { newLeaseToken, newToken } from "@/lib/cache/memory-store";
import { createTestKit } from "../../setup/kit";

const kit = createTestKit();

/** Length of the common prefix of two strings. */
function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

describe("lease tokens", () => {
  it("carry 128 random bits: consecutive tokens share no more than chance would", () => {
    const tokens = Array.from({ length: 500 }, () => newLeaseToken());
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const t of tokens) expect(t).toMatch(/^l[0-9a-f]{32}$/);
    // Random hex: P(8 equal leading digits) = 16^-8 per pair. A nonce + sequence scheme shares ~25.
    for (let i = 1; i < tokens.length; i++) expect(sharedPrefix(tokens[i - 1]!, tokens[i]!)).toBeLessThan(1 + 8);
  });

  it("keep coming after the random pool is refilled (more than 64 per 1 KiB pool)", () => {
    const tokens = Array.from({ length: 200 }, () => newLeaseToken());
    expect(new Set(tokens).size).toBe(200);
    expect(tokens.at(-1)).toMatch(/^l[0-9a-f]{32}$/);
  });

  it("are what a fill ticket is made of: two tickets for the same key reveal nothing about each other", async () => {
    const fill = kit.cache.withNamespace("tokens").fill;
    const first = await fill.begin("k1");
    const second = await fill.begin("k2");
    expect(first.lease?.won).toBe(true);
    expect(second.lease?.won).toBe(true);
    const leaseOf = (ticket: string) => ticket.split(".")[0]!;
    const [a, b] = [leaseOf(first.lease!.ticket), leaseOf(second.lease!.ticket)];
    expect(a).toMatch(/^l[0-9a-f]{32}$/);
    expect(sharedPrefix(a, b)).toBeLessThan(1 + 8);
    await fill.release("k1", first.lease!.ticket);
    await fill.release("k2", second.lease!.ticket);
  });
});

describe("version tokens", () => {
  it("are unique and start with a letter, so JSON never reads one as a number", () => {
    const tokens = Array.from({ length: 1000 }, () => newToken());
    expect(new Set(tokens).size).toBe(1000);
    for (const t of tokens) expect(t).toMatch(/^v[0-9a-f]{24}[0-9a-z]+$/);
  });
});
