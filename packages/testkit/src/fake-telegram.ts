// A tiny stand-in for the Telegram Bot API: records POST /bot<token>/sendMessage calls on a real local
// HTTP server (127.0.0.1, port 0) and can be told to fail the next N calls. Point a Telegram alert
// channel's apiBaseUrl at `fake.url`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTelegramMessage {
  token: string;
  chatId: string;
  text: string;
  parseMode: string | null;
  atMs: number;
  /** The raw JSON body as received. */
  body: Record<string, unknown>;
}

export interface FakeTelegram {
  url: string;
  port: number;
  /** Successful sendMessage calls, in arrival order. */
  messages: FakeTelegramMessage[];
  /** Every request seen (including failed and unknown ones). */
  requests(): number;
  /** The next `count` sendMessage calls answer `status` (default 500) with Telegram's error shape (429: retry_after 3 s). */
  failNext(count: number, status?: number): void;
  /** Only this token is accepted (others get 401 Unauthorized, as Telegram does); null accepts any. */
  setToken(token: string | null): void;
  waitForMessages(count: number, timeoutMs?: number): Promise<FakeTelegramMessage[]>;
  close(): Promise<void>;
}

const PATH = /^\/bot([^/]+)\/sendMessage$/;

export async function startFakeTelegram(opts: { token?: string | null } = {}): Promise<FakeTelegram> {
  const messages: FakeTelegramMessage[] = [];
  let requests = 0;
  let failures: { count: number; status: number } = { count: 0, status: 500 };
  let token: string | null = opts.token ?? null;

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    requests += 1;
    const m = PATH.exec((req.url ?? '').split('?')[0] ?? '');
    if (req.method !== 'POST' || !m) return answer(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const got = decodeURIComponent(m[1] ?? '');
    if (token !== null && got !== token) return answer(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    if (failures.count > 0) {
      failures = { ...failures, count: failures.count - 1 };
      // 429 carries retry_after as Telegram's flood control does.
      if (failures.status === 429)
        return answer(res, 429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } });
      return answer(res, failures.status, { ok: false, error_code: failures.status, description: 'Internal Server Error (fake)' });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return answer(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' });
    }
    if (body.chat_id === undefined || typeof body.text !== 'string' || body.text === '')
      return answer(res, 400, { ok: false, error_code: 400, description: 'Bad Request: chat_id and text are required' });
    const msg: FakeTelegramMessage = {
      token: got,
      chatId: String(body.chat_id),
      text: body.text,
      parseMode: typeof body.parse_mode === 'string' ? body.parse_mode : null,
      atMs: Date.now(),
      body,
    };
    messages.push(msg);
    return answer(res, 200, { ok: true, result: { message_id: messages.length, chat: { id: msg.chatId }, text: msg.text } });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    messages,
    requests: () => requests,
    failNext(count, status = 500) {
      failures = { count, status };
    },
    setToken(t) {
      token = t;
    },
    async waitForMessages(count, timeoutMs = 5_000) {
      const end = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > end) throw new Error(`fake Telegram got ${messages.length} of ${count} messages within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return messages.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
