// Running from the editor with the fixture node pack: a partial run, Stop during a long run, a failure on
// its node, and live charts of a streamed metric.
import { expect, test, type Page } from '@playwright/test';
import { openEditor, openThroughPicker } from './editor-page';
import { testGraphText } from './graph-files';

test.beforeEach(async ({ page }) => {
  await openEditor(page);
});

/** A point count of a chart as it is drawn now. */
async function points(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).getAttribute('data-points'));
}

//   left ──a┐
//           sum        other (not upstream of sum)
//   right ─b┘
test('Run to selected runs only the selected node and its ancestors', async ({ page }) => {
  // Values unique to this test, so the run cannot be answered from another test's cache.
  const seed = Date.now() % 1000;
  const text = testGraphText(
    'Partial run',
    [
      { id: 'left', type: 'test.number', params: { value: seed } },
      { id: 'right', type: 'test.number', params: { value: -seed } },
      { id: 'sum', type: 'test.add' },
      { id: 'other', type: 'test.slow', params: { steps: 3, stepMs: 1 } },
    ],
    ['left.value->sum.a', 'right.value->sum.b'],
  );
  await openThroughPicker(page, 'partial.condense.json', text);
  await expect(page.locator('.react-flow__node')).toHaveCount(4);

  await expect(page.getByTestId('run-until')).toBeDisabled();
  await page.getByTestId('node-sum').locator('.node-title').click();
  await page.getByTestId('run-until').click();
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'succeeded');
  for (const id of ['left', 'right', 'sum']) await expect(page.getByTestId(`node-status-${id}`)).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('node-status-other')).toHaveCount(0);
  await expect(page.getByTestId('node-facts-sum')).toContainText('value = 0');

  // The same from the node's context menu: now only `left`, and it comes from the cache.
  await page.getByTestId('node-left').locator('.node-title').click({ button: 'right' });
  await page.getByTestId('context-run-until').click();
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'succeeded');
  await expect(page.getByTestId('node-status-left')).toHaveAttribute('data-status', 'cached');
  await expect(page.getByTestId('node-cached-left')).toBeVisible();
  for (const id of ['right', 'sum', 'other']) await expect(page.getByTestId(`node-status-${id}`)).toHaveCount(0);
});

test('Stop ends a long training run in the middle, with its time and curve so far', async ({ page }) => {
  test.slow();
  const text = testGraphText('Long run', [{ id: 'train', type: 'test.slow', params: { steps: 5000, stepMs: 20 } }]);
  await openThroughPicker(page, 'long.condense.json', text);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('node-status-train')).toHaveAttribute('data-status', 'running');

  // Elapsed time ticks on the node while it runs.
  const elapsed = page.getByTestId('node-elapsed-train');
  await expect(elapsed).toBeVisible();
  const first = await elapsed.textContent();
  await expect(elapsed).not.toHaveText(first ?? '');
  await expect.poll(() => points(page, 'node-chart-train-loss')).toBeGreaterThan(10);

  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'cancelled');
  // Stopped, not skipped over or failed: the node says "cancelled".
  await expect(page.getByTestId('node-status-train')).toHaveAttribute('data-status', 'cancelled');
  await expect(page.getByTestId('node-status-train')).toHaveText('cancelled');
  // Stopped long before its 5000 steps (100 s) were done.
  expect(await points(page, 'node-chart-train-loss')).toBeLessThan(5000);
  await expect(page.getByTestId('run')).toBeEnabled();
});

//   data (generated) ──> model (mlp) ──> train (real gradient training, far more epochs than the test waits for)
//     └──────────────────────────────────────┘
test('Stop ends real training in the middle, and the cancelled node is not cached', async ({ page }) => {
  test.slow();
  const seed = Date.now() % 100_000;
  const text = testGraphText(
    'Long training',
    [
      { id: 'data', type: 'condense.data.dataset', params: { source: 'generated', classes: 4, trainCount: 4000, testCount: 100, size: 16, seed } },
      { id: 'model', type: 'condense.model.create', params: { architecture: 'mlp' } },
      { id: 'train', type: 'condense.train.supervised', params: { epochs: 500, batchSize: 16 } },
    ],
    ['data.train->model.dataset', 'model.model->train.model', 'data.train->train.train'],
  );
  await openThroughPicker(page, 'training.condense.json', text);
  for (const attempt of [1, 2]) {
    await page.getByTestId('run').click();
    await expect(page.getByTestId('node-status-train')).toHaveAttribute('data-status', 'running');
    await expect.poll(() => points(page, 'node-chart-train-loss'), { timeout: 60_000 }).toBeGreaterThan(2);
    await page.getByTestId('stop').click();
    await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'cancelled');
    await expect(page.getByTestId('node-status-train')).toHaveAttribute('data-status', 'cancelled');
    // The second time round the trainer runs again: a cancelled node leaves nothing in the cache.
    if (attempt === 2) await expect(page.getByTestId('node-status-data')).toHaveAttribute('data-status', 'cached');
  }
});

//   broken ──out──> after (never runs)
test('a failing node shows its error on the canvas, and what needed it is skipped', async ({ page }) => {
  const text = testGraphText(
    'Failure',
    [
      { id: 'broken', type: 'test.fail', params: { message: 'weights file is missing' } },
      { id: 'after', type: 'test.noop' },
    ],
    ['broken.out->after.a'],
  );
  await openThroughPicker(page, 'failure.condense.json', text);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('node-status-broken')).toHaveAttribute('data-status', 'failed');
  await expect(page.getByTestId('node-error-broken')).toHaveText('weights file is missing');
  await expect(page.getByTestId('node-broken')).toHaveClass(/run-failed/);
  await expect(page.getByTestId('node-status-after')).toHaveAttribute('data-status', 'skipped');
});

test('a live chart of a streamed metric grows while the node runs, on the node and in the Charts panel', async ({ page }) => {
  const text = testGraphText('Live chart', [{ id: 'curve', type: 'test.slow', params: { steps: 300, stepMs: 15, ignoreAbort: false } }]);
  await openThroughPicker(page, 'chart.condense.json', text);
  await page.getByTestId('tab-charts').click();
  await page.getByTestId('run').click();
  await expect(page.getByTestId('chart-curve')).toBeVisible();

  const onNode = 'node-chart-curve-loss';
  await expect.poll(() => points(page, onNode)).toBeGreaterThan(5);
  const early = await points(page, onNode);
  const earlyPanel = await points(page, 'chart-curve');
  await expect.poll(() => points(page, onNode)).toBeGreaterThan(early + 20);
  await expect.poll(() => points(page, 'chart-curve')).toBeGreaterThan(earlyPanel + 20);
  await expect(page.getByTestId('node-status-curve')).toHaveAttribute('data-status', 'running');
  // The panel draws an axis per chart and one line per metric.
  await expect(page.getByTestId('chart-curve').locator('path.chart-line')).toHaveCount(1);
  await expect(page.getByTestId('chart-curve')).toContainText('loss');
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'succeeded', { timeout: 30_000 });
  expect(await points(page, onNode)).toBe(300);
});
