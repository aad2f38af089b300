import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown } from './markdown';

describe('markdown reader', () => {
  it('reads headings, paragraphs, lists, code and tables', () => {
    const blocks = parseMarkdown(
      ['# Inspect', '', 'Shows a **grid** of', 'samples.', '', '- `rows`: how many', '- cols', '', '```', 'a <b>', '```', '| a | b |', '|---|---|', '| 1 | 2 |'].join('\n'),
    );
    expect(blocks.map((b) => b.kind)).toEqual(['heading', 'paragraph', 'list', 'code', 'table']);
    expect(blocks[1]).toEqual({
      kind: 'paragraph',
      content: [
        { kind: 'text', text: 'Shows a ' },
        { kind: 'strong', text: 'grid' },
        { kind: 'text', text: ' of samples.' },
      ],
    });
    expect(blocks[3]).toEqual({ kind: 'code', text: 'a <b>' });
    expect(blocks[4].kind === 'table' && blocks[4].rows.length).toBe(2);
  });

  it('reads links and emphasis inline', () => {
    expect(parseInline('see [paper](https://x.org) *now*')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'paper', href: 'https://x.org' },
      { kind: 'text', text: ' ' },
      { kind: 'em', text: 'now' },
    ]);
  });
});
