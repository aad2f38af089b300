// The renderer is served from a private `app://condense` origin with a strict Content-Security-Policy on
// every response; nothing remote is ever loaded, navigated to, redirected to or opened inside the app.
// Links to documentation open in the user's browser, and only for a short list of documentation hosts:
// shell.openExternal hands a URL to the operating system, which would also run `file:` or custom schemes.
import { app, shell, type Session, type WebContents } from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'condense';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/`;

/** Hosts whose https pages a link in the app may open in the browser (node docs cite papers and specs). */
export const DOCUMENTATION_HOSTS = [
  'github.com',
  'onnx.ai',
  'onnxruntime.ai',
  'arxiv.org',
  'doi.org',
  'pytorch.org',
  'www.cs.toronto.edu',
  'developer.mozilla.org',
  'nodejs.org',
  'www.electronjs.org',
];

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

/** True when `raw` is an https URL on a documentation host (no credentials, default port). */
export function isDocumentationUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && url.username === '' && url.password === '' && url.port === '' && DOCUMENTATION_HOSTS.includes(url.hostname);
  } catch {
    return false;
  }
}

/**
 * The renderer file a path of the app:// protocol names, or undefined when the path is malformed
 * (`%E0%A4%A` makes decodeURIComponent throw, which would reject the protocol handler's promise).
 */
export function decodeAppPath(pathname: string): string | undefined {
  try {
    const decoded = decodeURIComponent(pathname);
    return decoded.includes('\0') ? undefined : decoded;
  } catch {
    return undefined;
  }
}

/** No permission (camera, notifications, clipboard, HID, serial, USB, ...) is ever granted to any page. */
export function lockDownSession(target: Session): void {
  target.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  target.setPermissionCheckHandler(() => false);
  target.setDevicePermissionHandler(() => false);
}

/** Applies to every web contents the app creates: no new windows, no navigation or redirect away, no webviews. */
export function lockDownWebContents(devServer?: string): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (isDocumentationUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    const stayInApp = (event: { preventDefault(): void }, url: string) => {
      if (!isAppUrl(url, devServer)) event.preventDefault();
    };
    contents.on('will-navigate', stayInApp);
    contents.on('will-redirect', stayInApp);
    // Frames (iframes in rendered markdown, should any appear) may not navigate anywhere either.
    contents.on('will-frame-navigate', (event) => {
      if (!isAppUrl(event.url, devServer)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    lockDownSession(contents.session);
  });
}
