// Small helpers that drive the editor the way a person does: menus, palette, dragging wires.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { ROOT } from './serve-editor.mjs';

export const EXAMPLE = 'inspect-fashion-mnist';

export function editorUrl(): string {
  const url = process.env.CONDENSE_E2E_URL;
  if (!url) throw new Error('CONDENSE_E2E_URL is not set: run through playwright.config.ts (its global setup starts condense serve)');
  return url;
}

interface ExampleNode {
  id: string;
  type: string;
}

/** The example file as shipped, to compare what the editor shows and saves against. */
export function exampleFile(name = EXAMPLE): { text: string; nodes: ExampleNode[]; edges: unknown[] } {
  const text = readFileSync(path.join(ROOT, 'resources', 'examples', `${name}.condense.json`), 'utf8');
  const parsed = JSON.parse(text) as { nodes: ExampleNode[]; edges?: unknown[] };
  return { text, nodes: parsed.nodes, edges: parsed.edges ?? [] };
}

/** Opens the editor as a first start does (with the start example), then, unless asked not to, a new graph. */
export async function openEditor(page: Page, options: { keepStartExample?: boolean } = {}): Promise<void> {
  // Discarding unsaved changes asks first; the tests always mean it.
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(editorUrl());
  await expect(page.getByTestId('connection')).toHaveText('connected');
  await expect(page.locator('[data-testid^="palette-item-"]').first()).toBeVisible();
  await expect(page.getByTestId('graph-name')).toHaveValue(JSON.parse(exampleFile().text).meta.name);
  if (options.keepStartExample) return;
  await page.getByTestId('new').click();
  await expect(page.locator('.react-flow__node')).toHaveCount(0);
}

export async function openExample(page: Page, name = EXAMPLE): Promise<void> {
  await page.getByTestId('open').click();
  await page.getByTestId(`example-${name}`).click();
  await expect(page.getByTestId('graph-name')).not.toHaveValue('Untitled');
}

export async function addFromPalette(page: Page, query: string, type: string): Promise<Locator> {
  const before = await page.locator('.react-flow__node').count();
  await page.getByTestId('palette-search').fill(query);
  await page.getByTestId(`palette-item-${type}`).click();
  await expect(page.locator('.react-flow__node')).toHaveCount(before + 1);
  return page.locator(`.react-flow__node [data-node-type="${type}"]`).last();
}

export function handle(page: Page, nodeId: string, side: 'in' | 'out', port: string): Locator {
  return page.getByTestId(`handle-${nodeId}-${side}-${port}`);
}

/** Drags a wire from one handle to another with real mouse events, as React Flow expects. */
export async function dragWire(page: Page, from: Locator, to: Locator): Promise<void> {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error('handle not on screen');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 20, { steps: 8 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
  await page.mouse.up();
}

/** Clicks Save and returns the downloaded file's text. */
export async function saveAndRead(page: Page): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save').click()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(file, 'utf8') };
}

/** Opens a graph file through the Open menu's file picker. */
export async function openThroughPicker(page: Page, name: string, text: string): Promise<void> {
  await page.getByTestId('open').click();
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('open-file').click()]);
  await chooser.setFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
}

/** The node ids on the canvas, sorted. */
export async function canvasNodeIds(page: Page): Promise<string[]> {
  const ids = await page.locator('.react-flow__node').evaluateAll((els) => els.map((el) => el.getAttribute('data-id') ?? ''));
  return ids.sort();
}
