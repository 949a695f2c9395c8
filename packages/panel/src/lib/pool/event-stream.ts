// Live 'pool' and 'alert' events from GET /v0/management/events/stream. EventSource cannot send the
// Authorization header, so this reads the stream with fetch and parses Server-Sent Events itself.
import type { CpaClient } from '../api/cpa-client';

export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

/** Incremental SSE parser: feed text chunks, get complete messages (comments and retry lines ignored). */
export class SseParser {
  #buf = '';

  push(chunk: string): SseMessage[] {
    this.#buf += chunk.replace(/\r\n?/g, '\n');
    const out: SseMessage[] = [];
    let end: number;
    while ((end = this.#buf.indexOf('\n\n')) >= 0) {
      const block = this.#buf.slice(0, end);
      this.#buf = this.#buf.slice(end + 2);
      let id: string | null = null;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id') id = value;
      }
      if (data.length) out.push({ id, event, data: data.join('\n') });
    }
    return out;
  }
}

export interface StreamOptions {
  /** Event kinds to receive, e.g. ['pool'] or ['alert']. */
  types: readonly string[];
  onEvent: (event: string, payload: unknown) => void;
  signal: AbortSignal;
  /** Wait before reconnecting after the stream ends or fails (default 3 s). */
  retryMs?: number;
  /** true once the stream is open, false when it drops (the page shows a live / paused badge). */
  onState?: (connected: boolean) => void;
}

/** Keeps one stream open until `signal` aborts, reconnecting with Last-Event-ID after failures. */
export async function followEvents(client: CpaClient, opts: StreamOptions): Promise<void> {
  let lastId: string | undefined;
  const retry = opts.retryMs ?? 3_000;
  while (!opts.signal.aborted) {
    try {
      const res = await client.raw('GET', '/events/stream', {
        query: { types: opts.types.join(','), lastEventId: lastId },
        signal: opts.signal,
        timeoutMs: 2_147_000_000,
      });
      const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
      if (!reader) return;
      opts.onState?.(true);
      const parser = new SseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const m of parser.push(value)) {
          if (m.id) lastId = m.id;
          if (!opts.types.includes(m.event)) continue;
          let payload: unknown;
          try {
            payload = JSON.parse(m.data);
          } catch {
            continue;
          }
          opts.onEvent(m.event, payload);
        }
      }
    } catch {
      // Aborted, or the server went away: fall through to the retry wait.
    }
    if (opts.signal.aborted) return;
    opts.onState?.(false);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, retry);
      opts.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}
