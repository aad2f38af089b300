// Light/dark switch. Until a person picks one, the page follows the system's colour scheme (and its changes).
import { useEffect, useState } from 'react';
import { applyTheme, resolveTheme, storedTheme, systemTheme, THEME_KEY, type Theme } from '../lib/theme';

function localStore(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

export function ThemeToggle() {
  const [chosen, setChosen] = useState<Theme | undefined>(() => storedTheme(localStore()));
  const [system, setSystem] = useState<Theme>(systemTheme);
  const theme = resolveTheme(chosen, system);

  useEffect(() => applyTheme(theme), [theme]);
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const query = matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => setSystem(query.matches ? 'dark' : 'light');
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);

  const toggle = () => {
    const next: Theme = theme === 'dark' ? 'light' : 'dark';
    setChosen(next);
    try {
      localStore()?.setItem(THEME_KEY, next);
    } catch {
      // Storage can be off (private windows); the choice then lasts for this page only.
    }
  };
  return (
    <button
      type="button"
      className="theme-toggle"
      onClick={toggle}
      title={theme === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'}
      aria-label="Toggle dark theme"
      data-testid="theme-toggle"
      data-theme={theme}
    >
      {theme === 'dark' ? '☀' : '☾'}
    </button>
  );
}
