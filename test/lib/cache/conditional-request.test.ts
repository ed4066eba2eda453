/**
 * isNotModified / notModifiedHeaders (RFC 9110 §13.1.2, §13.1.3, §13.2.2, §15.4.5) on their own: the
 * edge cases of the field syntax that the app-level tests (test/edge/cache-http-semantics.test.ts) do not walk.
 */
import { describe, expect, it } from "vitest";
import { isNotModified, notModifiedHeaders } from "@/lib/cache/conditional-request";

const stored = (fields: Record<string, string>) => new Headers(fields);
const req = (fields: Record<string, string>, method = "GET") => new Request("http://localhost/x", { method, headers: fields });

describe("isNotModified", () => {
  it("If-None-Match: weak comparison, lists, * and entity-tags holding commas", () => {
    const etag = stored({ etag: '"a,b"' });
    expect(isNotModified(req({ "if-none-match": 'W/"a,b"' }), etag)).toBe(true);
    expect(isNotModified(req({ "if-none-match": '"x", "a,b"' }), etag)).toBe(true);
    expect(isNotModified(req({ "if-none-match": '"a"' }), etag)).toBe(false);
    expect(isNotModified(req({ "if-none-match": " * " }), etag)).toBe(true);
    expect(isNotModified(req({ "if-none-match": "*" }), stored({}))).toBe(true);
  });

  it("a malformed If-None-Match, or no stored ETag, matches nothing (the 200 goes out)", () => {
    expect(isNotModified(req({ "if-none-match": "a,b" }), stored({ etag: '"a"' }))).toBe(false);
    expect(isNotModified(req({ "if-none-match": '"a"' }), stored({}))).toBe(false);
    expect(isNotModified(req({ "if-none-match": '"a"' }), stored({ etag: "a" }))).toBe(false);
  });

  it("only GET and HEAD", () => {
    expect(isNotModified(req({ "if-none-match": '"a"' }, "HEAD"), stored({ etag: '"a"' }))).toBe(true);
    expect(isNotModified(req({ "if-none-match": '"a"' }, "DELETE"), stored({ etag: '"a"' }))).toBe(false);
  });

  it("If-Modified-Since needs a stored Last-Modified and a single valid HTTP-date", () => {
    const lm = stored({ "last-modified": "Wed, 21 Oct 2015 07:28:00 GMT" });
    expect(isNotModified(req({ "if-modified-since": "Wed, 21 Oct 2015 07:28:00 GMT" }), stored({}))).toBe(false);
    expect(isNotModified(req({ "if-modified-since": "2015-10-22" }), lm)).toBe(false);
    expect(isNotModified(req({ "if-modified-since": "Wed, 21 Oct 2015 07:28:00 GMT" }), stored({ "last-modified": "garbage" }))).toBe(false);
  });
});

describe("notModifiedHeaders", () => {
  it("keeps the fields that guide caches, drops representation metadata; Last-Modified only without an ETag", () => {
    const all = { etag: '"a"', "last-modified": "Wed, 21 Oct 2015 07:28:00 GMT", "cache-control": "max-age=0", vary: "accept", "content-type": "application/json", "content-encoding": "gzip" };
    expect(Object.fromEntries(notModifiedHeaders(stored(all)))).toStrictEqual({ etag: '"a"', "cache-control": "max-age=0", vary: "accept" });
    const { etag: _etag, ...noEtag } = all;
    expect(notModifiedHeaders(stored(noEtag)).get("last-modified")).toBe(all["last-modified"]);
  });
});
