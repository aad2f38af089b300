import { describe, expect, it } from 'vitest';
import { schedules } from './schedules.ts';

describe('schedules', () => {
  it('step decay', () => {
    const s = schedules.step(1, 10, 0.5);
    expect([s(0), s(9), s(10), s(25)]).toEqual([1, 1, 0.5, 0.25]);
  });
  it('cosine goes from lr to minLr and stays there', () => {
    const s = schedules.cosine(1, 100, 0.1);
    expect(s(0)).toBeCloseTo(1, 12);
    expect(s(50)).toBeCloseTo(0.55, 12);
    expect(s(100)).toBeCloseTo(0.1, 12);
    expect(s(150)).toBeCloseTo(0.1, 12);
  });
  it('warm-up ramps linearly into the inner schedule', () => {
    const s = schedules.warmup(schedules.constant(0.4), 4);
    [0.1, 0.2, 0.3, 0.4, 0.4, 0.4].forEach((lr, i) => expect(s([0, 1, 2, 3, 4, 100][i]!)).toBeCloseTo(lr, 12));
  });
});
