// Serves the single-file panel. The file is read once, on its first request (PANEL_PATH, else the built
// @cpamp/panel/management.html); there is no path parameter, so there is nothing to traverse. The CSP
// allows only this document: inline scripts are pinned by their sha256, network calls go to 'self'.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServerError } from '../errors';

export interface LoadedPanel {
  path: string;
  body: Buffer;
  etag: string;
  lastModified: string;
  csp: string;
}

export function resolvePanelPath(panelPath: string | null): string | null {
  if (panelPath) return panelPath;
  try {
    return createRequire(import.meta.url).resolve('@cpamp/panel/management.html');
  } catch {
    return null;
  }
}

/** Content-Security-Policy for one panel document: its inline scripts by hash, nothing from elsewhere. */
export function panelCsp(html: string): string {
  const hashes: string[] = [];
  const re = /<script\b([^>]*)>([\s\S]*?)<\/script>/gi;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    const attrs = m[1] ?? '';
    if (/\bsrc\s*=/i.test(attrs)) continue;
    hashes.push(`'sha256-${createHash('sha256').update(m[2] ?? '', 'utf8').digest('base64')}'`);
  }
  return [
    "default-src 'self'",
    `script-src 'self'${hashes.length ? ` ${hashes.join(' ')}` : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function loadPanel(panelPath: string | null): LoadedPanel | null {
  const path = resolvePanelPath(panelPath);
  if (!path) return null;
  let body: Buffer;
  try {
    body = readFileSync(path);
  } catch {
    return null;
  }
  const html = body.toString('utf8');
  return {
    path,
    body,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    lastModified: new Date().toUTCString(),
    csp: panelCsp(html),
  };
}

export default async function panelPlugin(app: FastifyInstance, opts: { panelPath: string | null }): Promise<void> {
  // Read, hashed and scanned for its CSP on the first request, not at start (~1 MB: P7, cold start).
  const path = resolvePanelPath(opts.panelPath);
  if (!path || !existsSync(path)) {
    app.log.warn({ panelPath: opts.panelPath }, 'panel file not found; /management.html answers 503 (build @cpamp/panel or set PANEL_PATH)');
  }
  let loaded: LoadedPanel | null | undefined;
  const current = (): LoadedPanel | null => (loaded ??= loadPanel(opts.panelPath));

  const sendPanel = async (request: FastifyRequest, reply: FastifyReply) => {
    const panel = current();
    if (!panel) {
      throw new ServerError('panel_not_built', opts.panelPath
        ? `The panel file ${opts.panelPath} (PANEL_PATH) cannot be read. Fix PANEL_PATH or unset it.`
        : 'The panel is not built. Run `npm run build -w @cpamp/panel`, or set PANEL_PATH to a management.html.');
    }
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('etag', panel.etag)
      .header('content-security-policy', panel.csp)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .header('cross-origin-opener-policy', 'same-origin');
    if (request.headers['if-none-match'] === panel.etag) return reply.status(304).send();
    reply.header('content-length', String(panel.body.length));
    return reply.send(panel.body);
  };
  app.get('/management.html', { config: { auth: 'public' } }, sendPanel);
  // A read-only share page: the same single-file panel, which sees the /share/<token> path and shows only
  // the share view (it calls nothing but GET /v0/share/<token>).
  app.get('/share/:token', { config: { auth: 'public' } }, sendPanel);

  // Relative Location, so it also works under a reverse-proxy sub-path (/cpamp/ → /cpamp/management.html).
  app.get('/', { config: { auth: 'public' } }, async (_request, reply) => reply.redirect('management.html', 307));
}
