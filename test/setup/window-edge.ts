/**
 * @upstash/ratelimit aligns its windows to the epoch (a 60 s window rolls over on each minute). A test
 * asserting exact counts across several requests fails when a rollover lands in the middle of them
 * (a CI failure: r=99 twice across a minute boundary). Call this first: it waits out the end of the
 * current window when fewer than `marginMs` remain, so the test's requests share one window.
 */
export async function clearOfWindowEdge(windowMs: number, marginMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
