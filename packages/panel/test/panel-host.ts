import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PanelHost {
  url: string;
  close(): Promise<void>;
}

/**
 * Stands in for CPA hosting the panel: serves management.html at /management.html and forwards every
 * other path (/v0/management/*, /usage-service/info, ...) to the fake CPA unchanged, so the page talks
 * to its own origin exactly as it does when CPA serves it.
 */
export async function startPanelHost(html: string, upstream: string): Promise<PanelHost> {
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/management.html' || path.startsWith('/management.html?')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(html);
      return;
    }
    const up = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path, headers: { ...req.headers, host: target.host } },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('upstream error');
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
