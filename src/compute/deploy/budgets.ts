// Deployment budgets (latency, RAM, flash) checked against what was measured or estimated, as the
// pass/fail badges the canvas shows on the node. A missed budget fails its badge, never the run.
import type { Badge } from '../../shared/values';

export interface BudgetCheck extends Badge {
  value: number;
  limit: number;
  /** Where the value comes from, e.g. "measured p50 on this host" or "estimated for the A53 board". */
  source: string;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ${units[u]}`;
}

export function formatMs(ms: number): string {
  return `${ms < 0.1 ? ms.toFixed(4) : ms < 10 ? ms.toFixed(3) : ms.toFixed(1)} ms`;
}

/** One budget: ok when value <= limit; the detail says by how much it missed or how much room is left. */
export function checkBudget(label: string, value: number, limit: number, format: (v: number) => string, source: string): BudgetCheck {
  const ok = value <= limit;
  const pct = limit > 0 ? Math.abs((value - limit) / limit) * 100 : Infinity;
  const by = `${pct < 10 ? pct.toFixed(1) : pct.toFixed(0)}% ${ok ? 'under' : 'over'}`;
  return { label, ok, value, limit, source, detail: `${label} ${format(value)} ${ok ? '<=' : '>'} ${format(limit)} (${by}; ${source})` };
}
