// The Electron shell's locks, checked against a stand-in for the electron module: every web contents may
// not navigate, redirect or frame-navigate away from the app, opens only documentation links outside,
// and gets no permission; the protocol handler survives malformed escapes; the package flips the fuses.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => ({
  listeners: new Map<string, (...args: unknown[]) => void>(),
  openExternal: vi.fn(async () => undefined),
}));

vi.mock('electron', () => ({
  app: { on: (name: string, listener: (...args: unknown[]) => void) => electron.listeners.set(name, listener) },
  shell: { openExternal: electron.openExternal },
}));

const { APP_URL, decodeAppPath, isDocumentationUrl, lockDownWebContents } = await import('./security');

interface FakeContents {
  handlers: Map<string, (...args: unknown[]) => void>;
  openHandler?: (details: { url: string }) => { action: string };
  permission: { request?: (...args: unknown[]) => void; check?: (...args: unknown[]) => boolean; device?: (...args: unknown[]) => boolean };
}

function newContents() {
  const fake: FakeContents = { handlers: new Map(), permission: {} };
  return Object.assign(fake, {
    on: (name: string, handler: (...args: unknown[]) => void) => fake.handlers.set(name, handler),
    setWindowOpenHandler: (handler: FakeContents['openHandler']) => (fake.openHandler = handler),
    session: {
      setPermissionRequestHandler: (handler: FakeContents['permission']['request']) => (fake.permission.request = handler),
      setPermissionCheckHandler: (handler: FakeContents['permission']['check']) => (fake.permission.check = handler),
      setDevicePermissionHandler: (handler: FakeContents['permission']['device']) => (fake.permission.device = handler),
    },
  });
}

function prevented(handler: ((...args: unknown[]) => void) | undefined, ...args: unknown[]): boolean {
  let stopped = false;
  const event = { preventDefault: () => (stopped = true) };
  handler?.(event, ...args);
  return stopped;
}

let contents: ReturnType<typeof newContents>;
beforeEach(() => {
  electron.listeners.clear();
  electron.openExternal.mockClear();
  lockDownWebContents();
  contents = newContents();
  electron.listeners.get('web-contents-created')?.({}, contents);
});

describe('Electron web contents', () => {
  it('never navigates or redirects away from the app', () => {
    expect(prevented(contents.handlers.get('will-navigate'), 'https://evil.example/')).toBe(true);
    expect(prevented(contents.handlers.get('will-navigate'), `${APP_URL}runs`)).toBe(false);
    expect(prevented(contents.handlers.get('will-redirect'), 'https://evil.example/')).toBe(true);
    expect(prevented(contents.handlers.get('will-redirect'), `${APP_URL}index.html`)).toBe(false);
  });

  it('never lets a frame navigate away from the app', () => {
    let stopped = false;
    contents.handlers.get('will-frame-navigate')?.({ url: 'https://evil.example/', preventDefault: () => (stopped = true) });
    expect(stopped).toBe(true);
  });

  it('opens only https documentation links, in the browser, and no window in the app', () => {
    for (const url of ['https://github.com/onnx/onnx', 'https://arxiv.org/abs/2008.04908']) {
      expect(contents.openHandler?.({ url })).toEqual({ action: 'deny' });
      expect(electron.openExternal).toHaveBeenLastCalledWith(url);
    }
    electron.openExternal.mockClear();
    for (const url of ['https://evil.example/', 'http://github.com/', 'file:///etc/passwd', 'smb://host/share', 'https://user:pw@github.com/', 'javascript:alert(1)']) {
      expect(contents.openHandler?.({ url })).toEqual({ action: 'deny' });
    }
    expect(electron.openExternal).not.toHaveBeenCalled();
    expect(isDocumentationUrl('https://github.com.evil.example/')).toBe(false);
  });

  it('grants no permission, checked or requested, and no device', () => {
    const answers: boolean[] = [];
    contents.permission.request?.({}, 'media', (granted: boolean) => answers.push(granted));
    expect(answers).toEqual([false]);
    expect(contents.permission.check?.({}, 'clipboard-read', APP_URL, {})).toBe(false);
    expect(contents.permission.device?.({ deviceType: 'usb', origin: APP_URL })).toBe(false);
  });

  it('refuses webviews', () => {
    expect(prevented(contents.handlers.get('will-attach-webview'))).toBe(true);
  });
});

describe('the app:// protocol', () => {
  it('decodes paths and turns malformed escapes into a refusal instead of a thrown error', () => {
    expect(decodeAppPath('/assets/a%20b.js')).toBe('/assets/a b.js');
    expect(decodeAppPath('/%E0%A4%A')).toBeUndefined();
    expect(decodeAppPath('/%')).toBeUndefined();
    expect(decodeAppPath('/a%00b')).toBeUndefined();
  });
});

describe('the desktop package', () => {
  const config = readFileSync(path.resolve(import.meta.dirname, '..', '..', 'electron-builder.yml'), 'utf8');
  const setting = (name: string) => new RegExp(`^\\s*${name}:\\s*(\\S+)\\s*$`, 'm').exec(config)?.[1];

  it('is an asar archive with the security fuses set', () => {
    expect(setting('asar')).toBe('true');
    expect(config).toMatch(/^electronFuses:$/m);
    expect(setting('runAsNode')).toBe('false');
    expect(setting('enableNodeOptionsEnvironmentVariable')).toBe('false');
    expect(setting('enableNodeCliInspectArguments')).toBe('false');
    expect(setting('enableCookieEncryption')).toBe('true');
    expect(setting('enableEmbeddedAsarIntegrityValidation')).toBe('true');
    expect(setting('onlyLoadAppFromAsar')).toBe('true');
  });
});
