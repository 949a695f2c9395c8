// A real local webhook receiver for the alert tests: records every POST with its raw body and headers,
// verifies the HMAC signature with the secret it was given, and can be told to fail the next N calls.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: { event: string; incident: { id: number; kind: string; subject: string; count: number; state: string; message: string }; rule: { id: number } | null; sentAtMs: number };
  signatureValid: boolean;
}

export interface WebhookReceiver {
  url: string;
  hooks: ReceivedHook[];
  failNext(n: number, status?: number): void;
  requests(): number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string | null): Promise<WebhookReceiver> {
  const hooks: ReceivedHook[] = [];
  let fail = 0;
  let failStatus = 500;
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests += 1;
      if (fail > 0) {
        fail -= 1;
        res.writeHead(failStatus, { 'content-type': 'text/plain' }).end('receiver is down');
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      const sig = String(req.headers['x-cpamp-signature'] ?? '');
      let signatureValid = false;
      if (secret && sig.startsWith('sha256=')) {
        const want = Buffer.from(createHmac('sha256', secret).update(raw).digest('hex'));
        const got = Buffer.from(sig.slice(7));
        signatureValid = want.length === got.length && timingSafeEqual(want, got);
      }
      hooks.push({ headers: req.headers, raw, body: JSON.parse(raw) as ReceivedHook['body'], signatureValid });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hooks,
    failNext(n, status = 500) {
      fail = n;
      failStatus = status;
    },
    requests: () => requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
