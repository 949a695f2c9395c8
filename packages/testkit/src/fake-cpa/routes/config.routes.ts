/** Config routes: /config, /config.yaml, scalar settings, /api-keys, /latest-version. */
import { parse, stringify } from 'yaml';
import { isObject, ok, type RouteCtx, type Router } from '../http-kit';
import { FAKE_AUTH_DIR, defaultConfig, type Json, type JsonObject } from '../state';

type Kind = 'bool' | 'int' | 'string';

/** Scalar routes: path → config key path and value kind. */
const SCALARS: { path: string; key: string[]; kind: Kind; name: string }[] = [
  { path: 'debug', key: ['debug'], kind: 'bool', name: 'debug' },
  { path: 'logging-to-file', key: ['logging-to-file'], kind: 'bool', name: 'logging-to-file' },
  {
    path: 'logs-max-total-size-mb',
    key: ['logs-max-total-size-mb'],
    kind: 'int',
    name: 'logs-max-total-size-mb',
  },
  { path: 'error-logs-max-files', key: ['error-logs-max-files'], kind: 'int', name: 'error-logs-max-files' },
  {
    path: 'usage-statistics-enabled',
    key: ['usage-statistics-enabled'],
    kind: 'bool',
    name: 'usage-statistics-enabled',
  },
  { path: 'proxy-url', key: ['proxy-url'], kind: 'string', name: 'proxy-url' },
  { path: 'request-log', key: ['request-log'], kind: 'bool', name: 'request-log' },
  { path: 'ws-auth', key: ['ws-auth'], kind: 'bool', name: 'ws-auth' },
  { path: 'request-retry', key: ['request-retry'], kind: 'int', name: 'request-retry' },
  {
    path: 'max-retry-credentials',
    key: ['max-retry-credentials'],
    kind: 'int',
    name: 'max-retry-credentials',
  },
  { path: 'max-retry-interval', key: ['max-retry-interval'], kind: 'int', name: 'max-retry-interval' },
  { path: 'force-model-prefix', key: ['force-model-prefix'], kind: 'bool', name: 'force-model-prefix' },
  {
    path: 'quota-exceeded/switch-project',
    key: ['quota-exceeded', 'switch-project'],
    kind: 'bool',
    name: 'switch-project',
  },
  {
    path: 'quota-exceeded/switch-preview-model',
    key: ['quota-exceeded', 'switch-preview-model'],
    kind: 'bool',
    name: 'switch-preview-model',
  },
];

const HIDDEN_KEYS = ['host', 'port', 'remote-management', 'auth-dir'];

function getPath(obj: JsonObject, key: string[]): Json | undefined {
  let cur: Json | undefined = obj;
  for (const k of key) cur = isObject(cur) ? cur[k] : undefined;
  return cur;
}

function setPath(obj: JsonObject, key: string[], value: Json): void {
  let cur: JsonObject = obj;
  for (const k of key.slice(0, -1)) {
    const next = cur[k];
    if (!isObject(next)) cur[k] = {};
    cur = cur[k] as JsonObject;
  }
  cur[key[key.length - 1] as string] = value;
}

function kindOk(kind: Kind, v: unknown): boolean {
  if (kind === 'bool') return typeof v === 'boolean';
  if (kind === 'int') return typeof v === 'number' && Number.isInteger(v);
  return typeof v === 'string';
}

/** config.yaml as CPA would have it on disk (secret-key shown as a bcrypt-looking hash). */
export function renderYaml(ctx: RouteCtx): string {
  const { state } = ctx.core;
  if (state.yamlText !== null) return state.yamlText;
  const doc = {
    host: '127.0.0.1',
    port: 8317,
    'auth-dir': FAKE_AUTH_DIR,
    'remote-management': {
      'allow-remote': true,
      'secret-key': '$2a$10$fakeFakeFakeFakeFakeFeu0000000000000000000000000000000',
      'disable-control-panel': false,
    },
    ...state.config,
  };
  return stringify(doc);
}

async function putYaml(ctx: RouteCtx): Promise<void> {
  const text = (await ctx.body()).toString('utf8');
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : parse(text);
  } catch (e) {
    return ctx.json(400, { error: 'invalid_yaml', message: (e as Error).message });
  }
  if (parsed === null || parsed === undefined) parsed = {};
  if (!isObject(parsed)) {
    return ctx.json(400, {
      error: 'invalid_yaml',
      message: 'yaml: unmarshal errors: cannot unmarshal into config.Config',
    });
  }
  for (const s of SCALARS) {
    const v = getPath(parsed as JsonObject, s.key);
    if (v !== undefined && v !== null && !kindOk(s.kind, v)) {
      return ctx.json(400, {
        error: 'invalid_yaml',
        message: `yaml: unmarshal errors: cannot unmarshal ${JSON.stringify(v)} into ${s.key.join('.')}`,
      });
    }
  }
  // CPA resets usage-statistics-enabled to false before loading a config file.
  const base = defaultConfig(false, 60, false);
  for (const k of ['api-keys', 'gemini-api-key', 'codex-api-key', 'claude-api-key', 'openai-compatibility'])
    base[k] = [];
  delete base['oauth-excluded-models'];
  delete base['oauth-model-alias'];
  const next: JsonObject = { ...base };
  for (const [k, v] of Object.entries(parsed)) if (!HIDDEN_KEYS.includes(k)) next[k] = v as Json;
  const core = ctx.core;
  core.state.config = next;
  core.state.yamlText = text;
  core.setUsageEnabled(next['usage-statistics-enabled'] === true);
  const rm = (parsed as JsonObject)['remote-management'];
  const secret = isObject(rm) ? rm['secret-key'] : undefined;
  // A new plaintext secret changes the key clients must send (CPA re-hashes it).
  if (typeof secret === 'string' && secret !== '' && !secret.startsWith('$2')) core.setManagementKey(secret);
  ctx.json(200, { ok: true, changed: ['config'] });
}

function persisted(ctx: RouteCtx): void {
  ctx.core.state.yamlText = null; // regenerate config.yaml from the runtime config
  ok(ctx);
}

export function registerConfigRoutes(r: Router): void {
  r.get('/config', (ctx) => ctx.json(200, ctx.core.state.config));
  r.get('/config.yaml', (ctx) =>
    ctx.send(200, renderYaml(ctx), {
      'Content-Type': 'application/yaml; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    }),
  );
  r.put('/config.yaml', putYaml);
  r.get('/latest-version', (ctx) => ctx.json(200, { 'latest-version': 'v7.2.140' }));

  for (const s of SCALARS) {
    r.get(`/${s.path}`, (ctx) => ctx.json(200, { [s.name]: getPath(ctx.core.state.config, s.key) ?? null }));
    const put = async (ctx: RouteCtx) => {
      const body = await ctx.jsonBody();
      if (!isObject(body) || !kindOk(s.kind, body.value)) return ctx.json(400, { error: 'invalid body' });
      setPath(ctx.core.state.config, s.key, body.value as Json);
      if (s.path === 'usage-statistics-enabled') ctx.core.setUsageEnabled(body.value === true);
      persisted(ctx);
    };
    r.put(`/${s.path}`, put);
    r.patch(`/${s.path}`, put);
  }
  r.delete('/proxy-url', (ctx) => {
    ctx.core.state.config['proxy-url'] = '';
    persisted(ctx);
  });

  r.get('/routing/strategy', (ctx) => {
    const routing = ctx.core.state.config.routing;
    ctx.json(200, {
      strategy: isObject(routing) && typeof routing.strategy === 'string' ? routing.strategy : 'round-robin',
    });
  });
  const putStrategy = async (ctx: RouteCtx) => {
    const body = await ctx.jsonBody();
    if (!isObject(body) || typeof body.value !== 'string') return ctx.json(400, { error: 'invalid body' });
    const v = body.value.trim().toLowerCase();
    const map: Record<string, string> = {
      '': 'round-robin',
      'round-robin': 'round-robin',
      roundrobin: 'round-robin',
      rr: 'round-robin',
      'weighted-round-robin': 'weighted-round-robin',
      weightedroundrobin: 'weighted-round-robin',
      wrr: 'weighted-round-robin',
      'fill-first': 'fill-first',
      fillfirst: 'fill-first',
      ff: 'fill-first',
    };
    const norm = map[v];
    if (!norm) return ctx.json(400, { error: 'invalid strategy' });
    setPath(ctx.core.state.config, ['routing', 'strategy'], norm);
    persisted(ctx);
  };
  r.put('/routing/strategy', putStrategy);
  r.patch('/routing/strategy', putStrategy);

  registerApiKeys(r);
}

function apiKeys(ctx: RouteCtx): string[] {
  const v = ctx.core.state.config['api-keys'];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function registerApiKeys(r: Router): void {
  r.get('/api-keys', (ctx) => ctx.json(200, { 'api-keys': apiKeys(ctx) }));
  r.put('/api-keys', async (ctx) => {
    const body = await ctx.jsonBody();
    let arr: unknown = body;
    if (!Array.isArray(arr))
      arr = isObject(body) && Array.isArray(body.items) && body.items.length > 0 ? body.items : null;
    if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'string'))
      return ctx.json(400, { error: 'invalid body' });
    ctx.core.state.config['api-keys'] = arr as string[];
    persisted(ctx);
  });
  r.patch('/api-keys', async (ctx) => {
    const body = await ctx.jsonBody();
    if (!isObject(body)) return ctx.json(400, { error: 'invalid body' });
    const keys = apiKeys(ctx);
    const { index, value, old, new: nw } = body;
    if (typeof index === 'number' && typeof value === 'string' && index >= 0 && index < keys.length) {
      keys[index] = value;
    } else if (typeof old === 'string' && typeof nw === 'string') {
      const i = keys.indexOf(old);
      if (i >= 0) keys[i] = nw;
      else keys.push(nw);
    } else {
      return ctx.json(400, { error: 'missing fields' });
    }
    ctx.core.state.config['api-keys'] = keys;
    persisted(ctx);
  });
  r.delete('/api-keys', (ctx) => {
    const keys = apiKeys(ctx);
    const idxStr = ctx.url.searchParams.get('index');
    const idx = idxStr !== null && /^-?\d+/.test(idxStr) ? Number.parseInt(idxStr, 10) : -1;
    if (idx >= 0 && idx < keys.length) {
      keys.splice(idx, 1);
      ctx.core.state.config['api-keys'] = keys;
      return persisted(ctx);
    }
    const val = (ctx.url.searchParams.get('value') ?? '').trim();
    if (val !== '') {
      ctx.core.state.config['api-keys'] = keys.filter((k) => k.trim() !== val);
      return persisted(ctx);
    }
    ctx.json(400, { error: 'missing index or value' });
  });
}
