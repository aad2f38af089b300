// SVG line charts of metric curves: a bare sparkline for the node on the canvas, and a chart with axes and
// a legend (one line per curve) for the charts panel and the run comparison.
import { memo } from 'react';
import { extentOf, pathOf, scaleX, scaleY, SERIES_COLORS, ticksOf, type Box } from '../lib/chart-geometry';
import type { MetricPoint } from '../lib/metric-series';
import { formatNumber } from '../lib/run-state';

export interface Curve {
  label: string;
  points: readonly MetricPoint[];
  /** Drawn dashed: the second run in a comparison. */
  dashed?: boolean;
  color?: string;
}

export const Sparkline = memo(function Sparkline({ points, testId }: { points: readonly MetricPoint[]; testId?: string }) {
  const extent = extentOf([points]);
  const box: Box = { x: 1, y: 2, width: 158, height: 28 };
  return (
    <svg className="sparkline" viewBox="0 0 160 32" preserveAspectRatio="none" data-testid={testId} data-points={points.length} aria-hidden>
      {extent ? <path d={pathOf(points, extent, box)} vectorEffect="non-scaling-stroke" /> : null}
    </svg>
  );
});

const WIDTH = 560;
const HEIGHT = 220;
const PLOT: Box = { x: 52, y: 10, width: WIDTH - 52 - 12, height: HEIGHT - 10 - 30 };

export const LineChart = memo(function LineChart({ title, curves, testId }: { title: string; curves: Curve[]; testId?: string }) {
  const extent = extentOf(curves.map((c) => c.points));
  const total = curves.reduce((n, c) => n + c.points.length, 0);
  return (
    <figure className="line-chart" data-testid={testId} data-points={total}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title}>
        {extent ? (
          <>
            {ticksOf(extent.minY, extent.maxY).map((t) => (
              <g key={`y${t}`} className="chart-grid">
                <line x1={PLOT.x} x2={PLOT.x + PLOT.width} y1={scaleY(extent, PLOT, t)} y2={scaleY(extent, PLOT, t)} />
                <text x={PLOT.x - 6} y={scaleY(extent, PLOT, t) + 4} textAnchor="end">
                  {formatNumber(t)}
                </text>
              </g>
            ))}
            {ticksOf(extent.minX, extent.maxX, 6).map((t) => (
              <g key={`x${t}`} className="chart-grid">
                <text x={scaleX(extent, PLOT, t)} y={PLOT.y + PLOT.height + 16} textAnchor="middle">
                  {formatNumber(t)}
                </text>
              </g>
            ))}
            <line className="chart-axis" x1={PLOT.x} x2={PLOT.x} y1={PLOT.y} y2={PLOT.y + PLOT.height} />
            <line className="chart-axis" x1={PLOT.x} x2={PLOT.x + PLOT.width} y1={PLOT.y + PLOT.height} y2={PLOT.y + PLOT.height} />
            <text className="chart-axis-label" x={PLOT.x + PLOT.width} y={HEIGHT - 2} textAnchor="end">
              step
            </text>
            {curves.map((c, i) => (
              <path
                key={c.label}
                className="chart-line"
                d={pathOf(c.points, extent, PLOT)}
                stroke={c.color ?? SERIES_COLORS[i % SERIES_COLORS.length]}
                strokeDasharray={c.dashed ? '5 4' : undefined}
              />
            ))}
          </>
        ) : (
          <text x={WIDTH / 2} y={HEIGHT / 2} textAnchor="middle" className="chart-empty">
            no points yet
          </text>
        )}
      </svg>
      <ul className="chart-legend">
        {curves.map((c, i) => {
          const last = c.points[c.points.length - 1];
          return (
            <li key={c.label}>
              <span
                className={`legend-swatch${c.dashed ? ' dashed' : ''}`}
                style={{ borderColor: c.color ?? SERIES_COLORS[i % SERIES_COLORS.length] }}
              />
              {c.label}
              {last ? <span className="muted"> {formatNumber(last.value)}</span> : null}
            </li>
          );
        })}
      </ul>
    </figure>
  );
});
