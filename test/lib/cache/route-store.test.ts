/**
 * The Next half of a cached read, driven as middleware.ts and the route do it: `cacheGate` takes the
 * fill lease on a MISS and forwards the ticket; `withCachedResponse` runs the route and stores. Real
 * kit, real Redis. A route that throws must not keep the lease, or every reader of that URL waits 3 s
 * for a fill that never comes and then loads unstored: it leaves a pass marker (readers go to the
 * route at once, unstored) until UNSTORABLE_PASS_MS lapses.
 */
import { describe, expect, it } from "vitest";
import { CACHE_FILL_HEADER, withCachedResponse } from "@/lib/cache";
import { cacheGate } from "@/lib/cache/gate";
import type { GateOutcome } from "@/lib/gate";
import { createRouteTable, defineRoutes } from "@/lib/policy";
import { fillLeases, lapse } from "../../setup/fill-lease";
import { createTestKit } from "../../setup/kit";

const kit = createTestKit();
let counter = 0;

function setup() {
  const routes = defineRoutes([{ pattern: "/items/:id", methods: ["GET"], name: `rs-${Date.now().toString(36)}-${counter++}`, policy: { cache: { ttl: "1 m" } } }]);
  const table = createRouteTable(routes);
  const url = "http://localhost/api/items/7";
  /** middleware.ts's cache gate for a request to `url`. */
  const gate = (headers: Record<string, string> = {}) =>
    cacheGate({ kit, request: new Request(url, { headers }), route: table.match("GET", "/items/7")!, identity: { ip: null, userId: null }, waitUntil: () => {} });
  /** The request as the route sees it: with the ticket the gate forwarded. */
  const routed = (outcome: GateOutcome) => new Request(url, { headers: { [CACHE_FILL_HEADER]: ticketOf(outcome) } });
  return { routes, gate, routed, name: routes[0]!.name! };
}

function ticketOf(outcome: GateOutcome): string {
  return (outcome.action === "continue" && outcome.requestHeaders?.get(CACHE_FILL_HEADER)) || "";
}

describe("withCachedResponse", () => {
  it("turns the gate's fill lease into a pass marker when the route throws, then rethrows", async () => {
    const { routes, gate, routed, name } = setup();
    const miss = await gate();
    expect(ticketOf(miss)).not.toBe("");
    const failing = withCachedResponse(() => Promise.reject(new Error("database down")), { kit: () => kit, routes });
    await expect(failing(routed(miss), {})).rejects.toThrow("database down");

    // Passed: the next reader goes to the route at once, without a ticket (before, it waited for the lease).
    expect((await fillLeases(kit, name)).map((l) => l.value)).toEqual(["pass"]);
    const passed = await gate();
    expect(passed.action).toBe("continue");
    expect(ticketOf(passed)).toBe("");
    // Once the marker lapses, the next reader is the filler.
    await lapse(kit, name);
    const next = await gate();
    expect(next.action).toBe("continue");
    expect(ticketOf(next)).not.toBe("");
    const handler = withCachedResponse(() => Response.json({ id: "7" }), { kit: () => kit, routes });
    expect((await handler(routed(next), {})).headers.get("x-cache")).toBe("MISS");
    const hit = await gate();
    expect(hit.action === "respond" && hit.response.headers.get("x-cache")).toBe("HIT");
  });

  it("a MISS carrying validators is forwarded without them (as middleware.ts forwards: an empty value removes the field), so a route honouring them answers the 200 that fills the entry", async () => {
    const { routes, gate } = setup();
    const client = { "if-none-match": '"7-v1"', "if-modified-since": "Sun, 06 Dec 2026 00:00:00 GMT" };
    const miss = await gate(client);
    if (miss.action !== "continue") throw new Error("expected a MISS");
    // middleware.ts: the client's headers, minus what the gates remove, plus what they set.
    const forwarded = new Headers(client);
    miss.requestHeaders?.forEach((value, name) => (value === "" ? forwarded.delete(name) : forwarded.set(name, value)));
    expect([forwarded.has("if-none-match"), forwarded.has("if-modified-since")]).toEqual([false, false]);
    const honouring = withCachedResponse(
      (req) => (req.headers.get("if-none-match") === '"7-v1"' ? new Response(null, { status: 304, headers: { etag: '"7-v1"' } }) : Response.json({ id: "7" }, { headers: { etag: '"7-v1"' } })),
      { kit: () => kit, routes },
    );
    const filled = await honouring(new Request("http://localhost/api/items/7", { headers: forwarded }), {});
    expect([filled.status, filled.headers.get("x-cache")]).toEqual([200, "MISS"]);
    const hit = await gate(client);
    expect(hit.action === "respond" && [hit.response.status, hit.response.headers.get("x-cache")]).toEqual([304, "HIT"]);
  });

  it("a HIT in the middleware answers a matching If-None-Match with 304 (x-cache kept, no body)", async () => {
    const { routes, gate, routed } = setup();
    const handler = withCachedResponse(() => Response.json({ id: "7" }, { headers: { etag: '"7-v1"' } }), { kit: () => kit, routes });
    await handler(routed(await gate()), {});
    const conditional = await gate({ "if-none-match": '"7-v1"' });
    if (conditional.action !== "respond") throw new Error("expected the gate to answer");
    expect([conditional.response.status, conditional.response.headers.get("x-cache"), conditional.response.headers.get("etag")]).toEqual([304, "HIT", '"7-v1"']);
    expect(await conditional.response.text()).toBe("");
  });
});
