"use client";
// The operator dashboard. Rendered on the server with the first snapshot, then refreshes itself by
// polling the same-origin /api/dashboard (aggregate numbers only; the browser never talks to Redis).
import { useEffect, useState } from "react";
import type { DashboardData } from "@/lib/observability";
import { Card, Figure, StatusBadge } from "./panels";
import { Sparkline } from "./sparkline";

export interface DashboardProps {
  initial: DashboardData;
  /** Poll interval. @default 5000 */
  refreshMs?: number;
}

export function Dashboard({ initial, refreshMs = 5000 }: DashboardProps) {
  const [data, setData] = useState(initial);
  const [stale, setStale] = useState(false);

  useEffect(() => {
    let cancelled = false;
    const tick = async () => {
      const next = await fetch("/api/dashboard", { cache: "no-store" }).then(
        (res) => (res.ok ? (res.json() as Promise<DashboardData>) : null),
        () => null,
      );
      if (cancelled) return;
      // Keep the last good numbers on screen and say they are stale, rather than blanking the page.
      if (next) setData(next);
      setStale(next === null);
    };
    const id = setInterval(tick, refreshMs);
    return () => {
      cancelled = true;
      clearInterval(id);
    };
  }, [refreshMs]);

  const h = data.history;
  return (
    <main>
      <header style={{ display: "flex", alignItems: "baseline", gap: "1rem", flexWrap: "wrap" }}>
        <h1 style={{ margin: 0 }}>edge-kit</h1>
        <StatusBadge status={data.status} />
        <span>mode {data.mode}</span>
        <span style={{ color: "#57606a" }}>
          updated <time data-testid="updated-at" dateTime={data.time}>{data.time.slice(11, 19)}</time> UTC
          {stale ? " · refresh failed, showing last values" : ""}
        </span>
      </header>

      {data.degradedFeatures.length > 0 ? (
        <ul role="alert" data-testid="degraded-features" style={{ color: "#9a6700" }}>
          {data.degradedFeatures.map((d) => (
            <li key={`${d.feature}:${d.appliesTo?.join(",") ?? ""}`}>
              {d.feature}
              {d.appliesTo ? ` (${d.appliesTo.join(", ")})` : ""}: {d.behaviour}
            </li>
          ))}
        </ul>
      ) : null}

      <div style={{ display: "flex", flexWrap: "wrap", gap: "1rem", marginTop: "1rem" }}>
        <Card title="Redis">
          <Figure label="PING latency" value={data.redis.latencyMs} unit="ms" testId="redis-latency" />
          <Figure label="ops/sec" value={data.redis.opsPerSec} testId="redis-ops" />
          <Figure label="memory" value={data.redis.usedMemoryHuman} testId="redis-memory" />
          <Figure label="fragmentation" value={data.redis.fragmentationRatio} testId="redis-fragmentation" />
          <Figure label="clients" value={data.redis.connectedClients} testId="redis-clients" />
          {h ? <Sparkline values={h.latencyMs} label="PING latency per minute" /> : null}
        </Card>

        <Card title="Cache">
          <Figure label="hit rate" value={data.cache?.hitRatePercent ?? null} unit="%" testId="cache-hit-rate" />
          <Figure label="hits" value={data.cache && data.cache.hits !== null && data.cache.stale !== null ? data.cache.hits + data.cache.stale : null} testId="cache-hits" />
          <Figure label="misses" value={data.cache?.misses ?? null} testId="cache-misses" />
          <Figure label="backend" value={data.cache?.backend ?? null} testId="cache-backend" />
          {h ? <Sparkline values={h.cacheHitRatePercent} max={100} label="cache hit rate per minute" /> : null}
        </Card>

        <Card title="Rate limiting">
          <Figure label="allowed" value={data.rateLimit?.allowed ?? null} testId="rl-allowed" />
          <Figure label="denied" value={data.rateLimit?.denied ?? null} testId="rl-denied" />
          <Figure label="degraded" value={data.rateLimit?.degraded ?? null} testId="rl-degraded" />
          {h ? <Sparkline values={h.denied} label="denied per minute" /> : null}
        </Card>

        <Card title="Locks">
          <Figure label="contended" value={data.lock?.contended ?? null} testId="lock-contended" />
        </Card>

        <Card title="Queue">
          {data.queues === null ? (
            <p>unavailable</p>
          ) : data.queues.length === 0 ? (
            <p data-testid="queue-empty">no queue streams</p>
          ) : (
            <table data-testid="queues" style={{ borderCollapse: "collapse", fontVariantNumeric: "tabular-nums" }}>
              <thead>
                <tr>
                  {["queue", "depth", "pending", "lag", "delayed", "dead"].map((c) => (
                    <th key={c} style={{ textAlign: "left", paddingRight: "0.75rem" }}>
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.queues.map((q) => (
                  <tr key={q.name} data-testid={`queue-${q.name}`}>
                    <td>{q.name}</td>
                    <td>{q.length}</td>
                    <td>{q.pending ?? "—"}</td>
                    <td>{q.lag ?? "—"}</td>
                    <td>{q.delayed}</td>
                    <td>{q.deadLetters}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {h ? <Sparkline values={h.queueLength} label="queue depth per minute" /> : null}
        </Card>

        <Card title="Keys by family">
          {data.keys === null ? (
            <p>unavailable</p>
          ) : (
            data.keys
              .filter((k) => k.count > 0)
              .map((k) => (
                <Figure
                  key={k.family}
                  label={k.family}
                  value={k.exact ? k.count : `≥ ${k.count}`}
                  testId={`keys-${k.family}`}
                />
              ))
          )}
        </Card>
      </div>

      {data.unreadable.length > 0 ? (
        <p data-testid="unreadable" style={{ color: "#57606a" }}>
          Not read this time: {data.unreadable.join("; ")}
        </p>
      ) : null}
    </main>
  );
}
