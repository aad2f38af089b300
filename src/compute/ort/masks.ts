// Pruning masks on the optimizer side. A `Model`'s masks already multiply their weights in every
// graph built from it (model/model.ts), so the effective weight is zero whatever the underlying
// value; this helper is for parameters trained without that multiplication (or to make the
// stored values themselves zero): zero the masked gradient before the update and the masked
// weight after it, and momentum or weight decay cannot move a pruned weight.

/** Zeroes, in place, every element whose mask is 0 (1 keeps, 0 prunes); works on params and grads alike. */
export function applyMasks(values: ReadonlyMap<string, Float32Array>, masks: ReadonlyMap<string, Uint8Array>): void {
  for (const [name, mask] of masks) {
    const v = values.get(name);
    if (!v) continue;
    if (v.length !== mask.length) throw new Error(`mask for ${name}: ${mask.length} values, tensor ${v.length}`);
    for (let i = 0; i < v.length; i++) if (mask[i] === 0) v[i] = 0;
  }
}
