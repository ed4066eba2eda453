import type { ReactNode } from "react";

export const metadata = { title: "edge-kit", description: "Rate limits, cache, idempotency and locks over Upstash HTTP Redis" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", margin: "2rem", color: "#111" }}>{children}</body>
    </html>
  );
}
