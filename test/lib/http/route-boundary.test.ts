/**
 * withErrorBoundary: a Next route handler's failure it did not answer itself becomes an RFC 9457
 * problem (the same mapping as middleware.ts and the Hono app's onError), never Next's bare 500.
 */
import { describe, expect, it } from "vitest";
import { RedisUnavailableError } from "@/lib/errors";
import { withErrorBoundary } from "@/lib/http";

const request = (path = "/api/things/1") => new Request(`http://localhost${path}`, { method: "POST" });

function quietly<T>(run: () => Promise<T>): Promise<T> {
  const original = console.error;
  console.error = () => undefined;
  return run().finally(() => (console.error = original));
}

describe("withErrorBoundary", () => {
  it("passes the handler's own response and arguments through untouched", async () => {
    const handler = withErrorBoundary(async (req: Request, ctx: { params: Promise<{ id: string }> }) => new Response(`${req.method} ${(await ctx.params).id}`, { status: 201 }));
    const res = await handler(request(), { params: Promise.resolve({ id: "7" }) });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe("POST 7");
  });

  it("turns an unexpected throw into a 500 problem naming the path, without the message or a stack", async () => {
    const handler = withErrorBoundary(() => {
      throw new Error("secret detail at db.query (/srv/app/db.ts:12:3)");
    });
    const res = await quietly(() => handler(request()));
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ status: 500, title: "Internal error", instance: "/api/things/1" });
    expect(text).not.toMatch(/secret|db\.ts|at /);
  });

  it("turns a dependency outage into 503 + Retry-After", async () => {
    const handler = withErrorBoundary(async () => {
      throw new RedisUnavailableError("queue.enqueue", { cause: new Error("ECONNREFUSED") });
    });
    const res = await handler(request());
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toMatchObject({ code: "E_REDIS_UNAVAILABLE" });
  });
});
