/**
 * DESIGN.md §1: imports go app/ → edge/ → lib/, middleware.ts → lib/. lib/ and edge/ are Web-standard
 * (they run in Next's edge middleware and on workerd), and only lib/config reads the environment.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const NODE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith("_")));

function sourceFiles(dir: string): string[] {
  const abs = join(ROOT, dir);
  return readdirSync(abs).flatMap((name) => {
    const path = join(abs, name);
    if (statSync(path).isDirectory()) return sourceFiles(relative(ROOT, path));
    return /\.(ts|tsx)$/.test(name) ? [relative(ROOT, path)] : [];
  });
}

/** Import specifiers of a module: static imports/exports, dynamic import() and require(). */
function importsOf(code: string): string[] {
  const specifiers: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g];
  for (const re of patterns) for (const m of code.matchAll(re)) specifiers.push(m[1]!);
  return specifiers;
}

function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

type Rule = (file: string, code: string) => string[];

const webStandardOnly: Rule = (file, code) =>
  importsOf(code)
    .filter((s) => s.startsWith("node:") || NODE_BUILTINS.has(s.split("/")[0]!))
    .map((s) => `${file} imports Node built-in "${s}"`);

const noFrameworks = (forbidden: RegExp): Rule => (file, code) =>
  importsOf(code).filter((s) => forbidden.test(s)).map((s) => `${file} imports "${s}"`);

const noUpwardImports = (dirs: string[]): Rule => (file, code) =>
  importsOf(code)
    .filter((s) => s.startsWith("."))
    .map((s) => relative(ROOT, resolve(ROOT, file, "..", s)))
    .filter((target) => dirs.some((d) => target === d || target.startsWith(`${d}/`)))
    .map((target) => `${file} imports ${target}`);

const noProcessOrBuffer: Rule = (file, code) => {
  const body = stripComments(code);
  const hits: string[] = [];
  if (/\bprocess\s*\.|\bprocess\s*\[|typeof process\b/.test(body)) hits.push(`${file} reads process (only lib/config may)`);
  if (/\bBuffer\s*\./.test(body) || /\bnew Buffer\b/.test(body)) hits.push(`${file} uses Buffer (not Web-standard)`);
  return hits;
};

/** Each exported HTTP method handler is `export const METHOD = withErrorBoundary(...)`. */
const handlersBehindBoundary: Rule = (file, code) => {
  const body = stripComments(code);
  const methods = [...body.matchAll(/export\s+(?:async\s+)?(?:function|const)\s+(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\b/g)].map((m) => m[1]!);
  return methods
    .filter((m) => !new RegExp(`export\\s+const\\s+${m}\\s*=\\s*withErrorBoundary\\(`).test(body))
    .map((m) => `${file} exports ${m} without withErrorBoundary`);
};

function check(files: string[], rules: Rule[]): string[] {
  return files.flatMap((file) => {
    const code = readFileSync(join(ROOT, file), "utf8");
    return rules.flatMap((rule) => rule(file, code));
  });
}

describe("dependency direction", () => {
  it("lib/ is Web-standard: no Node built-ins, no next/hono, no imports of edge/ app/ tools/ scripts/", () => {
    const files = sourceFiles("lib");
    expect(files.length).toBeGreaterThan(5);
    expect(check(files, [webStandardOnly, noFrameworks(/^(next|hono|@hono)(\/|$)|^react/), noUpwardImports(["edge", "app", "tools", "scripts", "test"])])).toEqual([]);
  });

  it("only lib/config reads process (and nothing in lib/ uses Buffer)", () => {
    const files = sourceFiles("lib").filter((f) => !f.startsWith("lib/config/"));
    expect(check(files, [noProcessOrBuffer])).toEqual([]);
  });

  it("edge/ is runtime-agnostic: no Node built-ins, no next, no app/, no process", () => {
    const files = sourceFiles("edge");
    expect(files.length).toBeGreaterThan(0);
    expect(check(files, [webStandardOnly, noFrameworks(/^next(\/|$)/), noUpwardImports(["app", "tools", "scripts", "test"]), noProcessOrBuffer])).toEqual([]);
  });

  it("middleware.ts imports only next/server, kit.config and lib/", () => {
    const code = readFileSync(join(ROOT, "middleware.ts"), "utf8");
    const outside = importsOf(code).filter((s) => s !== "next/server" && s !== "./kit.config" && !s.startsWith("./lib/"));
    expect(outside).toEqual([]);
    expect(check(["middleware.ts"], [noProcessOrBuffer])).toEqual([]);
  });

  it("every Next route handler that builds the kit is behind withErrorBoundary (a bad run-time config, or shared logic rethrowing what it does not answer, is then a problem+json)", () => {
    // Benchmark fixtures excepted: they are the measured baselines, kept bare on purpose.
    const routes = sourceFiles("app").filter((f) => f.endsWith("/route.ts") && !f.includes("/bench/"));
    const kitRoutes = routes.filter((f) => importsOf(readFileSync(join(ROOT, f), "utf8")).includes("@/lib/kit-instance"));
    expect(kitRoutes.length).toBeGreaterThanOrEqual(12);
    expect(check(kitRoutes, [handlersBehindBoundary])).toEqual([]);
    // …and the rule can fail: a bare exported handler is caught.
    expect(handlersBehindBoundary("app/api/fake/route.ts", "export async function POST(request: Request) { return run(request); }")).toEqual([
      "app/api/fake/route.ts exports POST without withErrorBoundary",
    ]);
  });

  it("the checker itself catches violations (so the rules above can fail)", () => {
    const bad = `import { readFileSync } from "node:fs";\nimport x from "fs";\nimport { Hono } from "hono";\nconst y = await import("../../edge/app");\nconst t = process.env.X;\nBuffer.from("a");`;
    const file = "lib/fake/bad.ts";
    const rules = [webStandardOnly, noFrameworks(/^(next|hono)(\/|$)/), noUpwardImports(["edge"]), noProcessOrBuffer];
    expect(rules.flatMap((r) => r(file, bad))).toEqual([
      'lib/fake/bad.ts imports Node built-in "node:fs"',
      'lib/fake/bad.ts imports Node built-in "fs"',
      'lib/fake/bad.ts imports "hono"',
      "lib/fake/bad.ts imports edge/app",
      "lib/fake/bad.ts reads process (only lib/config may)",
      "lib/fake/bad.ts uses Buffer (not Web-standard)",
    ]);
  });
});
