// Storage of the pruned layers, written for real in each format (dense, CSR, and the method's own:
// PCONV's pattern format, PCNN's Sparsity Pattern Mask, or kept filters / columns for structured
// pruning) and read back to check it gives the same weights; values as float32 or as grid levels after
// ADMM-NN-S quantisation.
import type { PrunedLayer } from './prune-model.ts';
import { decodeLayer, encodeCsr, encodeDense, encodePattern, encodeSpm, encodeUnits, type EncodedLayer, type UnitAxis, type ValueCoding } from './storage-formats.ts';

export type FormatName = EncodedLayer['format'];

export interface LayerStorage {
  name: string;
  /** Bytes per format: values, index and total. */
  formats: Partial<Record<FormatName, EncodedLayer['bytes']>>;
}

export interface StorageSummary {
  layers: LayerStorage[];
  totals: Partial<Record<FormatName, EncodedLayer['bytes']>>;
  /** The format the method is built for (pattern, spm, units, or csr). */
  methodFormat: FormatName;
  /** Dense float32 bytes of the same layers (4 per weight). */
  denseFloatBytes: number;
}

export interface StorageInput {
  weights: Readonly<Record<string, Float32Array>>;
  layers: readonly PrunedLayer[];
  /** pattern: 9-bit kernel masks; spm: L-bit group masks. */
  methodFormat: FormatName;
  library?: readonly number[];
  groupLength?: number;
  /** units: filters (rows) or columns. */
  unitAxis?: UnitAxis;
}

function sameWeights(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Encodes every pruned layer in dense, CSR and the method's format, checks each decodes to the weights, and sums the bytes. */
export function measureStorage(input: StorageInput): StorageSummary {
  const formats: FormatName[] = ['dense', 'csr'];
  if (input.methodFormat !== 'dense' && input.methodFormat !== 'csr') formats.push(input.methodFormat);
  const totals: StorageSummary['totals'] = {};
  let denseFloatBytes = 0;
  const layers = input.layers.map((l): LayerStorage => {
    const w = input.weights[l.name]!;
    denseFloatBytes += 4 * w.length;
    const coding: ValueCoding | undefined = l.grid ? { kind: 'levels', q: l.grid.q, maxLevel: l.grid.maxLevel } : undefined;
    const out: LayerStorage = { name: l.name, formats: {} };
    for (const format of formats) {
      const encoded =
        format === 'dense'
          ? encodeDense(w, l.shape, coding)
          : format === 'csr'
            ? encodeCsr(w, l.shape, coding)
            : format === 'pattern'
              ? encodePattern(w, l.shape, [...input.library!], coding)
              : format === 'units'
                ? encodeUnits(w, l.shape, input.unitAxis!, coding)
                : encodeSpm(w, l.shape, input.groupLength!, [...input.library!], coding);
      if (!sameWeights(decodeLayer(encoded), w)) throw new Error(`the ${format} encoding of ${l.name} does not read back to the same weights`);
      out.formats[format] = encoded.bytes;
      const t = (totals[format] ??= { values: 0, index: 0, total: 0 });
      t.values += encoded.bytes.values;
      t.index += encoded.bytes.index;
      t.total += encoded.bytes.total;
    }
    return out;
  });
  return { layers, totals, methodFormat: input.methodFormat, denseFloatBytes };
}
