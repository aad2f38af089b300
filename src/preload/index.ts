// Sandboxed preload: exposes `window.condense` (the API client, run events and menu commands) and nothing
// else. Requests are validated again in the main process; this side only forwards them.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CHANNELS, type CallReply, type CondenseBridge, type MenuCommand } from './bridge';
import type { RunEvent } from '../shared/events';

function subscribe<T>(channel: string, listener: (value: T) => void): () => void {
  const wrapped = (_event: IpcRendererEvent, value: T) => listener(value);
  ipcRenderer.on(channel, wrapped);
  return () => {
    ipcRenderer.removeListener(channel, wrapped);
  };
}

const bridge: CondenseBridge = {
  async call(method, input) {
    const reply = (await ipcRenderer.invoke(CHANNELS.call, method, input)) as CallReply;
    if (!reply.ok) throw new Error(reply.error);
    return reply.result as never;
  },
  onEvent: (listener) => subscribe<RunEvent>(CHANNELS.event, listener),
  onMenu: (listener) => subscribe<MenuCommand>(CHANNELS.menu, listener),
  chooseSavePath: async (suggestedName) => (await ipcRenderer.invoke(CHANNELS.chooseSavePath, suggestedName)) as string | undefined,
};

contextBridge.exposeInMainWorld('condense', bridge);
