/**
 * The value codec: JSON with tags, so every supported value comes back exactly as it went in.
 *
 * Why not plain JSON or the client's own serializer: @upstash/redis's automatic deserialization turns
 * the string "123" into 123, "true" into true, "null" into a miss, a JSON-looking string into an
 * object, a Date into a string, and drops Map/Set/undefined (cache-and-queue.md §A4, verified there).
 * The cache therefore stores an envelope whose `d` field is the text this codec produces.
 *
 * Supported: null, booleans, strings (any Unicode), numbers incl. NaN, ±Infinity and -0, bigint,
 * undefined (as a value and as an object field or array hole), Date (also invalid ones), Map, Set,
 * Uint8Array, arrays and plain objects (also with a `$` key, which is escaped). Anything else —
 * functions, symbols, class instances, cycles — throws CacheSerializationError instead of silently
 * turning into `{}`.
 */
import { CacheSerializationError } from "./errors";

/** Tagged forms are objects whose only keys are `$` (the tag) and `v` (the payload). */
type Tagged = { $: string; v?: unknown };

const TAG = "$";

/** `value` → JSON text that {@link decodeValue} turns back into an equal value. */
export function encodeValue(value: unknown): string {
  return JSON.stringify(toJson(value, "value", new Set()));
}

/** Inverse of {@link encodeValue}. */
export function decodeValue(text: string): unknown {
  return fromJson(JSON.parse(text) as unknown);
}

function tagged(tag: string, v?: unknown): Tagged {
  return v === undefined ? { $: tag } : { $: tag, v };
}

function toJson(value: unknown, path: string, seen: Set<object>): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (Number.isNaN(value)) return tagged("nan");
      if (value === Infinity) return tagged("inf");
      if (value === -Infinity) return tagged("-inf");
      if (Object.is(value, -0)) return tagged("-0");
      return value;
    case "bigint":
      return tagged("big", value.toString());
    case "undefined":
      return tagged("u");
    case "function":
    case "symbol":
      throw new CacheSerializationError(`a ${typeof value} cannot be cached`, path);
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) throw new CacheSerializationError("circular reference", path);
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      // Array.from turns holes into undefined, which round-trips as a tagged undefined.
      return Array.from(object, (item, i) => toJson(item, `${path}[${i}]`, seen));
    }
    if (object instanceof Date) return tagged("date", Number.isNaN(object.getTime()) ? null : object.toISOString());
    if (object instanceof Map) {
      let i = 0;
      return tagged("map", Array.from(object, ([k, v]) => [toJson(k, `${path}.keys[${i}]`, seen), toJson(v, `${path}.get(${i++})`, seen)]));
    }
    if (object instanceof Set) {
      let i = 0;
      return tagged("set", Array.from(object, (item) => toJson(item, `${path}.values[${i++}]`, seen)));
    }
    if (object instanceof Uint8Array && object.constructor === Uint8Array) return tagged("u8", bytesToBase64(object));
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const name = (object as { constructor?: { name?: string } }).constructor?.name ?? "unknown";
      throw new CacheSerializationError(`instances of ${name} cannot be cached exactly (convert to a plain object)`, path);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(object)) setOwn(out, k, toJson(v, `${path}.${k}`, seen));
    // A user object with a `$` key would read back as a tag: wrap it so it stays an object.
    return Object.hasOwn(out, TAG) ? tagged("obj", out) : out;
  } finally {
    seen.delete(object);
  }
}

function fromJson(json: unknown): unknown {
  if (json === null || typeof json !== "object") return json;
  if (Array.isArray(json)) return json.map(fromJson);
  const record = json as Record<string, unknown>;
  if (!Object.hasOwn(record, TAG)) return mapValues(record);
  const { $: tag, v } = record as Tagged;
  switch (tag) {
    case "u":
      return undefined;
    case "nan":
      return NaN;
    case "inf":
      return Infinity;
    case "-inf":
      return -Infinity;
    case "-0":
      return -0;
    case "big":
      return BigInt(v as string);
    case "date":
      return new Date(v === null ? NaN : (v as string));
    case "map":
      return new Map((v as [unknown, unknown][]).map(([k, val]) => [fromJson(k), fromJson(val)]));
    case "set":
      return new Set((v as unknown[]).map(fromJson));
    case "u8":
      return base64ToBytes(v as string);
    case "obj":
      return mapValues(v as Record<string, unknown>);
    default:
      throw new TypeError(`Unknown cache codec tag "${String(tag)}"`);
  }
}

function mapValues(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) setOwn(out, k, fromJson(v));
  return out;
}

/**
 * `out[k] = value` except for `k === "__proto__"`: plain assignment would call the inherited setter
 * (replacing the object's prototype, or ignoring a primitive) instead of creating the own key that
 * `JSON.parse` gives such input. defineProperty always creates an own, enumerable data property.
 */
function setOwn(out: Record<string, unknown>, k: string, value: unknown): void {
  if (k === "__proto__") Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  else out[k] = value;
}

/** Base64 of raw bytes without Buffer (lib/ is Web-standard only). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
