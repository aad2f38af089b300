// Editor benchmark: a 500-node graph (20 columns of 25 fixture no-op nodes, each wired to two nodes of the
// column before) opened in Debian's Chromium against `condense serve`. Measures the time from choosing the
// file to its nodes being drawn, and the frame times (requestAnimationFrame deltas) while panning the canvas.
// Run: node bench/editor.mjs [--nodes 500] [--runs 3]  (needs /usr/bin/chromium; builds out/web if stale)
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, buildWebIfNeeded, serveEditor } from '../tests/e2e/serve-editor.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const total = arg('nodes', 500);
const runs = arg('runs', 3);
const ROWS = 25;
const NAME = `Bench ${total} nodes`;

function benchGraphText() {
  const nodes = [];
  const edges = [];
  const positions = {};
  for (let i = 0; i < total; i++) {
    const column = Math.floor(i / ROWS);
    const row = i % ROWS;
    const id = `n${column}_${row}`;
    nodes.push({ id, type: 'test.noop', typeVersion: 1, params: { label: id } });
    positions[id] = [column * 300, row * 200];
    if (column > 0) {
      for (const [k, port] of [
        [row, 'a'],
        [(row + 7) % ROWS, 'b'],
      ]) {
        edges.push({ id: `e${edges.length + 1}`, from: { node: `n${column - 1}_${k}`, port: 'out' }, to: { node: id, port } });
      }
    }
  }
  // A saved viewport at zoom 0.6 with an empty margin on the left, where the pan drag starts.
  const ui = { positions, viewport: { x: 320, y: 20, zoom: 0.6 }, groups: [], notes: [] };
  return JSON.stringify({ format: 'condense.graph', schemaVersion: 1, meta: { name: NAME }, nodes, edges, ui }, null, 2);
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);
  return { count: values.length, meanMs: +mean.toFixed(2), p50Ms: +at(0.5).toFixed(2), p95Ms: +at(0.95).toFixed(2), maxMs: +sorted[sorted.length - 1].toFixed(2) };
}

buildWebIfNeeded();
const served = await serveEditor({ CONDENSE_EXTRA_NODES: path.join(ROOT, 'tests', 'fixtures', 'node-pack') });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const text = benchGraphText();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(served.url);
  await page.getByTestId('connection').filter({ hasText: 'connected' }).waitFor();
  await page.locator('[data-testid^="palette-item-"]').first().waitFor();
  // The start example opens on a first start; the runs below begin after it.
  await page.locator('.react-flow__node').first().waitFor();

  const openTimes = [];
  // Until the document holds the graph (host parse + validation); the rest is drawing.
  const loadTimes = [];
  let domNodes = 0;
  for (let run = 0; run < runs; run++) {
    await page.getByTestId('new').click();
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 0);
    await page.getByTestId('open').click();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('open-file').click()]);
    // Timed in the page: from the file being handed over to the first frame painted with its nodes.
    await page.evaluate(() => {
      window.__benchStart = performance.now();
      window.__benchNamed = undefined;
    });
    await chooser.setFiles({ name: 'bench.condense.json', mimeType: 'application/json', buffer: Buffer.from(text) });
    const ms = await page.evaluate(
      (name) =>
        new Promise((resolve) => {
          const check = () => {
            const named = document.querySelector('[data-testid="graph-name"]')?.value === name;
            if (named && window.__benchNamed === undefined) window.__benchNamed = performance.now() - window.__benchStart;
            const drawn = [...document.querySelectorAll('.react-flow__node')].filter((el) => el.getBoundingClientRect().width > 0);
            if (named && drawn.length > 0 && drawn.every((el) => el.style.visibility !== 'hidden')) {
              requestAnimationFrame(() => resolve(performance.now() - window.__benchStart));
            } else requestAnimationFrame(check);
          };
          check();
        }),
      NAME,
    );
    openTimes.push(ms);
    loadTimes.push(await page.evaluate(() => window.__benchNamed));
    domNodes = await page.locator('.react-flow__node').count();
  }

  // Pan: drag from the empty margin for a few seconds while recording frame deltas.
  const box = await page.getByTestId('canvas').boundingBox();
  if (!box) throw new Error('canvas not on screen');
  const x0 = box.x + 120;
  const y0 = box.y + box.height / 2;
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (now) => {
      window.__frames.push(now - last);
      last = now;
      if (window.__frames.length < 100000 && !window.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  const started = Date.now();
  // A slow figure of eight that keeps most of the graph in view, so nodes keep entering and leaving it.
  while (Date.now() - started < 4000) {
    const t = Date.now() - started;
    await page.mouse.move(x0 + 250 * (1 - Math.cos(t / 500)), y0 + 200 * Math.sin(t / 650));
  }
  await page.mouse.up();
  const frames = await page.evaluate(() => {
    window.__stop = true;
    return window.__frames.slice(1);
  });
  const domNodesAfterPan = await page.locator('.react-flow__node').count();

  const result = {
    nodes: total,
    edges: JSON.parse(text).edges.length,
    openToRenderedMs: { runs: openTimes.map((t) => Math.round(t)), median: Math.round([...openTimes].sort((a, b) => a - b)[Math.floor(openTimes.length / 2)]) },
    documentLoadedMs: loadTimes.map((t) => Math.round(t)),
    nodesInDom: { afterOpen: domNodes, afterPan: domNodesAfterPan },
    panFrames: { ...stats(frames), fps: +(1000 / (frames.reduce((s, v) => s + v, 0) / frames.length)).toFixed(1) },
    browser: browser.version(),
    viewport: '1400x900',
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  await served.stop();
}
