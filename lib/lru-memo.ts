/**
 * A bounded memo of an asynchronous pure function of a string, least recently used evicted first
 * (issue 10). The kit's digests (`crypto.subtle.digest`: asynchronous and, on Node, a job on the
 * thread pool) are its largest CPU cost per gated request after the HTTP client, and their inputs
 * repeat: the same clients, the same hot URLs. Same input, same output; the memo holds nothing else.
 *
 * Recency, not insertion order: a Map iterates in insertion order, so a hit re-inserts its entry and
 * eviction takes the first key. Concurrent misses of one input may both compute (same result).
 */
export function memoizeRecent(compute: (input: string) => Promise<string>, maxEntries: number): (input: string) => Promise<string> {
  const recent = new Map<string, string>();
  return async (input) => {
    const known = recent.get(input);
    if (known !== undefined) {
      recent.delete(input);
      recent.set(input, known);
      return known;
    }
    const value = await compute(input);
    if (recent.size >= maxEntries) recent.delete(recent.keys().next().value!);
    recent.set(input, value);
    return value;
  };
}
