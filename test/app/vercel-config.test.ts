/**
 * vercel.json, validated offline and fast. The authoritative check, `vercel build` with the pinned
 * CLI, runs in the e2e tier (test/e2e/vercel-build.test.ts); this unit-tier test holds the file to a
 * zod schema of the documented fields (https://vercel.com/docs/project-configuration/vercel-json,
 * openapi.vercel.sh/vercel.json) and checks what the schema alone cannot: every cron path is a route
 * that demands CRON_SECRET the way Vercel sends it, every `functions` key is a real file, schedules
 * are valid 5-field expressions Vercel accepts, and the consumer's maxDuration matches its route.
 *
 * NOT validated here: plan limits (maxDuration/memory allowed on Hobby vs Pro), region names,
 * whether `headers[].source` patterns match what you mean (path-to-regexp semantics), and fields this
 * schema does not model in detail (accepted as documented keys, content unchecked). The e2e tier
 * (test/e2e/contract.test.ts) calls the cron route over HTTP on a real `next start`.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { useRouteEnv } from "./health-env";
import { upstashTarget, uniquePrefix } from "../setup/redis";

const ROOT = path.resolve(import.meta.dirname, "../..");
const vercelJson: unknown = JSON.parse(readFileSync(path.join(ROOT, "vercel.json"), "utf8"));

// --- the schema of the documented fields -------------------------------------------------------

const functionConfig = z.strictObject({
  // Limits of the vercel.json schema; what a plan allows is lower and checked only at deploy.
  maxDuration: z.number().int().min(1).max(900).optional(),
  memory: z.number().int().min(128).max(10_240).optional(),
  runtime: z.string().optional(),
  includeFiles: z.string().optional(),
  excludeFiles: z.string().optional(),
  regions: z.array(z.string()).optional(),
  supportsCancellation: z.boolean().optional(),
});

const header = z.strictObject({ key: z.string().min(1), value: z.string() });
const condition = z.strictObject({ type: z.enum(["header", "cookie", "host", "query"]), key: z.string().optional(), value: z.unknown().optional() });

const vercelSchema = z.strictObject({
  $schema: z.literal("https://openapi.vercel.sh/vercel.json").optional(),
  framework: z.enum(["nextjs"]).optional(),
  functions: z.record(z.string().min(1), functionConfig).optional(),
  crons: z.array(z.strictObject({ path: z.string().startsWith("/"), schedule: z.string() })).max(100).optional(),
  headers: z
    .array(z.strictObject({ source: z.string().startsWith("/"), headers: z.array(header).min(1), has: z.array(condition).optional(), missing: z.array(condition).optional() }))
    .optional(),
  regions: z.array(z.string()).optional(),
  // Documented top-level keys this project does not use: accepted, content not modelled.
  buildCommand: z.unknown().optional(),
  installCommand: z.unknown().optional(),
  outputDirectory: z.unknown().optional(),
  cleanUrls: z.unknown().optional(),
  trailingSlash: z.unknown().optional(),
  redirects: z.unknown().optional(),
  rewrites: z.unknown().optional(),
  images: z.unknown().optional(),
  git: z.unknown().optional(),
  github: z.unknown().optional(),
  fluid: z.unknown().optional(),
});

/**
 * Vercel's cron syntax (https://vercel.com/docs/cron-jobs): 5 fields, numbers with `*`, ranges, lists
 * and steps; no names (MON, JAN) and no day-of-month together with day-of-week; always UTC.
 */
function cronProblems(expression: string): string[] {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return [`"${expression}" has ${fields.length} fields, expected 5`];
  const ranges: [string, number, number][] = [["minute", 0, 59], ["hour", 0, 23], ["day of month", 1, 31], ["month", 1, 12], ["day of week", 0, 6]];
  const problems = fields.flatMap((field, i) => {
    const [name, min, max] = ranges[i]!;
    const ok = field.split(",").every((part) => {
      const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
      if (!m) return false;
      const [lo, hi, step] = [m[2], m[3], m[4]].map((v) => (v === undefined ? undefined : Number(v)));
      if (step !== undefined && step < 1) return false;
      return [lo, hi].every((v) => v === undefined || (v >= min && v <= max)) && (lo === undefined || hi === undefined || lo <= hi);
    });
    return ok ? [] : [`${name} "${field}" is not valid (${min}-${max}, *, a-b, a,b, */n)`];
  });
  if (fields[2] !== "*" && fields[4] !== "*") problems.push("day of month and day of week cannot both be set");
  return problems;
}

const parsed = vercelSchema.safeParse(vercelJson);
const config: z.infer<typeof vercelSchema> = parsed.success ? parsed.data : {};

describe("vercel.json", () => {
  it("matches the schema of the documented fields (unknown keys and wrong types fail)", () => {
    expect(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([]);
  });

  it("the schema can fail: a typo'd key, a wrong type and a bad cron are rejected", () => {
    expect(vercelSchema.safeParse({ functions: { "app/x.ts": { maxDurationz: 10 } } }).success).toBe(false);
    expect(vercelSchema.safeParse({ crons: [{ path: "api/x", schedule: "* * * * *" }] }).success).toBe(false);
    expect(vercelSchema.safeParse({ cronz: [] }).success).toBe(false);
    expect(cronProblems("not a cron")).not.toEqual([]);
    expect(cronProblems("60 * * * *")).not.toEqual([]);
    expect(cronProblems("0 3 * * MON")).not.toEqual([]);
    expect(cronProblems("0 3 1 * 1")).not.toEqual([]);
    expect(cronProblems("*/5 0-6,12 * 1-12/2 *")).toEqual([]);
  });

  it("every `functions` key is an existing source file", () => {
    const keys = Object.keys(config.functions ?? {});
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(existsSync(path.join(ROOT, key)), key).toBe(true);
  });

  it("every cron has a valid schedule and a GET route at its path", () => {
    expect(config.crons?.length).toBeGreaterThan(0);
    for (const cron of config.crons ?? []) {
      expect(cronProblems(cron.schedule), cron.schedule).toEqual([]);
      const route = path.join(ROOT, "app", cron.path, "route.ts");
      expect(existsSync(route), `${cron.path} → app${cron.path}/route.ts`).toBe(true);
      expect(readFileSync(route, "utf8")).toMatch(/export (const|async function|function) GET\b/);
    }
  });

  it("the consumer's maxDuration in vercel.json is the one its route declares", async () => {
    const mod = (await import("@/app/api/queue/consume/route")) as { maxDuration?: number };
    expect(config.functions?.["app/api/queue/consume/route.ts"]?.maxDuration).toBe(mod.maxDuration);
  });
});

describe("cron path ↔ CRON_SECRET (what Vercel sends: Authorization: Bearer $CRON_SECRET)", () => {
  const SECRET = `cron-${"s".repeat(24)}`;
  let restore: () => void;
  beforeAll(() => {
    const target = upstashTarget();
    restore = useRouteEnv({
      UPSTASH_REDIS_REST_URL: target.url,
      UPSTASH_REDIS_REST_TOKEN: target.token,
      EDGE_KIT_KEY_PREFIX: uniquePrefix("vercel").slice(0, -1).replace(":", "-"),
      CRON_SECRET: SECRET,
    });
  });
  afterAll(() => restore());

  it("every cron route answers 401 without the secret and runs with Vercel's header", async () => {
    for (const cron of JSON.parse(readFileSync(path.join(ROOT, "vercel.json"), "utf8")).crons as { path: string }[]) {
      const { GET } = (await import(/* @vite-ignore */ path.join(ROOT, "app", cron.path, "route.ts"))) as { GET: (r: Request) => Promise<Response> };
      const url = `http://localhost${cron.path}`;
      expect((await GET(new Request(url))).status).toBe(401);
      expect((await GET(new Request(url, { headers: { authorization: `Bearer ${SECRET.slice(0, -1)}x` } }))).status).toBe(401);
      const ok = await GET(new Request(url, { headers: { authorization: `Bearer ${SECRET}`, "user-agent": "vercel-cron/1.0" } }));
      expect(ok.status).toBe(200);
    }
  });
});
