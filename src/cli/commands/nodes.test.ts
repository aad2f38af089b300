import { describe, expect, it } from 'vitest';
import gmQuantizer from '../../../nodes/gm-quantizer/index';
import trainSupervised from '../../../nodes/train-supervised/index';
import { describeNode, type NodeDefinition } from '../../shared/node-sdk';
import { paramLines } from './nodes';

const lineOf = (lines: string[], name: string) => lines.find((l) => l.trimStart().startsWith(`${name}:`));

describe('condense nodes', () => {
  it('prints the condition under which a param applies', () => {
    const train = paramLines(describeNode(trainSupervised as unknown as NodeDefinition, ''));
    expect(lineOf(train, 'momentum')).toBe('    momentum: number, default 0.9, range 0..0.999, only when optimizer = sgd - Momentum of the sgd updates.');
    expect(lineOf(train, 'optimizer')).not.toContain('only when');
    const gm = paramLines(describeNode(gmQuantizer as unknown as NodeDefinition, ''));
    expect(lineOf(gm, 'momentum')).toContain('only when method = dgms and optimizer = sgd');
    expect(lineOf(gm, 'layerNames')).toContain('only when layers = list');
    expect(lineOf(gm, 'components')).not.toContain('only when');
  });
});
