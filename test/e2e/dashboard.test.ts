/**
 * The dashboard end to end: `next start` on the shared e2e build (one `next build` per run, made by
 * test/e2e/setup/next-build.ts), headless Chromium
 * (Debian's chromium driven by playwright-core). The page renders with live values, refreshes itself
 * and reflects traffic (cache hit rate and rate-limit counts move). Also: no Redis token or secret in
 * the client bundle.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { recordCounts } from "@/lib/observability";
import { createTestKit } from "../setup/kit";
import { upstashTarget } from "../setup/redis";
import { ROOT } from "./support/build-info";
import { e2ePrefix, startNext, type RunningServer } from "./support/servers";

const CHROMIUM = "/usr/bin/chromium";
const target = upstashTarget();
const PREFIX = e2ePrefix("dash");
// The shared e2e build (test/e2e/setup/next-build.ts) was made with these distinctive values, so
// finding one in the bundle cannot be a coincidence.
const { distDir: DIST, metricsToken: METRICS_TOKEN, cronSecret: CRON_SECRET } = inject("e2eBuild");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

let server: RunningServer | undefined;
let browser: Browser | undefined;
let baseUrl = "";

beforeAll(async () => {
  server = await startNext({ prefix: PREFIX });
  baseUrl = server.url;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("client bundle", () => {
  it("contains no Redis token, METRICS_TOKEN or CRON_SECRET", () => {
    const staticDir = path.join(ROOT, DIST, "static");
    expect(existsSync(staticDir)).toBe(true);
    const files = filesUnder(staticDir);
    expect(files.some((f) => f.endsWith(".js"))).toBe(true);
    for (const file of files) {
      const text = readFileSync(file, "latin1");
      for (const secret of [target.token, METRICS_TOKEN, CRON_SECRET]) {
        expect(text.includes(secret), `${secret.slice(0, 6)}… found in ${path.relative(ROOT, file)}`).toBe(false);
      }
    }
  });
});

describe("dashboard at /", () => {
  it("renders live values, refreshes itself and reflects traffic", async () => {
    const page = await browser!.newPage();
    const browserRequests: string[] = [];
    page.on("request", (r) => browserRequests.push(r.url()));
    const res = await page.goto(`${baseUrl}/`, { waitUntil: "domcontentloaded" });
    expect(res?.status()).toBe(200);

    const text = async (id: string) => (await page.getByTestId(id).textContent())?.trim() ?? "";
    expect(await text("health-status")).toBe("pass");
    expect(await text("redis-latency")).toMatch(/^\d+ ms$/);
    expect(await text("redis-memory")).toMatch(/\d/);
    expect(await text("cache-hit-rate")).toBe("—"); // no lookup yet: no rate, not "0 %"
    const allowedBefore = Number(await text("rl-allowed"));
    const firstUpdate = await text("updated-at");
    // Server-side only: the page source carries no secret either.
    const html = await page.content();
    for (const secret of [target.token, METRICS_TOKEN, CRON_SECRET]) expect(html).not.toContain(secret);

    // Traffic from "another instance" of the same app: real cache reads (1 miss, 3 hits) and
    // rate-limit decisions counted the way lib/ratelimit counts them.
    const kit = createTestKit({ env: { EDGE_KIT_KEY_PREFIX: PREFIX } });
    await kit.cache.lookup("e2e-item");
    await kit.cache.set("e2e-item", { id: 1 }, { ttl: "60 s" });
    for (let i = 0; i < 3; i++) await kit.cache.lookup("e2e-item");
    await recordCounts(kit, "ratelimit", { allowed: 7, limited: 2 });

    // The page polls /api/dashboard (every 5 s) and redraws without a reload.
    await page.waitForFunction(
      () => document.querySelector('[data-testid="cache-hit-rate"]')?.textContent?.trim() === "75 %",
      undefined,
      { timeout: 20_000 },
    );
    // At least: the page view and the page's own polls are rate-limit decisions too (middleware.ts gates
    // / and /api/dashboard), and the isolate may flush their counts in between.
    expect(Number(await text("rl-allowed"))).toBeGreaterThanOrEqual(allowedBefore + 7);
    expect(Number(await text("rl-denied"))).toBeGreaterThanOrEqual(2);
    expect(await text("cache-hits")).toBe("3");
    expect(await text("cache-misses")).toBe("1");
    expect(await text("updated-at")).not.toBe(firstUpdate);
    // Key counts by family and a trend chart are on the page.
    expect(await page.getByTestId("keys-cache").count()).toBe(1);
    expect(await page.locator("svg[role=img]").count()).toBeGreaterThan(0);
    // The browser only ever talked to this origin: never to Redis.
    expect(browserRequests.every((u) => u.startsWith(baseUrl))).toBe(true);
    expect(browserRequests.some((u) => u.startsWith(`${baseUrl}/api/dashboard`))).toBe(true);
    // For a human look at the page after a run (inside the test's own dist folder, gitignored).
    await page.screenshot({ path: path.join(ROOT, DIST, "dashboard.png"), fullPage: true });
    await page.close();
  }, 60_000);
});
