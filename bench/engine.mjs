// Engine benchmark: a 1,000-node layered DAG of no-op nodes (10 layers of 100; each node reads up to three
// nodes of the layer above). Times validate + plan, a full run, and a second run served by the cache.
// Run: node --import tsx bench/engine.mjs [--nodes 1000] [--layers 10] [--workers N]  (or npm run bench:engine)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const total = arg('nodes', 1000);
const layers = arg('layers', 10);
const workers = arg('workers', os.availableParallelism());

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Works as `node --import tsx bench/engine.mjs` and as plain `node bench/engine.mjs` (npm run bench:engine).
// The probe URL carries a query: a failed import stays failed for its URL, and the engine imports seed.ts later.
try {
  await import(`${pathToFileURL(path.join(root, 'src/engine/seed.ts')).href}?probe`);
} catch {
  (await import('tsx/esm/api')).register();
}
const { createEngine } = await import(path.join(root, 'src/engine/index.ts'));
const { graphOf } = await import(path.join(root, 'src/engine/graph-builder.ts'));
const { indexGraph, topologicalOrder, ancestorsOf } = await import(path.join(root, 'src/engine/graph-index.ts'));
const { planRun } = await import(path.join(root, 'src/engine/plan.ts'));
const { cacheKeysOf, FileHasher } = await import(path.join(root, 'src/engine/cache-key.ts'));
const { Cache } = await import(path.join(root, 'src/engine/cache.ts'));
const { ObjectStore } = await import(path.join(root, 'src/engine/object-store.ts'));

function layeredGraph(registry) {
  const perLayer = Math.ceil(total / layers);
  const builder = graphOf('bench', registry).withSeed(1);
  let made = 0;
  for (let layer = 0; layer < layers && made < total; layer++) {
    for (let i = 0; i < perLayer && made < total; i++, made++) {
      const id = `n${layer}_${i}`;
      builder.node(id, 'test.noop', { label: id });
      if (layer === 0) continue;
      // Up to three parents from the layer above, spread so the DAG is wide and connected.
      const parents = new Set([i, (i * 7 + 3) % perLayer, (i * 13 + 5) % perLayer]);
      [...parents].slice(0, 3).forEach((p, k) => builder.edge(`n${layer - 1}_${p}.out`, `${id}.${'abc'[k]}`));
    }
  }
  return builder.build();
}

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'condense-bench-'));
const engine = await createEngine({ home, nodesDir: false, nodeDirs: [path.join(root, 'tests/fixtures/node-pack')], workers });
const graph = layeredGraph(engine.registry);

// validate + plan as a run does them: validation, topological order, every node's cache key, cache lookups.
let t = performance.now();
const issues = engine.validate(graph);
const validateMs = performance.now() - t;
t = performance.now();
const index = indexGraph(graph);
const { order } = topologicalOrder(index, ancestorsOf(index, index.ids));
const keys = await cacheKeysOf({
  nodes: new Map(graph.nodes.map((n) => [n.id, n])),
  order,
  incoming: index.incoming,
  definitionOf: (type) => engine.registry.get(type),
  graphSeed: graph.seed ?? 0,
  resolvePath: (p) => path.resolve(p),
  hasher: new FileHasher(),
});
const cache = new Cache(home, new ObjectStore(home), Infinity);
const plan = planRun(index, order, index.ids, (id) => cache.lookup(keys.get(id).key) !== undefined);
const planMs = performance.now() - t;
if (issues.length || plan.run.length !== graph.nodes.length) throw new Error(`bad bench graph: ${JSON.stringify(issues.slice(0, 3))}`);

async function timedRun() {
  const cpu = process.cpuUsage();
  const start = performance.now();
  let firstNodeAt;
  const result = await engine.run({
    graph,
    onEvent: (ev) => {
      if (firstNodeAt === undefined && (ev.type === 'node-started' || ev.type === 'node-cached')) firstNodeAt = performance.now();
    },
  }).done;
  if (result.status !== 'succeeded') throw new Error(`run ${result.status}`);
  const counts = result.events.at(-1).counts;
  // CPU time of all threads (main + workers): a figure that a busy machine inflates less than wall time.
  const used = process.cpuUsage(cpu);
  return {
    ms: Math.round(performance.now() - start),
    cpuMs: Math.round((used.user + used.system) / 1000),
    untilFirstNodeMs: Math.round(firstNodeAt - start),
    counts,
  };
}

// Workers start on first use; start them (and load the registry in each) outside the timed runs.
t = performance.now();
await engine.run({ graph: graphOf('warm', engine.registry).node('w', 'test.never').build() }).done;
const workerStartMs = performance.now() - t;

const full = await timedRun();
const cached = await timedRun();
await engine.close();
fs.rmSync(home, { recursive: true, force: true });

console.log(
  JSON.stringify(
    {
      nodes: graph.nodes.length,
      edges: graph.edges.length,
      workers,
      validateMs: Math.round(validateMs * 10) / 10,
      planMs: Math.round(planMs * 10) / 10,
      validatePlanMs: Math.round((validateMs + planMs) * 10) / 10,
      workerStartMs: Math.round(workerStartMs),
      fullRun: full,
      cachedRun: cached,
      targets: { validatePlanMs: 200, fullRunMs: 2000 },
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
    },
    null,
    2,
  ),
);
