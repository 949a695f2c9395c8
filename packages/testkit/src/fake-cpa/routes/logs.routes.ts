/** Main log tail, request error logs, per-request logs. */
import type { Router } from '../http-kit';

export function registerLogRoutes(r: Router): void {
  r.get('/logs', (ctx) => {
    const { state } = ctx.core;
    if (state.config['logging-to-file'] !== true) return ctx.json(400, { error: 'logging to file disabled' });
    const q = ctx.url.searchParams;
    const limitStr = (q.get('limit') ?? '').trim();
    let limit = 0;
    if (limitStr !== '') {
      if (!/^\d+$/.test(limitStr)) return ctx.json(400, { error: `invalid limit: ${limitStr}` });
      limit = Number(limitStr);
    }
    const afterStr = (q.get('after') ?? '').trim();
    const after = /^\d+$/.test(afterStr) ? Number(afterStr) : 0;
    let lines = state.logs.filter((l) => l.ts > after);
    if (limit > 0 && lines.length > limit) lines = lines.slice(lines.length - limit);
    const latest = lines.reduce((m, l) => Math.max(m, l.ts), after);
    ctx.json(200, {
      lines: lines.map((l) => l.line),
      'line-count': lines.length,
      'latest-timestamp': latest,
      'next-cursor': Buffer.from(JSON.stringify({ latest })).toString('base64url'),
    });
  });
  r.delete('/logs', (ctx) => {
    const { state } = ctx.core;
    if (state.config['logging-to-file'] !== true) return ctx.json(400, { error: 'logging to file disabled' });
    const removed = state.logs.length > 0 ? 1 : 0;
    state.logs = [];
    ctx.json(200, { success: true, message: 'Logs cleared successfully', removed });
  });
  r.get('/request-error-logs', (ctx) => {
    const files = [...ctx.core.state.errorLogs.entries()]
      .map(([name, f]) => ({ name, size: Buffer.byteLength(f.content), modified: f.modified }))
      .sort((a, b) => b.modified - a.modified);
    ctx.json(200, { files });
  });
  r.get('/request-error-logs/:name', (ctx) => {
    const name = ctx.params.name ?? '';
    if (name.includes('/') || name.includes('..') || !name.startsWith('error-')) {
      return ctx.json(400, { error: 'invalid log file name' });
    }
    const f = ctx.core.state.errorLogs.get(name);
    if (!f) return ctx.json(404, { error: 'log file not found' });
    ctx.send(200, f.content, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name}"`,
    });
  });
  const byId = (id: string, ctx: Parameters<Parameters<Router['get']>[1]>[0]) => {
    if (id === '') return ctx.json(400, { error: 'missing request ID' });
    if (!/^[0-9a-fA-F-]{1,64}$/.test(id)) return ctx.json(400, { error: 'invalid request ID' });
    const content = ctx.core.state.requestLogs.get(id);
    if (content === undefined) return ctx.json(404, { error: 'log file not found for the given request ID' });
    ctx.send(200, content, { 'Content-Type': 'text/plain; charset=utf-8' });
  };
  r.get('/request-log-by-id/:id', (ctx) => byId((ctx.params.id ?? '').trim(), ctx));
  r.get('/request-log-by-id', (ctx) => byId((ctx.url.searchParams.get('id') ?? '').trim(), ctx));
}
