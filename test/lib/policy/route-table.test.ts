import { describe, expect, it } from "vitest";
import { createRouteTable, relativeToBase } from "../../../lib/policy";

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
