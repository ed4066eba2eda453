/**
 * Next 16's middleware → proxy switch (README "Running the gates on Node: proxy.ts"): in a copy of the
 * project, middleware.ts becomes proxy.ts (the documented one-file change), the copy is built, and the
 * /api contract must give exactly the same transcript as the shipped middleware.ts build — while the
 * gates now run on Node (functions-config-manifest `/_middleware: nodejs`, no edge middleware).
 * Costs a second `next build` (incremental after the first run: the copy keeps its .next/cache).
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CONTRACT, runContract, type Target, type Transcript } from "./support/contract";
import { ROOT } from "./support/build-info";
import { copyProject, type ProjectCopy } from "./support/project-copy";
import { e2ePrefix, productionEnv, startNext, type RunningServer } from "./support/servers";

const COPY = ".next-e2e-proxy";

/**
 * The switch, as the README documents it: rename the file; Next 16 runs a proxy file's `proxy` (or
 * default) export, so add `export { middleware as proxy };` unless middleware.ts already has one.
 */
function switchToProxy(dir: string): string {
  const from = path.join(dir, "middleware.ts");
  const to = path.join(dir, "proxy.ts");
  renameSync(from, to);
  const source = readFileSync(to, "utf8");
  // Anchored at a line start: the mention of the line in middleware.ts's comment must not count.
  const hasEntry = /^export\s+(default\b|(async\s+)?function\s+proxy\b|\{[^}]*\bas\s+(proxy|default)\b)/m.test(source);
  const added = hasEntry ? "" : "\nexport { middleware as proxy };\n";
  if (added) writeFileSync(to, source + added);
  return added;
}

let copy: ProjectCopy;
let proxyServer: RunningServer | undefined;
let middlewareServer: RunningServer | undefined;
let buildOutput = "";

beforeAll(async () => {
  copy = copyProject(COPY);
  switchToProxy(copy.dir);
  const build = await copy.build(productionEnv("proxy-build"));
  buildOutput = build.output;
  if (build.code !== 0) throw new Error(`next build of the proxy.ts copy failed (${build.code}):\n${build.output.slice(-5000)}`);
  console.log(`[e2e] proxy.ts copy built in ${(build.ms / 1000).toFixed(1)} s`);
  [proxyServer, middlewareServer] = await Promise.all([
    startNext({ prefix: e2ePrefix("proxy"), cwd: copy.dir, distDir: ".next" }),
    startNext({ prefix: e2ePrefix("mw") }),
  ]);
}, 240_000);

afterAll(async () => {
  await Promise.all([proxyServer?.stop(), middlewareServer?.stop()]);
});

const json = (file: string) => JSON.parse(readFileSync(file, "utf8"));

describe("middleware.ts (edge) → proxy.ts (node), one file", () => {
  it("the shipped middleware.ts builds as edge middleware", () => {
    const manifest = json(path.join(ROOT, inject("e2eBuild").distDir, "server/middleware-manifest.json"));
    expect(Object.keys(manifest.middleware)).toEqual(["/"]);
    expect(manifest.middleware["/"].files.every((f: string) => f.startsWith("server/edge/"))).toBe(true);
  });

  it("proxy.ts builds as Node middleware, without the deprecation warning", () => {
    expect(json(path.join(copy.dir, ".next/server/middleware-manifest.json")).middleware).toEqual({});
    const functions = json(path.join(copy.dir, ".next/server/functions-config-manifest.json")).functions;
    expect(functions["/_middleware"]).toMatchObject({ runtime: "nodejs" });
    // The same matcher, read statically from the renamed file.
    expect(functions["/_middleware"].matchers.map((m: { originalSource: string }) => m.originalSource)).toEqual(["/api/((?!edge(?:/|$)).*)", "/"]);
    expect(buildOutput).not.toMatch(/"middleware" file convention is deprecated/);
  });

  it("the /api contract gives the same transcript through proxy.ts as through middleware.ts", async () => {
    const target = (name: string, server: RunningServer): Target => ({ name, origin: server.url, base: "/api", clientAddressHeader: "x-forwarded-for", hono: false });
    const cases = CONTRACT.filter((c) => !c.hono);
    const viaProxy: Transcript = await runContract(target("proxy.ts", proxyServer!), cases);
    const viaMiddleware: Transcript = await runContract(target("middleware.ts", middlewareServer!), cases);
    expect(Object.keys(viaProxy).length).toBeGreaterThan(20);
    expect(viaProxy).toEqual(viaMiddleware);
  }, 60_000);
});
