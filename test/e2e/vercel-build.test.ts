/**
 * vercel.json, checked by Vercel itself: `vercel build` (the CLI, pinned as a devDependency) runs
 * offline on a copy of the project with local project settings, validates vercel.json, runs the
 * Next build through @vercel/next and writes the Build Output API tree (.vercel/output) a deploy
 * would upload. This test reads that tree: crons, per-function limits, the middleware's runtime and
 * matcher, the headers, and that no secret reached anything served to browsers.
 * test/app/vercel-config.test.ts covers what a build cannot (the cron route's auth over HTTP).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/build-info";
import { copyProject, type CommandResult, type ProjectCopy } from "./support/project-copy";

const COPY = ".next-e2e-vercel";
const VERCEL_BIN = "vercel/dist/vc.js";

/** Values that must never reach a browser; deliberately distinctive so a grep cannot miss them. */
const SECRETS = {
  UPSTASH_REDIS_REST_URL: "https://vercel-build-check.upstash.io",
  UPSTASH_REDIS_REST_TOKEN: "upstash-token-VERCELBUILD-7f3a",
  METRICS_TOKEN: "metrics-token-VERCELBUILD-91c2",
  CRON_SECRET: "cron-secret-VERCELBUILD-4d8e5",
};

const vercelJson = JSON.parse(readFileSync(path.join(ROOT, "vercel.json"), "utf8")) as {
  crons: Array<{ path: string; schedule: string }>;
  functions: Record<string, { maxDuration?: number; memory?: number }>;
};

let copy: ProjectCopy;
let build: CommandResult;
let output: string;

/** `vercel build` without a linked project: the settings `vercel pull` would have written. */
function linkLocally(dir: string): void {
  const settings = { framework: "nextjs", installCommand: "true", buildCommand: null, outputDirectory: null };
  mkdirSync(path.join(dir, ".vercel"), { recursive: true });
  writeFileSync(path.join(dir, ".vercel/project.json"), JSON.stringify({ projectId: "prj_local", orgId: "team_local", settings }));
}

const vercelBuild = (env: Record<string, string>) => copy.run(VERCEL_BIN, ["build", "--yes"], { VERCEL_TELEMETRY_DISABLED: "1", ...env });

beforeAll(async () => {
  copy = copyProject(COPY);
  linkLocally(copy.dir);
  build = await vercelBuild(SECRETS);
  output = path.join(copy.dir, ".vercel/output");
  console.log(`[e2e] vercel build of the copy: exit ${build.code} in ${(build.ms / 1000).toFixed(1)} s`);
}, 300_000);

const json = (file: string) => JSON.parse(readFileSync(path.join(output, file), "utf8"));
const functionConfig = (route: string) => json(`functions/${route}.func/.vc-config.json`) as Record<string, unknown>;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe("vercel build (offline, the Vercel CLI's own validation and Build Output API)", () => {
  it("accepts vercel.json and builds the app", () => {
    expect(build.code, build.output.slice(-4000)).toBe(0);
    expect(build.output).toMatch(/Build Completed in \.vercel\/output/);
  });

  it("registers the crons, and each cron path is a function of the build", () => {
    expect(json("config.json").crons).toEqual(vercelJson.crons);
    for (const cron of vercelJson.crons) expect(existsSync(path.join(output, `functions${cron.path}.func`)), cron.path).toBe(true);
  });

  it("applies the functions' limits from vercel.json on the Node runtime", () => {
    const consume = functionConfig("api/queue/consume");
    expect(consume.maxDuration).toBe(vercelJson.functions["app/api/queue/consume/route.ts"]!.maxDuration);
    expect(String(consume.runtime)).toMatch(/^nodejs\d+\.x$/);
    const healthz = functionConfig("healthz");
    expect({ maxDuration: healthz.maxDuration, memory: healthz.memory }).toEqual(vercelJson.functions["app/healthz/route.ts"]);
  });

  it("deploys middleware.ts as an edge function over /api/* except /api/edge/*, and the dashboard page", () => {
    expect(functionConfig("_middleware").runtime).toBe("edge");
    const routes = json("config.json").routes as Array<{ middlewarePath?: string; middlewareRawSrc?: string[]; src?: string; headers?: Record<string, string> }>;
    // One route entry per matcher source.
    const gates = routes.filter((r) => r.middlewarePath === "/_middleware");
    expect(gates.flatMap((r) => r.middlewareRawSrc ?? [])).toEqual(["/api/((?!edge(?:/|$)).*)", "/"]);
    const gated = (pathname: string) => gates.some((r) => new RegExp(r.src!).test(pathname));
    expect(gated("/api/orders")).toBe(true);
    expect(gated("/api/edge/orders")).toBe(false);
    // The dashboard page, gated as GET /api/dashboard (same `api` budget); no other page.
    expect(gated("/")).toBe(true);
    expect(gated("/healthz")).toBe(false);
    // vercel.json's headers: no CDN caching of API answers.
    expect(routes.some((r) => r.src?.startsWith("^/api") && r.headers?.["Cache-Control"] === "no-store")).toBe(true);
  });

  it("puts no secret in static assets, nor in the edge function's code or embedded environment", () => {
    // Edge bundles inline statically referenced process.env values at build time; the kit reads its
    // variables at run time, so none may appear in the middleware's chunks either.
    const middleware = functionConfig("_middleware") as { filePathMap: Record<string, string> };
    const exposed = [
      ...filesUnder(path.join(output, "static")),
      path.join(output, "functions/_middleware.func/.vc-config.json"),
      ...Object.values(middleware.filePathMap).map((file) => path.join(copy.dir, file)),
    ];
    expect(exposed.length).toBeGreaterThan(3);
    for (const file of exposed) {
      const text = readFileSync(file, "latin1");
      for (const [name, value] of Object.entries(SECRETS)) expect(text.includes(value), `${name} in ${path.relative(output, file)}`).toBe(false);
    }
  });

  it("refuses an invalid vercel.json (the check above can fail)", async () => {
    const file = path.join(copy.dir, "vercel.json");
    const valid = readFileSync(file, "utf8");
    try {
      writeFileSync(file, JSON.stringify({ ...JSON.parse(valid), functions: { "app/healthz/route.ts": { maxDuration: "ten" } } }));
      const bad = await vercelBuild(SECRETS);
      expect(bad.code).not.toBe(0);
      expect(bad.output).toMatch(/maxDuration/);
    } finally {
      writeFileSync(file, valid);
    }
  }, 120_000);
});
