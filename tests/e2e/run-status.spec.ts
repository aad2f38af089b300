// Run feedback on the canvas, with the fixture node pack: progress and metrics while running, Stop, failures.
import { expect, test } from '@playwright/test';
import { addFromPalette, openEditor } from './editor-page';

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
