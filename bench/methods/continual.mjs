// Continual learner (AFEC, methods.md section 6) on split Fashion-MNIST: 5 tasks of 2 classes (the full
// 60,000 / 10,000 images), a multi-head LeNet-5, Adam 1e-3, batch 256, E epochs a task, through the
// node's own learnTasks. Measures
//   1. fine-tune, EWC and AFEC at one lambda over several seeds (mean and spread of A_T, BWT, mean a[t,t]);
//   2. a lambda sweep of EWC and AFEC (plasticity: mean a[t,t]; stability: BWT);
//   3. the sequence with a conflicting sixth task (task 1 with its labels swapped): AFEC's a[t,t] against EWC's;
//   4. wall time per task of our EWC against a PyTorch EWC (bench/methods/continual-ewc.py) on the same
//      task files, same model, same Fisher, run here one after the other at the same thread count.
// Ends by printing one JSON object with the measured figures and the `mustShow` list.
// Run: nice -n 10 node --import tsx bench/methods/continual.mjs [--seeds 1,2,3] [--epochs 2] [--lambda 10000]
//      [--lambda-e 1] [--sweep 10,100,1000,10000,100000] [--sweep-seeds 1] [--train-count 0] [--threads 2] [--no-peer]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg } from './args.mjs';

const list = (s) => s.split(',').filter(Boolean).map(Number);
const seeds = list(arg('seeds', '1,2,3'));
const epochs = Number(arg('epochs', 2));
const lambda = Number(arg('lambda', 10000));
const lambdaE = Number(arg('lambda-e', 1));
const sweep = list(arg('sweep', '10,100,1000,10000,100000'));
const sweepSeeds = list(arg('sweep-seeds', String(seeds[0])));
const trainCount = Number(arg('train-count', 0));
const threads = Number(arg('threads', 2));
const peer = !process.argv.includes('--no-peer');
const here = path.dirname(fileURLToPath(import.meta.url));

const { datasetParams } = await import('../../nodes/dataset/index.ts');
const { loadDatasetSplits } = await import('../../src/compute/data/load.ts');
const { createZooModel } = await import('../../src/compute/model/model.ts');
const { splitIntoTasks } = await import('../../src/compute/continual/tasks.ts');
const { createMultiHeadModel } = await import('../../src/compute/continual/multi-head.ts');
const { learnTasks } = await import('../../src/compute/continual/afec.ts');

const { train, test } = loadDatasetSplits(datasetParams.parse({ source: 'fashion-mnist' }), { resolvePath: (p) => p });
if (train.count !== 60000 || test.count !== 10000) throw new Error(`the full Fashion-MNIST is not installed (got ${train.count}/${test.count} images)`);
const split = (conflictWith) =>
  splitIntoTasks(train, test, { split: 'classes', classesPerTask: 2, classOrder: 'dataset', tasks: 0, shifts: [], conflictWith, maxTrainPerTask: trainCount, seed: 1 });
const sequence = split(0);
const conflicting = split(1);

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const spread = (xs) => (xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1)) : 0);
const r4 = (v) => Number(v.toFixed(4));

/** One run of learnTasks; the model (trunk and heads) is seeded by `seed` like the data order. */
async function run(seq, method, seed, lam, lamE) {
  const trunk = createZooModel(train, { architecture: 'lenet5', seed });
  const model = createMultiHeadModel({ ...trunk, meta: { ...trunk.meta, normalize: train.normalize } }, seq, seed);
  const started = performance.now();
  const r = await learnTasks(model, seq, { method, lambda: lam, lambdaE: lamE, epochsPerTask: epochs, batchSize: 256, optimizer: 'adam', lr: 1e-3, momentum: 0.9, seed, intraOpThreads: threads });
  const out = {
    method,
    seed,
    lambda: method === 'finetune' ? 0 : lam,
    lambdaE: method === 'afec' ? lamE : 0,
    A_T: r4(r.figures.averageAccuracy),
    BWT: r4(r.figures.backwardTransfer),
    newTask: r4(r.figures.meanNewTaskAccuracy),
    diagonal: r.matrix.map((row, t) => r4(row[t])),
    lastRow: r.matrix.at(-1).map(r4),
    secondsPerTask: r.tasks.map((t) => Number(t.seconds.toFixed(2))),
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
  console.error(`${method} seed ${seed} lambda ${out.lambda} lambda_e ${out.lambdaE}: A_T ${out.A_T} BWT ${out.BWT} mean a[t,t] ${out.newTask} (${out.seconds} s)`);
  return out;
}

const summary = (runs) => ({
  seeds: runs.map((r) => r.seed),
  A_T: { mean: r4(mean(runs.map((r) => r.A_T))), sd: r4(spread(runs.map((r) => r.A_T))) },
  BWT: { mean: r4(mean(runs.map((r) => r.BWT))), sd: r4(spread(runs.map((r) => r.BWT))) },
  newTask: { mean: r4(mean(runs.map((r) => r.newTask))), sd: r4(spread(runs.map((r) => r.newTask))) },
});

// 1. The three methods at one lambda, every seed.
const main = { finetune: [], ewc: [], afec: [] };
for (const seed of seeds) {
  main.finetune.push(await run(sequence, 'finetune', seed, 0, 0));
  main.ewc.push(await run(sequence, 'ewc', seed, lambda, 0));
  main.afec.push(await run(sequence, 'afec', seed, lambda, lambdaE));
}
const at = Object.fromEntries(Object.entries(main).map(([m, runs]) => [m, summary(runs)]));

// 2. The lambda sweep (the main lambda's runs reused for its seeds).
const sweepRows = [];
for (const lam of sweep) {
  const row = { lambda: lam };
  for (const method of ['ewc', 'afec']) {
    const runs = [];
    for (const seed of sweepSeeds) runs.push(lam === lambda ? main[method].find((r) => r.seed === seed) ?? (await run(sequence, method, seed, lam, lambdaE)) : await run(sequence, method, seed, lam, lambdaE));
    row[method] = summary(runs);
  }
  sweepRows.push(row);
}

// 3. The conflicting sixth task.
const conflictEwc = await run(conflicting, 'ewc', seeds[0], lambda, 0);
const conflictAfec = await run(conflicting, 'afec', seeds[0], lambda, lambdaE);
const conflictGap = r4(conflictAfec.diagonal.at(-1) - conflictEwc.diagonal.at(-1));
const conflictMeanGap = r4(conflictAfec.newTask - conflictEwc.newTask);

// 4. PyTorch EWC on the same task files, then our EWC again right after it (same load, same threads).
let timing;
if (peer) {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'condense-continual-'));
  try {
    mkdirSync(folder, { recursive: true });
    sequence.tasks.forEach((t, i) => {
      for (const [part, data] of [['train', t.train], ['test', t.test]]) {
        writeFileSync(path.join(folder, `task${i}-${part}.pixels`), data.pixels);
        writeFileSync(path.join(folder, `task${i}-${part}.labels`), new Uint8Array(Int32Array.from(data.labels).buffer));
      }
    });
    writeFileSync(
      path.join(folder, 'tasks.json'),
      JSON.stringify({ shape: sequence.shape, mean: train.normalize.mean, std: train.normalize.std, tasks: sequence.tasks.map((t) => ({ train: t.train.count, test: t.test.count, classes: t.classes.length })) }),
    );
    const out = execFileSync('/usr/bin/python3', [path.join(here, 'continual-ewc.py'), folder, String(lambda), String(epochs), '256', '0.001', String(seeds[0]), String(threads)], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 24,
    });
    const torchRun = JSON.parse(out.trim().split('\n').at(-1));
    const ours = await run(sequence, 'ewc', seeds[0], lambda, 0);
    const oursPerTask = mean(ours.secondsPerTask);
    const torchPerTask = mean(torchRun.seconds);
    timing = {
      threads,
      torch: torchRun.torch,
      condenseSecondsPerTask: Number(oursPerTask.toFixed(2)),
      pytorchSecondsPerTask: Number(torchPerTask.toFixed(2)),
      ratio: Number((oursPerTask / torchPerTask).toFixed(2)),
      pytorchA_T: r4(mean(torchRun.matrix.at(-1))),
      condenseA_T: ours.A_T,
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const largest = sweepRows.at(-1);
const smallest = sweepRows[0];
const mustShow = [
  {
    claim: `At the same lambda (${lambda}, lambda_e ${lambdaE}), AFEC has higher mean a[t,t] and higher A_T than EWC; both have better BWT than fine-tune (means over ${seeds.length} seeds)`,
    pass: at.afec.newTask.mean > at.ewc.newTask.mean && at.afec.A_T.mean > at.ewc.A_T.mean && at.ewc.BWT.mean > at.finetune.BWT.mean && at.afec.BWT.mean > at.finetune.BWT.mean,
    value: { afec: at.afec, ewc: at.ewc, finetune: at.finetune },
    reference: 'methods.md 6 (arXiv 2110.12187): AFEC above EWC on a[t,t] and A_T at equal lambda, both above fine-tune on BWT',
  },
  {
    claim: `Lambda sweep ${sweep.join(', ')}: EWC loses new-task accuracy as lambda grows while AFEC keeps more of it (at lambda ${largest.lambda}, AFEC's mean a[t,t] above EWC's)`,
    pass: largest.afec.newTask.mean > largest.ewc.newTask.mean && largest.ewc.newTask.mean < smallest.ewc.newTask.mean,
    value: sweepRows.map((r) => ({ lambda: r.lambda, ewc: { newTask: r.ewc.newTask.mean, BWT: r.ewc.BWT.mean, A_T: r.ewc.A_T.mean }, afec: { newTask: r.afec.newTask.mean, BWT: r.afec.BWT.mean, A_T: r.afec.A_T.mean } })),
    reference: 'arXiv 2110.12187: AFEC keeps plasticity (new-task accuracy) where EWC loses it as lambda grows',
  },
  {
    claim: `With a conflicting task 6 (task 1, labels swapped), AFEC's a[6,6] minus EWC's (lambda ${lambda}, seed ${seeds[0]})`,
    pass: conflictGap > 0,
    value: { gap: conflictGap, afec: conflictAfec.diagonal.at(-1), ewc: conflictEwc.diagonal.at(-1), meanNewTaskGap: conflictMeanGap, afecA_T: conflictAfec.A_T, ewcA_T: conflictEwc.A_T },
    reference: 'methods.md 6: the active forgetting helps where the new task conflicts with the old',
  },
  {
    claim: `Wall time per task of Condense's EWC against PyTorch EWC (same data, model, Fisher; ${threads} threads each), as a ratio (pass: within 1.5x)`,
    pass: timing !== undefined && timing.ratio <= 1.5,
    value: timing ?? 'not run (--no-peer)',
    reference: 'PyTorch (Debian python3-torch) EWC, bench/methods/continual-ewc.py',
  },
];

console.log(JSON.stringify({ settings: { seeds, epochs, lambda, lambdaE, sweep, sweepSeeds, trainPerTask: sequence.tasks.map((t) => t.train.count), threads, model: 'lenet5 multi-head' }, runs: main, conflict: { ewc: conflictEwc, afec: conflictAfec }, mustShow }, null, 1));
