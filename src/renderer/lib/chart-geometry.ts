// Pure geometry for the SVG line charts: the data range, round tick values for the axes, and each curve as
// an SVG path in a box. No chart library: a handful of lines, tested here, is all the editor needs.
import type { MetricPoint } from './metric-series';

export interface Extent {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

/** The range covering every point; a flat or single-point range is widened so it still has a height. */
export function extentOf(curves: readonly (readonly MetricPoint[])[]): Extent | undefined {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const points of curves) {
    for (const p of points) {
      if (!Number.isFinite(p.value) || !Number.isFinite(p.step)) continue;
      minX = Math.min(minX, p.step);
      maxX = Math.max(maxX, p.step);
      minY = Math.min(minY, p.value);
      maxY = Math.max(maxY, p.value);
    }
  }
  if (minX === Infinity) return undefined;
  if (maxX === minX) maxX = minX + 1;
  if (maxY === minY) {
    const pad = Math.abs(minY) > 0 ? Math.abs(minY) * 0.05 : 1;
    minY -= pad;
    maxY += pad;
  }
  return { minX, maxX, minY, maxY };
}

/** About `count` round values (1, 2 or 5 times a power of ten apart) inside [min, max]. */
export function ticksOf(min: number, max: number, count = 4): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function scaleX(extent: Extent, box: Box, step: number): number {
  return box.x + ((step - extent.minX) / (extent.maxX - extent.minX)) * box.width;
}

export function scaleY(extent: Extent, box: Box, value: number): number {
  return box.y + box.height - ((value - extent.minY) / (extent.maxY - extent.minY)) * box.height;
}

/** `M x y L x y ...` through the points, skipping non-finite values; empty when nothing is drawable. */
export function pathOf(points: readonly MetricPoint[], extent: Extent, box: Box): string {
  const parts: string[] = [];
  for (const p of points) {
    if (!Number.isFinite(p.value) || !Number.isFinite(p.step)) continue;
    const x = scaleX(extent, box, p.step).toFixed(1);
    const y = scaleY(extent, box, p.value).toFixed(1);
    parts.push(`${parts.length === 0 ? 'M' : 'L'}${x} ${y}`);
  }
  return parts.join(' ');
}

/** Distinct line colours that read on light and dark backgrounds. */
export const SERIES_COLORS = ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#e03131', '#5c7cfa'];
