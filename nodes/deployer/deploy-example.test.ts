// The bundled example graph end to end through the engine with small settings (bundled Fashion-MNIST
// subset, one epoch, few timed runs): both deploy branches succeed, write their packages, and show
// what the example promises (fp32 ONNX and C library agree with the source model, int8 within a point
// of fp32 accuracy, the flash budget missed by fp32 and met by int8, the run succeeding either way).
//
//   fashion --train--> lenet --> train --+--> deploy-fp32 <--test-- fashion
//                                        +--> deploy-int8 <--test, calibration-- fashion
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Of } from '../../src/compute/deploy/package-folder';
import type { DeployPackage, Metrics, Report } from '../../src/shared/values';
import { exampleHarness } from '../../tests/helpers/example-graph';

const example = exampleHarness();

describe('resources/examples/deploy', () => {
  it('deploys the trained LeNet-5 as fp32 (with the C library) and int8 on this machine', { timeout: 150_000 }, async () => {
    const { file, graph, params } = await example.load('deploy');
    const { engine, home } = example;
    expect(params('train')).toMatchObject({ epochs: 5, optimizer: 'adam' });
    expect(params('deploy-int8')).toMatchObject({ precision: 'int8', target: 'host', flashBudgetBytes: 100000 });
    params('fashion').bundledMini = true;
    params('train').epochs = 1;
    for (const id of ['deploy-fp32', 'deploy-int8']) Object.assign(params(id), { runs: 20, cSamples: 200, folder: path.join(home, 'deploy', '{target}-{precision}') });
    const result = await engine.run({ graph, graphPath: file }).done;
    expect(result.status).toBe('succeeded');

    const read = async <T>(node: string, port: string) => (await engine.readObject(result.outputs[node]![port]!.object)) as T;
    const fp32 = await read<Metrics>('deploy-fp32', 'metrics');
    const int8 = await read<Metrics>('deploy-int8', 'metrics');
    expect(fp32.values.fp32_agreement_with_source).toBe(1);
    expect(fp32.values.c_agreement).toBe(1);
    expect(fp32.values.accuracy).toBeGreaterThan(0.7);
    expect(Math.abs(int8.values.accuracy_change_points!)).toBeLessThanOrEqual(1);
    expect(int8.values.speedup_vs_fp32).toBeGreaterThan(0);

    const fp32Report = await read<Report>('deploy-fp32', 'report');
    const int8Report = await read<Report>('deploy-int8', 'report');
    const flash = (r: Report) => r.badges!.find((b) => b.label === 'flash')!;
    expect(flash(fp32Report).ok).toBe(false);
    expect(flash(fp32Report).detail).toMatch(/^flash .* > 97\.7 KiB \(\d+% over; model\.onnx file\)$/);
    expect(flash(int8Report).ok).toBe(true);

    const pkg = await read<DeployPackage>('deploy-int8', 'package');
    expect(pkg.folder).toBe(path.join(home, 'deploy', 'host-int8'));
    expect(pkg.files.map((f) => f.path).sort()).toEqual(['latency-per-layer.png', 'manifest.json', 'model.int8.onnx', 'model.onnx', 'report.md']);
    for (const f of pkg.files) expect(sha256Of(readFileSync(path.join(pkg.folder, f.path)))).toBe(f.sha256);
    expect(existsSync(path.join(home, 'deploy', 'host-fp32', 'c', 'model.c'))).toBe(true);
  });
});
