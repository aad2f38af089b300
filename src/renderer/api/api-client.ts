// The renderer's one way to reach a host: Electron's preload bridge when it is there, else the WebSocket of
// `condense serve`. Both speak the contract in src/shared/api/contract.ts.
import type { ApiClient } from '../../shared/api/contract';
import type { CondenseBridge, MenuCommand } from '../../preload/bridge';
import { createWebSocketClient } from './websocket-client';

export type { MenuCommand };

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface RendererApiClient extends ApiClient {
  /** Electron saves to files on disk through native dialogs; a browser tab downloads. */
  host: 'electron' | 'browser';
  onConnection(listener: (state: ConnectionState) => void): () => void;
  /** Commands from the Electron app menu; never called in a browser tab. */
  onMenu(listener: (command: MenuCommand) => void): () => void;
  /** Electron only: the native save dialog; undefined when the user cancels. */
  chooseSavePath?(suggestedName?: string): Promise<string | undefined>;
}

declare global {
  interface Window {
    condense?: CondenseBridge;
  }
}

export function createPreloadClient(bridge: CondenseBridge): RendererApiClient {
  return {
    host: 'electron',
    call: (method, input) => bridge.call(method, input),
    onEvent: (listener) => bridge.onEvent(listener),
    // IPC to the main process does not drop like a socket: it is open for the life of the window.
    onConnection: (listener) => {
      listener('open');
      return () => {};
    },
    onMenu: (listener) => bridge.onMenu(listener),
    chooseSavePath: (suggestedName) => bridge.chooseSavePath(suggestedName),
  };
}

/** The API URL of `condense serve`: the `api` path beside the page, with the page's session token. */
export function apiUrlOf(location: Pick<Location, 'href' | 'search'>): string {
  const url = new URL('api', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  const token = new URLSearchParams(location.search).get('token');
  if (token) url.searchParams.set('token', token);
  return url.toString();
}

export function createApiClient(): RendererApiClient {
  if (typeof window !== 'undefined' && window.condense) return createPreloadClient(window.condense);
  return createWebSocketClient(apiUrlOf(window.location));
}
