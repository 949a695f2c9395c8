/** Usage queue over HTTP, /api-call, /reset-quota, /api-key-usage. */
import { defaultApiCallResponse } from '../api-call';
import { isObject, type RouteCtx, type Router } from '../http-kit';
import { PROVIDER_LISTS, entryAuthIndexes, listEntries, type JsonObject } from '../state';
import { gates } from '../version';

export const NOT_FOUND_BODY = '404 page not found';

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

function usageQueue(ctx: RouteCtx): void {
  const core = ctx.core;
  // Before v6.10.8 the route did not exist: gin's NoRoute answer.
  if (!gates.httpUsageQueue(core.version())) {
    return ctx.send(404, NOT_FOUND_BODY, { 'Content-Type': 'text/plain' });
  }
  core.countHttpPop();
  const raw = (ctx.url.searchParams.get('count') ?? '').trim();
  let count = 1;
  if (raw !== '') {
    count = /^[+-]?\d+$/.test(raw) ? Number.parseInt(raw, 10) : 0;
    if (!(count > 0)) return ctx.json(400, { error: 'count must be a positive integer' });
  }
  const items = core.bus.popOldest(count);
  // Stored payloads are emitted verbatim when valid JSON, else as a JSON string.
  const body = `[${items.map((p) => (isJson(p) ? p : JSON.stringify(p))).join(',')}]`;
  ctx.send(200, body, { 'Content-Type': 'application/json; charset=utf-8' });
}

async function apiCall(ctx: RouteCtx): Promise<void> {
  const body = await ctx.jsonBody();
  if (!isObject(body)) return ctx.json(400, { error: 'invalid body' });
  const method = typeof body.method === 'string' ? body.method.trim().toUpperCase() : '';
  if (method === '') return ctx.json(400, { error: 'missing method' });
  const url = typeof body.url === 'string' ? body.url.trim() : '';
  if (url === '') return ctx.json(400, { error: 'missing url' });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return ctx.json(400, { error: 'invalid url' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return ctx.json(400, { error: 'invalid url' });
  const rawIdx = body.auth_index ?? body.authIndex ?? body.AuthIndex;
  const authIndex = typeof rawIdx === 'string' ? rawIdx.trim() : '';
  const header: Record<string, string> = {};
  if (isObject(body.header))
    for (const [k, v] of Object.entries(body.header)) if (typeof v === 'string') header[k] = v;
  const state = ctx.core.state;
  const rec = authIndex ? state.findAuthByIndex(authIndex) : undefined;
  const usesToken = Object.values(header).some((v) => v.includes('$TOKEN$'));
  if (usesToken) {
    const c = rec?.file.content;
    const token = c ? (c.access_token ?? c.accessToken ?? c.token ?? c.id_token ?? c.cookie) : undefined;
    const configKey = !rec && authIndex !== '' && state.hasConfigAuthIndex(authIndex);
    if (typeof token !== 'string' && !configKey) return ctx.json(400, { error: 'auth token not found' });
    const value = typeof token === 'string' ? token : 'fake-config-api-key';
    for (const k of Object.keys(header)) header[k] = (header[k] as string).split('$TOKEN$').join(value);
  }
  const req = {
    authIndex,
    method,
    url,
    header,
    data: typeof body.data === 'string' ? body.data : '',
    ...(rec ? { authFile: rec.file } : {}),
  };
  const custom = ctx.core.apiCallResponder();
  const answer =
    (custom ? await custom(req) : undefined) ??
    (await ctx.core.quotaAccounts.respond(req)) ??
    defaultApiCallResponse(req, ctx.core.now());
  ctx.json(200, { status_code: answer.statusCode, header: answer.header ?? {}, body: answer.body });
}

export function registerUsageRoutes(r: Router): void {
  r.get('/usage-queue', usageQueue);
  r.post('/api-call', apiCall);
  r.post('/reset-quota', async (ctx) => {
    const body = await ctx.jsonBody();
    if (!isObject(body)) return ctx.json(400, { error: 'invalid request body' });
    const idx = typeof body.auth_index === 'string' ? body.auth_index.trim() : '';
    if (idx === '') return ctx.json(400, { error: 'auth_index is required' });
    const { state } = ctx.core;
    const rec = state.findAuthByIndex(idx);
    if (!rec && !state.hasConfigAuthIndex(idx)) return ctx.json(404, { error: 'auth not found' });
    if (rec) {
      rec.unavailable = false;
      rec.nextRetryAfter = '';
      if (rec.status === 'error') rec.status = 'active';
    }
    state.quotaResets.push(idx);
    ctx.json(200, { status: 'ok', auth_index: idx, models: [] });
  });
  r.get('/api-key-usage', (ctx) => {
    const out: Record<string, JsonObject> = {};
    const now = ctx.core.now();
    const { config, traffic } = ctx.core.state;
    for (const list of PROVIDER_LISTS) {
      if (list === 'openai-compatibility') continue;
      const provider = list.replace(/-api-key$/, '');
      for (const e of listEntries(config, list)) {
        const key = `${typeof e['base-url'] === 'string' ? e['base-url'] : ''}|${typeof e['api-key'] === 'string' ? e['api-key'] : ''}`;
        const idx = entryAuthIndexes(list, e)[0] ?? '';
        const totals = traffic.totals(idx);
        out[provider] ??= {};
        (out[provider] as JsonObject)[key] = {
          success: totals.success,
          failed: totals.failed,
          recent_requests: traffic.recent(idx, now),
        };
      }
    }
    ctx.json(200, out);
  });
}
