/** Lower-case hex of bytes (digests, random tokens). Web-standard: no `Buffer` on the edge or workerd. */
export function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
