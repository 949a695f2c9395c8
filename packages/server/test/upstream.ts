// A tiny real HTTP server standing in for CPA where a test needs to see exactly what arrives upstream.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
}

export interface EchoUpstream {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

export async function startEchoUpstream(): Promise<EchoUpstream> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes: bytes });
      const status = /\/status\/(\d{3})/.exec(req.url ?? '');
      if (status) {
        res.writeHead(Number(status[1]), { 'content-type': 'application/json', 'x-cpa-version': '7.2.140', connection: 'close' });
        res.end(JSON.stringify({ error: 'teapot' }));
        return;
      }
      if (req.url?.startsWith('/v0/management/slow') || req.url?.includes('slow=1')) {
        setTimeout(() => res.end('late'), 2_000);
        return;
      }
      if (req.url?.startsWith('/v0/management/stream')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        let n = 0;
        const timer = setInterval(() => {
          n += 1;
          res.write(`chunk ${n}\n`);
          if (n === 5) {
            clearInterval(timer);
            res.end();
          }
        }, 5);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, bodyBytes: bytes }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** GET with the path sent byte for byte (no URL normalisation by the client). */
export function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}
