// What a new user meets first, seen from the screen: where an unsaved graph's files go, a graph that
// cannot run saying why before Run, model-vs-param problems while wiring, palette adds in view, results
// marked out of date after an edit, node ids that read like the node, one message per bad value, and
// examples opened as copies. Tiny generated data and untrained models keep it quick.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { dragWire, handle, openEditor, openExample, openThroughPicker } from './editor-page';
import { testGraphText } from './graph-files';
import { ROOT } from './serve-editor.mjs';

test.beforeEach(async ({ page }) => {
  await openEditor(page);
});

/** A generated dataset small enough to build and export a model from in well under a second. */
const tinyData = (seed: number) => ({ id: 'data', type: 'condense.data.dataset', params: { source: 'generated', classes: 2, trainCount: 8, testCount: 4, size: 12, seed } });

async function selectNode(page: Page, id: string): Promise<void> {
  await page.getByTestId(`node-${id}`).locator('.node-title').click();
  await expect(page.getByTestId('inspector-node')).toContainText(id);
}

//   data (generated) ──> model (mlp) ──> export (path: unsaved-export.onnx, relative)
test('an unsaved graph writes its relative outputs under $CONDENSE_HOME, and the node says where', async ({ page }) => {
  const file = 'first-use-unsaved-export.onnx';
  const text = testGraphText(
    'Unsaved export',
    [tinyData(Date.now() % 100_000), { id: 'model', type: 'condense.model.create', params: { architecture: 'mlp' } }, { id: 'export', type: 'condense.model.export', params: { path: file } }],
    ['data.train->model.dataset', 'model.model->export.model'],
  );
  // Opened through the file picker: the page has the text, the host has no file for it.
  await openThroughPicker(page, 'unsaved.condense.json', text);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'succeeded');
  const written = page.getByTestId('node-files-export');
  // Not into the folder the server was started from (the checkout).
  expect(existsSync(path.join(ROOT, file))).toBe(false);
  await expect(written).toContainText(path.join('outputs', 'unsaved-export', file));
  await selectNode(page, 'export');
  await expect(page.getByTestId('inspector-files')).toContainText(path.join('outputs', 'unsaved-export', file));
});

test('a graph with a bad param cannot be run: Run is disabled and the problem is listed on its node and param', async ({ page }) => {
  const text = testGraphText('Out of range', [{ id: 'count', type: 'test.number', params: { value: 5000 } }]);
  await openThroughPicker(page, 'bad.condense.json', text);
  await expect(page.getByTestId('node-issues-count')).toContainText('value must be at most 1000 (got 5000)');
  await expect(page.getByTestId('run')).toBeDisabled();
  await page.getByTestId('run-problems-toggle').click();
  await expect(page.getByTestId('run-problem')).toHaveText('count · value: value must be at most 1000 (got 5000)');
  // The entry leads to the node, whose field names the same problem.
  await page.getByTestId('run-problem').click();
  await expect(page.getByTestId('param-issue-value')).toHaveText('value must be at most 1000 (got 5000)');
  // Nothing ran, so nothing joined the history.
  await page.getByTestId('tab-history').click();
  await expect(page.getByTestId('history-panel')).not.toContainText('Out of range');

  await page.getByTestId('param-value').fill('500');
  await expect(page.getByTestId('run-problems-toggle')).toHaveCount(0);
  await expect(page.getByTestId('run')).toBeEnabled();
});

//   data ──> model (lenet5) ──> train ──> quant (GM quantizer, defaults: inner-convs)
//     └──────────────────────────┴───────────┘ (train, test)
test('the GM quantizer says at wiring time that its default layers pick none of LeNet-5', async ({ page }) => {
  const text = testGraphText(
    'LeNet GM',
    [tinyData(1), { id: 'model', type: 'condense.model.create', params: {} }, { id: 'train', type: 'condense.train.supervised', params: { epochs: 1 } }, { id: 'quant', type: 'condense.quantize.gm', params: {} }],
    ['data.train->model.dataset', 'model.model->train.model', 'data.train->train.train', 'data.train->quant.train', 'data.test->quant.test'],
  );
  await openThroughPicker(page, 'lenet-gm.condense.json', text);
  // Only the model input is missing so far.
  await expect(page.getByTestId('node-issues-quant')).toHaveText('required input "model" (Model) is not connected');
  await dragWire(page, handle(page, 'train', 'out', 'model'), handle(page, 'quant', 'in', 'model'));
  await expect(page.getByTestId('node-issues-quant')).toContainText('no layer to quantise: layers "inner-convs" picks none of lenet5');
  await expect(page.getByTestId('run')).toBeDisabled();
  await selectNode(page, 'quant');
  await expect(page.getByTestId('param-issue-layers')).toContainText('inner-convs skips the first and last conv');
  await page.getByTestId('param-layers').selectOption({ label: 'all-convs' });
  await expect(page.getByTestId('node-issues-quant')).toHaveCount(0);
  await expect(page.getByTestId('run')).toBeEnabled();
});

test('nodes added from the palette land inside the view, each selected', async ({ page }) => {
  const canvas = (await page.getByTestId('canvas').boundingBox())!;
  await page.getByTestId('palette-search').fill('number');
  for (let i = 1; i <= 5; i++) {
    await page.getByTestId('palette-item-test.number').click();
    const node = page.locator('.react-flow__node').nth(i - 1);
    await expect(page.locator('.react-flow__node')).toHaveCount(i);
    await expect(node).toHaveClass(/selected/);
    const box = (await node.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(canvas.x);
    expect(box.y).toBeGreaterThanOrEqual(canvas.y);
    expect(box.x + box.width).toBeLessThanOrEqual(canvas.x + canvas.width);
    expect(box.y + box.height).toBeLessThanOrEqual(canvas.y + canvas.height);
  }
});

//   left ──a┐
//           sum
//   right ─b┘
test('after a param change, the node and what depends on it say their results are out of date', async ({ page }) => {
  const seed = (Date.now() % 500) + 1;
  const text = testGraphText(
    'Stale',
    [
      { id: 'left', type: 'test.number', params: { value: seed } },
      { id: 'right', type: 'test.number', params: { value: 1 } },
      { id: 'sum', type: 'test.add' },
    ],
    ['left.value->sum.a', 'right.value->sum.b'],
  );
  await openThroughPicker(page, 'stale.condense.json', text);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'succeeded');
  await expect(page.getByTestId('node-facts-sum')).toContainText(`value = ${seed + 1}`);
  await expect(page.locator('[data-testid^="node-stale-"]')).toHaveCount(0);

  await selectNode(page, 'left');
  await page.getByTestId('param-value').fill(String(seed + 10));
  await expect(page.getByTestId('node-stale-left')).toHaveText('out of date');
  await expect(page.getByTestId('node-stale-sum')).toBeVisible();
  await expect(page.getByTestId('node-stale-right')).toHaveCount(0);

  await page.getByTestId('run').click();
  await expect(page.getByTestId('node-facts-sum')).toContainText(`value = ${seed + 11}`);
  await expect(page.locator('[data-testid^="node-stale-"]')).toHaveCount(0);
});

test('node ids read like the node: Evaluate is "evaluate", Model "model", Deploy "deploy-to-target"', async ({ page }) => {
  for (const [query, type, id] of [
    ['evaluate', 'condense.eval.model', 'evaluate'],
    ['model', 'condense.model.create', 'model'],
    ['deploy', 'condense.deploy.target', 'deploy-to-target'],
    ['evaluate', 'condense.eval.model', 'evaluate-2'],
  ]) {
    await page.getByTestId('palette-search').fill(query);
    await page.getByTestId(`palette-item-${type}`).click();
    await expect(page.getByTestId(`node-${id}`).locator('.node-id')).toHaveText(id);
  }
});

test('an out-of-range value has one message, the same on the field and on the node, and it follows the value', async ({ page }) => {
  const text = testGraphText('Messages', [{ id: 'count', type: 'test.number', params: { value: 1 } }]);
  await openThroughPicker(page, 'messages.condense.json', text);
  await selectNode(page, 'count');
  const field = page.getByTestId('param-value');
  const fieldMessages = page.getByTestId('param-form').locator('.field-error');
  for (const value of ['5000', '3000', '-2000']) {
    await field.fill(value);
    const bound = value.startsWith('-') ? 'at least -1000' : 'at most 1000';
    const message = `value must be ${bound} (got ${value})`;
    await expect(fieldMessages).toHaveText([message]);
    await expect(page.getByTestId('node-issues-count')).toHaveText(message);
  }
  await field.fill('7');
  await expect(fieldMessages).toHaveCount(0);
  await expect(page.getByTestId('node-issues-count')).toHaveCount(0);
});

//   fashion (the example's dataset) ──> model (mlp, added) ──> export (added, path relative)
test('an example copy writes its files under $CONDENSE_HOME like a new graph, not into the examples folder', async ({ page }) => {
  const file = 'first-use-example-copy.onnx';
  await openExample(page);
  await page.getByTestId('palette-search').fill('model');
  await page.getByTestId('palette-item-condense.model.create').click();
  await page.getByTestId('param-architecture').selectOption({ label: 'mlp' });
  await page.getByTestId('palette-search').fill('export');
  await page.getByTestId('palette-item-condense.model.export').click();
  await page.getByTestId('param-path').fill(file);
  await dragWire(page, handle(page, 'fashion', 'out', 'train'), handle(page, 'model', 'in', 'dataset'));
  await dragWire(page, handle(page, 'model', 'out', 'model'), handle(page, 'export-onnx', 'in', 'model'));
  // Only what the export needs: the example's inspect nodes stay out of this run.
  await selectNode(page, 'export-onnx');
  await page.getByTestId('run-until').click();
  await expect(page.getByTestId('node-status-export-onnx')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('node-files-export-onnx')).toContainText(path.join('outputs', 'inspect-fashion-mnist', file));
  expect(existsSync(path.join(ROOT, 'resources', 'examples', file))).toBe(false);
});

test('an opened example is labelled as a copy, not with the example file', async ({ page }) => {
  await openExample(page);
  await expect(page.getByTestId('example-copy')).toBeVisible();
  await expect(page.getByTestId('graph-file')).toHaveText(/^Not saved yet: a copy of the example inspect-fashion-mnist\.condense\.json/);
  await expect(page.getByTestId('inspector-graph')).not.toContainText(path.join('resources', 'examples'));
});

//   data (generated) ──> inspect (sample grid, histogram)
test('results on a node are a bounded preview; a click opens the full image; the minimap and toasts leave the nodes alone', async ({ page }) => {
  const text = testGraphText('Preview', [{ ...tinyData(0), params: { ...tinyData(Date.now() % 100_000).params, classes: 6, trainCount: 60, size: 28 } }, { id: 'inspect', type: 'condense.data.inspect', params: { samples: 8 } }], [
    'data.train->inspect.dataset',
  ]);
  await openThroughPicker(page, 'preview.condense.json', text);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'succeeded');
  const preview = page.getByTestId('node-image-inspect');
  await expect(preview).toBeVisible();
  const zoom = await page.locator('.react-flow__viewport').evaluate((el) => new DOMMatrix(getComputedStyle(el).transform).a);
  const previewBox = (await preview.boundingBox())!;
  expect(previewBox.height / zoom).toBeLessThanOrEqual(120.5);
  const results = (await page.getByTestId('node-inspect').locator('.node-run').boundingBox())!;
  expect(results.height / zoom).toBeLessThanOrEqual(300.5);

  await page.getByTestId('node-image-open-inspect').click();
  await expect(page.getByTestId('image-viewer')).toBeVisible();
  const full = (await page.getByTestId('image-viewer-image').boundingBox())!;
  expect(full.width).toBeGreaterThan(previewBox.width * 2);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('image-viewer')).toHaveCount(0);

  // A fitted graph keeps its ports clear of the minimap; a toast does not sit on the minimap either.
  await page.getByTestId('canvas').locator('.react-flow__controls-fitview').click();
  const minimap = (await page.locator('.react-flow__minimap').boundingBox())!;
  const apart = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
    a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
  for (const port of await page.locator('.react-flow__handle').all()) expect(apart((await port.boundingBox())!, minimap)).toBe(true);
  await dragWire(page, handle(page, 'inspect', 'out', 'report'), handle(page, 'inspect', 'in', 'dataset'));
  const toast = page.getByTestId('toast').first();
  await expect(toast).toBeVisible();
  expect(apart((await toast.boundingBox())!, minimap)).toBe(true);
});

test('the Charts tab shows a whole chart, not one cut off by the panel', async ({ page }) => {
  const text = testGraphText('Whole chart', [{ id: 'curve', type: 'test.slow', params: { steps: 40, stepMs: 5, ignoreAbort: false } }]);
  await openThroughPicker(page, 'whole-chart.condense.json', text);
  await page.getByTestId('tab-charts').click();
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'succeeded');
  const chart = (await page.locator('.charts-panel .line-chart').first().boundingBox())!;
  const body = (await page.locator('.bottom-body').boundingBox())!;
  expect(chart.y).toBeGreaterThanOrEqual(body.y);
  expect(chart.y + chart.height).toBeLessThanOrEqual(body.y + body.height);
});

test('a newly opened wide pipeline starts at a zoom where node text is readable', async ({ page }) => {
  await openExample(page, 'quantize-gm');
  await expect(page.locator('.react-flow__node')).not.toHaveCount(0);
  const portName = page.locator('.port-name').first();
  await expect(portName).toBeVisible();
  // The rendered size of the text: its CSS size times the canvas zoom.
  await expect
    .poll(() => portName.evaluate((el) => parseFloat(getComputedStyle(el).fontSize) * new DOMMatrix(getComputedStyle(el.closest('.react-flow__viewport')!).transform).a))
    .toBeGreaterThanOrEqual(9.5);
});
