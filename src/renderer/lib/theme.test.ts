import { describe, expect, it } from 'vitest';
import { resolveTheme, storedTheme, THEME_KEY } from './theme';

describe('theme', () => {
  it('prefers the stored choice and falls back to the system scheme', () => {
    const store = (v: string | null) => ({ getItem: (k: string) => (k === THEME_KEY ? v : null) });
    expect(resolveTheme(storedTheme(store('dark')), 'light')).toBe('dark');
    expect(resolveTheme(storedTheme(store(null)), 'dark')).toBe('dark');
    expect(resolveTheme(storedTheme(store('purple')), 'light')).toBe('light');
    expect(storedTheme({ getItem: () => { throw new Error('denied'); } })).toBeUndefined();
  });
});
