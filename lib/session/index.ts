/**
 * lib/session — short-lived, zod-typed records such as upload sessions: create with a TTL of
 * 15 min to 24 h, read, touch (sliding expiry), update, destroy. Expired sessions are clean misses.
 *
 * ```ts
 * const uploads = defineSessionStore(kit, { kind: "upload", schema: z.object({ file: z.string(), parts: z.number() }), ttl: "1 h" });
 * const { id } = await uploads.create({ file: "a.csv", parts: 0 });
 * const session = await uploads.read(id, { touch: true }); // null once expired
 * ```
 */
export { defineSessionStore } from "./session-store";
export type { Session, SessionStore, SessionStoreOptions } from "./session-store";
