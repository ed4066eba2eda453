import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Sparkline } from "@/app/dashboard/sparkline";

const render = (values: (number | null)[], max?: number) =>
  renderToStaticMarkup(createElement(Sparkline, { values, label: "trend", ...(max === undefined ? {} : { max }) }));

describe("Sparkline", () => {
  it("draws one line per run of samples, breaking at gaps, and a dot for a lone sample", () => {
    const svg = render([1, 2, null, 4, null, null, 3]);
    expect(svg.match(/<path /g)).toHaveLength(1);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg).toContain('data-points="4"');
    expect(svg).toContain("<title>trend</title>");
  });

  it("says so when there is nothing to draw", () => {
    expect(render([null, null])).toContain("no samples yet");
  });

  it("clamps to a fixed scale (percentages never leave the box)", () => {
    const svg = render([50, 150], 100);
    const ys = [...svg.matchAll(/[ML][\d.]+,([\d.-]+)/g)].map((m) => Number(m[1]));
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(0);
  });
});
