/**
 * Every Next route under an idempotency policy in kit.config.ts must export handlers wrapped with
 * withIdempotency. An unwrapped one would leave each claim in flight (every retry 409 until the
 * lease lapses, then the handler runs again): the exactly-once guarantee silently gone.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { routes } from "@/kit.config";
import { withErrorBoundary } from "@/lib/http";
import { isIdempotencyWrapped, resolveIdempotencyPolicy, withIdempotency } from "@/lib/idempotency";

const ROOT = join(__dirname, "../..");
const covered = routes.filter((r) => r.policy.idempotency);

/** `/items/:id` → app/api/items/[id]/route.ts */
function routeFile(pattern: string): string {
  const segments = pattern.split("/").filter(Boolean).map((s) => (s.startsWith(":") ? `[${s.slice(1)}]` : s));
  return join(ROOT, "app/api", ...segments, "route.ts");
}

describe("routes under an idempotency policy", () => {
  it("include POST /orders (so this test checks something)", () => {
    expect(covered.map((r) => r.pattern)).toContain("/orders");
  });

  it.each(covered.map((r) => [r.pattern, r] as const))("%s: every covered method's Next handler is wrapped", async (pattern, route) => {
    const file = routeFile(pattern);
    expect(existsSync(file), `${file} should exist for a route under an idempotency policy`).toBe(true);
    const mod = (await import(file)) as Record<string, unknown>;
    const policy = resolveIdempotencyPolicy(route.policy.idempotency || {}, { idempotency: { failPolicy: "closed" } });
    const methods = policy.methods.filter((m) => !route.methods || route.methods.includes(m));
    expect(methods.length).toBeGreaterThan(0);
    for (const method of methods) {
      expect(mod[method], `${pattern} exports no ${method}`).toBeTypeOf("function");
      expect(isIdempotencyWrapped(mod[method]), `${pattern} ${method} is not wrapped with withIdempotency`).toBe(true);
    }
  });

  it("the brand tells wrapped from plain handlers", () => {
    const plain = async () => new Response("ok");
    expect(isIdempotencyWrapped(plain)).toBe(false);
    expect(isIdempotencyWrapped(withIdempotency(plain))).toBe(true);
    expect(isIdempotencyWrapped(undefined)).toBe(false);
    // The route error boundary outside it keeps the brand; inside it does not count.
    expect(isIdempotencyWrapped(withErrorBoundary(withIdempotency(plain)))).toBe(true);
    expect(isIdempotencyWrapped(withErrorBoundary(plain))).toBe(false);
  });
});
