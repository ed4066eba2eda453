/**
 * Next's split of idempotency, driven as Next drives it: the gate (middleware.ts runs it through
 * runGates) claims the key and forwards the claim in a request header; the route's withIdempotency
 * runs the handler, renews the claim's lease meanwhile (heartbeat.ts) and settles it. Real kit,
 * real client, real upstash-local; the middleware step is the gate itself, not a stand-in.
 */
import { afterAll, describe, expect, it } from "vitest";
import { runGates } from "@/lib/gate";
import { idempotencyGate, IdempotencyClaimLostError, sha256Base64Url, withIdempotency, type IdempotentRouteHandler } from "@/lib/idempotency";
import { createRouteTable, type RoutePolicy } from "@/lib/policy";
import { createTestKit } from "../../setup/kit";
import { testRedis } from "../../setup/redis";

const kit = createTestKit();
const raw = testRedis();
afterAll(async () => {
  const keys = await raw.keys(`${kit.keys.prefix}:*`);
  if (keys.length > 0) await raw.del(...keys);
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Renewals every 200 ms leave 400 ms for a round trip on a busy machine.
const table = createRouteTable<RoutePolicy>([{ pattern: "/pay", methods: ["POST"], name: "pay", policy: { idempotency: { lease: "600 ms" } } }]);
let n = 0;

/** One request as Next serves it: middleware (the gate) first, then the wrapped route with the forwarded headers. */
async function serve(route: (request: Request, context: unknown) => Response | Promise<Response>, key: string, ip: string): Promise<Response> {
  const url = "http://localhost/api/pay";
  const init = { method: "POST", headers: { "content-type": "application/json", "idempotency-key": key }, body: "{}" };
  const request = new Request(url, init);
  const gated = await runGates([idempotencyGate], {
    kit,
    request,
    route: table.match("POST", "/pay")!,
    identity: { ip, userId: null },
    waitUntil: () => undefined,
  });
  if (gated.action === "respond") return gated.response!;
  const headers = new Headers(init.headers);
  gated.requestHeaders.forEach((value, name) => headers.set(name, value));
  return route(new Request(url, { ...init, headers }), {});
}

describe("withIdempotency renews the claim while the handler runs", () => {
  it("a handler 2.5× slower than its lease runs once: duplicates get 409, then the replay", async () => {
    let runs = 0;
    const route = withIdempotency(async () => {
      const run = ++runs;
      await sleep(1500);
      return Response.json({ run }, { status: 201 });
    }, { kit: () => kit });
    const [key, ip] = [crypto.randomUUID(), `203.0.113.${++n}`];
    const first = serve(route, key, ip);
    await sleep(800); // past the lease granted at claim time
    expect((await serve(route, key, ip)).status).toBe(409);
    const original = await first;
    expect(original.status).toBe(201);
    const replay = await serve(route, key, ip);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual({ run: 1 });
    expect(runs).toBe(1);
  });

  it("hands the handler a signal that aborts with IdempotencyClaimLostError once the claim is gone", async () => {
    const [key, ip] = [crypto.randomUUID(), `203.0.113.${++n}`];
    let reason: unknown;
    const handler: IdempotentRouteHandler<unknown> = async (_request, _context, { signal }) => {
      await raw.del(kit.keys.idempotency(`ip:${ip}`, await sha256Base64Url(key))); // the record taken away mid-run
      reason = await new Promise((resolve) => signal.addEventListener("abort", () => resolve(signal.reason), { once: true }));
      return new Response("late", { status: 201 });
    };
    const original = console.warn;
    console.warn = () => undefined;
    try {
      const res = await serve(withIdempotency(handler, { kit: () => kit }), key, ip);
      expect(res.status).toBe(201);
    } finally {
      console.warn = original;
    }
    expect(reason).toBeInstanceOf(IdempotencyClaimLostError);
    expect(reason).toMatchObject({ code: "E_IDEMPOTENCY_CLAIM_LOST", context: { why: "taken" } });
  });
});
