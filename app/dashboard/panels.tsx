// Presentational pieces of the dashboard: a card and a labelled figure.
import type { ReactNode } from "react";

export function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section style={{ border: "1px solid #d0d7de", borderRadius: 8, padding: "0.75rem 1rem", minWidth: 220 }}>
      <h2 style={{ fontSize: "0.9rem", margin: "0 0 0.5rem", color: "#57606a", textTransform: "uppercase", letterSpacing: 0.5 }}>
        {title}
      </h2>
      {children}
    </section>
  );
}

export function Figure({ label, value, testId, unit }: { label: string; value: string | number | null; testId: string; unit?: string }) {
  return (
    <div style={{ display: "flex", justifyContent: "space-between", gap: "1rem", fontVariantNumeric: "tabular-nums" }}>
      <span>{label}</span>
      <strong data-testid={testId}>
        {value === null ? "—" : value}
        {value !== null && unit ? ` ${unit}` : ""}
      </strong>
    </div>
  );
}

const STATUS_COLOURS = { pass: "#1a7f37", warn: "#9a6700", fail: "#cf222e" } as const;

export function StatusBadge({ status }: { status: "pass" | "warn" | "fail" }) {
  return (
    <strong data-testid="health-status" style={{ color: "#fff", background: STATUS_COLOURS[status], padding: "0.1rem 0.5rem", borderRadius: 4 }}>
      {status}
    </strong>
  );
}
