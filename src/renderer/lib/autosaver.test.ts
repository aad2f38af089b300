import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyGraph } from '../../shared/graph/serialize';
import { createAutosaver } from './autosaver';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function target() {
  return { write: vi.fn(async () => undefined), clear: vi.fn(async () => undefined) };
}

describe('autosaver', () => {
  it('writes once, a second after the last of a burst of edits', () => {
    const t = target();
    const saver = createAutosaver(t, 1000);
    for (let revision = 1; revision <= 5; revision++) {
      saver.update({ graph: emptyGraph(`v${revision}`), dirty: true, revision, path: '/w/a.condense.json' });
      vi.advanceTimersByTime(400);
    }
    expect(t.write).not.toHaveBeenCalled();
    vi.advanceTimersByTime(600);
    expect(t.write).toHaveBeenCalledTimes(1);
    expect(t.write).toHaveBeenCalledWith({ graph: emptyGraph('v5'), path: '/w/a.condense.json' });
  });

  it('clears the autosave when the document turns clean, and drops a pending write', () => {
    const t = target();
    const saver = createAutosaver(t, 1000);
    saver.update({ graph: emptyGraph('a'), dirty: false, revision: 1 });
    expect(t.clear).not.toHaveBeenCalled();
    saver.update({ graph: emptyGraph('b'), dirty: true, revision: 2 });
    saver.update({ graph: emptyGraph('b'), dirty: false, revision: 2 });
    vi.advanceTimersByTime(5000);
    expect(t.write).not.toHaveBeenCalled();
    expect(t.clear).toHaveBeenCalledTimes(1);
  });

  it('writes a pending edit at once on flush', () => {
    const t = target();
    const saver = createAutosaver(t, 1000);
    saver.update({ graph: emptyGraph('a'), dirty: true, revision: 3 });
    saver.flush();
    expect(t.write).toHaveBeenCalledWith({ graph: emptyGraph('a') });
    vi.advanceTimersByTime(2000);
    expect(t.write).toHaveBeenCalledTimes(1);
  });
});
