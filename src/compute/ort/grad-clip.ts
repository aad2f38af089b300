// Gradient clipping between a step's backward pass and the optimizer update, over the gradient
// maps a TrainStep returns. Both clip in place.

/**
 * Scales every gradient by one factor so that their global L2 norm (all parameters together) is
 * at most `maxNorm`, as PyTorch's clip_grad_norm_ (factor maxNorm / (norm + 1e-6) when below 1).
 * Returns the norm before clipping. A non-finite norm leaves the gradients unchanged, so a caller
 * can skip that step instead of spreading NaN into every parameter.
 */
export function clipGradNorm(grads: ReadonlyMap<string, Float32Array>, maxNorm: number): number {
  if (!(maxNorm >= 0)) throw new Error(`maxNorm must be a non-negative number, got ${maxNorm}`);
  let sumSquares = 0;
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) sumSquares += g[i]! * g[i]!;
  const norm = Math.sqrt(sumSquares);
  if (!Number.isFinite(norm)) return norm;
  const factor = maxNorm / (norm + 1e-6);
  if (factor < 1) for (const g of grads.values()) for (let i = 0; i < g.length; i++) g[i] = g[i]! * factor;
  return norm;
}

/** Clamps every gradient element to [-clipValue, clipValue], as PyTorch's clip_grad_value_. */
export function clipGradValue(grads: ReadonlyMap<string, Float32Array>, clipValue: number): void {
  if (!(clipValue >= 0)) throw new Error(`clipValue must be a non-negative number, got ${clipValue}`);
  for (const g of grads.values())
    for (let i = 0; i < g.length; i++) {
      const v = g[i]!;
      if (v > clipValue) g[i] = clipValue;
      else if (v < -clipValue) g[i] = -clipValue;
    }
}
