/**
 * Idempotency-Key header parsing: the draft's sf-string form, the bare form clients actually send,
 * and every way a key is refused (each becomes a 400 problem naming the reason).
 */
import { describe, expect, it } from "vitest";
import { parseIdempotencyKey } from "@/lib/http";

const UUID = "8e03978e-40d5-43e8-bc93-6894a57f9324";

describe("parseIdempotencyKey", () => {
  it("accepts the draft's structured-field string and unescapes it", () => {
    expect(parseIdempotencyKey(`"${UUID}"`)).toEqual({ ok: true, key: UUID, quoted: true });
    expect(parseIdempotencyKey(`  "${UUID}"  `)).toEqual({ ok: true, key: UUID, quoted: true });
    expect(parseIdempotencyKey(String.raw`"abc\"def\\ghi-0123456789"`)).toEqual({ ok: true, key: 'abc"def\\ghi-0123456789', quoted: true });
  });

  it("accepts sf parameters after the string and ignores them (RFC 8941 §3.1.2)", () => {
    expect(parseIdempotencyKey(`"${UUID}";origin=web;v=2`)).toMatchObject({ ok: true, key: UUID });
  });

  it("accepts a bare key by default (Stripe-style clients) but not in strict mode", () => {
    expect(parseIdempotencyKey(UUID)).toEqual({ ok: true, key: UUID, quoted: false });
    expect(parseIdempotencyKey(UUID, { syntax: "strict" })).toMatchObject({ ok: false, problem: "malformed" });
  });

  it.each([
    [null, "missing"],
    ["", "missing"],
    ["   ", "missing"],
    [`"${UUID}`, "malformed"],
    [`"${UUID}" trailing`, "malformed"],
    [`"${UUID}", "${UUID}"`, "multiple"],
    [`${UUID}, ${UUID}`, "multiple"],
    ["has space in the middle of it", "invalid-characters"],
    [`"key with spaces in it ok?"`, "invalid-characters"],
    ["ключ-ключ-ключ-ключ", "invalid-characters"],
    [`"tab\there-1234567890"`, "malformed"],
    ["short-key", "too-short"],
    ["x".repeat(256), "too-long"],
  ] as const)("%j → %s", (raw, problem) => {
    const parsed = parseIdempotencyKey(raw);
    expect(parsed).toMatchObject({ ok: false, problem });
    if (!parsed.ok) expect(parsed.detail.length).toBeGreaterThan(10);
  });

  it("applies custom length rules", () => {
    expect(parseIdempotencyKey("abc", { minLength: 3 })).toMatchObject({ ok: true, key: "abc" });
    expect(parseIdempotencyKey(UUID, { maxLength: 20 })).toMatchObject({ ok: false, problem: "too-long" });
  });
});
