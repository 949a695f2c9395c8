/** Auth files (docs/design.md, "Auth files"): list, upload, download, delete, status/fields, models. */
import { isObject, type RouteCtx, type Router } from '../http-kit';
import { MODEL_CATALOGUE } from '../models';
import { parseMultipart } from '../multipart';
import type { TrafficLog } from '../traffic';
import { FAKE_AUTH_DIR, fakeAuthIndex, type AuthFileRecord, type Json, type JsonObject } from '../state';

const OPERATOR_FIELDS = [
  'priority',
  'note',
  'weight',
  'prefix',
  'proxy_url',
  'websockets',
  'request_retry',
  // CPA persists any field of a PATCH into the auth file; the per-account model rules are these two.
  'excluded_models',
  'model_aliases',
] as const;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function decodeJwtClaims(token: unknown): Record<string, unknown> | null {
  if (typeof token !== 'string') return null;
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return isObject(claims) ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The `id_token` summary CPA surfaces for codex files. */
function codexIdToken(content: Record<string, unknown>): JsonObject {
  const raw = content.id_token;
  if (isObject(raw)) return raw as JsonObject;
  const claims = decodeJwtClaims(raw) ?? {};
  const auth = (
    isObject(claims['https://api.openai.com/auth']) ? claims['https://api.openai.com/auth'] : claims
  ) as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    chatgpt_account_id: s(auth.chatgpt_account_id) || s(content.account_id),
    plan_type: s(auth.chatgpt_plan_type) || 'plus',
    chatgpt_subscription_active_start: s(auth.chatgpt_subscription_active_start),
    chatgpt_subscription_active_until: s(auth.chatgpt_subscription_active_until),
  };
}

export function authFileEntry(rec: AuthFileRecord, nowMs: number, log: TrafficLog): JsonObject {
  const idx = fakeAuthIndex(rec.file);
  const traffic = log.totals(idx);
  const recent = log.recent(idx, nowMs);
  const c = rec.file.content;
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  const type = s(c.type) || 'unknown';
  const provider = type === 'gemini' ? 'gemini-cli' : type;
  const email = s(c.email);
  const disabled = c.disabled === true;
  const entry: JsonObject = {
    id: rec.file.name,
    auth_index: idx,
    name: rec.file.name,
    type: provider,
    provider,
    label: email || rec.file.name,
    status: disabled ? 'disabled' : rec.status,
    status_message: rec.statusMessage,
    disabled,
    unavailable: rec.unavailable,
    runtime_only: false,
    source: 'file',
    size: Buffer.byteLength(JSON.stringify(c)),
    success: rec.success + traffic.success,
    failed: rec.failed + traffic.failed,
    recent_requests: recent,
    account_type: 'oauth',
    account: email || s(c.project_id),
    created_at: iso(rec.createdAt),
    modtime: iso(rec.modAt),
    updated_at: iso(rec.modAt),
    path: `${FAKE_AUTH_DIR}/${rec.file.name}`,
  };
  if (email) entry.email = email;
  if (s(c.project_id)) entry.project_id = s(c.project_id);
  if (s(c.last_refresh)) entry.last_refresh = s(c.last_refresh);
  if (rec.nextRetryAfter) entry.next_retry_after = rec.nextRetryAfter;
  if (provider === 'codex') entry.id_token = codexIdToken(c);
  for (const f of OPERATOR_FIELDS) {
    const v = rec.fields[f] ?? (c[f] as Json | undefined);
    if (v !== undefined) entry[f] = v;
  }
  return entry;
}

function validName(name: string): boolean {
  return name !== '' && !name.includes('/') && !name.includes('\\') && !name.includes('..');
}

function storeUpload(ctx: RouteCtx, name: string, data: Buffer): string | null {
  if (!validName(name)) return 'invalid name';
  if (!name.toLowerCase().endsWith('.json')) return 'file must be .json';
  let content: unknown;
  try {
    content = JSON.parse(data.toString('utf8'));
  } catch {
    return 'invalid auth file: not valid JSON';
  }
  if (!isObject(content)) return 'invalid auth file: expected a JSON object';
  ctx.core.state.putAuthFile({ name, content: content as Record<string, unknown> });
  return null;
}

async function upload(ctx: RouteCtx): Promise<void> {
  const ct = ctx.req.headers['content-type'] ?? '';
  const body = await ctx.body();
  if (ct.toLowerCase().startsWith('multipart/form-data')) {
    const files = parseMultipart(body, ct);
    if (files === null)
      return ctx.json(400, { error: 'invalid multipart form: no multipart boundary param' });
    if (files.length === 0) return ctx.json(400, { error: 'no files uploaded' });
    if (files.length === 1) {
      const f = files[0] as (typeof files)[number];
      const err = storeUpload(ctx, f.filename, f.content);
      if (err)
        return ctx.json(err === 'file must be .json' || err === 'invalid name' ? 400 : 500, { error: err });
      ctx.core.notifyRefresh();
      return ctx.json(200, { status: 'ok' });
    }
    const uploaded: string[] = [];
    const failed: JsonObject[] = [];
    for (const f of files) {
      const err = storeUpload(ctx, f.filename, f.content);
      if (err) failed.push({ name: f.filename, error: err });
      else uploaded.push(f.filename);
    }
    if (uploaded.length > 0) ctx.core.notifyRefresh();
    if (failed.length > 0) {
      return ctx.json(207, { status: 'partial', uploaded: uploaded.length, files: uploaded, failed });
    }
    return ctx.json(200, { status: 'ok', uploaded: uploaded.length, files: uploaded });
  }
  const name = (ctx.url.searchParams.get('name') ?? '').trim();
  if (name === '') return ctx.json(400, { error: 'no files uploaded' });
  if (!validName(name)) return ctx.json(400, { error: 'invalid name' });
  if (!name.toLowerCase().endsWith('.json')) return ctx.json(400, { error: 'name must end with .json' });
  const err = storeUpload(ctx, name, body);
  if (err) return ctx.json(400, { error: err });
  ctx.core.notifyRefresh();
  ctx.json(200, { status: 'ok' });
}

async function remove(ctx: RouteCtx): Promise<void> {
  const { state } = ctx.core;
  const q = ctx.url.searchParams;
  const all = (q.get('all') ?? '').trim().toLowerCase();
  if (all === 'true' || all === '1' || all === '*') {
    const n = state.authFiles.size;
    state.authFiles.clear();
    if (n > 0) ctx.core.notifyRefresh();
    return ctx.json(200, { status: 'ok', deleted: n });
  }
  let names = q
    .getAll('name')
    .map((n) => n.trim())
    .filter(Boolean);
  if (names.length === 0) {
    const body = await ctx.jsonBody();
    if (isObject(body)) {
      if (typeof body.name === 'string') names = [body.name];
      else if (Array.isArray(body.names))
        names = body.names.filter((n): n is string => typeof n === 'string');
    }
  }
  if (names.length === 0 || names.some((n) => !validName(n))) return ctx.json(400, { error: 'invalid name' });
  if (names.length === 1) {
    const name = names[0] as string;
    if (!state.authFiles.delete(name)) return ctx.json(404, { error: 'file not found' });
    ctx.core.notifyRefresh();
    return ctx.json(200, { status: 'ok' });
  }
  const deleted: string[] = [];
  const failed: JsonObject[] = [];
  for (const n of names) {
    if (state.authFiles.delete(n)) deleted.push(n);
    else failed.push({ name: n, error: 'file not found' });
  }
  if (deleted.length > 0) ctx.core.notifyRefresh();
  if (failed.length > 0)
    return ctx.json(207, { status: 'partial', deleted: deleted.length, files: deleted, failed });
  ctx.json(200, { status: 'ok', deleted: deleted.length, files: deleted });
}

function findRecord(ctx: RouteCtx, body: Record<string, Json>): AuthFileRecord | undefined {
  const { state } = ctx.core;
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  if (name) return state.authFiles.get(name);
  const idx = typeof body.auth_index === 'string' ? body.auth_index : '';
  return idx ? state.findAuthByIndex(idx) : undefined;
}

export function registerAuthFileRoutes(r: Router): void {
  r.get('/auth-files', (ctx) => {
    const { state } = ctx.core;
    const name = ctx.url.searchParams.get('name');
    const idx = ctx.url.searchParams.get('auth_index');
    const now = ctx.core.now();
    const files = [...state.authFiles.values()]
      .filter(
        (rec) => (name ? rec.file.name === name : true) && (idx ? fakeAuthIndex(rec.file) === idx : true),
      )
      .sort((a, b) => a.file.name.localeCompare(b.file.name))
      .map((rec) => authFileEntry(rec, now, state.traffic));
    ctx.json(200, { files });
  });
  r.post('/auth-files', upload);
  r.delete('/auth-files', remove);
  r.get('/auth-files/download', (ctx) => {
    const name = (ctx.url.searchParams.get('name') ?? '').trim();
    if (!validName(name)) return ctx.json(400, { error: 'invalid name' });
    if (!name.toLowerCase().endsWith('.json')) return ctx.json(400, { error: 'name must end with .json' });
    const rec = ctx.core.state.authFiles.get(name);
    if (!rec) return ctx.json(404, { error: 'file not found' });
    ctx.send(200, JSON.stringify(rec.file.content, null, 2), {
      'Content-Type': 'application/json',
      'Content-Disposition': `attachment; filename="${name}"`,
    });
  });
  r.patch('/auth-files/status', async (ctx) => {
    const body = await ctx.jsonBody();
    if (!isObject(body) || typeof body.disabled !== 'boolean')
      return ctx.json(400, { error: 'invalid body' });
    const rec = findRecord(ctx, body);
    if (!rec) return ctx.json(404, { error: 'auth file not found' });
    rec.file.content.disabled = body.disabled;
    rec.status = body.disabled ? 'disabled' : 'active';
    rec.modAt = ctx.core.now();
    ctx.core.notifyRefresh();
    ctx.json(200, { status: 'ok', disabled: body.disabled });
  });
  r.patch('/auth-files/fields', async (ctx) => {
    const body = await ctx.jsonBody();
    if (!isObject(body)) return ctx.json(400, { error: 'invalid body' });
    const rec = findRecord(ctx, body);
    if (!rec) return ctx.json(404, { error: 'auth file not found' });
    for (const f of OPERATOR_FIELDS) if (f in body) rec.fields[f] = body[f] as Json;
    rec.modAt = ctx.core.now();
    ctx.core.notifyRefresh();
    ctx.json(200, { status: 'ok' });
  });
  r.get('/auth-files/models', (ctx) => {
    const name = (ctx.url.searchParams.get('name') ?? '').trim();
    if (name === '') return ctx.json(400, { error: 'name is required' });
    const rec = ctx.core.state.authFiles.get(name) ?? ctx.core.state.findAuthByIndex(name);
    if (!rec) return ctx.json(404, { error: 'auth file not found' });
    const type = typeof rec.file.content.type === 'string' ? rec.file.content.type : '';
    ctx.json(200, { models: MODEL_CATALOGUE[type] ?? [] });
  });
  r.get('/model-definitions/:channel', (ctx) => {
    const channel = (ctx.params.channel ?? '').trim().toLowerCase();
    if (channel === '') return ctx.json(400, { error: 'channel is required' });
    const models = MODEL_CATALOGUE[channel];
    if (!models) return ctx.json(400, { error: 'unknown channel', channel });
    ctx.json(200, { channel, models });
  });
}
