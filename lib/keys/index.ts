/** Public surface of lib/keys: the only way to name a Redis key, and the default TTL per family. */
export { createKeys, KEY_FAMILIES } from "./keys";
export type { Keys, KeyFamily } from "./keys";
export { encodeKeyPart, MAX_KEY_PART_BYTES } from "./encode";
export { DEFAULT_TTLS } from "./ttl";
export type { DefaultTtls, CacheProfile } from "./ttl";
