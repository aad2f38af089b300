import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { paramIssueMessage } from './param-messages';

// The cases the editor's own range check covered before every surface took its wording from here.
const schema = z.object({
  epochs: z.number().int().min(1).max(100),
  learningRate: z.number().positive(),
  split: z.enum(['train', 'test']),
  path: z.string().min(1),
});

function messageOf(params: Record<string, unknown>): string | undefined {
  const full = { epochs: 7, learningRate: 0.1, split: 'train', path: 'a', ...params };
  const parsed = schema.safeParse(full);
  return parsed.success ? undefined : paramIssueMessage(parsed.error.issues[0]!, full);
}

describe('paramIssueMessage', () => {
  it('names the param, the allowed range and the value given', () => {
    expect(messageOf({ epochs: 0 })).toBe('epochs must be at least 1 (got 0)');
    expect(messageOf({ epochs: 101 })).toBe('epochs must be at most 100 (got 101)');
    expect(messageOf({ epochs: 2.5 })).toBe('epochs must be an integer (got 2.5)');
    expect(messageOf({ epochs: 7 })).toBeUndefined();
    expect(messageOf({ learningRate: 0 })).toBe('learningRate must be more than 0 (got 0)');
    expect(messageOf({ split: 'val' })).toBe('split must be one of "train", "test" (got "val")');
    expect(messageOf({ path: '' })).toBe('path must be at least 1 characters (got "")');
  });
});
