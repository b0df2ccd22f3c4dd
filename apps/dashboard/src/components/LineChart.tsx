import { useId, useMemo } from 'react';

export interface ChartSeries {
  values: readonly number[];
  /** A CSS color. */
  color: string;
  /** Fill the area under the line with a fading gradient. */
  area?: boolean;
}

interface LineChartProps {
  series: readonly ChartSeries[];
  height: number;
  /** A dashed horizontal line (an alert threshold); it is kept in view when it is near the data. */
  threshold?: number;
  /** Fixed bounds of the value axis; by default they follow the data. */
  min?: number;
  max?: number;
  /** Marks the latest point of the first series with a dot. */
  showLatest?: boolean;
  label: string;
}

interface Scale {
  min: number;
  max: number;
}

/** Bounds that include the data (and a nearby threshold) with a little headroom, never zero-height. */
function scaleFor(series: readonly ChartSeries[], threshold?: number, min?: number, max?: number): Scale {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const { values } of series) {
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (!Number.isFinite(lo)) return { min: 0, max: 1 };
  const span = Math.max(hi - lo, Math.abs(hi) * 0.002, 1e-6);
  if (threshold !== undefined && threshold >= lo - span && threshold <= hi + span) {
    lo = Math.min(lo, threshold);
    hi = Math.max(hi, threshold);
  }
  const pad = (hi - lo || span) * 0.12;
  return { min: min ?? lo - pad, max: max ?? hi + pad };
}

const yOf = (value: number, scale: Scale) => 100 - ((value - scale.min) / (scale.max - scale.min)) * 100;

function linePath(values: readonly number[], scale: Scale): string {
  const last = Math.max(1, values.length - 1);
  let d = '';
  values.forEach((value, i) => {
    d += `${i === 0 ? 'M' : 'L'}${((i / last) * 100).toFixed(2)},${yOf(value, scale).toFixed(2)}`;
  });
  return d;
}

/**
 * A responsive SVG line chart: drawn in a 100×100 box stretched to the element (strokes keep their width with
 * non-scaling-stroke), so it needs no measuring and no chart library. Paths are recomputed only when a series
 * array changes identity, i.e. when its resource changed.
 */
export function LineChart({ series, height, threshold, min, max, showLatest = true, label }: LineChartProps) {
  const gradientId = useId();
  const scale = useMemo(() => scaleFor(series, threshold, min, max), [series, threshold, min, max]);
  const paths = useMemo(() => series.map((s) => linePath(s.values, scale)), [series, scale]);
  const first = series[0]?.values;
  const latest = first?.length ? first[first.length - 1] : undefined;
  const thresholdY = threshold === undefined ? undefined : yOf(threshold, scale);
  return (
    <div className="chart" style={{ height }} role="img" aria-label={label}>
      <svg viewBox="0 0 100 100" preserveAspectRatio="none" className="chart-svg" aria-hidden>
        <defs>
          {series.map((s, i) => (
            <linearGradient key={s.color} id={`${gradientId}-${i}`} x1="0" x2="0" y1="0" y2="1">
              <stop offset="0%" stopColor={s.color} stopOpacity="0.28" />
              <stop offset="100%" stopColor={s.color} stopOpacity="0" />
            </linearGradient>
          ))}
        </defs>
        {thresholdY !== undefined && thresholdY >= 0 && thresholdY <= 100 && (
          <line
            x1="0"
            x2="100"
            y1={thresholdY}
            y2={thresholdY}
            className="chart-threshold"
            vectorEffect="non-scaling-stroke"
          />
        )}
        {series.map((s, i) =>
          s.area && paths[i] ? (
            <path key={`a${s.color}`} d={`${paths[i]}L100,100L0,100Z`} fill={`url(#${gradientId}-${i})`} />
          ) : null,
        )}
        {series.map((s, i) => (
          <path
            key={`l${s.color}`}
            d={paths[i] || undefined}
            fill="none"
            stroke={s.color}
            className="chart-line"
            vectorEffect="non-scaling-stroke"
          />
        ))}
      </svg>
      {showLatest && latest !== undefined && (
        // HTML, not SVG: a circle would be stretched by the non-uniform viewBox scaling.
        <span
          className="chart-latest"
          style={{ top: `${yOf(latest, scale)}%`, background: series[0].color }}
        />
      )}
    </div>
  );
}
