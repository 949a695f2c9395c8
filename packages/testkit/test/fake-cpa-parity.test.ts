/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are probed loosely, one path at a time */
// Fake CPA behaviours pinned to CPA v7.2.140 handlers (config_lists.go, plugins.go, oauth_callback.go,
// auth_files_provider_oauth.go CancelAuthSession, vertex_import.go) and the testkit's harness-misuse errors.
import { afterEach, describe, expect, it } from 'vitest';
import { connectResp, isTestkitError, startFakeCpa, TestkitError, type FakeCpa } from '@cpamp/testkit';

const KEY = 'test-management-key';
let fake: FakeCpa | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function call(method: string, path: string, body?: unknown, key: string | null = KEY) {
  const headers: Record<string, string> = key === null ? {} : { Authorization: `Bearer ${key}` };
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof FormData ? body : JSON.stringify(body);
    if (typeof body !== 'string' && !(body instanceof FormData)) headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(`${(fake as FakeCpa).url}/v0/management${path}`, init);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, headers: res.headers };
}

describe('provider list PATCH', () => {
  it('openai-compatibility reads top-level name; a `match` selector is ignored (404)', async () => {
    fake = await startFakeCpa();
    const byMatch = await call('PATCH', '/openai-compatibility', {
      match: 'openrouter',
      value: { prefix: 'x' },
    });
    expect(byMatch).toMatchObject({ status: 404, json: { error: 'item not found' } });
    expect(
      (await call('PATCH', '/openai-compatibility', { name: 'openrouter', value: { prefix: 'or' } })).json,
    ).toEqual({ status: 'ok' });
    expect((await call('GET', '/openai-compatibility')).json['openai-compatibility'][0].prefix).toBe('or');
  });

  it('needs a value object; wrong selector types are 400; unknown value fields are ignored', async () => {
    fake = await startFakeCpa();
    expect((await call('PATCH', '/codex-api-key', { index: 0 })).json).toEqual({ error: 'invalid body' });
    expect((await call('PATCH', '/codex-api-key', { index: '0', value: {} })).status).toBe(400);
    await call('PATCH', '/codex-api-key', {
      index: 0,
      value: { prefix: ' p ', bogus: 1, 'auth-index': 'x' },
    });
    const [entry] = (await call('GET', '/codex-api-key')).json['codex-api-key'];
    expect(entry.prefix).toBe('p');
    expect(entry).not.toHaveProperty('bogus');
    expect(entry['auth-index']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gemini match honours ?base-url= and reports ambiguity; vertex api-key "" removes the entry', async () => {
    fake = await startFakeCpa({
      config: {
        'gemini-api-key': [
          { 'api-key': 'g', 'base-url': 'https://a' },
          { 'api-key': 'g', 'base-url': 'https://b' },
        ],
        'vertex-api-key': [{ 'api-key': 'v1' }],
      },
    });
    expect((await call('PATCH', '/gemini-api-key', { match: 'g', value: { prefix: 'x' } })).json).toEqual({
      error: 'multiple items match; index is required',
    });
    await call('PATCH', '/gemini-api-key?base-url=https://a', { match: 'g', value: { prefix: 'a' } });
    expect((await call('GET', '/gemini-api-key')).json['gemini-api-key'][0].prefix).toBe('a');
    await call('PATCH', '/vertex-api-key', { match: 'v1', value: { 'api-key': '' } });
    expect((await call('GET', '/vertex-api-key')).json['vertex-api-key']).toEqual([]);
  });
});

describe('plugins', () => {
  it('PATCH enabled needs {enabled}; config GET/PUT/PATCH use the bare object', async () => {
    fake = await startFakeCpa();
    expect((await call('PATCH', '/plugins/usage-exporter/enabled', { value: false })).json).toEqual({
      error: 'invalid_body',
      message: 'enabled is required',
    });
    expect((await call('PUT', '/plugins/usage-exporter/config', { enabled: true, a: 1 })).json).toEqual({
      status: 'ok',
    });
    await call('PATCH', '/plugins/usage-exporter/config', { a: null, b: [1] });
    expect((await call('GET', '/plugins/usage-exporter/config')).json).toEqual({ enabled: true, b: [1] });
    expect((await call('PUT', '/plugins/usage-exporter/config', [1])).json.error).toBe('invalid_body');
    expect((await call('GET', '/plugins/nope/config')).json).toEqual({
      error: 'plugin_not_found',
      message: 'plugin not found',
    });
    expect((await call('DELETE', '/plugins/usage-exporter')).json).toEqual({
      status: 'deleted',
      id: 'usage-exporter',
      path: 'plugins/usage-exporter',
      file_deleted: true,
      configured_removed: true,
      restart_required: false,
    });
  });
});

describe('oauth-session and oauth-callback', () => {
  it('DELETE /oauth-session validates state and answers cancelled', async () => {
    fake = await startFakeCpa();
    expect(await call('DELETE', '/oauth-session')).toMatchObject({
      status: 400,
      json: { status: 'error', error: 'missing state' },
    });
    expect((await call('DELETE', '/oauth-session?state=a/b')).json.error).toBe('invalid state');
    expect((await call('DELETE', '/oauth-session?state=nope')).json).toEqual({
      status: 'ok',
      cancelled: false,
    });
  });

  it('callback routes need no key, carry no X-CPA headers, and 404 when management is off', async () => {
    fake = await startFakeCpa();
    const { state } = (await call('GET', '/xai-auth-url')).json;
    const res = await call('GET', `/oauth-callback?provider=grok&code=c1&state=${state}`, undefined, null);
    expect(res).toMatchObject({ status: 200, json: { status: 'ok' } });
    expect(res.headers.get('x-cpa-version')).toBeNull();
    expect((await call('GET', `/get-auth-status?state=${state}`)).json).toEqual({ status: 'ok' });
    expect(fake.authFiles().some((f) => f.content.type === 'xai')).toBe(true);
    expect(fake.stats().authFailures).toBe(0);

    expect((await call('POST', '/oauth-callback', 'not json', null)).json).toEqual({
      status: 'error',
      error: 'invalid body',
    });
    expect((await call('POST', '/oauth-callback', { state: 'x' }, null)).json.error).toBe(
      'code or error is required',
    );
    expect((await call('POST', '/oauth-callback', { code: 'c' }, null)).json.error).toBe('state is required');
    fake.setManagementKey('');
    expect((await call('POST', '/oauth-callback', { state, code: 'c' }, null)).status).toBe(404);
  });

  it('a device-flow session stays pending after a callback', async () => {
    fake = await startFakeCpa({ oauthPollsBeforeOk: 1000 });
    const { state } = (await call('GET', '/kimi-auth-url')).json;
    expect((await call('POST', '/oauth-callback', { state, code: 'c' }, null)).json).toEqual({
      status: 'ok',
    });
    expect((await call('GET', `/get-auth-status?state=${state}`)).json).toEqual({ status: 'wait' });
  });
});

describe('POST /vertex/import', () => {
  it('needs a multipart "file" field', async () => {
    fake = await startFakeCpa();
    expect((await call('POST', '/vertex/import', { project_id: 'p' })).json).toEqual({
      error: 'file required',
    });
    const form = new FormData();
    form.append('other', new Blob(['{}']), 'sa.json');
    expect((await call('POST', '/vertex/import', form)).json).toEqual({ error: 'file required' });
  });
});

describe('TestkitError for harness misuse', () => {
  it('completeOAuth on an unknown or finished state', async () => {
    fake = await startFakeCpa({ oauthPollsBeforeOk: 1000 });
    const f = fake;
    let err: unknown;
    try {
      f.completeOAuth('never-started');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TestkitError);
    expect(isTestkitError(err) && err.code).toBe('unknown_oauth_state');
    expect((err as Error).message).toMatch(/auth-url first/);

    const { state } = (await call('GET', '/codex-auth-url')).json;
    f.completeOAuth(state);
    expect(() => f.completeOAuth(state, 'late')).toThrow(/already finished/);
    expect(isTestkitError(new Error('x'))).toBe(false);
  });

  it('the RESP test client times out with code resp_timeout', async () => {
    fake = await startFakeCpa();
    const c = await connectResp(fake.port);
    try {
      const e = await c.next(20).catch((x: unknown) => x);
      expect(isTestkitError(e) && e.code).toBe('resp_timeout');
    } finally {
      c.close();
    }
  });
});
