// The wiring-time layer checks (layerChoiceProblems on the Model node layer facts) give the answer planPrune gives on the real model: same problem, same param.
import { describe, expect, it } from 'vitest';
import { createZooModel, type ZooName } from '../../src/compute/model/model';
import { weightLayers } from '../../src/compute/model/weight-layers';
import { layerChoiceProblems, planPrune, PruneConfigError } from '../../src/compute/prune/prune-model';
import { pruneConfigOf, patternPrunerParams } from './index';


const data = { shape: [1, 16, 16] as [number, number, number], classes: ['a', 'b', 'c', 'd'], normalize: { mean: [0], std: [1] } };

const configs: Record<string, unknown>[] = [
  {},
  { pruneFirstLayer: true },
  { method: 'pcnn' },
  { method: 'pcnn', groupLength: 7 },
  { method: 'magnitude' },
  { method: 'magnitude', layers: 'conv+linear', layerSparsity: { 'no.such.weight': 0.5 } },
  { method: 'admm-nn-s' },
  { connectivity: 0.99 },
  { layerConnectivity: { 'features.conv0.weight': 0.5 } },
];

describe('the wiring-time layer check on the Model node layer facts agrees with planPrune on the model', () => {
  for (const architecture of ['mlp', 'lenet5', 'vgg-small', 'resnet8'] as ZooName[]) {
    it(architecture, () => {
      const model = createZooModel(data, { architecture, seed: 1 });
      for (const overrides of configs) {
        const p = patternPrunerParams.parse(overrides);
        let planned: { param: string; message: string } | undefined;
        try {
          planPrune(model, pruneConfigOf(p));
        } catch (e) {
          if (!(e instanceof PruneConfigError)) throw e;
          planned = { param: e.param, message: e.message };
        }
        const found = layerChoiceProblems(weightLayers(model), model.name, p)[0];
        expect({ overrides, found }).toEqual({ overrides, found: planned });
      }
    });
  }
});
