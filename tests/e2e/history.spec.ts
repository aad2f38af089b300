// Run history: past runs listed, one opened with its curves, two compared (params, metrics, curves).
import { expect, test } from '@playwright/test';
import { openEditor, openThroughPicker } from './editor-page';
import { testGraphText } from './graph-files';

test('two runs of a graph are listed and compared side by side', async ({ page }) => {
  await openEditor(page);
  // A step time unique to this test keeps both runs out of the cache, so both stream their metrics.
  const stepMs = 1 + (Date.now() % 997) / 1000;
  await openThroughPicker(page, 'history.condense.json', testGraphText('History', [{ id: 'fit', type: 'test.slow', params: { steps: 5, stepMs } }]));
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'succeeded');

  await page.getByTestId('node-fit').locator('.node-title').click();
  await page.getByTestId('param-steps').fill('8');
  await page.getByTestId('param-steps').press('Tab');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'succeeded');
  await expect(page.getByTestId('node-status-fit')).toHaveAttribute('data-status', 'done');

  await page.getByTestId('tab-history').click();
  const rows = page.locator('[data-testid="history-rows"] > li');
  await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
  await expect(rows.nth(0)).toContainText('History');
  await expect(rows.nth(1)).toContainText('History');

  // One run opened: its curve.
  await rows.nth(0).locator('.history-open').click();
  await expect(page.getByTestId('history-detail')).toBeVisible();
  await expect(page.getByTestId('history-chart-fit')).toHaveAttribute('data-points', '8');

  await expect(page.getByTestId('history-compare')).toBeDisabled();
  await rows.nth(0).locator('input[type="checkbox"]').check();
  await rows.nth(1).locator('input[type="checkbox"]').check();
  await page.getByTestId('history-compare').click();
  const view = page.getByTestId('history-compare-view');
  await expect(view).toBeVisible();
  // A is the older run (5 steps), B the newer (8 steps).
  const steps = page.getByTestId('compare-param-fit-steps').locator('td');
  await expect(steps).toHaveText(['fit', 'steps', '5', '8']);
  await expect(page.getByTestId('compare-metric-fit-loss').locator('td')).toHaveText(['fit', 'loss', '0.2', '0.125', '-0.075']);
  await expect(page.getByTestId('compare-chart-fit').locator('path.chart-line')).toHaveCount(2);
  await expect(page.getByTestId('compare-chart-fit')).toHaveAttribute('data-points', '13');
});
