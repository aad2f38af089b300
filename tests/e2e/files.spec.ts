// Files: recovery of unsaved work after the host dies, the examples gallery, and dropping a file to open it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { addFromPalette, EXAMPLE, exampleFile, openEditor } from './editor-page';
import { testGraphText } from './graph-files';
import { ROOT, serveEditor } from './serve-editor.mjs';

const NODE_PACK = { CONDENSE_EXTRA_NODES: path.join(ROOT, 'tests', 'fixtures', 'node-pack') };

test('unsaved work is offered back, and restored, after the server process is killed', async ({ page }) => {
  test.slow();
  const home = mkdtempSync(path.join(os.tmpdir(), 'condense-e2e-crash-'));
  const autosave = path.join(home, 'autosave', 'document.json');
  let server = await serveEditor(NODE_PACK, { home });
  try {
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(server.url);
    await expect(page.getByTestId('connection')).toHaveText('connected');
    await expect(page.getByTestId('graph-name')).toHaveValue(JSON.parse(exampleFile().text).meta.name);
    await expect(page.getByTestId('recovery-banner')).toHaveCount(0);

    await page.getByTestId('new').click();
    await addFromPalette(page, 'number', 'test.number');
    await page.getByTestId('graph-name').fill('Work before the crash');
    await page.getByTestId('graph-name').press('Enter');
    await expect(page.getByTestId('dirty-marker')).toBeVisible();
    // Written about a second after the last edit.
    await expect.poll(() => (existsSync(autosave) ? readFileSync(autosave, 'utf8') : ''), { timeout: 10_000 }).toContain('Work before the crash');

    await server.kill();
    server = await serveEditor(NODE_PACK, { home });
    await page.goto(server.url);
    await expect(page.getByTestId('connection')).toHaveText('connected');
    await expect(page.getByTestId('recovery-banner')).toContainText('Work before the crash');
    await page.getByTestId('recovery-restore').click();
    await expect(page.getByTestId('graph-name')).toHaveValue('Work before the crash');
    await expect(page.locator('.react-flow__node [data-node-type="test.number"]')).toHaveCount(1);
    await expect(page.getByTestId('dirty-marker')).toBeVisible();

    // Declining the offer forgets the autosave: the next start offers nothing.
    await page.getByTestId('new').click();
    await expect.poll(() => existsSync(autosave)).toBe(false);
    await page.reload();
    await expect(page.getByTestId('connection')).toHaveText('connected');
    await expect(page.getByTestId('graph-name')).toHaveValue(JSON.parse(exampleFile().text).meta.name);
    await expect(page.getByTestId('recovery-banner')).toHaveCount(0);
  } finally {
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

test('the examples gallery lists every example with its description and opens one', async ({ page }) => {
  await openEditor(page);
  await page.getByTestId('open').click();
  await page.getByTestId('open-gallery').click();
  const gallery = page.getByTestId('examples-gallery');
  await expect(gallery).toBeVisible();
  const card = gallery.getByTestId(`gallery-${EXAMPLE}`);
  const example = JSON.parse(exampleFile().text) as { meta: { name: string; description?: string } };
  await expect(card).toContainText(example.meta.name);
  await card.click();
  await expect(gallery).toHaveCount(0);
  await expect(page.getByTestId('graph-name')).toHaveValue(example.meta.name);
  await expect(page.locator('.react-flow__node')).toHaveCount(exampleFile().nodes.length);
});

test('dropping a .condense.json file onto the window opens it', async ({ page }) => {
  await openEditor(page);
  const text = testGraphText('Dropped graph', [
    { id: 'one', type: 'test.number', params: { value: 1 } },
    { id: 'two', type: 'test.number', params: { value: 2 } },
  ]);
  const transfer = await page.evaluateHandle((content) => {
    const data = new DataTransfer();
    data.items.add(new File([content], 'dropped.condense.json', { type: 'application/json' }));
    return data;
  }, text);
  await page.dispatchEvent('[data-testid="canvas"]', 'dragenter', { dataTransfer: transfer });
  await page.dispatchEvent('[data-testid="canvas"]', 'dragover', { dataTransfer: transfer });
  await page.dispatchEvent('[data-testid="canvas"]', 'drop', { dataTransfer: transfer });
  await expect(page.getByTestId('graph-name')).toHaveValue('Dropped graph');
  await expect(page.locator('.react-flow__node')).toHaveCount(2);
});
