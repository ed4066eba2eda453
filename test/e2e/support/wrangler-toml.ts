/**
 * Reads wrangler.toml so the workerd run uses exactly what a deploy would (entry, compatibility
 * date and flags, [vars]). A deliberately small reader for the subset the file uses — `key = "str"`,
 * `key = ["a", "b"]`, `[vars]`, comments — that throws on anything else rather than misreading it.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./build-info";

export interface WranglerConfig {
  name: string;
  main: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  vars: Record<string, string>;
}

const STRING = /^"((?:[^"\\]|\\.)*)"$/;

function parseValue(raw: string, where: string): string | string[] | boolean {
  const str = STRING.exec(raw);
  if (str) return JSON.parse(`"${str[1]}"`) as string;
  if (raw === "true" || raw === "false") return raw === "true";
  if (raw.startsWith("[") && raw.endsWith("]")) {
    const inner = raw.slice(1, -1).trim();
    return inner === "" ? [] : inner.split(",").map((item) => {
      const m = STRING.exec(item.trim());
      if (!m) throw new Error(`wrangler.toml ${where}: only arrays of strings are understood here`);
      return JSON.parse(`"${m[1]}"`) as string;
    });
  }
  throw new Error(`wrangler.toml ${where}: unsupported value ${raw}`);
}

export function readWranglerToml(file = path.join(ROOT, "wrangler.toml")): WranglerConfig {
  const top: Record<string, string | string[] | boolean> = {};
  const vars: Record<string, string> = {};
  let section = "";
  readFileSync(file, "utf8").split("\n").forEach((line, i) => {
    const text = line.replace(/\s+#.*$|^#.*$/, "").trim();
    if (!text) return;
    const header = /^\[([A-Za-z_.-]+)\]$/.exec(text);
    if (header) {
      if (header[1] !== "vars") throw new Error(`wrangler.toml:${i + 1}: section [${header[1]}] is not understood by this reader`);
      section = header[1];
      return;
    }
    const kv = /^([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(.+)$/.exec(text);
    if (!kv) throw new Error(`wrangler.toml:${i + 1}: cannot read "${text}"`);
    const value = parseValue(kv[2]!, `line ${i + 1}`);
    if (section === "vars") {
      if (typeof value !== "string") throw new Error(`wrangler.toml:${i + 1}: [vars] values must be strings here`);
      vars[kv[1]!] = value;
    } else top[kv[1]!] = value;
  });
  const str = (k: string) => {
    const v = top[k];
    if (typeof v !== "string") throw new Error(`wrangler.toml: ${k} must be a string`);
    return v;
  };
  const flags = top.compatibility_flags ?? [];
  if (!Array.isArray(flags)) throw new Error("wrangler.toml: compatibility_flags must be an array");
  return { name: str("name"), main: str("main"), compatibilityDate: str("compatibility_date"), compatibilityFlags: flags, vars };
}
