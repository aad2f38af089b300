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
