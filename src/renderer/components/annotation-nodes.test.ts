import { describe, expect, it } from 'vitest';
import { groupFrames } from './annotation-nodes';
import type { FlowNode } from './flow-nodes';

const node = (id: string, x: number, y: number, measured?: { width: number; height: number }): FlowNode => ({
  id,
  type: 'condense',
  position: { x, y },
  data: { type: 't' },
  ...(measured ? { measured } : {}),
});

describe('group frames', () => {
  it('frames the drawn members with padding and room for the title', () => {
    const frames = groupFrames(
      [{ id: 'g', title: 'G', nodeIds: ['a', 'b'] }],
      [node('a', 0, 0, { width: 100, height: 50 }), node('b', 200, 100, { width: 100, height: 50 }), node('c', 900, 900)],
    );
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ id: 'group/g', position: { x: -24, y: -58 }, width: 348, height: 232 });
    expect(frames[0].data).toEqual({ groupId: 'g', title: 'G', color: '#4f7cff' });
  });

  it('draws no frame for a group without drawn members', () => {
    expect(groupFrames([{ id: 'g', title: 'G', nodeIds: ['gone'] }], [node('a', 0, 0)])).toEqual([]);
  });
});
