import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiUrlOf } from './api-client';
import { createWebSocketClient, type SocketLike } from './websocket-client';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close() {}
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
}

afterEach(() => vi.useRealTimers());

describe('WebSocket ApiClient', () => {
  it('queues calls until open, matches answers by id and passes errors on', async () => {
    const sockets: FakeSocket[] = [];
    const client = createWebSocketClient('ws://h/api?token=t', { connect: (u) => (sockets.push(new FakeSocket(u)), sockets.at(-1)!) });
    const info = client.call('app.info', {});
    const nodes = client.call('nodes.list', {});
    expect(sockets[0].sent).toEqual([]);
    sockets[0].open();
    expect(sockets[0].sent.map((t) => JSON.parse(t))).toEqual([
      { id: 1, method: 'app.info', input: {} },
      { id: 2, method: 'nodes.list', input: {} },
    ]);
    sockets[0].receive({ id: 2, ok: false, error: 'nodes.list: boom' });
    sockets[0].receive({ id: 1, ok: true, result: { version: '0.1.0' } });
    await expect(info).resolves.toEqual({ version: '0.1.0' });
    await expect(nodes).rejects.toThrow('nodes.list: boom');
  });

  it('delivers events and reconnects after the connection drops, failing calls that were in flight', async () => {
    vi.useFakeTimers();
    const sockets: FakeSocket[] = [];
    const client = createWebSocketClient('ws://h/api', { connect: (u) => (sockets.push(new FakeSocket(u)), sockets.at(-1)!), backoff: [100] });
    const states: string[] = [];
    client.onConnection((s) => states.push(s));
    const events: unknown[] = [];
    client.onEvent((e) => events.push(e));
    sockets[0].open();
    const event = { type: 'node-started', runId: 'r', nodeId: 'a', at: 1 };
    sockets[0].receive({ event });
    expect(events).toEqual([event]);
    const lost = client.call('runs.list', {});
    sockets[0].drop();
    await expect(lost).rejects.toThrow('connection');
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    sockets[1].open();
    expect(states).toEqual(['connecting', 'open', 'closed', 'open']);
  });

  it('builds the socket URL beside the page with its token', () => {
    expect(apiUrlOf({ href: 'http://127.0.0.1:5000/?token=abc', search: '?token=abc' })).toBe('ws://127.0.0.1:5000/api?token=abc');
    expect(apiUrlOf({ href: 'https://h/app/index.html?token=x%2By', search: '?token=x%2By' })).toBe('wss://h/app/api?token=x%2By');
  });
});
