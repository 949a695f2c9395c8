/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are probed loosely, one path at a time */
import { afterEach, describe, expect, it } from 'vitest';
import {
  configAuthIndex,
  fakeAuthIndex,
  startFakeCpa,
  type FakeAuthFile,
  type FakeCpa,
} from '@cpamp/testkit';

const KEY = 'test-management-key';
let fake: FakeCpa | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function b64(o: object): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}
const idToken = `${b64({ alg: 'none' })}.${b64({
  email: 'alice@example.com',
  'https://api.openai.com/auth': { chatgpt_account_id: 'acc-123', chatgpt_plan_type: 'pro' },
})}.sig`;
const files: FakeAuthFile[] = [
  {
    name: 'codex-alice@example.com-pro.json',
    content: {
      type: 'codex',
      email: 'alice@example.com',
      id_token: idToken,
      access_token: 'at-alice',
      account_id: 'acc-123',
    },
  },
  {
    name: 'claude-bob@example.com.json',
    content: { type: 'claude', email: 'bob@example.com', access_token: 'at-bob' },
  },
];

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { Authorization: `Bearer ${KEY}`, ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof FormData ? body : JSON.stringify(body);
    if (!(body instanceof FormData) && typeof body !== 'string') {
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
  }
  const res = await fetch(`${(fake as FakeCpa).url}/v0/management${path}`, init);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

describe('fake CPA management routes (docs/design.md, "Management routes" and "Auth files")', () => {
  it('GET /config has kebab keys; scalar routes read and write it', async () => {
    fake = await startFakeCpa({ retentionSeconds: 120 });
    const cfg = (await call('GET', '/config')).json;
    expect(cfg['usage-statistics-enabled']).toBe(true);
    expect(cfg['redis-usage-queue-retention-seconds']).toBe(120);
    expect(Array.isArray(cfg['api-keys'])).toBe(true);
    expect(cfg['codex-api-key'][0]['api-key']).toBeTruthy();
    expect(cfg).not.toHaveProperty('remote-management');
    expect((await call('GET', '/debug')).json).toEqual({ debug: false });
    expect((await call('PUT', '/debug', { value: true })).json).toEqual({ status: 'ok' });
    expect((await call('PATCH', '/request-retry', { value: 5 })).json).toEqual({ status: 'ok' });
    expect((await call('PUT', '/debug', { value: 'yes' })).status).toBe(400);
    expect((await call('PUT', '/debug', {})).json).toEqual({ error: 'invalid body' });
    expect((await call('PUT', '/proxy-url', { value: 'socks5://127.0.0.1:1080' })).status).toBe(200);
    expect((await call('GET', '/proxy-url')).json).toEqual({ 'proxy-url': 'socks5://127.0.0.1:1080' });
    expect((await call('DELETE', '/proxy-url')).status).toBe(200);
    expect((await call('PUT', '/routing/strategy', { value: 'ff' })).status).toBe(200);
    expect((await call('GET', '/routing/strategy')).json).toEqual({ strategy: 'fill-first' });
    expect((await call('PUT', '/routing/strategy', { value: 'random' })).json).toEqual({
      error: 'invalid strategy',
    });
    expect((await call('GET', '/quota-exceeded/switch-project')).json).toEqual({ 'switch-project': true });
    const after = (await call('GET', '/config')).json;
    expect(after.debug).toBe(true);
    expect(after['request-retry']).toBe(5);
    expect(after['proxy-url']).toBe('');
    expect((await call('GET', '/usage-statistics-enabled')).json).toEqual({
      'usage-statistics-enabled': true,
    });
  });

  it('GET/PUT /config.yaml: YAML in and out, 400 invalid_yaml, the JSON config reflects a PUT', async () => {
    fake = await startFakeCpa();
    const y = await call('GET', '/config.yaml');
    expect(y.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
    expect(y.text).toContain('usage-statistics-enabled: true');
    expect(y.text).toContain('secret-key: $2a$');
    expect((await call('PUT', '/config.yaml', 'debug: [unclosed')).json).toMatchObject({
      error: 'invalid_yaml',
    });
    expect((await call('PUT', '/config.yaml', 'debug: "maybe"\n')).status).toBe(400);
    const body =
      '# my config\nport: 8317\nusage-statistics-enabled: true\nredis-usage-queue-retention-seconds: 600\napi-keys: ["k1"]\n';
    expect((await call('PUT', '/config.yaml', body)).json).toEqual({ ok: true, changed: ['config'] });
    expect((await call('GET', '/config.yaml')).text).toBe(body);
    const cfg = (await call('GET', '/config')).json;
    expect(cfg['redis-usage-queue-retention-seconds']).toBe(600);
    expect(cfg['api-keys']).toEqual(['k1']);
    expect(cfg).not.toHaveProperty('port');
    // Loading a config without the key turns usage statistics off, as CPA's loader does.
    await call('PUT', '/config.yaml', 'debug: false\n');
    expect((await call('GET', '/usage-statistics-enabled')).json).toEqual({
      'usage-statistics-enabled': false,
    });
    fake.enqueueUsage({ model: 'x' });
    expect(fake.queueLength()).toBe(0);
    // A new plaintext secret-key changes the management key.
    await call('PUT', '/config.yaml', 'remote-management:\n  secret-key: new-key\n');
    expect(fake.managementKey).toBe('new-key');
    expect((await call('GET', '/config')).status).toBe(401);
  });

  it('api-keys GET/PUT/PATCH/DELETE', async () => {
    fake = await startFakeCpa();
    await call('PUT', '/api-keys', ['a', 'b']);
    await call('PUT', '/api-keys', { items: ['a', 'b', 'c'] });
    await call('PATCH', '/api-keys', { index: 0, value: 'A' });
    await call('PATCH', '/api-keys', { old: 'b', new: 'B' });
    await call('PATCH', '/api-keys', { old: 'zz', new: 'D' });
    expect((await call('GET', '/api-keys')).json).toEqual({ 'api-keys': ['A', 'B', 'c', 'D'] });
    await call('DELETE', '/api-keys?index=2');
    await call('DELETE', '/api-keys?value=D');
    expect((await call('GET', '/api-keys')).json).toEqual({ 'api-keys': ['A', 'B'] });
    expect((await call('DELETE', '/api-keys')).json).toEqual({ error: 'missing index or value' });
    expect((await call('PATCH', '/api-keys', {})).json).toEqual({ error: 'missing fields' });
  });

  it('provider key lists carry a kebab-case auth-index; PUT/PATCH/DELETE', async () => {
    fake = await startFakeCpa();
    for (const list of [
      'gemini-api-key',
      'interactions-api-key',
      'codex-api-key',
      'claude-api-key',
      'xai-api-key',
      'vertex-api-key',
      'openai-compatibility',
    ]) {
      expect((await call('GET', `/${list}`)).status).toBe(200);
    }
    const claude = (await call('GET', '/claude-api-key')).json['claude-api-key'];
    expect(claude[0]['auth-index']).toMatch(/^[0-9a-f]{16}$/);
    await call('PUT', '/xai-api-key', [{ 'api-key': 'xai-1', 'base-url': 'https://api.x.ai/v1' }]);
    await call('PATCH', '/xai-api-key', { index: 0, value: { prefix: 'team' } });
    const xai = (await call('GET', '/xai-api-key')).json['xai-api-key'];
    expect(xai[0]).toMatchObject({ 'api-key': 'xai-1', prefix: 'team' });
    expect((await call('PATCH', '/xai-api-key', { index: 5, value: {} })).json).toEqual({
      error: 'item not found',
    });
    await call('DELETE', '/xai-api-key?api-key=xai-1');
    expect((await call('GET', '/xai-api-key')).json).toEqual({ 'xai-api-key': [] });
    const compat = (await call('GET', '/openai-compatibility')).json['openai-compatibility'];
    expect(compat[0]['api-key-entries'][0]['auth-index']).toMatch(/^[0-9a-f]{16}$/);
    await call('PATCH', '/oauth-excluded-models', { provider: 'claude', models: ['claude-opus-4-1'] });
    expect((await call('GET', '/oauth-excluded-models')).json['oauth-excluded-models'].claude).toEqual([
      'claude-opus-4-1',
    ]);
    await call('DELETE', '/oauth-model-alias?channel=claude');
    expect((await call('GET', '/oauth-model-alias')).json).toEqual({ 'oauth-model-alias': {} });
  });

  it('options.config seeds the runtime config; auth-index matches configAuthIndex', async () => {
    fake = await startFakeCpa({
      config: { 'codex-api-key': [{ 'api-key': 'sk-x', 'base-url': 'https://b' }] },
    });
    const list = (await call('GET', '/codex-api-key')).json['codex-api-key'];
    expect(list).toEqual([
      {
        'api-key': 'sk-x',
        'base-url': 'https://b',
        'auth-index': configAuthIndex('codex-api-key', 'https://b', 'sk-x'),
      },
    ]);
  });

  it('auth-files: list with §8 fields, filters, upload (multipart one/many, raw), download, status, fields, delete', async () => {
    fake = await startFakeCpa({ authFiles: files });
    const list = (await call('GET', '/auth-files')).json.files;
    expect(list.map((f: any) => f.name)).toEqual([
      'claude-bob@example.com.json',
      'codex-alice@example.com-pro.json',
    ]);
    const codex = list[1];
    expect(codex).toMatchObject({
      id: 'codex-alice@example.com-pro.json',
      auth_index: fakeAuthIndex(files[0] as FakeAuthFile),
      type: 'codex',
      provider: 'codex',
      status: 'active',
      disabled: false,
      email: 'alice@example.com',
      account_type: 'oauth',
      source: 'file',
      id_token: { chatgpt_account_id: 'acc-123', plan_type: 'pro' },
    });
    expect(codex.recent_requests).toHaveLength(20);
    const byIdx = (await call('GET', `/auth-files?auth_index=${codex.auth_index}`)).json.files;
    expect(byIdx.map((f: any) => f.name)).toEqual([codex.name]);
    expect((await call('GET', '/auth-files?name=claude-bob@example.com.json')).json.files).toHaveLength(1);

    const one = new FormData();
    one.append('file', new Blob([JSON.stringify({ type: 'kimi', access_token: 't' })]), 'kimi-1.json');
    expect((await call('POST', '/auth-files', one)).json).toEqual({ status: 'ok' });
    const many = new FormData();
    many.append('a', new Blob(['{"type":"xai"}']), 'xai-1.json');
    many.append('b', new Blob(['{}']), 'notes.txt');
    const multi = await call('POST', '/auth-files', many);
    expect(multi.status).toBe(207);
    expect(multi.json.failed).toEqual([{ name: 'notes.txt', error: 'file must be .json' }]);
    expect(
      (await call('POST', '/auth-files?name=raw-1.json', { type: 'antigravity', project_id: 'p1' })).json,
    ).toEqual({ status: 'ok' });
    expect((await call('POST', '/auth-files', new FormData())).status).toBe(400);

    const dl = await call('GET', '/auth-files/download?name=raw-1.json');
    expect(dl.headers.get('content-disposition')).toContain('attachment');
    expect(JSON.parse(dl.text)).toEqual({ type: 'antigravity', project_id: 'p1' });
    expect((await call('GET', '/auth-files/download?name=raw-1.txt')).json).toEqual({
      error: 'name must end with .json',
    });
    expect((await call('GET', '/auth-files/download?name=nope.json')).status).toBe(404);

    expect((await call('PATCH', '/auth-files/status', { name: 'kimi-1.json', disabled: true })).json).toEqual(
      { status: 'ok', disabled: true },
    );
    expect((await call('GET', '/auth-files?name=kimi-1.json')).json.files[0]).toMatchObject({
      disabled: true,
      status: 'disabled',
    });
    expect((await call('PATCH', '/auth-files/status', { name: 'zzz.json', disabled: true })).json).toEqual({
      error: 'auth file not found',
    });
    expect(
      (await call('PATCH', '/auth-files/fields', { name: 'kimi-1.json', priority: 5, note: 'n' })).json,
    ).toEqual({ status: 'ok' });
    expect((await call('GET', '/auth-files?name=kimi-1.json')).json.files[0]).toMatchObject({
      priority: 5,
      note: 'n',
    });

    expect((await call('GET', `/auth-files/models?name=${codex.name}`)).json.models[0].id).toBe('gpt-5');
    expect((await call('GET', '/model-definitions/claude')).json.models.length).toBeGreaterThan(0);
    expect((await call('GET', '/model-definitions/nope')).status).toBe(400);

    expect((await call('DELETE', '/auth-files?name=kimi-1.json')).json).toEqual({ status: 'ok' });
    expect((await call('DELETE', '/auth-files?name=kimi-1.json')).status).toBe(404);
    expect((await call('DELETE', '/auth-files?all=true')).json).toEqual({ status: 'ok', deleted: 4 });
    expect(fake.authFiles()).toEqual([]);
  });

  it('OAuth: auth URLs, polling wait → ok, completeOAuth, cancel', async () => {
    fake = await startFakeCpa({ oauthPollsBeforeOk: 1 });
    for (const p of ['codex', 'anthropic', 'antigravity', 'xai']) {
      const r = (await call('GET', `/${p}-auth-url`)).json;
      expect(r).toMatchObject({
        status: 'ok',
        url: expect.stringMatching(/^https:\/\//),
        state: expect.any(String),
      });
    }
    const kimi = (await call('GET', '/kimi-auth-url')).json;
    expect(kimi.flow).toBe('device');
    const { state } = (await call('GET', '/codex-auth-url')).json;
    expect((await call('GET', `/get-auth-status?state=${state}`)).json).toEqual({ status: 'wait' });
    expect((await call('GET', `/get-auth-status?state=${state}`)).json).toEqual({ status: 'ok' });
    expect(fake.authFiles().some((f) => f.name.startsWith('codex-oauth-'))).toBe(true);
    const s2 = (await call('GET', '/anthropic-auth-url')).json.state;
    fake.completeOAuth(s2, 'access_denied');
    expect((await call('GET', `/get-auth-status?state=${s2}`)).json).toEqual({
      status: 'error',
      error: 'access_denied',
    });
    const s3 = (await call('GET', '/xai-auth-url')).json.state;
    fake.completeOAuth(s3);
    expect((await call('GET', `/get-auth-status?state=${s3}`)).json).toEqual({ status: 'ok' });
    const s4 = (await call('GET', '/xai-auth-url')).json.state;
    expect((await call('DELETE', `/oauth-session?state=${s4}`)).json).toEqual({
      status: 'ok',
      cancelled: true,
    });
    expect((await call('GET', `/get-auth-status?state=${s4}`)).json).toEqual({
      status: 'error',
      error: 'unknown or expired state',
    });
  });

  it('logs: incremental after/limit with latest-timestamp, 400 when logging-to-file is off, DELETE', async () => {
    let t = Date.UTC(2026, 7, 22, 14, 0, 0);
    fake = await startFakeCpa({ now: () => t });
    const first = (await call('GET', '/logs')).json;
    expect(first.lines.length).toBe(2);
    const since = first['latest-timestamp'];
    t += 5000;
    fake.appendLog('hello one');
    fake.appendLog('hello two');
    const next = (await call('GET', `/logs?after=${since}`)).json;
    expect(next.lines).toHaveLength(2);
    expect(next.lines[0]).toMatch(/\[info\] hello one$/);
    expect(next['line-count']).toBe(2);
    expect(next['latest-timestamp']).toBe(Math.floor(t / 1000));
    expect((await call('GET', `/logs?after=${since}&limit=1`)).json.lines).toEqual([next.lines[1]]);
    expect((await call('DELETE', '/logs')).json).toMatchObject({ success: true });
    await call('PUT', '/logging-to-file', { value: false });
    expect((await call('GET', '/logs')).json).toEqual({ error: 'logging to file disabled' });
    const errs = (await call('GET', '/request-error-logs')).json.files;
    expect(errs[0]).toMatchObject({ name: expect.stringMatching(/^error-/), size: expect.any(Number) });
    expect((await call('GET', `/request-error-logs/${errs[0].name}`)).text).toContain('REQUEST');
    expect((await call('GET', '/request-log-by-id/77c0de12')).status).toBe(200);
    expect((await call('GET', '/request-log-by-id/deadbeef')).status).toBe(404);
  });

  it('api-call: validation, default Codex/Claude answers, scripted per-auth_index answers', async () => {
    fake = await startFakeCpa({ authFiles: files });
    const codexIdx = fakeAuthIndex(files[0] as FakeAuthFile);
    const claudeIdx = fakeAuthIndex(files[1] as FakeAuthFile);
    expect((await call('POST', '/api-call', { url: 'https://x' })).json).toEqual({ error: 'missing method' });
    expect((await call('POST', '/api-call', { method: 'GET' })).json).toEqual({ error: 'missing url' });
    expect((await call('POST', '/api-call', { method: 'GET', url: 'nope' })).json).toEqual({
      error: 'invalid url',
    });
    expect(
      (
        await call('POST', '/api-call', {
          auth_index: 'ffffffffffffffff',
          method: 'GET',
          url: 'https://chatgpt.com/backend-api/wham/usage',
          header: { Authorization: 'Bearer $TOKEN$' },
        })
      ).json,
    ).toEqual({ error: 'auth token not found' });
    const codex = (
      await call('POST', '/api-call', {
        auth_index: codexIdx,
        method: 'GET',
        url: 'https://chatgpt.com/backend-api/wham/usage',
        header: { Authorization: 'Bearer $TOKEN$', 'Chatgpt-Account-Id': 'acc-123' },
      })
    ).json;
    expect(codex.status_code).toBe(200);
    expect(JSON.parse(codex.body).rate_limit.primary_window.used_percent).toEqual(expect.any(Number));
    const claude = (
      await call('POST', '/api-call', {
        authIndex: claudeIdx,
        method: 'GET',
        url: 'https://api.anthropic.com/api/oauth/usage',
        header: { Authorization: 'Bearer $TOKEN$', 'anthropic-beta': 'oauth-2025-04-20' },
      })
    ).json;
    expect(JSON.parse(claude.body).five_hour.utilization).toEqual(expect.any(Number));
    const seen: string[] = [];
    fake.setApiCallResponder((req) => {
      seen.push(req.header.Authorization ?? '');
      if (req.authIndex === codexIdx) return { statusCode: 401, body: '{"error":"token expired"}' };
      return undefined;
    });
    const expired = await call('POST', '/api-call', {
      auth_index: codexIdx,
      method: 'GET',
      url: 'https://chatgpt.com/backend-api/wham/usage',
      header: { Authorization: 'Bearer $TOKEN$' },
    });
    expect(expired.status).toBe(200);
    expect(expired.json).toEqual({ status_code: 401, header: {}, body: '{"error":"token expired"}' });
    expect(seen).toEqual(['Bearer at-alice']);
  });

  it('latest-version, reset-quota, api-key-usage, plugins', async () => {
    fake = await startFakeCpa({ authFiles: files });
    expect((await call('GET', '/latest-version')).json).toEqual({ 'latest-version': 'v7.2.140' });
    const idx = fakeAuthIndex(files[1] as FakeAuthFile);
    expect((await call('POST', '/reset-quota', { auth_index: idx })).json).toMatchObject({
      status: 'ok',
      auth_index: idx,
    });
    expect((await call('POST', '/reset-quota', { auth_index: 'nope' })).json).toEqual({
      error: 'auth not found',
    });
    const usage = (await call('GET', '/api-key-usage')).json;
    expect(Object.values(usage.codex)[0]).toMatchObject({ success: 0, failed: 0 });
    expect((await call('GET', '/plugins')).json.plugins[0].id).toBe('usage-exporter');
    expect((await call('GET', '/plugin-store')).json.plugins.length).toBe(2);
    expect((await call('POST', '/plugin-store/gemini-cli/install')).json).toMatchObject({
      status: 'installed',
      id: 'gemini-cli',
    });
    expect((await call('PATCH', '/plugins/gemini-cli/enabled', { enabled: false })).json).toEqual({
      status: 'ok',
    });
    await call('PATCH', '/plugins/usage-exporter/config', { batch: 10 });
    expect((await call('GET', '/plugins/usage-exporter/config')).json).toEqual({
      enabled: true,
      endpoint: 'http://127.0.0.1:9000',
      batch: 10,
    });
    expect((await call('DELETE', '/plugins/gemini-cli')).json).toMatchObject({ status: 'deleted' });
  });
});
