// Example graphs shipped in resources/examples; name and description come from each file's meta.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExampleInfo } from '../shared/api/contract';
import { APP_ROOT } from './version';

export const EXAMPLES_DIR = path.join(APP_ROOT, 'resources', 'examples');

const SUFFIX = '.condense.json';

export async function listExamples(dir: string = EXAMPLES_DIR): Promise<ExampleInfo[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith(SUFFIX)).sort();
  } catch {
    return [];
  }
  const examples: ExampleInfo[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let meta: { name?: unknown; description?: unknown } = {};
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { meta?: typeof meta };
      meta = parsed.meta ?? {};
    } catch {
      // A broken example is still listed; opening it shows what is wrong with it.
    }
    examples.push({
      name: typeof meta.name === 'string' && meta.name !== '' ? meta.name : name.slice(0, -SUFFIX.length),
      path: file,
      description: typeof meta.description === 'string' ? meta.description : '',
    });
  }
  return examples;
}
