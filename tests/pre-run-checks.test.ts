// Model-vs-param problems are validation issues on the node while wiring, with the real node types: the
// Model node states its architecture's weight layers, and the nodes that pick layers check against them.
import { beforeAll, describe, expect, it } from 'vitest';
import { graphOf } from '../src/engine/graph-builder';
import { loadRegistry, type EngineRegistry } from '../src/engine/registry';
import { validateGraph } from '../src/engine/validate';

let registry: EngineRegistry;
beforeAll(async () => {
  registry = await loadRegistry();
});

//   data (generated 1x16x16, 4 classes) ──> model ──> train ──> <compress> (model, train, test)
function pipeline(architecture: string, compress: { type: string; params: Record<string, unknown> }) {
  return graphOf('checks', registry)
    .node('data', 'condense.data.dataset', { source: 'generated', size: 16, classes: 4 })
    .node('model', 'condense.model.create', { architecture })
    .node('train', 'condense.train.supervised', { epochs: 1 })
    .node('compress', compress.type, compress.params)
    .edge('data.train', 'model.dataset')
    .edge('model.model', 'train.model')
    .edge('data.train', 'train.train')
    .edge('train.model', 'compress.model')
    .edge('data.train', 'compress.train')
    .edge('data.test', 'compress.test')
    .build();
}

const issuesOf = (graph: ReturnType<typeof pipeline>, nodeId: string) => validateGraph(graph, registry).filter((i) => i.nodeId === nodeId);

describe('pre-run checks of layer choices', () => {
  it("GM quantizer: the default inner-convs after LeNet-5 (two convs) is an issue on layers, before any run", () => {
    const issues = issuesOf(pipeline('lenet5', { type: 'condense.quantize.gm', params: {} }), 'compress');
    expect(issues).toEqual([
      expect.objectContaining({ param: 'layers', code: 'param', message: expect.stringContaining('no layer to quantise: layers "inner-convs" picks none of lenet5') }),
    ]);
    expect(issuesOf(pipeline('lenet5', { type: 'condense.quantize.gm', params: { layers: 'all-convs' } }), 'compress')).toEqual([]);
    expect(issuesOf(pipeline('vgg-small', { type: 'condense.quantize.gm', params: {} }), 'compress')).toEqual([]);
  });

  it('GM quantizer: a layer list names only layers the model has', () => {
    const issues = issuesOf(pipeline('mlp', { type: 'condense.quantize.gm', params: { layers: 'list', layerNames: 'features.conv9.weight' } }), 'compress');
    expect(issues).toEqual([expect.objectContaining({ param: 'layerNames', message: expect.stringContaining('no weight layer features.conv9.weight in the model') })]);
  });

  it('pattern pruner: pattern pruning needs 3x3 convs, which LeNet-5 has none of', () => {
    const issues = issuesOf(pipeline('lenet5', { type: 'condense.prune.pattern', params: {} }), 'compress');
    expect(issues).toEqual([expect.objectContaining({ param: 'method', message: expect.stringContaining('lenet5 has no 3x3 conv layer to prune') })]);
    expect(issuesOf(pipeline('lenet5', { type: 'condense.prune.pattern', params: { method: 'magnitude' } }), 'compress')).toEqual([]);
  });

  it('Model: an architecture that cannot take the images is an issue on architecture', () => {
    const graph = graphOf('small', registry)
      .node('data', 'condense.data.dataset', { source: 'generated', size: 8, classes: 4 })
      .node('model', 'condense.model.create', { architecture: 'lenet5' })
      .edge('data.train', 'model.dataset')
      .build();
    expect(issuesOf(graph, 'model')).toEqual([expect.objectContaining({ param: 'architecture', message: expect.stringContaining('lenet5 cannot read 1x8x8 images: LeNet-5 needs images of at least 12x12') })]);
  });

  it('Train: early stopping without any validation data is an issue on patience', () => {
    const graph = pipeline('mlp', { type: 'condense.quantize.gm', params: { layers: 'convs+linear' } });
    graph.nodes.find((n) => n.id === 'train')!.params.patience = 3;
    expect(issuesOf(graph, 'train')).toEqual([expect.objectContaining({ param: 'patience', message: expect.stringContaining('early stopping needs validation data') })]);
  });

  it('Export, Deploy and an imported Model: an empty path or folder is an issue on that param', () => {
    const graph = graphOf('paths', registry)
      .node('data', 'condense.data.dataset', { source: 'generated', size: 16, classes: 4 })
      .node('imported', 'condense.model.create', { source: 'import', path: '' })
      .node('model', 'condense.model.create', { architecture: 'mlp' })
      .node('export', 'condense.model.export', { path: ' ' })
      .node('deploy', 'condense.deploy.target', { folder: '' })
      .edge('data.train', 'model.dataset')
      .edge('model.model', 'export.model')
      .edge('model.model', 'deploy.model')
      .edge('data.test', 'deploy.test')
      .build();
    expect(issuesOf(graph, 'imported')).toEqual([expect.objectContaining({ param: 'path', message: 'set path to the .onnx file to import' })]);
    expect(issuesOf(graph, 'export')).toEqual([expect.objectContaining({ param: 'path', message: 'set path to the .onnx file to write' })]);
    expect(issuesOf(graph, 'deploy')).toEqual([expect.objectContaining({ param: 'folder', message: 'set folder to where the package goes' })]);
  });
});
