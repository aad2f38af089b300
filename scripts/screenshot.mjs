// Takes docs/editor.png (light theme) and docs/editor-dark.png: the editor with the inspect-fashion-mnist
// example opened and run, in Debian's Chromium at 1400x900.
// Usage: node scripts/screenshot.mjs [example-name] [out.png]  (the dark one is written beside it as <out>-dark.png)
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, buildWebIfNeeded, serveEditor } from '../tests/e2e/serve-editor.mjs';

const example = process.argv[2] ?? 'inspect-fashion-mnist';
const out = path.resolve(process.argv[3] ?? path.join(ROOT, 'docs', 'editor.png'));
const outDark = out.replace(/\.png$/, '') + '-dark.png';

buildWebIfNeeded();
const served = await serveEditor();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
  await page.goto(served.url);
  await page.getByTestId('open').click();
  await page.getByTestId(`example-${example}`).click();
  await page.locator('.react-flow__node').first().waitFor();
  await page.getByTestId('run').click();
  await page.locator('[data-testid="run-phase"][data-result]').waitFor({ timeout: 180_000 });
  // Frame the graph again now that the images made the nodes taller, then select the first node with an
  // image so the inspector shows its settings, outputs and docs.
  const withImage = page.locator('.react-flow__node:has(img.node-image)').first();
  await withImage.locator('img.node-image').waitFor({ timeout: 30_000 });
  await page.locator('.react-flow__controls-fitview').click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: '/tmp/shot-debug.png' });
  await withImage.locator('.node-title').click();
  await page.mouse.move(0, 0);
  await page.waitForTimeout(600);
  await page.screenshot({ path: out });
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
  // The same view in the dark theme: the page follows the system scheme when no theme was picked.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.locator('html[data-theme="dark"]').waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: outDark });
  console.log(`wrote ${path.relative(process.cwd(), outDark)}`);
} finally {
  await browser.close();
  await served.stop();
}
