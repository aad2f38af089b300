// The inspector's generated controls: a slider for closed ranges, and a new-seed button for seeds.
import { expect, test } from '@playwright/test';
import { addFromPalette, openEditor, saveAndRead } from './editor-page';

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
