// The editor against the real host and engine: open, edit, wire, validate, run, cache, save, reopen.
import { expect, test } from '@playwright/test';
import {
  addFromPalette,
  canvasNodeIds,
  dragWire,
  exampleFile,
  handle,
  openEditor,
  openExample,
  openThroughPicker,
  saveAndRead,
} from './editor-page';

const DATASET = 'condense.data.dataset';
const INSPECT = 'condense.data.inspect';

test.beforeEach(async ({ page }) => {
  await openEditor(page);
});

test('a first start shows the example pipeline, ready to run', async ({ page }) => {
  await openEditor(page, { keepStartExample: true });
  const example = exampleFile();
  await expect.poll(() => canvasNodeIds(page)).toEqual(example.nodes.map((n) => n.id).sort());
  await expect(page.getByTestId('dirty-marker')).toHaveCount(0);
});

test('opens the example from the examples list and shows its nodes and wires', async ({ page }) => {
  const example = exampleFile();
  await openExample(page);
  for (const node of example.nodes) await expect(page.getByTestId(`node-${node.id}`)).toBeVisible();
  await expect.poll(() => canvasNodeIds(page)).toEqual(example.nodes.map((n) => n.id).sort());
  await expect(page.locator('.react-flow__edge')).toHaveCount(example.edges.length);
  await expect(page.getByTestId('dirty-marker')).toHaveCount(0);
});

test('adds a node from the palette by search, and Delete removes it', async ({ page }) => {
  await page.getByTestId('palette-search').fill('inspect');
  await expect(page.getByTestId(`palette-item-${INSPECT}`)).toBeVisible();
  await expect(page.getByTestId(`palette-item-${DATASET}`)).toHaveCount(0);
  const node = await addFromPalette(page, 'inspect', INSPECT);
  await expect(node).toContainText('dataset');
  await expect(page.getByTestId('dirty-marker')).toBeVisible();
  // The inspector follows the new node.
  await expect(page.getByTestId('inspector-node')).toContainText(INSPECT);

  await node.click();
  await page.keyboard.press('Delete');
  await expect(page.locator('.react-flow__node')).toHaveCount(0);
});

test('connects two compatible ports, and the missing-input problem goes away', async ({ page }) => {
  await addFromPalette(page, 'dataset', DATASET);
  await addFromPalette(page, 'inspect', INSPECT);
  // Validation runs on the host and marks the unconnected required input on the node.
  await expect(page.getByTestId('node-issues-inspect-dataset')).toBeVisible();

  await dragWire(page, handle(page, 'dataset', 'out', 'train'), handle(page, 'inspect-dataset', 'in', 'dataset'));
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
  await expect(page.getByTestId('node-issues-inspect-dataset')).toHaveCount(0);

  // A second wire into the same input replaces the first.
  await dragWire(page, handle(page, 'dataset', 'out', 'test'), handle(page, 'inspect-dataset', 'in', 'dataset'));
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
  const { text } = await saveAndRead(page);
  expect(JSON.parse(text).edges).toEqual([{ id: 'e1', from: { node: 'dataset', port: 'test' }, to: { node: 'inspect-dataset', port: 'dataset' } }]);
});

test('refuses an incompatible connection and says why', async ({ page }) => {
  await addFromPalette(page, 'inspect', INSPECT);
  await addFromPalette(page, 'inspect', INSPECT);
  await dragWire(page, handle(page, 'inspect-dataset', 'out', 'report'), handle(page, 'inspect-dataset-2', 'in', 'dataset'));
  await expect(page.getByTestId('toast')).toContainText('a Report output cannot feed a Dataset input');
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);
});

test('changes a param in the inspector, with a message when it is out of range', async ({ page }) => {
  await openExample(page);
  const inspectId = exampleFile().nodes.find((n) => n.type === INSPECT)!.id;
  await page.getByTestId(`node-${inspectId}`).click();
  const samples = page.getByTestId('param-samples');
  await samples.fill('99');
  // The host's validation names it, once, on the field and on the node.
  await expect(page.getByTestId('param-issue-samples')).toHaveText('samples must be at most 32 (got 99)');
  await expect(page.getByTestId(`node-issues-${inspectId}`)).toBeVisible();
  await samples.fill('5');
  await expect(page.getByTestId('param-issue-samples')).toHaveCount(0);
  await expect(page.getByTestId(`node-issues-${inspectId}`)).toHaveCount(0);
  await expect(page.getByTestId('dirty-marker')).toBeVisible();
  const saved = JSON.parse((await saveAndRead(page)).text);
  expect(saved.nodes.find((n: { id: string }) => n.id === inspectId).params.samples).toBe(5);
});

test('runs the example to done, runs it again from the cache, and shows the sample grid', async ({ page }) => {
  await openExample(page);
  const { nodes } = exampleFile();
  const inspectId = nodes.find((n) => n.type === INSPECT)!.id;

  await page.getByTestId('run').click();
  for (const node of nodes) await expect(page.getByTestId(`node-status-${node.id}`)).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(page.getByTestId('run-phase')).toHaveAttribute('data-result', 'succeeded');
  const image = page.getByTestId(`node-image-${inspectId}`).first();
  await expect(image).toBeVisible();
  await expect(image).toHaveAttribute('src', /^data:image\/png;base64,/);
  expect(await image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
  await expect(page.getByTestId('run-log')).toContainText('done in');

  await page.getByTestId('run').click();
  for (const node of nodes) await expect(page.getByTestId(`node-status-${node.id}`)).toHaveAttribute('data-status', 'cached');
  await expect(page.getByTestId('run-phase')).toContainText(`0 ran, ${nodes.length} cached`);
  await expect(page.getByTestId(`node-image-${inspectId}`).first()).toBeVisible();
});

test('saves the example unchanged byte for byte, and a saved file reopens identically', async ({ page }) => {
  await openExample(page);
  const original = await saveAndRead(page);
  expect(original.name).toMatch(/\.condense\.json$/);
  expect(original.text).toBe(exampleFile().text);

  // Edit it: a new node placed by drag and drop, a wire, a param.
  const canvas = page.getByTestId('canvas');
  const box = (await canvas.boundingBox())!;
  await page.getByTestId('palette-search').fill('inspect');
  await page.getByTestId(`palette-item-${INSPECT}`).dragTo(canvas, { targetPosition: { x: box.width - 300, y: 60 } });
  await expect(page.locator('.react-flow__node')).toHaveCount(exampleFile().nodes.length + 1);
  await page.getByTestId('param-samples').fill('3');
  const edited = await saveAndRead(page);
  expect(edited.text).not.toBe(original.text);
  await expect(page.getByTestId('dirty-marker')).toHaveCount(0);

  await page.getByTestId('new').click();
  await expect(page.locator('.react-flow__node')).toHaveCount(0);
  await openThroughPicker(page, edited.name, edited.text);
  await expect.poll(() => canvasNodeIds(page)).toEqual(JSON.parse(edited.text).nodes.map((n: { id: string }) => n.id).sort());
  await expect(page.getByTestId('dirty-marker')).toHaveCount(0);
  const again = await saveAndRead(page);
  expect(again.text).toBe(edited.text);
});

test('moving a node stores its new position in the graph', async ({ page }) => {
  await openExample(page);
  const before = JSON.parse((await saveAndRead(page)).text).ui.positions.fashion as [number, number];
  const header = page.getByTestId('node-fashion').locator('.node-header');
  const box = (await header.boundingBox())!;
  await page.mouse.move(box.x + 20, box.y + 10);
  await page.mouse.down();
  await page.mouse.move(box.x + 80, box.y + 90, { steps: 10 });
  await page.mouse.up();
  await expect(page.getByTestId('dirty-marker')).toBeVisible();
  const after = JSON.parse((await saveAndRead(page)).text).ui.positions.fashion as [number, number];
  expect(after[0]).toBeGreaterThan(before[0] + 20);
  expect(after[1]).toBeGreaterThan(before[1] + 40);
  expect(after.every(Number.isInteger)).toBe(true);
});
