import type { CpaClient } from '../api/cpa-client';
import { isAbort } from '../api/errors';

// Reads GET /v0/management/events/stream (Server-Sent Events) with fetch, because EventSource cannot
// send the Authorization header. Reconnects after a drop and resumes with lastEventId, so no row is lost
// while the live ring still holds it.

export interface SseFrame {
  id: string | null;
  event: string;
  data: string;
}

/** Incremental SSE parser: feed it text chunks, get complete frames back. */
export class SseParser {
  #buf = '';
  retryMs: number | null = null;

  push(chunk: string): SseFrame[] {
    this.#buf += chunk.replace(/\r\n?/g, '\n');
    const out: SseFrame[] = [];
    let idx: number;
    while ((idx = this.#buf.indexOf('\n\n')) >= 0) {
      const block = this.#buf.slice(0, idx);
      this.#buf = this.#buf.slice(idx + 2);
      let id: string | null = null;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
      }
      if (data.length > 0) out.push({ id, event, data: data.join('\n') });
    }
    return out;
  }
}

export type LiveStatus = 'connecting' | 'open' | 'retrying' | 'closed';

export interface LiveStreamOptions {
  client: CpaClient;
  /** Filter params (key, account, model, provider, status); types picks the kinds. */
  query: Record<string, string | undefined>;
  onFrame: (frame: SseFrame) => void;
  onStatus?: (status: LiveStatus, error?: unknown) => void;
  /** Delay before a reconnect when the server sent no `retry:` (default 3 s). */
  retryMs?: number;
}

/** Opens the stream and keeps it open until the returned function is called. */
export function openLiveStream(o: LiveStreamOptions): () => void {
  const ctrl = new AbortController();
  let lastId: string | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let retryMs = o.retryMs ?? 3000;

  const run = async (): Promise<void> => {
    o.onStatus?.('connecting');
    const parser = new SseParser();
    try {
      const res = await o.client.raw('GET', '/events/stream', {
        query: { ...o.query, lastEventId: lastId ?? undefined },
        signal: ctrl.signal,
        // A stream stays open: only the abort ends it.
        timeoutMs: 2_147_483_647,
      });
      const body = res.body;
      if (!body) throw new Error('The live stream answered without a body.');
      o.onStatus?.('open');
      const reader = body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const f of parser.push(value)) {
          if (f.id !== null) lastId = f.id;
          o.onFrame(f);
        }
      }
      if (parser.retryMs !== null) retryMs = parser.retryMs;
      if (ctrl.signal.aborted) return;
      o.onStatus?.('retrying');
    } catch (e) {
      if (ctrl.signal.aborted || isAbort(e)) return;
      if (parser.retryMs !== null) retryMs = parser.retryMs;
      o.onStatus?.('retrying', e);
    }
    timer = setTimeout(() => void run(), retryMs);
  };
  void run();
  return () => {
    ctrl.abort();
    if (timer) clearTimeout(timer);
    o.onStatus?.('closed');
  };
}
