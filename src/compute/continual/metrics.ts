// Continual-learning figures from the accuracy matrix a[t][u]: the accuracy on task u after learning
// task t (methods.md section 6). Rows are filled as the tasks are learned; a[t][u] for u > t (tasks not
// seen yet) is null.

export type AccuracyMatrix = (number | null)[][];

export interface ContinualFigures {
  /** A_T = mean_u a[T, u]: the average accuracy over all tasks after the last one. */
  averageAccuracy: number;
  /** BWT = mean_{u < T} (a[T, u] - a[u, u]): how much learning later tasks changed the earlier ones (negative: forgetting). */
  backwardTransfer: number;
  /** mean_t a[t, t]: how well each task is learned when it is new (plasticity). */
  meanNewTaskAccuracy: number;
  /** max_{t < T} a[t, u] - a[T, u], averaged over u < T: the drop from each task's best accuracy. */
  forgetting: number;
}

/** The figures of a complete matrix (T rows, a[t][u] known for u <= t). */
export function continualFigures(a: AccuracyMatrix): ContinualFigures {
  const T = a.length;
  if (T === 0) throw new Error('the accuracy matrix has no rows');
  const at = (t: number, u: number): number => {
    const v = a[t]?.[u];
    if (v === null || v === undefined || !Number.isFinite(v)) throw new Error(`the accuracy matrix has no a[${t + 1}, ${u + 1}]`);
    return v;
  };
  const last = T - 1;
  let average = 0;
  for (let u = 0; u < T; u++) average += at(last, u);
  let bwt = 0;
  let forgetting = 0;
  for (let u = 0; u < last; u++) {
    bwt += at(last, u) - at(u, u);
    let best = -Infinity;
    for (let t = u; t < last; t++) best = Math.max(best, at(t, u));
    forgetting += best - at(last, u);
  }
  let diagonal = 0;
  for (let t = 0; t < T; t++) diagonal += at(t, t);
  return {
    averageAccuracy: average / T,
    backwardTransfer: last > 0 ? bwt / last : 0,
    meanNewTaskAccuracy: diagonal / T,
    forgetting: last > 0 ? forgetting / last : 0,
  };
}

/** Metric names of the matrix entries, `a_2_1` for a[2, 1] (1-based, as the report prints them). */
export const matrixEntryName = (t: number, u: number): string => `a_${t + 1}_${u + 1}`;
