// A tiny HTTP reverse proxy: serves CPA under a path prefix, optionally adding X-Forwarded-For
// (CPA trusts it for its localhost rule and IP ban, which lets tests look "remote").
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReverseProxy {
  url: string;
  close(): Promise<void>;
}

export async function startReverseProxy(
  target: string,
  opts: { prefix?: string; forwardedFor?: string } = {},
): Promise<ReverseProxy> {
  const prefix = opts.prefix ?? '';
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith(`${prefix}/`)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('proxy: no such prefix');
      return;
    }
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: upstream.host };
    if (opts.forwardedFor) headers['x-forwarded-for'] = opts.forwardedFor;
    const out = httpRequest(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: url.slice(prefix.length),
        headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('proxy: upstream error');
    });
    req.pipe(out);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
