// Look: the light and dark themes, following the system until a person picks one, and remembered.
import { expect, test } from '@playwright/test';
import { openEditor } from './editor-page';

test('the theme follows the system scheme, and a picked theme is remembered across reloads', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await openEditor(page, { keepStartExample: true });
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'light');

  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).toBe('rgb(21, 24, 29)');
  await page.reload();
  await expect(page.getByTestId('connection')).toHaveText('connected');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveAttribute('data-theme', 'light');
});

test('a long graph name is shown whole beside a run summary at 1400 px', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await openEditor(page, { keepStartExample: true });
  const name = page.getByTestId('graph-name');
  await name.fill('Inspect Fashion-MNIST with a longer name');
  await name.press('Enter');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'succeeded', { timeout: 60_000 });
  // Nothing of the name is scrolled out of its field.
  const cut = await name.evaluate((el: HTMLInputElement) => el.scrollWidth - el.clientWidth);
  expect(cut).toBeLessThanOrEqual(0);
  await expect(page.getByTestId('run-phase')).toHaveAttribute('title', /succeeded in .* ran, .* cached/);
});
