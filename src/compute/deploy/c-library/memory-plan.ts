// Where every tensor of `predict` lives: the caller's input or output buffer, or an offset in one
// static arena. Views share their source's storage; an element-wise step writes over an input whose
// life ends there; arena blocks whose lifetimes do not overlap share bytes (greedy first fit, largest
// block first), so the arena holds the live peak rather than the sum of all activations.

import { elementCount } from '../../onnx/tensor-data.ts';
import type { LoweredModel, Step } from './lower.ts';

interface Storage {
  kind: 'input' | 'output' | 'arena';
  floats: number;
  first: number;
  last: number;
  offset: number;
}

export interface MemoryPlan {
  steps: Step[];
  /** C expression of each tensor's first float. */
  where: Map<string, string>;
  arenaFloats: number;
}

/** Offsets are kept to multiples of 16 floats (64 bytes, a cache line) so vector loads start aligned. */
const ALIGN_FLOATS = 16;

export function planMemory(model: LoweredModel): MemoryPlan {
  const root = (t: string): string => {
    let r = t;
    while (model.aliases.has(r)) r = model.aliases.get(r)!;
    return r;
  };
  const size = (t: string): number => elementCount(model.shapes.get(t)!);
  const lastUse = new Map<string, number>();
  model.steps.forEach((s, i) => {
    for (const r of s.reads) lastUse.set(root(r), i);
  });
  const outRoot = root(model.outputName);
  lastUse.set(outRoot, Infinity);

  const storages: Storage[] = [];
  const storageOf = new Map<string, Storage>();
  const input: Storage = { kind: 'input', floats: size(model.inputName), first: -1, last: lastUse.get(model.inputName) ?? -1, offset: 0 };
  storageOf.set(model.inputName, input);
  model.steps.forEach((s, i) => {
    if (s.scratch) {
      const st: Storage = { kind: 'arena', floats: size(s.scratch), first: i, last: i, offset: 0 };
      storages.push(st);
      storageOf.set(s.scratch, st);
    }
    const out = root(s.writes);
    const floats = size(out);
    const life = lastUse.get(out) ?? i;
    const reuse = s.inPlace
      ? s.reads.map((r) => storageOf.get(root(r))!).find((st) => st.kind === 'arena' && st.last === i && st.floats === floats)
      : undefined;
    if (reuse) {
      reuse.last = Math.max(reuse.last, life);
      storageOf.set(out, reuse);
      return;
    }
    const st: Storage = { kind: 'arena', floats, first: i, last: life, offset: 0 };
    storages.push(st);
    storageOf.set(out, st);
  });

  const steps = [...model.steps];
  const outStorage = storageOf.get(outRoot)!;
  if (outStorage.kind === 'input') {
    // The output is a view of the input: copy it.
    steps.push({ node: model.outputName, summary: 'copy of the input', kernel: 'copy', reads: [model.inputName], writes: model.outputName, inPlace: false, args: [] });
    const st: Storage = { kind: 'output', floats: size(model.outputName), first: steps.length - 1, last: Infinity, offset: 0 };
    storageOf.set(model.outputName, st);
    model.aliases.delete(model.outputName);
  } else outStorage.kind = 'output';

  // Greedy by size: each block goes to the lowest offset free over its whole lifetime.
  const placed: Storage[] = [];
  let arenaFloats = 0;
  for (const st of storages.filter((s) => s.kind === 'arena').sort((a, b) => b.floats - a.floats || a.first - b.first)) {
    const busy = placed.filter((p) => !(p.last < st.first || st.last < p.first)).sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const p of busy) {
      if (p.offset - offset >= st.floats) break;
      offset = Math.max(offset, alignUp(p.offset + p.floats));
    }
    st.offset = offset;
    placed.push(st);
    arenaFloats = Math.max(arenaFloats, offset + st.floats);
  }

  const where = new Map<string, string>();
  const tensors = new Set([model.inputName, model.outputName, ...steps.flatMap((s) => [s.writes, ...s.reads, ...(s.scratch ? [s.scratch] : [])]), ...model.aliases.keys()]);
  for (const t of tensors) {
    const st = storageOf.get(t) ?? storageOf.get(root(t))!;
    where.set(t, st.kind === 'input' ? 'input' : st.kind === 'output' ? 'output' : st.offset === 0 ? 'arena' : `arena + ${st.offset}`);
  }
  return { steps, where, arenaFloats: alignUp(arenaFloats) };
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN_FLOATS) * ALIGN_FLOATS;
}
