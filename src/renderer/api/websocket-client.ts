// ApiClient over the WebSocket of `condense serve`: numbered requests, one event stream, and reconnection
// with backoff so a restarted server is picked up without reloading the page.
import type { ApiInput, ApiMethod, ApiOutput, WireMessage, WireRequest } from '../../shared/api/contract';
import type { RunEvent } from '../../shared/events';
import type { ConnectionState, RendererApiClient } from './api-client';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Minimal WebSocket surface, so tests can hand in a fake. */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface WebSocketClientOptions {
  connect?: (url: string) => SocketLike;
  /** Delays between reconnect attempts, ms; the last one repeats. */
  backoff?: number[];
}

const OPEN = 1;

export function createWebSocketClient(url: string, options: WebSocketClientOptions = {}): RendererApiClient {
  const connect = options.connect ?? ((u: string) => new WebSocket(u) as unknown as SocketLike);
  const backoff = options.backoff ?? [250, 500, 1000, 2000, 4000];
  const pending = new Map<number, Pending>();
  const outbox: string[] = [];
  const eventListeners = new Set<(event: RunEvent) => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  let nextId = 1;
  let attempt = 0;
  let state: ConnectionState = 'connecting';
  let socket: SocketLike;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const l of connectionListeners) l(state);
  };

  const onMessage = (data: unknown) => {
    let message: WireMessage;
    try {
      message = JSON.parse(String(data)) as WireMessage;
    } catch {
      return;
    }
    if ('event' in message) {
      for (const l of eventListeners) l(message.event);
      return;
    }
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (message.ok) waiting.resolve(message.result);
    else waiting.reject(new Error(message.error));
  };

  const open = () => {
    socket = connect(url);
    socket.onopen = () => {
      attempt = 0;
      setState('open');
      for (const text of outbox.splice(0)) socket.send(text);
    };
    socket.onmessage = (ev) => onMessage(ev.data);
    socket.onerror = () => {};
    socket.onclose = () => {
      // Answers to requests already sent are lost with the connection; their callers hear it now rather
      // than waiting forever. Requests not yet sent stay in the outbox for the next connection.
      for (const [id, waiting] of pending) {
        if (!outbox.some((text) => (JSON.parse(text) as WireRequest).id === id)) {
          pending.delete(id);
          waiting.reject(new Error('The connection to Condense was lost; try again.'));
        }
      }
      setState('closed');
      const delay = backoff[Math.min(attempt, backoff.length - 1)];
      attempt++;
      setTimeout(open, delay);
    };
  };
  open();

  return {
    host: 'browser',
    call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>> {
      const id = nextId++;
      const request: WireRequest = { id, method, input };
      const text = JSON.stringify(request);
      return new Promise<ApiOutput<M>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        if (socket.readyState === OPEN) socket.send(text);
        else outbox.push(text);
      });
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      listener(state);
      return () => connectionListeners.delete(listener);
    },
    onMenu() {
      return () => {};
    },
  };
}
