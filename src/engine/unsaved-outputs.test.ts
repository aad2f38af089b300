import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphFolderName, unsavedGraphFolder } from './unsaved-outputs';

describe('unsaved graph folder', () => {
  it('is $CONDENSE_HOME/outputs/<graph name as a slug>', () => {
    expect(unsavedGraphFolder('/home/u/.condense', 'LeNet -> GM (K=4)')).toBe(path.join('/home/u/.condense', 'outputs', 'lenet-gm-k-4'));
  });

  it('is untitled for a name with nothing usable, and never leaves outputs/', () => {
    expect(graphFolderName('')).toBe('untitled');
    expect(graphFolderName('../..')).toBe('untitled');
    expect(graphFolderName(undefined)).toBe('untitled');
  });
});
