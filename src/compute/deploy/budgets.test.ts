import { describe, expect, it } from 'vitest';
import { checkBudget, formatBytes, formatMs } from './budgets';

describe('budgets', () => {
  it('says by how much a budget is missed or met, and where the figure comes from', () => {
    expect(checkBudget('latency', 7.2, 5, formatMs, 'p50 measured on this host')).toMatchObject({
      ok: false,
      detail: 'latency 7.200 ms > 5.000 ms (44% over; p50 measured on this host)',
    });
    expect(checkBudget('flash', 71_512, 100_000, formatBytes, 'model.int8.onnx file')).toMatchObject({ ok: true, detail: 'flash 69.8 KiB <= 97.7 KiB (28% under; model.int8.onnx file)' });
    expect(checkBudget('RAM', 100, 100, formatBytes, 'x').ok).toBe(true);
  });
});
