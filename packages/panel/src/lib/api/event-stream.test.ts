import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManagerClient } from './manager-client';
import { followEvents, openEventStream, SseParser, type StreamStatus } from './event-stream';

describe('SSE parser', () => {
  it('yields complete frames across chunk boundaries and skips comments', () => {
    const p = new SseParser();
    expect(p.push('retry: 3000\n: cpamp live stream\n\n')).toEqual([]);
    expect(p.retryMs).toBe(3000);
    expect(p.push('id: 7\nevent: pool\ndata: {"type":')).toEqual([]);
    expect(p.push('"action"}\n\nid: 8\r\nevent: alert\r\ndata: {"id":1}\r\n\r\n')).toEqual([
      { id: '7', event: 'pool', data: '{"type":"action"}' },
      { id: '8', event: 'alert', data: '{"id":1}' },
    ]);
  });

  it('joins multi-line data, defaults the event name and ignores a non-numeric retry', () => {
    const p = new SseParser();
    expect(p.push('retry: soon\ndata: a\ndata: b\n\n')).toEqual([{ id: null, event: 'message', data: 'a\nb' }]);
    expect(p.retryMs).toBeNull();
  });
});

// A real HTTP server on 127.0.0.1: each connection gets the next scripted body, then the response ends
// (a dropped stream), so the reader has to reconnect with lastEventId.
describe('event stream over HTTP', () => {
  let server: Server | null = null;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
  });

  async function serve(bodies: string[]): Promise<{ client: ManagerClient; seen: URLSearchParams[]; auth: string[] }> {
    const seen: URLSearchParams[] = [];
    const auth: string[] = [];
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(url.searchParams);
      auth.push(req.headers.authorization ?? '');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const body = bodies[seen.length - 1];
      // Past the script the stream stays open until the client aborts.
      if (body === undefined) res.write(': idle\n\n');
      else res.end(body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { client: new ManagerClient({ baseUrl: `http://127.0.0.1:${port}`, managementKey: 'k' }), seen, auth };
  }

  const until = (cond: () => boolean): Promise<void> => vi.waitFor(() => expect(cond()).toBe(true), { timeout: 2_000 });

  it('followEvents passes parsed payloads of the wanted kinds and resumes after a drop', async () => {
    const { client, seen, auth } = await serve([
      'retry: 10\n\nid: 1\nevent: pool\ndata: {"n":1}\n\nid: 2\nevent: alert\ndata: {"n":2}\n\nid: 3\nevent: pool\ndata: not json\n\n',
      'id: 4\nevent: pool\ndata: {"n":4}\n\n',
    ]);
    const got: unknown[] = [];
    const states: boolean[] = [];
    const ctrl = new AbortController();
    const done = followEvents(client, { types: ['pool'], signal: ctrl.signal, onEvent: (_k, p) => got.push(p), onState: (on) => states.push(on) });
    await until(() => seen.length === 3);
    expect(got).toEqual([{ n: 1 }, { n: 4 }]);
    expect(seen.map((q) => [q.get('types'), q.get('lastEventId')])).toEqual([['pool', null], ['pool', '3'], ['pool', '4']]);
    expect(auth.every((a) => a === 'Bearer k')).toBe(true);
    expect(states.slice(0, 4)).toEqual([true, false, true, false]);
    ctrl.abort();
    await done;
  });

  it('openEventStream reports its status, passes filters through and stops when closed', async () => {
    const { client, seen } = await serve(['retry: 10\n\nevent: usage\ndata: {}\n\n']);
    const statuses: StreamStatus[] = [];
    const frames: string[] = [];
    const stop = openEventStream({ client, query: { types: 'usage', model: 'm1', key: undefined }, onFrame: (f) => frames.push(f.event), onStatus: (s) => statuses.push(s) });
    await until(() => seen.length === 2 && statuses.filter((s) => s === 'open').length === 2);
    stop();
    expect(frames).toEqual(['usage']);
    expect(statuses).toEqual(['connecting', 'open', 'retrying', 'connecting', 'open', 'closed']);
    expect(seen[0]?.get('model')).toBe('m1');
    expect(seen[0]?.has('key')).toBe(false);
  });
});
