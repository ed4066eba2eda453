import { describe, expect, it } from "vitest";
import { createRouteTable, decodePath, relativeToBase, type RoutePolicy } from "../../../lib/policy";

const table = createRouteTable([
  { pattern: "/items/:id", methods: ["GET"], name: "items.read", policy: { description: "read" } },
  { pattern: "/items/:id", methods: ["PUT"], name: "items.write", policy: { description: "write" } },
  { pattern: "/orders", methods: ["POST"], policy: { description: "orders" } },
  { pattern: "/admin/*", policy: { description: "admin" } },
]);

describe("route table", () => {
  it("matches literal segments and :params, decoding params", () => {
    expect(table.match("GET", "/items/a%20b")).toEqual({ name: "items.read", pattern: "/items/:id", params: { id: "a b" }, policy: { description: "read" }, path: "/items/a%20b" });
  });

  it("selects by method, first match wins, and defaults the name to the pattern", () => {
    expect(table.match("put", "/items/1")?.name).toBe("items.write");
    expect(table.match("DELETE", "/items/1")).toBeNull();
    expect(table.match("POST", "/orders")?.name).toBe("/orders");
  });

  it("matches HEAD with the GET entry (RFC 9110 §9.3.2), before a catch-all that would charge another budget", () => {
    const withCatchAll = createRouteTable([
      { pattern: "/items/:id", methods: ["GET"], name: "items.read", policy: { description: "read" } },
      { pattern: "/items/:id", methods: ["PUT"], name: "items.write", policy: { description: "write" } },
      { pattern: "/*", name: "api.other", policy: { description: "other" } },
    ]);
    expect(withCatchAll.match("HEAD", "/items/1")).toEqual({ name: "items.read", pattern: "/items/:id", params: { id: "1" }, policy: { description: "read" }, path: "/items/1" });
    expect(table.match("head", "/items/1")?.name).toBe("items.read");
    // No GET entry for the path: HEAD goes where GET would (here, nowhere).
    expect(table.match("HEAD", "/orders")).toBeNull();
    expect(withCatchAll.match("HEAD", "/orders")?.name).toBe("api.other");
  });

  it("a HEAD served by the GET entry keeps its whole policy, response cache included (for a HEAD the cache only reads)", () => {
    const rateLimit = { policies: [], settings: {} } as never;
    const cached = createRouteTable<RoutePolicy>([{ pattern: "/items/:id", methods: ["GET"], name: "items.read", policy: { rateLimit, cache: { ttl: "60 s" } } }]);
    expect(cached.match("GET", "/items/1")?.policy).toEqual({ rateLimit, cache: { ttl: "60 s" } });
    const head = cached.match("HEAD", "/items/1")!;
    expect(head.name).toBe("items.read");
    expect(head.policy).toBe(cached.match("GET", "/items/1")!.policy); // the same budget object, not a copy
    // An entry that names HEAD is the app's explicit choice: its policy is used as written.
    const named = createRouteTable<RoutePolicy>([{ pattern: "/x", methods: ["GET", "HEAD"], policy: { cache: { ttl: "60 s" } } }]);
    expect(named.match("HEAD", "/x")?.policy).toEqual({ cache: { ttl: "60 s" } });
  });

  it("an entry naming HEAD itself wins over the GET one", () => {
    const explicit = createRouteTable([
      { pattern: "/items/:id", methods: ["GET"], name: "items.read", policy: {} },
      { pattern: "/items/:id", methods: ["HEAD"], name: "items.probe", policy: {} },
    ]);
    expect(explicit.match("HEAD", "/items/1")?.name).toBe("items.probe");
    expect(explicit.match("GET", "/items/1")?.name).toBe("items.read");
  });

  it("does not match extra or missing segments, except under a trailing *", () => {
    expect(table.match("GET", "/items/1/extra")).toBeNull();
    expect(table.match("GET", "/items")).toBeNull();
    expect(table.match("GET", "/admin/a/b/c")?.pattern).toBe("/admin/*");
    expect(table.match("GET", "/admin")?.pattern).toBe("/admin/*");
  });

  it("reports the relative path that matched (what a trailing * matched included), empty segments dropped", () => {
    expect(table.match("POST", "/admin/refunds")?.path).toBe("/admin/refunds");
    expect(table.match("POST", "/admin//payouts/")?.path).toBe("/admin/payouts");
    expect(table.match("POST", "/orders")?.path).toBe("/orders");
  });

  it("treats a malformed %-escape as no match instead of throwing", () => {
    expect(table.match("GET", "/items/%E0%A4%A")).toBeNull();
  });

  it("decodePath decodes a path as Next's router does (%2F too), %25 once only, malformed left alone", () => {
    expect(decodePath("/%61pi/%6Frders")).toBe("/api/orders");
    expect(decodePath("/api%2Fjobs")).toBe("/api/jobs");
    expect(decodePath("/items/%2541")).toBe("/items/%2541");
    expect(table.match("GET", decodePath("/items/%2541"))?.params).toEqual({ id: "%41" });
    expect(decodePath("/items/%E0%A4%A")).toBe("/items/%E0%A4%A");
    expect(table.match("POST", decodePath("/%6Frders"))?.name).toBe("/orders");
  });

  it("rejects * anywhere but last", () => {
    expect(() => createRouteTable([{ pattern: "/a/*/b", policy: {} }])).toThrow(/only allowed last/);
  });

  it("computes paths relative to the API base", () => {
    expect(relativeToBase("/api/orders", "/api")).toBe("/orders");
    expect(relativeToBase("/api", "/api")).toBe("/");
    expect(relativeToBase("/apiary/x", "/api")).toBeNull();
    expect(relativeToBase("/api/edge/orders", "/api/edge/")).toBe("/orders");
    expect(relativeToBase("/x", "/")).toBe("/x");
  });
});
