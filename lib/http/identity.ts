/**
 * Who is calling: the client IP (from trusted proxy headers only when the deployment sits behind a
 * proxy that sets them — Vercel does; TRUST_PROXY) and/or a user id from an app-supplied resolver.
 * Untrusted x-forwarded-for is attacker-controlled, so it is ignored unless trustProxy is on.
 */
export interface Identity {
  /** Client IP, IPv6 normalised to its /64 prefix (one subscriber usually owns a /64); null if unknown. */
  ip: string | null;
  /** Authenticated user id from the resolver; null for anonymous requests. */
  userId: string | null;
}

/** App-supplied: extract the user id (e.g. from a verified session/JWT). Must not trust raw headers. */
export type UserResolver = (request: Request) => string | null | Promise<string | null>;

export interface ResolveIdentityOptions {
  trustProxy: boolean;
  resolveUser?: UserResolver;
  /** The runtime's own view of the peer address (Next: none at the edge; @hono/node-server: conninfo). */
  remoteAddress?: string | null;
}

/**
 * The first source that yields a valid address wins: with trustProxy, the rightmost x-forwarded-for
 * entry, then x-real-ip; then the runtime's peer address. A source that is present but unparsable
 * (nginx's "unknown", a mangled value) falls through to the next instead of giving up — a null IP
 * puts the caller in the one bucket every unidentified client shares.
 */
export async function resolveIdentity(request: Request, options: ResolveIdentityOptions): Promise<Identity> {
  const ip = (options.trustProxy ? clientIpFromHeaders(request.headers) : null) ?? normaliseIp(options.remoteAddress ?? null);
  const userId = options.resolveUser ? await options.resolveUser(request) : null;
  return { ip, userId: userId || null };
}

/**
 * The client address as the nearest trusted proxy saw it, normalised (see {@link normaliseIp}): the
 * RIGHTMOST x-forwarded-for entry, else x-real-ip. Proxies append to x-forwarded-for (nginx
 * `$proxy_add_x_forwarded_for`, AWS ALB, Cloudflare), so every entry left of the last one is whatever
 * the client chose to send — taking the leftmost would let a client mint a fresh identity per request,
 * which is why an unparsable last entry falls back to x-real-ip and never to the entries on its left.
 * Vercel overwrites the header with the client address alone, so the rightmost entry is right there
 * too. Assumes one trusted proxy hop.
 */
export function clientIpFromHeaders(headers: Headers): string | null {
  const last = headers.get("x-forwarded-for")?.split(",").at(-1) ?? null;
  return normaliseIp(last) ?? normaliseIp(headers.get("x-real-ip"));
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/**
 * An address with its port, as proxies write a peer: "203.0.113.7:443", "[2001:db8::1]:443" (the
 * node syntax of RFC 7239 §6; brackets as in RFC 3986 §3.2.2). A bare IPv6 address has no port form.
 */
const BRACKETED = /^\[([^\]]+)\](?::\d{1,5})?$/;
const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;

/** Validates and canonicalises; a port is dropped; IPv6 → its /64 network (e.g. "2001:db8:1:2::/64"). Garbage → null. */
export function normaliseIp(raw: string | null): string | null {
  if (!raw) return null;
  let ip = raw.trim();
  ip = BRACKETED.exec(ip)?.[1] ?? IPV4_WITH_PORT.exec(ip)?.[1] ?? ip;
  const v4 = IPV4.exec(ip);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255) ? v4.slice(1).map(Number).join(".") : null;
  const groups = expandIpv6(ip);
  if (!groups) return null;
  // IPv4-mapped (::ffff:0:0/96, RFC 4291 §2.5.5.2) in any spelling — "::ffff:203.0.113.7",
  // "::ffff:cb00:7107", "0:0:0:0:0:ffff:203.0.113.7" — is the IPv4 client, never the /64 that every
  // mapped address shares (which would put all IPv4 clients in one bucket).
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join(".");
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}

function expandIpv6(raw: string): number[] | null {
  // A trailing dotted IPv4 (RFC 4291 §2.2 form 3) stands for the last two groups.
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(raw);
  let ip = raw;
  if (dotted) {
    const octets = dotted[2]!.split(".").map(Number);
    if (octets.some((o) => o > 255)) return null;
    ip = `${dotted[1]}${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
  }
  if (!/^[0-9a-fA-F:]+$/.test(ip) || ip.split("::").length > 2) return null;
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const parse = (s: string | undefined) => (s ? s.split(":") : []);
  const left = parse(head);
  const right = parse(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? left.length !== 8 : missing < 1) return null;
  const all = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  return all.map((g) => parseInt(g, 16));
}
