import type { ManagerClient } from './manager-client';
import { isAbort } from './errors';

// Reads GET /v0/management/events/stream (Server-Sent Events) with fetch, because EventSource cannot
// send the Authorization header. Reconnects after a drop and resumes with lastEventId, so no event is
// lost while the server's live ring still holds it. The live request list, the pool pages and the alerts
// page all read the stream through this one module.

export interface SseFrame {
  id: string | null;
  event: string;
  data: string;
}

/** Incremental SSE parser: feed it text chunks, get complete frames back (comments skipped). */
export class SseParser {
  #buf = '';
  /** The last `retry:` the server sent, or null. */
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

export type StreamStatus = 'connecting' | 'open' | 'retrying' | 'closed';

export interface EventStreamOptions {
  client: ManagerClient;
  /** Query params: `types` picks the kinds; the live list adds its filters (key, account, model, ...). */
  query: Record<string, string | undefined>;
  onFrame: (frame: SseFrame) => void;
  onStatus?: (status: StreamStatus, error?: unknown) => void;
  /** Delay before a reconnect when the server sent no `retry:` (default 3 s). */
  retryMs?: number;
}

/** Opens the stream and keeps it open until the returned function is called. */
export function openEventStream(o: EventStreamOptions): () => void {
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
      if (!body) throw new Error('The live stream (GET /events/stream) answered without a body.');
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

export interface FollowOptions {
  /** Event kinds to receive, e.g. ['pool'] or ['alert']. */
  types: readonly string[];
  /** Called with each JSON payload of a wanted kind; frames that are not JSON are skipped. */
  onEvent: (event: string, payload: unknown) => void;
  signal: AbortSignal;
  /** Wait before reconnecting when the server sent no `retry:` (default 3 s). */
  retryMs?: number;
  /** true once the stream is open, false when it drops (the page shows a live / paused badge). */
  onState?: (connected: boolean) => void;
}

/** openEventStream for pages that want parsed payloads of some kinds; resolves once `signal` aborts. */
export function followEvents(client: ManagerClient, opts: FollowOptions): Promise<void> {
  return new Promise<void>((resolve) => {
    if (opts.signal.aborted) {
      resolve();
      return;
    }
    const stop = openEventStream({
      client,
      query: { types: opts.types.join(',') },
      retryMs: opts.retryMs,
      onFrame: (f) => {
        if (!opts.types.includes(f.event)) return;
        let payload: unknown;
        try {
          payload = JSON.parse(f.data);
        } catch {
          return;
        }
        opts.onEvent(f.event, payload);
      },
      onStatus: (s) => {
        if (s === 'open') opts.onState?.(true);
        else if (s === 'retrying') opts.onState?.(false);
      },
    });
    opts.signal.addEventListener(
      'abort',
      () => {
        stop();
        resolve();
      },
      { once: true },
    );
  });
}
