// A tiny inline SVG trend line: no chart library, no client JS of its own. Gaps (null) break the line.
export interface SparklineProps {
  values: readonly (number | null)[];
  label: string;
  width?: number;
  height?: number;
  /** Fixed top of the scale (e.g. 100 for percentages); default: the largest value. */
  max?: number;
}

export function Sparkline({ values, label, width = 160, height = 32, max }: SparklineProps) {
  const present = values.filter((v): v is number => v !== null);
  const top = max ?? Math.max(1, ...present);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  // Runs of consecutive samples; a gap (null) starts a new run, a lone sample is drawn as a dot.
  const runs: [number, number][][] = [[]];
  values.forEach((v, i) => {
    if (v === null) {
      if (runs.at(-1)!.length > 0) runs.push([]);
      return;
    }
    runs.at(-1)!.push([i * step, height - 2 - (Math.min(v, top) / top) * (height - 4)]);
  });
  const drawn = runs.filter((r) => r.length > 0);
  return (
    <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} data-points={present.length}>
      <rect x="0" y="0" width={width} height={height} fill="#f6f8fa" rx="3" />
      <title>{label}</title>
      {drawn.map((run) =>
        run.length === 1 ? (
          <circle key={`${run[0]![0]}`} cx={run[0]![0]} cy={run[0]![1]} r="2" fill="#0969da" />
        ) : (
          <path
            key={`${run[0]![0]}`}
            d={run.map(([x, y], i) => `${i === 0 ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`).join(" ")}
            fill="none"
            stroke="#0969da"
            strokeWidth="1.5"
          />
        ),
      )}
      {present.length === 0 ? (
        <text x={width / 2} y={height / 2 + 4} textAnchor="middle" fontSize="10" fill="#57606a">
          no samples yet
        </text>
      ) : null}
    </svg>
  );
}
