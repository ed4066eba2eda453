/**
 * May this shared cache store the route's response? The route policy says a route is cacheable; the
 * response itself can still forbid it (RFC 9111 §3), and then it is served but never stored:
 *
 * - status other than 200, or a method other than GET (the only ones this cache replays);
 * - `Set-Cookie` (one client's cookie must not reach another);
 * - `Cache-Control: no-store` (§5.2.2.5), `private` on a shared entry (§5.2.2.7), and `no-cache`
 *   (§5.2.2.4): a stored no-cache response may only be reused after revalidating it with the origin,
 *   which this cache does not do, so storing it would be useless at best. The qualified forms
 *   (`no-cache="f"`, `private="f"`) allow storing the response without the named fields;
 * - `Vary: *` (§4.1: never matches a later request), or `Vary` naming a request header the entry is
 *   not keyed on: the stored response could be replayed to a request it was not selected for.
 *
 * `max-age` / `s-maxage` / `must-revalidate` are not consulted: this cache sits in front of the origin on
 * its operator's behalf and its freshness is the route policy's `ttl` (as for a CDN's own targeted
 * field, RFC 9213); `max-age=0, must-revalidate` is how a route tells browsers to come back every time.
 */
import type { RouteCachePolicy } from "./route-policy";

export type Storability =
  | { storable: true; /** Lower-case response fields to leave out of the stored copy. */ omit: ReadonlySet<string> }
  /** `reason` (for `x-cache-not-stored`) when the response's own fields forbade it; none for status/method. */
  | { storable: false; reason?: string };

/** Request headers the entry's key covers beyond the policy's `vary` (the credentials, unless `shared`). */
function keyedHeaders(policy: RouteCachePolicy): Set<string> {
  const keyed = new Set((policy.vary ?? []).map((name) => name.trim().toLowerCase()));
  // `per-user` keys credentialed requests by Authorization + Cookie and keeps anonymous ones apart;
  // `bypass` never stores a credentialed one: either way the entry is selected by both headers.
  if ((policy.authenticated ?? "per-user") !== "shared") keyed.add("authorization").add("cookie");
  return keyed;
}

export function storability(response: Response, policy: RouteCachePolicy, shared: boolean, method: string): Storability {
  if (method.toUpperCase() !== "GET" || response.status !== 200) return { storable: false };
  if (response.headers.has("set-cookie")) return { storable: false, reason: "set-cookie" };

  const omit = new Set<string>();
  for (const { name, argument } of parseList(response.headers.get("cache-control"))) {
    const directive = name.toLowerCase();
    const fields = argument?.split(",").map((f) => f.trim().toLowerCase()).filter(Boolean);
    if (directive === "no-store") return { storable: false, reason: "cache-control=no-store" };
    if (directive === "no-cache") {
      if (!fields?.length) return { storable: false, reason: "cache-control=no-cache" };
      fields.forEach((f) => omit.add(f));
    }
    // A per-user entry is selected by the credentials, so it is not shared with another user.
    if (directive === "private" && shared) {
      if (!fields?.length) return { storable: false, reason: "cache-control=private" };
      fields.forEach((f) => omit.add(f));
    }
  }

  const varied = parseList(response.headers.get("vary")).map(({ name }) => name.toLowerCase());
  if (varied.includes("*")) return { storable: false, reason: "vary=*" };
  const keyed = keyedHeaders(policy);
  const unkeyed = [...new Set(varied.filter((name) => !keyed.has(name)))];
  if (unkeyed.length > 0) return { storable: false, reason: `vary=${unkeyed.join(",")}` };
  return { storable: true, omit };
}

/**
 * The members of a comma-separated field (RFC 9110 §5.6.1) as `name[=argument]`, with quoted-string
 * arguments unquoted (§5.6.4) — a quoted argument may itself hold commas (`no-cache="a, b"`).
 */
function parseList(value: string | null): { name: string; argument?: string }[] {
  const members: { name: string; argument?: string }[] = [];
  if (!value) return members;
  let current = "";
  let quoted = false;
  for (let i = 0; i <= value.length; i++) {
    const ch = value[i];
    if (ch === undefined || (ch === "," && !quoted)) {
      const member = current.trim();
      current = "";
      if (!member) continue;
      const eq = member.indexOf("=");
      if (eq === -1) members.push({ name: member });
      else members.push({ name: member.slice(0, eq).trim(), argument: unquote(member.slice(eq + 1).trim()) });
      continue;
    }
    if (ch === "\\" && quoted) {
      // quoted-pair: the next character is literal (a `"` or `,` in it neither closes nor splits).
      current += ch + (value[i + 1] ?? "");
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    current += ch;
  }
  return members;
}

function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1).replace(/\\(.)/g, "$1") : text;
}
