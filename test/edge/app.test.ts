import { describe, expect, it } from "vitest";
import { createApp } from "../../edge/app";
import { createTestKit } from "../setup/kit";

describe("Hono app", () => {
  it("answers GET /health with application/health+json pass when Redis answers", async () => {
    const app = createApp(createTestKit(), { basePath: "/api/edge" });
    const res = await app.request("/api/edge/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/health+json");
    const body = await res.json();
    expect(body.status).toBe("pass");
    expect(body.checks["redis:responseTime"][0]).toMatchObject({ componentType: "datastore", status: "pass", observedUnit: "ms" });
  });

  it("reports warn (not pass) in memory mode, saying nothing is shared", async () => {
    const app = createApp(createTestKit({ memory: true }));
    const res = await app.request("/health");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe("warn");
    expect(body.notes.join(" ")).toMatch(/nothing is shared/);
  });

  it("answers unknown routes with 404 problem+json, never HTML or a stack trace", async () => {
    const app = createApp(createTestKit(), { basePath: "/api/edge" });
    const res = await app.request("/api/edge/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 404, title: "Not found", instance: "/api/edge/nope" });
  });

  it("turns an unexpected error into a 500 problem+json without internals", async () => {
    const app = createApp(createTestKit());
    app.get("/boom", () => {
      throw new Error("secret internal detail");
    });
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const res = await app.request("/boom");
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).not.toContain("secret internal detail");
      expect(JSON.parse(text)).toMatchObject({ status: 500, title: "Internal error" });
      expect(errors).toHaveLength(1);
    } finally {
      console.error = original;
    }
  });
});
