// Editing on the canvas against the real host: undo/redo of a chain of edits, copy and paste, groups that move
// their nodes, bypass, auto-layout, notes and the shortcuts panel.
import { expect, test, type Page } from '@playwright/test';
import { addFromPalette, dragWire, handle, openEditor, saveAndRead } from './editor-page';

const NUMBER = 'test.number';
const REPORT = 'test.report';

test.beforeEach(async ({ page }) => {
  await openEditor(page);
  await dismissRecovery(page);
});

/** Work left unsaved by an earlier test is offered back at start; these tests start from a new graph. */
async function dismissRecovery(page: Page): Promise<void> {
  const banner = page.getByTestId('recovery-banner');
  if (await banner.isVisible()) await page.getByTestId('recovery-discard').click();
  await expect(banner).toHaveCount(0);
}

async function saved(page: Page): Promise<{ text: string; json: any }> {
  const { text } = await saveAndRead(page);
  return { text, json: JSON.parse(text) };
}

/** Clicks the empty canvas, so no field keeps the keyboard and nothing stays selected. */
async function clickPane(page: Page): Promise<void> {
  const box = (await page.getByTestId('canvas').boundingBox())!;
  await page.mouse.click(box.x + box.width - 24, box.y + 24);
}

async function numberAndReport(page: Page): Promise<void> {
  await addFromPalette(page, 'number', NUMBER);
  await addFromPalette(page, 'report', REPORT);
  await dragWire(page, handle(page, 'number', 'out', 'value'), handle(page, 'report', 'in', 'in'));
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
}

async function dragBy(page: Page, selector: string, dx: number, dy: number): Promise<void> {
  const box = (await page.locator(selector).boundingBox())!;
  const x = box.x + Math.min(60, box.width / 2);
  const y = box.y + 12;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx / 2, y + dy / 2, { steps: 6 });
  await page.mouse.move(x + dx, y + dy, { steps: 6 });
  await page.mouse.up();
}

test('a chain of varied edits is undone to the original file and redone to the edited one', async ({ page }) => {
  const original = (await saved(page)).text;

  await addFromPalette(page, 'number', NUMBER); // 1 add
  await addFromPalette(page, 'report', REPORT); // 2 add
  await dragWire(page, handle(page, 'number', 'out', 'value'), handle(page, 'report', 'in', 'in')); // 3 connect
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
  await page.getByTestId('node-number').click();
  await page.getByTestId('param-value').fill('42'); // 4 param change: typing in one field is one step
  await page.getByTestId('param-value').press('Tab');
  await clickPane(page);
  await dragBy(page, '[data-testid="node-report"]', 120, 80); // 5 move
  await page.getByTestId('node-report').click();
  await page.keyboard.press('Control+b'); // 6 bypass
  await expect(page.getByTestId('node-report')).toHaveClass(/bypassed/);
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Control+g'); // 7 group
  await expect(page.getByTestId('group-group-1')).toBeVisible();
  await clickPane(page);
  await page.keyboard.press('n'); // 8 note
  await page.getByTestId('note-editor-note-1').fill('# Plan\nTry **more** bits'); // 9 note text
  await clickPane(page);
  await expect(page.getByTestId('note-note-1').locator('strong')).toHaveText('more');
  await page.getByTestId('graph-name').fill('Edited chain');
  await page.getByTestId('graph-name').press('Enter'); // 10 rename
  await clickPane(page);
  await page.getByTestId('node-number').click();
  await page.keyboard.press('Delete'); // 11 delete a node with its wire
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);

  const edited = await saved(page);
  expect(edited.json.nodes.map((n: { id: string }) => n.id)).toEqual(['report']);
  expect(edited.json.nodes[0].bypass).toBe(true);
  expect(edited.json.ui.notes[0].text).toBe('# Plan\nTry **more** bits');

  // Each edit above is exactly one step.
  let undos = 0;
  while (await page.getByTestId('undo').isEnabled()) {
    await page.getByTestId('undo').click();
    undos++;
    if (undos > 20) break;
  }
  expect(undos).toBe(11);
  await expect(page.locator('.react-flow__node')).toHaveCount(0);
  // The edited graph was the last one saved, so the undone one is unsaved.
  await expect(page.getByTestId('dirty-marker')).toBeVisible();
  expect((await saved(page)).text).toBe(original);

  // Redo by keyboard, undo by keyboard once, and redo the rest by the button: the edited file comes back.
  await clickPane(page);
  await page.keyboard.press('Control+Shift+z');
  await page.keyboard.press('Control+y');
  await expect(page.locator('.react-flow__node')).toHaveCount(2);
  await page.keyboard.press('Control+z');
  await expect(page.locator('.react-flow__node')).toHaveCount(1);
  while (await page.getByTestId('redo').isEnabled()) await page.getByTestId('redo').click();
  expect((await saved(page)).text).toBe(edited.text);
  await expect(page.getByTestId('node-report')).toHaveClass(/bypassed/);
  // Undo marks the document unsaved; redo back to the saved graph clears the marker.
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('dirty-marker')).toBeVisible();
  await page.getByTestId('redo').click();
  await expect(page.getByTestId('dirty-marker')).toHaveCount(0);
});

test('copy and paste adds the nodes under new ids with the wire between them', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await numberAndReport(page);
  await clickPane(page);
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Control+c');
  // The clipboard holds a graph document, so it pastes into any file or tab.
  const clip = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
  expect(clip.format).toBe('condense.graph');
  expect(clip.nodes.map((n: { id: string }) => n.id).sort()).toEqual(['number', 'report']);
  await page.keyboard.press('Control+v');
  await expect(page.locator('.react-flow__node[data-id]:not([data-id*="/"])')).toHaveCount(4);
  await expect(page.locator('.react-flow__edge')).toHaveCount(2);

  const { json } = await saved(page);
  const ids: string[] = json.nodes.map((n: { id: string }) => n.id);
  expect(new Set(ids).size).toBe(4);
  expect(ids.sort()).toEqual(['number', 'number-2', 'report', 'report-2']);
  expect(json.edges).toContainEqual({ id: 'e2', from: { node: 'number-2', port: 'value' }, to: { node: 'report-2', port: 'in' } });
  // Pasted copies are offset from the originals, not stacked on them.
  expect(json.ui.positions['number-2'][0]).toBe(json.ui.positions.number[0] + 40);
  // The pasted nodes are the selection now: Ctrl+D duplicates them again.
  await page.keyboard.press('Control+d');
  await expect(page.locator('.react-flow__edge')).toHaveCount(3);
  await page.getByTestId('undo').click();
  await page.getByTestId('undo').click();
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
});

test('a group is titled, recoloured and moved with its nodes', async ({ page }) => {
  await numberAndReport(page);
  await clickPane(page);
  await page.keyboard.press('Control+a');
  await page.getByTestId('group-selection').click();
  await page.getByTestId('group-header-group-1').dblclick();
  await page.getByTestId('group-title-input-group-1').fill('Inputs');
  await page.getByTestId('group-title-input-group-1').press('Enter');
  await page.getByTestId('group-color-group-1').click();
  await page.getByTestId('group-color-group-1-2fa36b').click();
  const before = (await saved(page)).json;
  expect(before.ui.groups).toEqual([{ id: 'group-1', title: 'Inputs', color: '#2fa36b', nodeIds: ['number', 'report'] }]);

  await clickPane(page);
  await dragBy(page, '[data-testid="group-title-group-1"]', 150, 90);
  const after = (await saved(page)).json;
  const dx = after.ui.positions.number[0] - before.ui.positions.number[0];
  const dy = after.ui.positions.number[1] - before.ui.positions.number[1];
  expect(Math.abs(dx)).toBeGreaterThan(50);
  expect(Math.abs(dy)).toBeGreaterThan(30);
  expect(after.ui.positions.report).toEqual([before.ui.positions.report[0] + dx, before.ui.positions.report[1] + dy]);
  // The move is one undo step.
  await page.getByTestId('undo').click();
  expect((await saved(page)).json.ui.positions).toEqual(before.ui.positions);
  // Ungroup keeps the nodes.
  await page.getByTestId('group-ungroup-group-1').click();
  await expect(page.getByTestId('group-group-1')).toHaveCount(0);
  await expect(page.locator('.react-flow__node[data-id]:not([data-id*="/"])')).toHaveCount(2);
});

test('bypass is shown on the node and saved in the file', async ({ page }) => {
  await numberAndReport(page);
  await page.getByTestId('node-report').click();
  await page.getByTestId('bypass').click();
  await expect(page.getByTestId('node-report')).toHaveClass(/bypassed/);
  const on = (await saved(page)).json;
  expect(on.nodes.find((n: { id: string }) => n.id === 'report').bypass).toBe(true);
  expect(on.nodes.find((n: { id: string }) => n.id === 'number').bypass).toBeUndefined();
  await page.keyboard.press('Control+b');
  await expect(page.getByTestId('node-report')).not.toHaveClass(/bypassed/);
  expect('bypass' in (await saved(page)).json.nodes.find((n: { id: string }) => n.id === 'report')).toBe(false);
});

test('auto-layout puts wired nodes left to right in one undo step; minimap and help toggle', async ({ page }) => {
  await numberAndReport(page);
  await dragBy(page, '[data-testid="node-report"]', -500, 150);
  const before = (await saved(page)).json.ui.positions;
  expect(before.report[0]).toBeLessThan(before.number[0]);
  await page.getByTestId('auto-layout').click();
  const after = (await saved(page)).json.ui.positions;
  expect(after.report[0]).toBeGreaterThan(after.number[0]);
  await page.getByTestId('undo').click();
  expect((await saved(page)).json.ui.positions).toEqual(before);

  await expect(page.locator('.react-flow__minimap')).toBeVisible();
  await page.getByTestId('toggle-minimap').click();
  await expect(page.locator('.react-flow__minimap')).toHaveCount(0);
  await clickPane(page);
  await page.keyboard.press('Shift+?');
  await expect(page.getByTestId('help-panel')).toContainText('Undo');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('help-panel')).toHaveCount(0);
});

test('shift-drag box-selects nodes, shift-click adds one, and Delete removes the selection in one step', async ({ page }) => {
  await numberAndReport(page);
  const canvas = (await page.getByTestId('canvas').boundingBox())!;
  await page.mouse.dblclick(canvas.x + 160, canvas.y + canvas.height - 200);
  await page.getByTestId('node-search-input').fill('no-op');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('node-no-op')).toBeVisible();
  await clickPane(page);
  const a = (await page.getByTestId('node-number').boundingBox())!;
  const b = (await page.getByTestId('node-report').boundingBox())!;
  await page.keyboard.down('Shift');
  await page.mouse.move(Math.min(a.x, b.x) - 20, Math.min(a.y, b.y) - 20);
  await page.mouse.down();
  await page.mouse.move(Math.max(a.x + a.width, b.x + b.width) + 10, Math.max(a.y + a.height, b.y + b.height) + 10, { steps: 10 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await expect(page.locator('.react-flow__node.selected')).toHaveCount(2);
  await page.getByTestId('node-no-op').click({ modifiers: ['Shift'] });
  await expect(page.locator('.react-flow__node.selected')).toHaveCount(3);
  await page.keyboard.press('Delete');
  await expect(page.locator('.react-flow__node')).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await expect(page.locator('.react-flow__node')).toHaveCount(3);
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
});
