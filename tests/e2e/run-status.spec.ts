// Run feedback on the canvas, with the fixture node pack: progress and metrics while running, Stop, failures.
import { expect, test } from '@playwright/test';
import { addFromPalette, dragWire, handle, openEditor } from './editor-page';

test.beforeEach(async ({ page }) => {
  await openEditor(page);
});

test('shows progress and the latest metric while running, and Stop cancels the run', async ({ page }) => {
  await addFromPalette(page, 'slow', 'test.slow');
  await page.getByTestId('param-steps').fill('3000');
  await page.getByTestId('param-stepMs').fill('20');
  await page.getByTestId('run').click();

  await expect(page.getByTestId('node-status-slow')).toHaveAttribute('data-status', 'running');
  await expect(page.getByTestId('node-progress-slow')).toBeVisible();
  await expect(page.getByTestId('node-metric-slow')).toContainText('loss');
  await expect(page.getByTestId('node-status-slow')).toHaveText(/running \d+%/);
  await expect(page.getByTestId('stop')).toBeEnabled();

  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'cancelled');
  await expect(page.getByTestId('node-status-slow')).not.toHaveAttribute('data-status', 'running');
  await expect(page.getByTestId('run')).toBeEnabled();
});

test('a failing node shows its message, and the run log says so', async ({ page }) => {
  await addFromPalette(page, 'fail', 'test.fail');
  await page.getByTestId('param-message').fill('the file is not there');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('node-status-fail')).toHaveAttribute('data-status', 'failed');
  await expect(page.getByTestId('node-error-fail')).toHaveText('the file is not there');
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'failed');
  await expect(page.getByTestId('run-log')).toContainText('failed: the file is not there');
});

test('a Report\'s badges show on the node as pass or fail, with what was measured in the tooltip', async ({ page }) => {
  await addFromPalette(page, 'number', 'test.number');
  await page.getByTestId('param-value').fill('5');
  await addFromPalette(page, 'report', 'test.report');
  await page.getByTestId('param-limit').fill('3');
  await dragWire(page, handle(page, 'number', 'out', 'value'), handle(page, 'report', 'in', 'in'));
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'succeeded');
  const badge = page.getByTestId('node-badge-report-limit');
  await expect(badge).toHaveClass(/fail/);
  await expect(badge).toHaveAttribute('title', 'value 5 > 3');

  await page.getByTestId('node-report').click();
  await page.getByTestId('param-limit').fill('8');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'succeeded');
  await expect(badge).toHaveClass(/pass/);
  await expect(badge).toHaveAttribute('title', 'value 5 <= 8');
});
