// What the canvas shows of a node's outputs: the images they point at (a Report's sample grid, a chart) and
// a few one-line facts (dataset sizes, metric values).
import type { ArtifactRef, OutputSummary } from '../../shared/values';

function isImageRef(value: unknown): value is ArtifactRef {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ArtifactRef>;
  return v.kind === 'artifact' && typeof v.sha256 === 'string' && /^[0-9a-f]{64}$/.test(v.sha256) && typeof v.mime === 'string' && v.mime.startsWith('image/');
}

/** Image artifacts anywhere in the summaries, in output order, each once. */
export function imagesOf(outputs: Record<string, OutputSummary> | undefined): ArtifactRef[] {
  const found = new Map<string, ArtifactRef>();
  const visit = (value: unknown, depth: number) => {
    if (depth > 6 || typeof value !== 'object' || value === null) return;
    if (isImageRef(value)) {
      if (!found.has(value.sha256)) found.set(value.sha256, value);
      return;
    }
    for (const child of Array.isArray(value) ? value : Object.values(value)) visit(child, depth + 1);
  };
  for (const summary of Object.values(outputs ?? {})) visit(summary, 0);
  return [...found.values()];
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e5 ? value.toPrecision(4).replace(/\.?0+$/, '') : value.toExponential(2);
}

/** Short lines such as `train: 6000 × 1x28x28` or `accuracy = 0.9132`, at most `limit` of them. */
export function outputFactsOf(outputs: Record<string, OutputSummary> | undefined, limit = 4): string[] {
  const facts: string[] = [];
  for (const [port, summary] of Object.entries(outputs ?? {})) {
    if (summary.type === 'Dataset' && typeof summary.count === 'number') {
      const shape = Array.isArray(summary.shape) ? ` × ${summary.shape.join('x')}` : '';
      facts.push(`${port}: ${summary.count}${shape}`);
    } else if (summary.type === 'Metrics' && typeof summary.values === 'object' && summary.values !== null) {
      for (const [name, value] of Object.entries(summary.values as Record<string, unknown>)) {
        if (typeof value === 'number') facts.push(`${name} = ${formatValue(value)}`);
      }
    }
  }
  return facts.slice(0, limit);
}
