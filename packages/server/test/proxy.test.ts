import { Readable } from 'node:stream';
import { request } from 'undici';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestApp, waitFor, type TestApp } from './helpers';
import { rawGet, startEchoUpstream, type EchoUpstream } from './upstream';

describe('CPA proxy against an echo upstream', () => {
  let up: EchoUpstream;
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    up = await startEchoUpstream();
    t = await startTestApp({
      cpaUpstreamUrl: up.url,
      cpaManagementKey: 'mgmt-secret-key',
      proxy: { bodyLimitBytes: 64 * 1024, timeoutMs: 500, maxConcurrency: 2 },
    });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await t.close();
    await up.close();
  });

  it('injects the management key, keeps path and query, strips XFF, hop-by-hop and caller credentials', async () => {
    const res = await t.app.inject({
      url: '/v0/management/auth-files?x=1&y=two',
      headers: {
        ...bearer(t.adminKey),
        'x-forwarded-for': '8.8.8.8',
        'x-real-ip': '8.8.4.4',
        forwarded: 'for=1.2.3.4',
        'x-management-key': 'caller-supplied',
        cookie: 'a=b',
        'proxy-authorization': 'Basic Zm9v',
        'x-custom': 'kept',
        connection: 'keep-alive, x-drop-me',
        'x-drop-me': 'gone',
      },
    });
    expect(res.statusCode).toBe(200);
    const s = up.seen.at(-1)!;
    expect(s.url).toBe('/v0/management/auth-files?x=1&y=two');
    expect(s.headers.authorization).toBe('Bearer mgmt-secret-key');
    for (const h of ['x-forwarded-for', 'x-real-ip', 'forwarded', 'x-management-key', 'cookie', 'proxy-authorization', 'x-drop-me']) {
      expect(s.headers[h], h).toBeUndefined();
    }
    expect(s.headers['x-custom']).toBe('kept');
  });

  it('passes CPA status, headers and body through', async () => {
    const res = await request(`${base}/v0/management/status/418`, { headers: bearer(t.adminKey) });
    expect(res.statusCode).toBe(418);
    expect(res.headers['x-cpa-version']).toBe('7.2.140');
    expect(await res.body.json()).toEqual({ error: 'teapot' });
  });

  it('streams request and response bodies', async () => {
    const body = Buffer.alloc(40 * 1024, 1);
    const res = await request(`${base}/v0/management/upload`, { method: 'POST', headers: { ...bearer(t.adminKey), 'content-type': 'application/octet-stream' }, body });
    expect(await res.body.json()).toMatchObject({ method: 'POST', bodyBytes: 40 * 1024 });
    const json = await request(`${base}/v0/management/config.yaml`, { method: 'PUT', headers: { ...bearer(t.adminKey), 'content-type': 'application/yaml' }, body: 'a: 1\n' });
    expect(await json.body.json()).toMatchObject({ method: 'PUT', bodyBytes: 5 });
    const stream = await request(`${base}/v0/management/stream`, { headers: bearer(t.adminKey) });
    expect(await stream.body.text()).toBe('chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n');
  });

  it('forwards bodies without a content type, and DELETE/PATCH', async () => {
    const res = await request(`${base}/v0/management/raw`, { method: 'POST', headers: bearer(t.adminKey), body: 'abc' });
    expect(await res.body.json()).toMatchObject({ method: 'POST', bodyBytes: 3 });
    const del = await request(`${base}/v0/management/auth-files?name=a.json`, { method: 'DELETE', headers: bearer(t.adminKey) });
    expect(await del.body.json()).toMatchObject({ method: 'DELETE', url: '/v0/management/auth-files?name=a.json' });
    const patch = await request(`${base}/v0/management/auth-files/status`, { method: 'PATCH', headers: { ...bearer(t.adminKey), 'content-type': 'application/json' }, body: '{"name":"a","disabled":true}' });
    expect(await patch.body.json()).toMatchObject({ method: 'PATCH', bodyBytes: 28 });
  });

  it('enforces the proxy body limit (413), declared or streamed', async () => {
    const big = Buffer.alloc(65 * 1024, 1);
    const declared = await request(`${base}/v0/management/upload`, { method: 'POST', headers: { ...bearer(t.adminKey), 'content-type': 'application/octet-stream' }, body: big });
    expect(declared.statusCode).toBe(413);
    expect((await declared.body.json()) as object).toMatchObject({ code: 'body_too_large' });
    async function* chunks() {
      for (let i = 0; i < 70; i += 1) yield Buffer.alloc(1024, 2);
    }
    const streamed = await request(`${base}/v0/management/upload`, { method: 'POST', headers: { ...bearer(t.adminKey), 'content-type': 'application/octet-stream' }, body: Readable.from(chunks()) });
    expect(streamed.statusCode).toBe(413);
    await streamed.body.text();
  });

  it('times out slow upstream calls with 504', async () => {
    const res = await request(`${base}/v0/management/slow`, { headers: bearer(t.adminKey) });
    expect(res.statusCode).toBe(504);
    expect(await res.body.json()).toMatchObject({ code: 'upstream_timeout' });
  });

  it('refuses usage-queue pops with 409, in any spelling', async () => {
    for (const path of ['/v0/management/usage-queue?count=10', '/v0/management/usage-queue/', '/v0/management/USAGE-QUEUE']) {
      const before = up.seen.length;
      const res = await t.app.inject({ url: path, headers: bearer(t.adminKey) });
      expect(res.statusCode, path).toBe(409);
      expect(res.json()).toMatchObject({ code: 'usage_queue_proxy_refused' });
      expect(res.json().error).toMatch(/collector/);
      expect(up.seen.length).toBe(before);
    }
  });

  it('rejects dot segments and encoded separators (400), sent raw over a socket', async () => {
    const before = up.seen.length;
    const paths = ['/v0/management/../../etc/passwd', '/v0/management/%2e%2e/x', '/v0/management/a%2fb', '/v0/management/a%5cb', '/v0/management//x', '/v0/management/./config'];
    for (const path of paths) {
      const res = await rawGet(base, path, bearer(t.adminKey));
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body), path).toMatchObject({ code: 'proxy_path_rejected' });
    }
    // Only these requests matter: a late request of an earlier test may still reach the upstream.
    const leaked = up.seen.slice(before).filter((s) => /passwd|\.\.|%2e|%2f|%5c|\/x$|a[/\\]b|\/\.\//i.test(s.url));
    expect(leaked).toEqual([]);
  });

  it('passes /models and /v1/models with the caller key, no admin key needed', async () => {
    const res = await request(`${base}/v1/models`, { headers: { authorization: 'Bearer sk-client-key' } });
    expect(res.statusCode).toBe(200);
    await res.body.text();
    expect(up.seen.at(-1)!.headers.authorization).toBe('Bearer sk-client-key');
    const none = await request(`${base}/models`);
    await none.body.text();
    expect(up.seen.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('the public model list has its own budget: a flood of it leaves the admin\'s calls alone', async () => {
    const flood = Array.from({ length: 24 }, () => request(`${base}/v1/models?slow=1`).then(async (r) => {
      await r.body.text();
      return r.statusCode;
    }));
    await waitFor(() => up.seen.filter((s) => s.url.includes('slow=1')).length >= 2, { what: 'the flood to reach CPA' });
    const started = Date.now();
    const admin = await t.app.inject({ url: '/v0/management/config', headers: bearer(t.adminKey) });
    expect(admin.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(400);
    const codes = await Promise.all(flood);
    expect(codes.filter((c) => c === 503).length).toBeGreaterThan(0);
  });

  it('bounds concurrency towards CPA', async () => {
    const slow = Array.from({ length: 4 }, () => request(`${base}/v0/management/slow`, { headers: bearer(t.adminKey) }).then(async (r) => {
      await r.body.text();
      return r.statusCode;
    }));
    const proxyStatus = async () => (await t.app.inject({ url: '/status', headers: bearer(t.adminKey) })).json().proxy as { inFlight: number };
    await waitFor(async () => (await proxyStatus()).inFlight === 2, { what: 'two calls in flight towards CPA' });
    expect(await proxyStatus()).toEqual({ inFlight: 2, maxConcurrency: 2 });
    const codes = await Promise.all(slow);
    expect(codes.slice(0, 2)).toEqual([504, 504]);
    for (const c of codes.slice(2)) expect([503, 504]).toContain(c);
  });
});

describe('CPA proxy against the fake CPA', () => {
  let fake: FakeCpa;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeCpa({ allowRemote: false });
    t = await startTestApp({ cpaUpstreamUrl: fake.url, cpaManagementKey: fake.managementKey });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('reaches CPA with the stored key; a forged X-Forwarded-For cannot make the call remote', async () => {
    const res = await t.app.inject({ url: '/v0/management/config', headers: { ...bearer(t.adminKey), 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '203.0.113.9' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toHaveProperty('usage-statistics-enabled');
    expect(fake.stats().authFailures).toBe(0);
  });

  it('passes CPA errors through', async () => {
    fake.faults.set({ status: 503, pathPrefix: '/v0/management/auth-files' });
    const res = await t.app.inject({ url: '/v0/management/auth-files', headers: bearer(t.adminKey) });
    fake.faults.clear();
    expect(res.statusCode).toBe(503);
  });

  it('answers 502 when CPA is unreachable', async () => {
    const down = await startTestApp({ cpaUpstreamUrl: 'http://127.0.0.1:1', cpaManagementKey: 'k' });
    const res = await down.app.inject({ url: '/v0/management/config', headers: bearer(down.adminKey) });
    await down.close();
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ code: 'upstream_unavailable' });
  });

  it('answers 428 before setup', async () => {
    const fresh = await startTestApp();
    const res = await fresh.app.inject({ url: '/v0/management/config', headers: bearer(fresh.adminKey) });
    const models = await fresh.app.inject({ url: '/v1/models' });
    await fresh.close();
    expect(res.statusCode).toBe(428);
    expect(res.json()).toMatchObject({ code: 'usage_service_not_configured' });
    expect(models.statusCode).toBe(428);
  });
});

describe('CPA proxy: encoded spellings of the usage queue never reach CPA', () => {
  let fake: FakeCpa;
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    fake = await startFakeCpa({ allowRemote: false });
    // No collector: the queue must keep every record unless something pops it through the proxy.
    t = await startTestApp({ cpaUpstreamUrl: fake.url, cpaManagementKey: fake.managementKey }, { collector: false });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const spellings = [
    '/v0/management/usage%2Dqueue?count=50',
    '/v0/management/%75sage-queue?count=50',
    '/v0/management/usage-queu%65?count=50',
    '/v0/management/USAGE%2dQUEUE',
    '/v0/management/usage-queue%2F',
    '/v0/management/usage%2',
    '/v0/management/%E0%A4%A',
  ];

  it('the fake CPA decodes paths as Go does: an encoded spelling pops the queue there', async () => {
    fake.enqueueUsage({ timestamp: new Date().toISOString(), model: 'gpt-5' });
    const direct = await request(`${fake.url}/v0/management/usage%2Dqueue?count=50`, { headers: { authorization: `Bearer ${fake.managementKey}` } });
    expect(direct.statusCode).toBe(200);
    expect(await direct.body.json()).toHaveLength(1);
    expect(fake.queueLength()).toBe(0);
  });

  it('refuses each spelling (400 or 409) and leaves every record in CPA', async () => {
    for (let i = 0; i < 5; i++) fake.enqueueUsage({ timestamp: new Date().toISOString(), model: 'gpt-5' });
    const requestsBefore = fake.stats().requests;
    for (const path of spellings) {
      const res = await rawGet(base, path, bearer(t.adminKey));
      expect([400, 409], path).toContain(res.status);
      expect(JSON.parse(res.body).code, path).toMatch(/^(proxy_path_rejected|usage_queue_proxy_refused|FST_ERR_BAD_URL)$/);
    }
    expect(fake.queueLength()).toBe(5);
    expect(fake.stats().requests).toBe(requestsBefore);
  });

  it('still forwards a path whose reserved characters are encoded', async () => {
    const res = await rawGet(base, '/v0/management/auth-files/download?name=a%40b.json', bearer(t.adminKey));
    expect(res.status).not.toBe(400);
    expect(fake.stats().requests).toBeGreaterThan(0);
  });
});
