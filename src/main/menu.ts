// The application menu. Each item runs a native dialog where one is needed, then sends a MenuCommand to the
// focused window's renderer, which owns the document.
import path from 'node:path';
import { app, BrowserWindow, dialog, Menu, type MenuItemConstructorOptions } from 'electron';
import type { ExampleInfo } from '../shared/api/contract';
import { CHANNELS, type MenuCommand } from '../preload/bridge';

export const GRAPH_FILTERS = [{ name: 'Condense graph', extensions: ['condense.json'] }];

export interface MenuSources {
  recent(): Promise<string[]>;
  examples(): Promise<ExampleInfo[]>;
  /** Called with a file the user picked in a native dialog, before the page is told to open it. */
  chosen?(file: string): void;
}

function send(command: MenuCommand): void {
  const window = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
  window?.webContents.send(CHANNELS.menu, command);
}

export async function chooseOpenPath(window?: BrowserWindow): Promise<string | undefined> {
  const options = { properties: ['openFile' as const], filters: GRAPH_FILTERS };
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  return result.canceled ? undefined : result.filePaths[0];
}

export async function chooseSavePath(window: BrowserWindow | undefined, suggestedName = 'untitled.condense.json'): Promise<string | undefined> {
  const name = suggestedName.endsWith('.condense.json') ? suggestedName : `${suggestedName}.condense.json`;
  const options = { defaultPath: path.join(app.getPath('documents'), path.basename(name)), filters: GRAPH_FILTERS };
  const result = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
  return result.canceled || !result.filePath ? undefined : result.filePath;
}

export async function buildAppMenu(sources: MenuSources, dev: boolean): Promise<Menu> {
  const [recent, examples] = await Promise.all([sources.recent().catch(() => []), sources.examples().catch(() => [])]);
  const focused = () => BrowserWindow.getFocusedWindow() ?? undefined;
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'New', accelerator: 'CmdOrCtrl+N', click: () => send({ command: 'new' }) },
        {
          label: 'Open…',
          accelerator: 'CmdOrCtrl+O',
          click: async () => {
            const file = await chooseOpenPath(focused());
            if (file) {
              // A pick in the native dialog is the user's own choice: its folder becomes usable by the page.
              sources.chosen?.(file);
              send({ command: 'open', path: file });
            }
          },
        },
        {
          label: 'Open Recent',
          enabled: recent.length > 0,
          submenu: recent.map((file) => ({ label: file, click: () => send({ command: 'open', path: file }) })),
        },
        {
          label: 'Examples',
          enabled: examples.length > 0,
          submenu: examples.map((example) => ({
            label: example.name,
            toolTip: example.description,
            click: () => send({ command: 'open', path: example.path, example: true }),
          })),
        },
        { type: 'separator' },
        { label: 'Save', accelerator: 'CmdOrCtrl+S', click: () => send({ command: 'save' }) },
        {
          label: 'Save As…',
          accelerator: 'Shift+CmdOrCtrl+S',
          click: async () => {
            const file = await chooseSavePath(focused());
            if (file) send({ command: 'save', path: file });
          },
        },
        { type: 'separator' },
        process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      // Undo and redo belong to the document's history in the renderer; the stock edit menu would take
      // Ctrl+Z for the focused web contents' text undo instead.
      label: 'Edit',
      submenu: [
        { label: 'Undo', accelerator: 'CmdOrCtrl+Z', click: () => send({ command: 'undo' }) },
        { label: 'Redo', accelerator: process.platform === 'darwin' ? 'Shift+Cmd+Z' : 'Ctrl+Y', click: () => send({ command: 'redo' }) },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'Run',
      submenu: [
        { label: 'Run', accelerator: 'F5', click: () => send({ command: 'run' }) },
        { label: 'Stop', accelerator: 'Shift+F5', click: () => send({ command: 'stop' }) },
      ],
    },
    {
      label: 'View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(dev ? [{ type: 'separator' as const }, { role: 'reload' as const }, { role: 'toggleDevTools' as const }] : []),
      ],
    },
    { role: 'windowMenu' },
  ];
  return Menu.buildFromTemplate(template);
}
