import { describe, expect, it } from "vitest";
import { clientIpFromHeaders, normaliseIp, resolveIdentity } from "../../../lib/http";

const req = (headers: Record<string, string>) => new Request("http://localhost/api/x", { headers });

describe("client identity", () => {
  it("ignores x-forwarded-for unless the proxy is trusted (it is attacker-controlled otherwise)", async () => {
    const r = req({ "x-forwarded-for": "203.0.113.7" });
    expect(await resolveIdentity(r, { trustProxy: false })).toEqual({ ip: null, userId: null });
    expect(await resolveIdentity(r, { trustProxy: false, remoteAddress: "198.51.100.1" })).toEqual({ ip: "198.51.100.1", userId: null });
    expect(await resolveIdentity(r, { trustProxy: true })).toEqual({ ip: "203.0.113.7", userId: null });
  });

  it("takes the rightmost x-forwarded-for entry (the one the trusted proxy appended), else x-real-ip", () => {
    // A client that sends its own x-forwarded-for cannot choose its identity: the proxy appends the real address.
    expect(clientIpFromHeaders(new Headers({ "x-forwarded-for": "6.6.6.6, 203.0.113.7" }))).toBe("203.0.113.7");
    expect(clientIpFromHeaders(new Headers({ "x-forwarded-for": " 203.0.113.7 " }))).toBe("203.0.113.7");
    expect(clientIpFromHeaders(new Headers({ "x-real-ip": "203.0.113.9" }))).toBe("203.0.113.9");
    expect(clientIpFromHeaders(new Headers())).toBeNull();
  });

  it("drops the port proxies may append (RFC 7239 §6 node syntax), so clients do not fall into the unknown bucket", async () => {
    expect(normaliseIp("203.0.113.7:443")).toBe("203.0.113.7");
    expect(normaliseIp("[2001:db8::1]:443")).toBe("2001:db8:0:0::/64");
    expect(normaliseIp("[::ffff:203.0.113.7]:80")).toBe("203.0.113.7");
    for (const bad of ["203.0.113.7:", "203.0.113.7:443x", "[2001:db8::1]x", "[2001:db8::1]:", "999.1.1.1:80"]) {
      expect(normaliseIp(bad)).toBeNull();
    }
    expect(await resolveIdentity(req({ "x-forwarded-for": "6.6.6.6, 203.0.113.7:51234" }), { trustProxy: true })).toEqual({ ip: "203.0.113.7", userId: null });
  });

  it("falls back to the next source when the chosen one is present but unparsable: x-real-ip, then the peer address", async () => {
    const trusted = { trustProxy: true, remoteAddress: "198.51.100.1" };
    expect((await resolveIdentity(req({ "x-forwarded-for": "unknown", "x-real-ip": "203.0.113.9" }), trusted)).ip).toBe("203.0.113.9");
    expect((await resolveIdentity(req({ "x-forwarded-for": "unknown" }), trusted)).ip).toBe("198.51.100.1");
    expect((await resolveIdentity(req({ "x-real-ip": "garbage" }), trusted)).ip).toBe("198.51.100.1");
    // Never an entry left of the last one: those are whatever the client sent.
    expect((await resolveIdentity(req({ "x-forwarded-for": "6.6.6.6, unknown" }), trusted)).ip).toBe("198.51.100.1");
    expect(clientIpFromHeaders(new Headers({ "x-forwarded-for": "6.6.6.6, unknown" }))).toBeNull();
  });

  it("normalises IPv4, IPv4-mapped IPv6, and IPv6 to its /64", () => {
    expect(normaliseIp("203.0.113.7")).toBe("203.0.113.7");
    expect(normaliseIp("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(normaliseIp("2001:db8:0:1:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:0:1::/64");
    expect(normaliseIp("[2001:db8::1]")).toBe("2001:db8:0:0::/64");
    expect(normaliseIp("2001:DB8:0:1::5")).toBe(normaliseIp("2001:db8:0:1::6"));
  });

  it("reads an IPv4-mapped address in any spelling as the IPv4 client, not the one /64 every mapped address shares", () => {
    for (const mapped of ["::ffff:cb00:7107", "::FFFF:CB00:7107", "0:0:0:0:0:ffff:203.0.113.7", "0:0:0:0:0:ffff:cb00:7107", "[::ffff:cb00:7107]:443"]) {
      expect(normaliseIp(mapped)).toBe("203.0.113.7");
    }
    expect(normaliseIp("::ffff:c000:280")).not.toBe(normaliseIp("::ffff:cb00:7107"));
    expect(normaliseIp("64:ff9b::203.0.113.7")).toBe("64:ff9b:0:0::/64"); // NAT64: an IPv6 network, kept as such
    for (const bad of ["::ffff:999.0.0.1", "::ffff:1.2.3", "1.2.3.4::", "::ffff:1.2.3.4:80"]) expect(normaliseIp(bad)).toBeNull();
  });

  it("rejects garbage instead of using it as an identity", () => {
    for (const bad of ["", "999.1.1.1", "hello", "1.2.3", "2001:db8::1::2", "<script>", "1.2.3.4; drop"]) {
      expect(normaliseIp(bad)).toBeNull();
    }
  });

  it("asks the app's resolver for the user id", async () => {
    const identity = await resolveIdentity(req({ authorization: "Bearer u-42" }), {
      trustProxy: false,
      resolveUser: (r) => r.headers.get("authorization")?.replace("Bearer ", "") ?? null,
    });
    expect(identity).toEqual({ ip: null, userId: "u-42" });
  });
});
