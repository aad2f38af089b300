// The renderer is served from a private `app://condense` origin with a strict Content-Security-Policy on
// every response; nothing remote is ever loaded, navigated to or opened inside the app.
import { app, shell, type WebContents } from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'condense';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/`;

export function contentSecurityPolicy(devServer?: string): string {
  // The dev server injects an inline React Refresh preamble and talks HMR over a WebSocket; a built app needs neither.
  const devScript = devServer ? " 'unsafe-inline'" : '';
  const devConnect = devServer ? ` ${devServer} ${devServer.replace(/^http/, 'ws')}` : '';
  return [
    "default-src 'self'",
    `script-src 'self'${devScript}`,
    // React Flow positions nodes with inline styles.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${devConnect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** True for a page the app itself loaded: the app:// origin, or the dev server in development. */
export function isAppUrl(raw: string | undefined, devServer?: string): boolean {
  if (!raw) return false;
  try {
    const url = new URL(raw);
    if (url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST) return true;
    return devServer !== undefined && url.origin === new URL(devServer).origin;
  } catch {
    return false;
  }
}

/** Applies to every web contents the app creates: no new windows, no navigation away, no permissions. */
export function lockDownWebContents(devServer?: string): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.setWindowOpenHandler(({ url }) => {
      // Documentation links open in the user's browser, never inside the app.
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, devServer)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  });
}
