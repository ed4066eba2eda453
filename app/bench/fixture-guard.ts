// BENCHMARK FIXTURES (bench/gate, issue 10) — not part of the kit or the example API.
// They answer 404 unless EDGE_KIT_BENCH=1, so a deployment never exposes an ungated Redis writer.
// They live outside /api on purpose: middleware.ts's matcher (/api/*) never runs for them, so
// /bench/plain is a Next route with no kit at all (the baseline) and /bench/naive composes the
// Upstash clients by hand, the way users do without the kit.
export function benchFixturesEnabled(): boolean {
  return process.env.EDGE_KIT_BENCH === "1";
}

export function notFound(): Response {
  return new Response(null, { status: 404 });
}
