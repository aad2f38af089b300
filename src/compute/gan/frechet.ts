// Frechet distance between two Gaussians fitted to feature vectors (the FID of Heusel et al. 2017, in
// the feature space of whichever classifier is given):
//   d^2 = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))
// Tr((S1 S2)^(1/2)) is computed as the sum of the square roots of the eigenvalues of the symmetric
// S1^(1/2) S2 S1^(1/2) (same eigenvalues as S1 S2), with Jacobi eigendecompositions in float64.

/** Mean and covariance (divided by n - 1) of `count` rows of `dim` features. */
export function gaussianOf(features: Float32Array, count: number, dim: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let k = 0; k < dim; k++) mean[k] += features[i * dim + k]! / count;
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < count; i++)
    for (let a = 0; a < dim; a++) {
      const da = features[i * dim + a]! - mean[a]!;
      for (let b = a; b < dim; b++) cov[a * dim + b] += da * (features[i * dim + b]! - mean[b]!);
    }
  for (let a = 0; a < dim; a++)
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b]! / Math.max(1, count - 1);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
  return { mean, cov };
}

/** Eigenvalues and eigenvectors (columns of `vectors`) of a symmetric matrix, by cyclic Jacobi rotations. */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => a[i * n + i]!), vectors: v };
}

function matmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j]!;
    }
  return out;
}

export function frechetDistance(x: { mean: Float64Array; cov: Float64Array }, y: { mean: Float64Array; cov: Float64Array }): number {
  const n = x.mean.length;
  let meanTerm = 0;
  for (let k = 0; k < n; k++) meanTerm += (x.mean[k]! - y.mean[k]!) ** 2;
  const { values, vectors } = symmetricEigen(x.cov, n);
  // S1^(1/2) = V diag(sqrt(max(l, 0))) V^T
  const root = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k]! * Math.sqrt(Math.max(values[k]!, 0)) * vectors[j * n + k]!;
      root[i * n + j] = s;
    }
  const m = matmul(matmul(root, y.cov, n), root, n);
  const traceSqrt = symmetricEigen(m, n).values.reduce((s, l) => s + Math.sqrt(Math.max(l, 0)), 0);
  let trace = 0;
  for (let k = 0; k < n; k++) trace += x.cov[k * n + k]! + y.cov[k * n + k]!;
  return Math.max(0, meanTerm + trace - 2 * traceSqrt);
}
