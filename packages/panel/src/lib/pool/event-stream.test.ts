import { describe, expect, it } from 'vitest';
import { SseParser } from './event-stream';

describe('SSE parser', () => {
  it('yields complete messages across chunk boundaries and skips comments', () => {
    const p = new SseParser();
    expect(p.push('retry: 3000\n: cpamp live stream\n\n')).toEqual([]);
    expect(p.push('id: 7\nevent: pool\ndata: {"type":')).toEqual([]);
    expect(p.push('"action"}\n\nid: 8\r\nevent: alert\r\ndata: {"id":1}\r\n\r\n')).toEqual([
      { id: '7', event: 'pool', data: '{"type":"action"}' },
      { id: '8', event: 'alert', data: '{"id":1}' },
    ]);
  });

  it('joins multi-line data and defaults the event name', () => {
    const p = new SseParser();
    expect(p.push('data: a\ndata: b\n\n')).toEqual([{ id: null, event: 'message', data: 'a\nb' }]);
  });
});
