/** Provider credential lists (with kebab-case auth-index) and OAuth model maps. */
import { isObject, ok, type RouteCtx, type Router } from '../http-kit';
import {
  PROVIDER_LISTS,
  listEntries,
  listWithAuthIndex,
  type Json,
  type JsonObject,
  type ProviderList,
} from '../state';

function done(ctx: RouteCtx): void {
  ctx.core.state.yamlText = null;
  ok(ctx);
}

const KEY_FIELDS = [
  'api-key',
  'weight',
  'prefix',
  'base-url',
  'proxy-url',
  'headers',
  'excluded-models',
  'disable-cooling',
  'request-retry',
  'request-scoped-errors',
];

/** Fields each list's PATCH `value` may change (config_lists.go patch structs); others are ignored. */
const PATCH_FIELDS: Record<ProviderList, readonly string[]> = {
  'gemini-api-key': KEY_FIELDS,
  'interactions-api-key': KEY_FIELDS,
  'claude-api-key': [...KEY_FIELDS, 'fingerprint-profile', 'models', 'rebuild-mid-system-message'],
  'codex-api-key': [...KEY_FIELDS, 'alpha-search', 'models'],
  'xai-api-key': [...KEY_FIELDS, 'priority', 'websockets', 'models'],
  'vertex-api-key': KEY_FIELDS.filter((f) => f !== 'request-scoped-errors').concat('models'),
  'openai-compatibility': [
    'name',
    'prefix',
    'disabled',
    'disable-cooling',
    'base-url',
    'api-key-entries',
    'models',
    'headers',
    'support-prompt-cache-key',
    'request-retry',
    'request-scoped-errors',
  ],
};
const TRIMMED = new Set(['api-key', 'prefix', 'base-url', 'proxy-url', 'name']);

function trimmed(v: Json | undefined): string {
  return typeof v === 'string' ? v.trim() : '';
}

/**
 * Which entry a PATCH targets: a valid `index` wins; else openai-compatibility selects by top-level `name`,
 * gemini/interactions by `match` (+ optional `?base-url=`, ambiguity is a 400), the others by the first
 * entry whose api-key equals `match`.
 */
function patchTarget(
  ctx: RouteCtx,
  list: ProviderList,
  entries: JsonObject[],
  body: JsonObject,
): number | string {
  const i = body.index;
  if (typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < entries.length) return i;
  if (list === 'openai-compatibility') {
    if (typeof body.name !== 'string') return -1;
    const name = body.name.trim();
    return entries.findIndex((e) => e.name === name);
  }
  if (typeof body.match !== 'string') return -1;
  const match = body.match.trim();
  if (list === 'gemini-api-key' || list === 'interactions-api-key') {
    if (match === '') return -1;
    const base = ctx.url.searchParams.get('base-url');
    const hits = entries
      .map((e, idx) => ({ e, idx }))
      .filter(
        ({ e }) =>
          trimmed(e['api-key']) === match && (base === null || trimmed(e['base-url']) === base.trim()),
      );
    if (hits.length > 1) return 'multiple items match; index is required';
    return hits[0]?.idx ?? -1;
  }
  if (list === 'vertex-api-key' && match === '') return -1;
  return entries.findIndex((e) => e['api-key'] === match);
}

/** Whether the patched entry is dropped instead of kept (each list has its own "emptied" rule). */
function removesEntry(list: ProviderList, value: JsonObject, merged: JsonObject): boolean {
  switch (list) {
    case 'gemini-api-key':
    case 'interactions-api-key':
      return trimmed(merged['api-key']) === '' && trimmed(merged['base-url']) === '';
    case 'vertex-api-key':
      return typeof value['api-key'] === 'string' && value['api-key'].trim() === '';
    case 'codex-api-key':
    case 'xai-api-key':
    case 'openai-compatibility':
      return typeof value['base-url'] === 'string' && value['base-url'].trim() === '';
    default:
      return false;
  }
}

async function patchEntry(ctx: RouteCtx, list: ProviderList): Promise<void> {
  const body = await ctx.jsonBody();
  // Go's binding rejects wrongly typed selectors as well as a missing value.
  const badSelector =
    isObject(body) &&
    ((body.index !== undefined && body.index !== null && typeof body.index !== 'number') ||
      (body.match !== undefined && body.match !== null && typeof body.match !== 'string') ||
      (body.name !== undefined && body.name !== null && typeof body.name !== 'string'));
  if (!isObject(body) || !isObject(body.value) || badSelector)
    return ctx.json(400, { error: 'invalid body' });
  const value = body.value as JsonObject;
  for (const f of TRIMMED) {
    if (value[f] !== undefined && value[f] !== null && typeof value[f] !== 'string') {
      return ctx.json(400, { error: 'invalid body' });
    }
  }
  const entries = listEntries(ctx.core.state.config, list);
  const idx = patchTarget(ctx, list, entries, body as JsonObject);
  if (typeof idx === 'string') return ctx.json(400, { error: idx });
  const target = entries[idx];
  if (!target) return ctx.json(404, { error: 'item not found' });
  const merged: JsonObject = { ...target };
  for (const f of PATCH_FIELDS[list]) {
    const v = value[f];
    if (v === undefined || v === null) continue;
    merged[f] = TRIMMED.has(f) ? (v as string).trim() : v;
  }
  if (removesEntry(list, value, merged)) entries.splice(idx, 1);
  else entries[idx] = merged;
  ctx.core.state.config[list] = entries;
  done(ctx);
}

function registerList(r: Router, list: ProviderList): void {
  const path = `/${list}`;
  const matchKey = list === 'openai-compatibility' ? 'name' : 'api-key';
  r.get(path, (ctx) => ctx.json(200, { [list]: listWithAuthIndex(ctx.core.state.config, list) }));
  r.put(path, async (ctx) => {
    const body = await ctx.jsonBody();
    let arr: unknown = body;
    if (!Array.isArray(arr)) arr = isObject(body) && Array.isArray(body.items) ? body.items : null;
    if (!Array.isArray(arr) || !arr.every(isObject)) return ctx.json(400, { error: 'invalid body' });
    if (list === 'vertex-api-key') {
      const bad = arr.findIndex((e) => typeof e['api-key'] !== 'string' || e['api-key'] === '');
      if (bad >= 0) return ctx.json(400, { error: `vertex-api-key[${bad}].api-key is required` });
    }
    // auth-index is derived, never stored.
    ctx.core.state.config[list] = (arr as JsonObject[]).map(({ 'auth-index': _drop, ...rest }) => rest);
    done(ctx);
  });
  r.patch(path, (ctx) => patchEntry(ctx, list));
  r.delete(path, (ctx) => {
    const entries = listEntries(ctx.core.state.config, list);
    const q = ctx.url.searchParams;
    const val = (q.get(matchKey) ?? '').trim();
    if (val !== '') {
      const base = q.get('base-url');
      const hits = entries.filter(
        (e) => e[matchKey] === val && (base === null || (e['base-url'] ?? '') === base),
      );
      if (hits.length === 0) return ctx.json(404, { error: 'item not found' });
      if (hits.length > 1 && list !== 'openai-compatibility') {
        return ctx.json(400, { error: 'multiple items match api-key; base-url is required' });
      }
      ctx.core.state.config[list] = entries.filter((e) => !hits.includes(e));
      return done(ctx);
    }
    const idxStr = q.get('index');
    if (idxStr !== null && /^\d+$/.test(idxStr)) {
      const i = Number(idxStr);
      if (i < entries.length) {
        entries.splice(i, 1);
        ctx.core.state.config[list] = entries;
        return done(ctx);
      }
    }
    ctx.json(400, {
      error: list === 'openai-compatibility' ? 'missing name or index' : 'missing api-key or index',
    });
  });
}

/** oauth-excluded-models (provider → models), oauth-model-alias / oauth-request-scoped-errors (channel → rules). */
function registerMap(r: Router, key: string, selector: 'provider' | 'channel', field: string): void {
  const path = `/${key}`;
  const map = (ctx: RouteCtx): JsonObject => {
    const v = ctx.core.state.config[key];
    return isObject(v) ? (v as JsonObject) : {};
  };
  r.get(path, (ctx) => ctx.json(200, { [key]: map(ctx) }));
  r.put(path, async (ctx) => {
    const body = await ctx.jsonBody();
    const value = isObject(body) && isObject(body.items) ? body.items : body;
    if (!isObject(value)) return ctx.json(400, { error: 'invalid body' });
    ctx.core.state.config[key] = value as JsonObject;
    done(ctx);
  });
  r.patch(path, async (ctx) => {
    const body = await ctx.jsonBody();
    if (!isObject(body)) return ctx.json(400, { error: 'invalid body' });
    const sel = typeof body[selector] === 'string' ? (body[selector] as string).trim().toLowerCase() : '';
    if (sel === '') return ctx.json(400, { error: `invalid ${selector}` });
    const m = map(ctx);
    const value = body[field] as Json | undefined;
    if (!Array.isArray(value)) return ctx.json(400, { error: 'invalid body' });
    m[sel] = value;
    ctx.core.state.config[key] = m;
    done(ctx);
  });
  r.delete(path, (ctx) => {
    const q = ctx.url.searchParams;
    const sel = (q.get(selector) ?? q.get('provider') ?? '').trim().toLowerCase();
    if (sel === '') return ctx.json(400, { error: `missing ${selector}` });
    const m = map(ctx);
    if (!(sel in m)) return ctx.json(404, { error: `${selector} not found` });
    delete m[sel];
    ctx.core.state.config[key] = m;
    done(ctx);
  });
}

export function registerProviderRoutes(r: Router): void {
  for (const list of PROVIDER_LISTS) registerList(r, list);
  registerMap(r, 'oauth-excluded-models', 'provider', 'models');
  registerMap(r, 'oauth-model-alias', 'channel', 'aliases');
  registerMap(r, 'oauth-request-scoped-errors', 'channel', 'rules');
}
