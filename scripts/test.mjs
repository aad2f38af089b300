#!/usr/bin/env node
// `npm test`: typecheck, unit/engine/CLI tests (Vitest), then browser tests (Playwright against
// `condense serve`). Ends with one line `N passed, N failed` summing every suite, which CI reads.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const reports = mkdtempSync(join(tmpdir(), 'condense-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
const suites = [];

function run(label, command, args, env = {}) {
  console.log(`\n== ${label}: ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

function record(label, passed, failed, skipped = 0) {
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  suites.push(`${label}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
}

const typecheck = run('typecheck', 'npx', ['--no-install', 'tsc', '-p', 'tsconfig.node.json', '--noEmit']) ||
  run('typecheck (web)', 'npx', ['--no-install', 'tsc', '-p', 'tsconfig.web.json', '--noEmit']);
record('typecheck', typecheck === 0 ? 1 : 0, typecheck === 0 ? 0 : 1);

const vitestJson = join(reports, 'vitest.json');
const vitestStatus = run('unit, engine and CLI tests', 'npx', [
  '--no-install', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`,
]);
if (existsSync(vitestJson)) {
  const r = JSON.parse(readFileSync(vitestJson, 'utf8'));
  // A test file that fails to load has no tests in the count; count it as a failure so it cannot hide.
  const brokenFiles = r.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  record('vitest', r.numPassedTests, r.numFailedTests + brokenFiles, r.numPendingTests + r.numTodoTests);
} else {
  record('vitest', 0, 1);
}
if (vitestStatus !== 0 && totals.failed === 0) record('vitest exit status', 0, 1);

const webBuild = run('build the web renderer', 'npm', ['run', '--silent', 'build:web']);
if (webBuild !== 0) {
  record('web build', 0, 1);
} else {
  const playwrightJson = join(reports, 'playwright.json');
  const e2eStatus = run('browser tests', 'npx', ['--no-install', 'playwright', 'test', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson,
  });
  if (existsSync(playwrightJson)) {
    const s = JSON.parse(readFileSync(playwrightJson, 'utf8')).stats;
    record('playwright', s.expected + s.flaky, s.unexpected, s.skipped);
    if (e2eStatus !== 0 && s.unexpected === 0) record('playwright exit status', 0, 1);
  } else {
    record('playwright', 0, 1);
  }
}

console.log('\n' + suites.join('\n'));
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed === 0 ? 0 : 1);
