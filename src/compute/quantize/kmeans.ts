// One-dimensional k-means on a layer's flattened weights: the initialisation of the DGMS mixture
// (methods.md section 2, step 3) and, on its own, the post-training weight-sharing baseline
// (Han et al. 2016, "Deep Compression", without the fine-tuning).

export interface Clusters {
  /** Cluster centres, ascending. */
  centers: Float32Array;
  /** Index into `centers` of each value. */
  assignments: Uint16Array;
  /** Values per cluster. */
  counts: Int32Array;
  /** Standard deviation of each cluster's values around its centre (0 for an empty or single-value cluster). */
  spreads: Float32Array;
}

/**
 * Lloyd's algorithm in one dimension. The data is sorted once, so each assignment step is a walk over the
 * midpoints between adjacent centres; centres start at the (i + 0.5) / k quantiles, which is deterministic
 * and puts more centres where the weights are dense (near 0), as the mixture wants.
 */
export function kmeans1d(values: Float32Array, k: number, maxIterations = 100): Clusters {
  if (!(Number.isInteger(k) && k >= 1 && k <= 65535)) throw new RangeError(`k must be an integer in 1..65535, got ${k}`);
  const n = values.length;
  if (n === 0) throw new RangeError('k-means needs at least one value');
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const sorted = Float64Array.from(order, (i) => values[i]!);
  // Prefix sums make every cluster mean an O(1) lookup once its [start, end) range in sorted order is known.
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + sorted[i]!;
  let centers = Float64Array.from({ length: k }, (_, c) => sorted[Math.min(n - 1, Math.floor(((c + 0.5) / k) * n))]!);
  const bounds = new Int32Array(k + 1);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    rangesOf(sorted, centers, bounds);
    const next = Float64Array.from(centers, (c, j) => {
      const count = bounds[j + 1]! - bounds[j]!;
      return count > 0 ? (prefix[bounds[j + 1]!]! - prefix[bounds[j]!]!) / count : c;
    });
    next.sort();
    const moved = next.some((c, j) => c !== centers[j]);
    centers = next;
    if (!moved) break;
  }
  rangesOf(sorted, centers, bounds);
  const assignments = new Uint16Array(n);
  const counts = new Int32Array(k);
  const spreads = new Float32Array(k);
  for (let j = 0; j < k; j++) {
    counts[j] = bounds[j + 1]! - bounds[j]!;
    let squares = 0;
    for (let i = bounds[j]!; i < bounds[j + 1]!; i++) {
      assignments[order[i]!] = j;
      squares += (sorted[i]! - centers[j]!) ** 2;
    }
    spreads[j] = counts[j]! > 0 ? Math.sqrt(squares / counts[j]!) : 0;
  }
  return { centers: Float32Array.from(centers), assignments, counts, spreads };
}

/** bounds[j]..bounds[j+1] is the range of sorted values nearest to centre j (centres ascending). */
function rangesOf(sorted: Float64Array, centers: Float64Array, bounds: Int32Array): void {
  const k = centers.length;
  bounds[0] = 0;
  let i = 0;
  for (let j = 0; j < k - 1; j++) {
    const mid = (centers[j]! + centers[j + 1]!) / 2;
    while (i < sorted.length && sorted[i]! <= mid) i++;
    bounds[j + 1] = i;
  }
  bounds[k] = sorted.length;
}

/** Each value replaced by its centre. */
export function sharedValues(clusters: Pick<Clusters, 'centers' | 'assignments'>): Float32Array {
  return Float32Array.from(clusters.assignments, (a) => clusters.centers[a]!);
}
