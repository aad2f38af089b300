// resources/examples/distill-wavelet end to end through the engine, headless, with small settings (a
// slice of the bundled Fashion-MNIST subset, a narrower teacher, one epoch per training):
//
//   fashion ──> teacher-unet ──> teacher (pix2pix) ──┬──> wkd      ──> eval-wkd, export-wkd
//   fashion-32 ──> lenet ──> classifier ─────────────┴──> pixel-kd ──> eval-pixel-kd
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Metrics } from '../../src/shared/values';
import { exampleHarness } from '../../tests/helpers/example-graph';

const example = exampleHarness();

describe('resources/examples/distill-wavelet', () => {
  it('trains a pix2pix teacher, distils WKD and pixel-KD students on the same budget, evaluates both and exports the WKD student', { timeout: 180_000 }, async () => {
    const { file, graph, params } = await example.load('distill-wavelet');
    const { engine } = example;
    expect(params('wkd')).toMatchObject({ method: 'wkd', levels: 4, alpha: 0.4, width: 0.25 });
    expect(params('pixel-kd')).toMatchObject({ method: 'pixel-kd', width: 0.25 });
    for (const id of ['fashion', 'fashion-32']) Object.assign(params(id), { bundledMini: true, perClassLimit: 8, testPerClassLimit: 3 });
    params('teacher-unet').ngf = 16;
    Object.assign(params('teacher'), { epochs: 1, decayEpochs: 0, ndf: 16, samples: 2 });
    Object.assign(params('classifier'), { epochs: 1 });
    for (const id of ['wkd', 'pixel-kd']) Object.assign(params(id), { epochs: 1, decayEpochs: 0, ndf: 8, latencyRuns: 2, samples: 2 });
    for (const id of ['eval-wkd', 'eval-pixel-kd']) params(id).latency = false;
    const out = path.join(example.home, 'wkd-student.onnx');
    params('export-wkd').path = out;
    const result = await engine.run({ graph, graphPath: file }).done;
    expect(result.status).toBe('succeeded');

    const read = async (node: string) => ((await engine.readObject(result.outputs[node]![`metrics`]!.object)) as Metrics).values;
    const wkd = await read('wkd');
    const pixel = await read('pixel-kd');
    for (const v of [wkd, pixel]) {
      expect(v.count).toBe(30);
      expect(v.param_ratio).toBeGreaterThan(10);
      for (const k of ['psnr', 'teacher_psnr', 'hf_error_vs_teacher', 'hf_energy_ratio', 'frechet']) expect(Number.isFinite(v[k]), k).toBe(true);
    }
    // The Evaluate node scores the same student the distiller did.
    expect((await read('eval-wkd')).psnr).toBeCloseTo(wkd.psnr!, 1);
    expect(existsSync(out)).toBe(true);
    const curves = new Set(result.events.filter((e) => e.type === 'node-metric' && (e as { nodeId: string }).nodeId === 'wkd').map((e) => (e as unknown as { name: string }).name));
    for (const c of ['G_loss', 'D_loss', 'wkd']) expect(curves).toContain(c);
  });
});
