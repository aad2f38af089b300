// The inspector's generated controls: a slider for closed ranges, a new-seed button for seeds, and params
// hidden while they do not apply.
import { expect, test } from '@playwright/test';
import { addFromPalette, openEditor, openExample, saveAndRead } from './editor-page';

test.beforeEach(async ({ page }) => {
  await openEditor(page);
});

test('a slider sets a ranged number, and New seed draws a seed inside its range; both are saved', async ({ page }) => {
  await addFromPalette(page, 'dataset', 'condense.data.dataset');
  await page.getByTestId('param-slider-validationSplit').fill('0.25');
  await expect(page.getByTestId('param-validationSplit')).toHaveValue('0.25');

  await expect(page.getByTestId('param-seed')).toHaveValue('0');
  await page.getByTestId('param-seed-seed').click();
  await expect(page.getByTestId('param-seed')).not.toHaveValue('0');
  const seed = Number(await page.getByTestId('param-seed').inputValue());
  expect(Number.isInteger(seed) && seed >= 0 && seed <= 2 ** 31 - 1).toBe(true);
  // A seed's range is far too wide to drag through.
  await expect(page.getByTestId('param-slider-seed')).toHaveCount(0);

  const { text } = await saveAndRead(page);
  expect(JSON.parse(text).nodes[0].params).toMatchObject({ validationSplit: 0.25, seed });
});

test('Browse… picks a folder on the host for a path param; an example copy, having no file of its own, gets the full path', async ({ page }) => {
  // Browsing starts in the example's folder (resources/examples); the copy runs from $CONDENSE_HOME, so a
  // path relative to the example would point elsewhere.
  await openExample(page);
  await addFromPalette(page, 'dataset', 'condense.data.dataset');
  await page.getByTestId('param-browse-path').click();
  await expect(page.getByTestId('path-picker-dir')).toHaveText(/resources[\\/]examples$/);
  await expect(page.getByTestId('path-entry-inspect-fashion-mnist.condense.json')).toBeVisible();
  await page.getByTestId('path-picker-up').click();
  await page.getByTestId('path-entry-datasets').click();
  await page.getByTestId('path-entry-fashion-mnist-mini').click();
  await expect(page.getByTestId('path-entry-LICENSE')).toBeVisible();
  await page.getByTestId('path-picker-use-folder').click();
  await expect(page.getByTestId('param-path')).toHaveValue(/^\/.*resources\/datasets\/fashion-mnist-mini$/);
  await expect(page.getByTestId('path-picker-path')).toHaveCount(0);
});

test('momentum shows only with sgd; hidden, it keeps its value in the file', async ({ page }) => {
  await addFromPalette(page, 'train', 'condense.train.supervised');
  await expect(page.getByTestId('param-optimizer').locator('option:checked')).toHaveText('adam');
  await expect(page.getByTestId('param-lr')).toBeVisible();
  await expect(page.getByTestId('param-momentum')).toHaveCount(0);
  await expect(page.getByTestId('hidden-params')).toHaveText('Not used with these settings: Momentum');

  await page.getByTestId('param-optimizer').selectOption({ label: 'sgd' });
  await expect(page.getByTestId('param-momentum')).toHaveValue('0.9');
  await expect(page.getByTestId('hidden-params')).toHaveCount(0);
  await page.getByTestId('param-momentum').fill('0.8');

  await page.getByTestId('param-optimizer').selectOption({ label: 'adam' });
  await expect(page.getByTestId('param-momentum')).toHaveCount(0);
  const { text } = await saveAndRead(page);
  expect(JSON.parse(text).nodes[0].params).toMatchObject({ optimizer: 'adam', momentum: 0.8 });
});
