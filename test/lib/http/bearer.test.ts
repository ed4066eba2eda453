import { describe, expect, it } from "vitest";
import { bearerToken, timingSafeEqual, verifyBearer } from "@/lib/http";

const SECRET = "metrics-secret-0123456789";

describe("verifyBearer", () => {
  it("accepts exactly the configured token, scheme case-insensitive", async () => {
    expect(await verifyBearer(`Bearer ${SECRET}`, SECRET)).toBe(true);
    expect(await verifyBearer(`bearer ${SECRET}`, SECRET)).toBe(true);
  });

  it.each([
    ["missing header", null],
    ["empty header", ""],
    ["wrong token", "Bearer metrics-secret-0123456780"],
    ["prefix of the token", `Bearer ${SECRET.slice(0, -1)}`],
    ["token plus extra", `Bearer ${SECRET}x`],
    ["other scheme", `Basic ${SECRET}`],
    ["token without scheme", SECRET],
    ["two tokens", `Bearer ${SECRET} ${SECRET}`],
  ])("rejects %s", async (_, header) => {
    expect(await verifyBearer(header, SECRET)).toBe(false);
  });

  it("rejects everything when no secret is configured (an unset token locks, never opens)", async () => {
    expect(await verifyBearer("Bearer ", null)).toBe(false);
    expect(await verifyBearer("Bearer anything", null)).toBe(false);
    expect(await verifyBearer("Bearer x", "")).toBe(false);
  });

  it("bearerToken parses RFC 6750 b64token syntax only", () => {
    expect(bearerToken("Bearer abc.DEF-_~+/==")).toBe("abc.DEF-_~+/==");
    expect(bearerToken("Bearer a=b")).toBeNull();
    expect(bearerToken("Bearer")).toBeNull();
  });

  it("timingSafeEqual compares length and every byte", () => {
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
  });
});
