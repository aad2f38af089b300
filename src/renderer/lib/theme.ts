// Light and dark themes: the choice a person made is remembered in localStorage; with no choice the page
// follows the system's prefers-color-scheme. The theme is display state and never enters the document.
export type Theme = 'light' | 'dark';

export const THEME_KEY = 'condense.theme';

export function storedTheme(storage: Pick<Storage, 'getItem'> | undefined): Theme | undefined {
  try {
    const value = storage?.getItem(THEME_KEY);
    return value === 'light' || value === 'dark' ? value : undefined;
  } catch {
    return undefined;
  }
}

export function systemTheme(): Theme {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function resolveTheme(stored: Theme | undefined, system: Theme): Theme {
  return stored ?? system;
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}
