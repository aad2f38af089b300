// The image-shape check before a run, through the real engine and the real Dataset and Model nodes.
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index';
import { tempHome } from '../../src/engine/test-support';
import { emptyGraph } from '../../src/shared/graph/serialize';
import type { Graph } from '../../src/shared/graph/schema';

const engine = await createEngine({ home: tempHome(), workers: 1 });
afterAll(() => engine.close());

//   fashion ──> model (lenet5) ──> train <── other (generated, size and classes as given)
//                                    └──> evaluate <── fashion.test
function pipeline(other: Record<string, unknown>): Graph {
  const g = emptyGraph('shape check');
  g.nodes = [
    { id: 'fashion', type: 'condense.data.dataset', typeVersion: 1, params: { bundledMini: true } },
    { id: 'other', type: 'condense.data.dataset', typeVersion: 1, params: { source: 'generated', ...other } },
    { id: 'model', type: 'condense.model.create', typeVersion: 1, params: { architecture: 'lenet5' } },
    { id: 'train', type: 'condense.train.supervised', typeVersion: 1, params: {} },
    { id: 'evaluate', type: 'condense.eval.model', typeVersion: 1, params: {} },
  ];
  g.edges = [
    { id: 'e-shape', from: { node: 'fashion', port: 'train' }, to: { node: 'model', port: 'dataset' } },
    { id: 'e-model', from: { node: 'model', port: 'model' }, to: { node: 'train', port: 'model' } },
    { id: 'e-train', from: { node: 'other', port: 'train' }, to: { node: 'train', port: 'train' } },
    { id: 'e-eval-model', from: { node: 'train', port: 'model' }, to: { node: 'evaluate', port: 'model' } },
    { id: 'e-eval-test', from: { node: 'fashion', port: 'test' }, to: { node: 'evaluate', port: 'test' } },
  ];
  return g;
}

describe('a dataset that does not fit the model', () => {
  it('is a validation issue on the edge into the trainer, before anything runs', async () => {
    expect(engine.validate(pipeline({ size: 28, classes: 10 }))).toEqual([]);
    const issues = engine.validate(pipeline({ size: 32, classes: 10 }));
    expect(issues).toEqual([
      expect.objectContaining({ nodeId: 'train', port: 'train', edgeId: 'e-train', code: 'incompatible-ports' }),
    ]);
    expect(issues[0].message).toContain('the model takes 1x28x28 images');
    expect(issues[0].message).toContain('this dataset has 1x32x32');

    const result = await engine.run({ graph: pipeline({ size: 32, classes: 10 }) }).done;
    expect(result.status).toBe('failed');
    expect(result.events.filter((e) => e.type === 'node-started')).toEqual([]);
  });

  it('names a class-count mismatch, and a resize in the Dataset node fixes a size mismatch', () => {
    expect(engine.validate(pipeline({ size: 28, classes: 4 }))[0].message).toBe('input "train": the model predicts 10 classes but this dataset has 4');
    expect(engine.validate(pipeline({ size: 32, classes: 10, resize: 28 }))).toEqual([]);
  });
});
