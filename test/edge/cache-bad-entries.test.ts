/**
 * A stored snapshot that is not what the kit writes (another version's shape, a hand-edited key,
 * garbage) must not turn every request into a 500 until it expires: it is treated as a MISS — the
 * route runs, says so in `x-cache-degraded: corrupt-entry` and a log line — and overwritten.
 */
import { describe, expect, it, vi } from "vitest";
import { createApp } from "@/edge/app";
import { responseCacheTarget, routeCachePolicy, type RouteCachePolicy } from "@/lib/cache";
import { createRouteTable, defineRoutes } from "@/lib/policy";
import { createTestKit } from "../setup/kit";

const BASE = "/api/edge";
const kit = createTestKit();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let counter = 0;

/** An app whose GET /thing caches under `cache`, and a way to write `value` straight into its entry. */
async function appWithPlanted(cache: RouteCachePolicy) {
  const routes = defineRoutes([{ pattern: "/thing", methods: ["GET"], name: `bad-${Date.now().toString(36)}-${counter++}`, policy: { cache } }]);
  const app = createApp(kit, { basePath: BASE, routes });
  let n = 0;
  app.get("/thing", (c) => c.json({ n: ++n }));
  const request = new Request(`http://localhost${BASE}/thing`);
  const route = createRouteTable(routes).match("GET", "/thing")!;
  const target = (await responseCacheTarget(request, route, routeCachePolicy(route, "GET")!))!;
  const plant = (value: unknown, ttl?: RouteCachePolicy["ttl"]) =>
    kit.cache.withNamespace(target.namespace, target.policy).set(target.key, value, { tags: target.tags, ...(ttl ? { ttl } : {}) });
  return { get: () => app.request(`${BASE}/thing`), plant, loads: () => n };
}

const MALFORMED: [string, unknown][] = [
  ["a string", "<html>not a snapshot</html>"],
  ["null", null],
  ["status not a number", { status: "200", headers: [], body: "" }],
  ["status out of range", { status: 1000, headers: [], body: "" }],
  ["headers not pairs", { status: 200, headers: { "content-type": "text/plain" }, body: "" }],
  ["an invalid header name", { status: 200, headers: [["bad name", "v"]], body: "" }],
  ["a header value with a newline", { status: 200, headers: [["x-a", "1\r\nset-cookie: a=b"]], body: "" }],
  ["body not base64", { status: 200, headers: [], body: "%%% not base64 %%%" }],
  ["body missing", { status: 200, headers: [] }],
];

describe("malformed stored snapshots", () => {
  it.each(MALFORMED)("%s: a MISS (route runs, x-cache-degraded: corrupt-entry), then overwritten and a clean HIT", async (_label, value) => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const { get, plant, loads } = await appWithPlanted({ ttl: "1 m" });
      await plant(value);
      const first = await get();
      expect(first.status).toBe(200);
      expect(first.headers.get("x-cache")).toBe("MISS");
      expect(first.headers.get("x-cache-degraded")).toBe("corrupt-entry");
      expect(await first.json()).toStrictEqual({ n: 1 });
      expect(warn.mock.calls.some((args) => String(args[0]).includes("malformed"))).toBe(true);

      const second = await get();
      expect([second.status, second.headers.get("x-cache"), second.headers.get("x-cache-degraded")]).toEqual([200, "HIT", null]);
      expect(await second.json()).toStrictEqual({ n: 1 });
      expect(loads()).toBe(1);
    } finally {
      warn.mockRestore();
    }
  });

  it("a malformed STALE entry is a MISS too, and is overwritten by this request (not a background revalidation)", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const { get, plant } = await appWithPlanted({ ttl: "200 ms", staleWhileRevalidate: "1 m" });
      await plant({ status: 200, headers: [["bad name", "v"]], body: "" }, "200 ms");
      await sleep(300);
      const first = await get();
      expect([first.status, first.headers.get("x-cache"), first.headers.get("x-cache-degraded")]).toEqual([200, "MISS", "corrupt-entry"]);
      expect((await get()).headers.get("x-cache")).toBe("HIT");
    } finally {
      warn.mockRestore();
    }
  });
});
