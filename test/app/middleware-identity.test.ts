/**
 * middleware.ts identifies callers with kit.config.ts's `resolveUser`: per-user budgets and idempotency
 * scopes for callers behind one address. The app's real table and getKit(); kit.config's resolver is the
 * one thing replaced (the example app has no users), with one that trusts a test header.
 */
import { NextRequest, type NextFetchEvent } from "next/server";
import { describe, expect, it, vi } from "vitest";
import { useNextMiddleware } from "./next-middleware";

vi.mock("@/kit.config", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/kit.config")>()),
  resolveUser: (req: Request) => req.headers.get("x-test-user"),
}));

const middleware = useNextMiddleware("mwid", { RATE_LIMIT_TIMEOUT_MS: "5000" });

const remaining = async (user: string | null) => {
  const headers: Record<string, string> = { "x-forwarded-for": "203.0.113.44", ...(user ? { "x-test-user": user } : {}) };
  const res = await middleware()(new NextRequest("http://localhost/api/anything", { headers }), { waitUntil: () => undefined } as unknown as NextFetchEvent);
  return res.headers.get("x-ratelimit-remaining");
};

describe("middleware.ts and kit.config.ts resolveUser", () => {
  it("gives each user behind one address a budget of their own (`api`: user-or-ip)", async () => {
    expect(await remaining("alice")).toBe("99");
    expect(await remaining("bob")).toBe("99");
    expect(await remaining("alice")).toBe("98");
    expect(await remaining(null)).toBe("99"); // the anonymous caller at that address: the IP's budget
  });
});
