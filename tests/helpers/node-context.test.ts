import { describe, expect, it } from 'vitest';
import { makeTestContext } from './node-context';

describe('makeTestContext', () => {
  it('stores artifacts content-addressed and records what the node reports', async () => {
    const ctx = makeTestContext({ params: { a: 1 }, graphDir: '/graphs/demo' });
    const ref = await ctx.artifacts.write('x.bin', new Uint8Array([1, 2, 3]), 'application/octet-stream');
    expect(ref).toMatchObject({ kind: 'artifact', name: 'x.bin', bytes: 3 });
    expect(ref.sha256).toBe('039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81');
    expect(Array.from(await ctx.artifacts.read(ref))).toEqual([1, 2, 3]);
    ctx.progress(0.5, 'half');
    ctx.metric('loss', 0.1, 3);
    ctx.log('careful', 'warn');
    expect(ctx.recorded.progress).toEqual([{ fraction: 0.5, message: 'half' }]);
    expect(ctx.recorded.metrics).toEqual([{ name: 'loss', value: 0.1, step: 3 }]);
    expect(ctx.recorded.logs).toEqual([{ message: 'careful', level: 'warn' }]);
    expect(ctx.resolvePath('data/a.gz')).toBe('/graphs/demo/data/a.gz');
    expect(ctx.resolvePath('/abs/b.gz')).toBe('/abs/b.gz');
  });

  it('rejects progress outside [0, 1] and can be cancelled', () => {
    const ctx = makeTestContext({ params: {} });
    expect(() => ctx.progress(1.5)).toThrow(RangeError);
    expect(ctx.signal.aborted).toBe(false);
    ctx.abort();
    expect(ctx.signal.aborted).toBe(true);
  });
});
