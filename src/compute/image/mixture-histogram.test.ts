import { describe, expect, it } from 'vitest';
import { renderMixtureHistogram } from './mixture-histogram';

const pixel = (img: { width: number; height: number; data: Uint8Array }, x: number, y: number) =>
  [0, 1, 2].map((c) => img.data[c * img.width * img.height + y * img.width + x]);

describe('renderMixtureHistogram', () => {
  it('draws bars, one curve per component and a tick per codebook value (red for the zero component)', () => {
    const weights = Float32Array.from({ length: 2000 }, (_, i) => (i % 2 ? 1 : -1) + ((i % 10) - 4.5) * 0.01);
    const img = renderMixtureHistogram(weights, { mu: [0, -1, 1], sigma: [0.1, 0.05, 0.05], pi: [0.01, 0.5, 0.5] }, { width: 200, height: 100 });
    expect(img.width).toBe(200);
    const baseline = 8 + 100;
    const colours = new Set<string>();
    for (let x = 0; x < img.width; x++) for (let y = 0; y < baseline; y++) colours.add(pixel(img, x, y).join(','));
    expect(colours.has('190,190,190')).toBe(true);
    expect(colours.has('31,119,180')).toBe(true);
    expect(colours.has('255,127,14')).toBe(true);
    // Ticks: red at 0 (the middle), black at -1 and +1 (the ends).
    const tickRow = baseline + 5;
    const ticks = Array.from({ length: img.width }, (_, x) => pixel(img, x, tickRow).join(',')).map((c, x) => [x, c] as const).filter(([, c]) => c !== '255,255,255');
    expect(ticks.map(([, c]) => c)).toEqual(['0,0,0', '214,39,40', '0,0,0']);
  });
});
