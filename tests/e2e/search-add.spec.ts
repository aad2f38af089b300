// Adding nodes from the canvas: the search popup on double-click, a wire dropped on empty canvas, and the
// palette's docs on hover.
import { expect, test, type Page } from '@playwright/test';
import { addFromPalette, handle, openEditor, saveAndRead } from './editor-page';

const DATASET = 'condense.data.dataset';
const INSPECT = 'condense.data.inspect';
const NUMBER = 'test.number';

test.beforeEach(async ({ page }) => {
  await openEditor(page);
});

async function canvasPoint(page: Page, fx: number, fy: number): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId('canvas').boundingBox())!;
  return { x: box.x + box.width * fx, y: box.y + box.height * fy };
}

test('double-click on empty canvas searches and adds the chosen node there', async ({ page }) => {
  const at = await canvasPoint(page, 0.3, 0.4);
  await page.mouse.dblclick(at.x, at.y);
  await expect(page.getByTestId('node-search')).toBeVisible();
  await expect(page.getByTestId('node-search-input')).toBeFocused();
  await page.getByTestId('node-search-input').fill('numb');
  await expect(page.getByTestId(`node-search-item-${NUMBER}`)).toBeVisible();
  await expect(page.getByTestId(`node-search-item-${INSPECT}`)).toHaveCount(0);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('node-search')).toHaveCount(0);
  await expect(page.locator('.react-flow__node')).toHaveCount(1);
  const node = (await page.getByTestId('node-number').boundingBox())!;
  // The node's top-left lands where the canvas was double-clicked.
  expect(Math.abs(node.x - at.x)).toBeLessThan(8);
  expect(Math.abs(node.y - at.y)).toBeLessThan(8);
  // One undo takes the added node away again.
  await page.getByTestId('undo').click();
  await expect(page.locator('.react-flow__node')).toHaveCount(0);
});

test('the search popup moves with the arrow keys and closes on Escape', async ({ page }) => {
  const at = await canvasPoint(page, 0.5, 0.5);
  await page.mouse.dblclick(at.x, at.y);
  const items = page.locator('[data-testid^="node-search-item-"]');
  await expect(items.first()).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowDown');
  await expect(items.nth(1)).toHaveAttribute('aria-selected', 'true');
  const second = (await items.nth(1).getAttribute('data-testid'))!.replace('node-search-item-', '');
  await page.keyboard.press('Enter');
  await expect(page.locator(`.react-flow__node [data-node-type="${second}"]`)).toHaveCount(1);

  // Up and left of the added node, whose top-left sits at `at`: whichever node is second in the list,
  // however wide or tall, this point is empty canvas.
  const empty = await canvasPoint(page, 0.2, 0.2);
  await page.mouse.dblclick(empty.x, empty.y);
  await expect(page.getByTestId('node-search')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('node-search')).toHaveCount(0);
  await expect(page.locator('.react-flow__node')).toHaveCount(1);
});

test('a wire dropped on empty canvas offers only compatible nodes and wires the one picked', async ({ page }) => {
  await addFromPalette(page, 'dataset', DATASET);
  const from = (await handle(page, 'dataset', 'out', 'train').boundingBox())!;
  const drop = { x: from.x + 260, y: from.y + 40 };
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + 120, from.y + 20, { steps: 8 });
  await page.mouse.move(drop.x, drop.y, { steps: 8 });
  await page.mouse.up();

  await expect(page.getByTestId('node-search')).toBeVisible();
  // A Dataset output feeds the inspect node, never a node without a Dataset (or Any) input.
  await expect(page.getByTestId(`node-search-item-${INSPECT}`)).toBeVisible();
  await expect(page.getByTestId(`node-search-item-${NUMBER}`)).toHaveCount(0);
  await expect(page.getByTestId(`node-search-item-${DATASET}`)).toHaveCount(0);
  await page.getByTestId('node-search-input').fill('inspect');
  await page.getByTestId(`node-search-item-${INSPECT}`).click();

  await expect(page.locator('.react-flow__node')).toHaveCount(2);
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
  const saved = JSON.parse((await saveAndRead(page)).text);
  expect(saved.edges).toEqual([{ id: 'e1', from: { node: 'dataset', port: 'train' }, to: { node: 'inspect-dataset', port: 'dataset' } }]);
  // The new node sits to the right of the drop point, its input near the pointer.
  const added = (await page.getByTestId('node-inspect-dataset').boundingBox())!;
  expect(added.x).toBeGreaterThan(drop.x - 4);
  expect(added.x).toBeLessThan(drop.x + 40);
  // Adding and wiring are one step: one undo takes both back.
  await page.getByTestId('undo').click();
  await expect(page.locator('.react-flow__node')).toHaveCount(1);
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);
});

test('hovering a palette item shows the node description and the start of its docs', async ({ page }) => {
  await page.getByTestId(`palette-item-${INSPECT}`).hover();
  const card = page.getByTestId('palette-docs');
  await expect(card).toBeVisible();
  await expect(card).toContainText(INSPECT);
  await page.getByTestId('palette-search').hover();
  await expect(card).toHaveCount(0);
});
