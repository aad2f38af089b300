// Multi-head classifiers for the task-incremental setting (methods.md section 6): a zoo classifier's
// trunk shared by every task, and one output head (its last linear layer) per task. The Model keeps the
// heads in its architecture (`heads`: classes per head), so training, evaluation and ONNX export (one
// output per head) all rebuild the same network.
import { GraphBuilder } from '../graph/graph-builder.ts';
import { buildModelGraph, type Model } from './../model/model.ts';
import type { TaskSequence } from './tasks.ts';

/** Parameter names of head t (0-based). */
export const headPrefix = (t: number): string => `heads.${t}.`;

/** What is wrong with using `trunk` on the sequence's images, or undefined. */
export function trunkMismatch(trunk: Model, sequence: Pick<TaskSequence, 'shape' | 'name'>): string | undefined {
  if (trunk.architecture.kind !== 'zoo') return `${trunk.name} is an imported ONNX model; the heads are built on a zoo classifier's trunk (create the model with the Model node)`;
  if (trunk.meta.task !== 'classify') return `${trunk.name} is an ${trunk.meta.task} model; the trunk must be a classifier`;
  const want = trunk.meta.inputShape;
  if (sequence.shape.some((d, i) => d !== want[i]))
    return `the trunk ${trunk.name} takes images of ${want.join('x')} (channels x height x width) but the tasks of ${sequence.name} have ${sequence.shape.join('x')}; create the model from the same dataset`;
  return undefined;
}

/**
 * The trunk of `trunk` (its values kept, its own last layer dropped) with one fresh head per task, the
 * heads initialised like the zoo's last layer from `seed`. Throws a sentence when the trunk cannot take
 * the images.
 */
export function createMultiHeadModel(trunk: Model, sequence: TaskSequence, seed: number): Model {
  const problem = trunkMismatch(trunk, sequence);
  if (problem) throw new Error(problem);
  if (trunk.architecture.kind !== 'zoo') throw new Error('unreachable');
  const heads = sequence.tasks.map((t) => t.classes.length);
  const shell: Model = {
    ...trunk,
    name: `${trunk.name} (${heads.length} heads)`,
    architecture: { ...trunk.architecture, heads },
    params: {},
    buffers: {},
    meta: { ...trunk.meta, classes: sequence.tasks.flatMap((t) => t.classes.map((c) => `${t.name}: ${c}`)) },
    compression: { masks: {}, codebooks: {} },
  };
  const g = new GraphBuilder({ seed, training: false });
  buildModelGraph(shell, g, { batch: 1, training: false });
  const params: Record<string, Float32Array> = {};
  const buffers: Record<string, Float32Array> = {};
  for (const p of g.params.values()) params[p.name] = Float32Array.from(trunk.params[p.name] ?? (p.initial as Float32Array));
  for (const b of g.buffers.values()) buffers[b.name] = Float32Array.from(trunk.buffers[b.name] ?? (b.initial as Float32Array));
  // The trunk's masks (a pruned trunk) stay on the trunk; its last layer is gone.
  const masks = Object.fromEntries(Object.entries(trunk.compression.masks).filter(([name]) => name in params));
  return { ...shell, params, buffers, compression: { masks, codebooks: {} } };
}

/** The parameters every task shares (the trunk): those that are in no head. */
export function trunkParamNames(model: Model): string[] {
  return Object.keys(model.params).filter((n) => !n.startsWith('heads.'));
}

/** Head t alone on the trunk, as a plain single-head classifier of the task's classes (for evaluation). */
export function headModel(model: Model, t: number): Model {
  if (model.architecture.kind !== 'zoo' || !model.architecture.heads) throw new Error(`${model.name} has no task heads`);
  const heads = model.architecture.heads;
  if (t < 0 || t >= heads.length) throw new Error(`${model.name} has ${heads.length} heads, not ${t + 1}`);
  const start = heads.slice(0, t).reduce((a, b) => a + b, 0);
  const params: Record<string, Float32Array> = {};
  for (const [name, values] of Object.entries(model.params)) {
    if (!name.startsWith('heads.')) params[name] = values;
    else if (name.startsWith(headPrefix(t))) params[`${headPrefix(0)}${name.slice(headPrefix(t).length)}`] = values;
  }
  return {
    ...model,
    architecture: { ...model.architecture, heads: [heads[t]!] },
    params,
    meta: { ...model.meta, classes: model.meta.classes.slice(start, start + heads[t]!) },
  };
}
