import { afterEach, describe, expect, it } from 'vitest';
import { bearer, startTestApp, type TestApp } from './helpers';
import { rawGet } from './upstream';

let apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});
async function app(...args: Parameters<typeof startTestApp>): Promise<TestApp> {
  const t = await startTestApp(...args);
  apps.push(t);
  return t;
}

const PUBLIC = new Set(['GET /health', 'GET /usage-service/info', 'GET /management.html', 'GET /', 'GET /models', 'GET /v1/models', 'GET /openapi.json']);

describe('S2: every registered route needs the admin key', () => {
  it('walks the route table: 401 without a key, except the documented public routes', async () => {
    const t = await app({ cpaUpstreamUrl: 'http://127.0.0.1:1', cpaManagementKey: 'configured' }, { bruteForce: { maxFailures: 10_000 } });
    const checked: string[] = [];
    for (const route of t.routes) {
      const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD' && m !== 'OPTIONS');
      const url = route.url.replace('*', 'some/sub/path');
      for (const method of methods) {
        const name = `${method} ${route.url}`;
        const res = await t.app.inject({ method: method as 'GET', url, payload: method === 'GET' ? undefined : {} });
        checked.push(name);
        if (PUBLIC.has(name)) {
          expect(res.statusCode, name).not.toBe(401);
          continue;
        }
        expect(res.statusCode, name).toBe(401);
        expect(res.json(), name).toMatchObject({ code: 'invalid_admin_key' });
        const wrong = await t.app.inject({ method: method as 'GET', url, headers: bearer('cpamp_wrong'), payload: method === 'GET' ? undefined : {} });
        expect(wrong.statusCode, name).toBe(401);
      }
    }
    expect(checked.length).toBeGreaterThan(15);
    expect(checked).toContain('DELETE /v0/management/*');
    expect(checked).toContain('POST /setup');
  });

  it('the management key is not an admin key', async () => {
    const t = await app({ cpaUpstreamUrl: 'http://127.0.0.1:1', cpaManagementKey: 'the-cpa-management-key' });
    expect((await t.app.inject({ url: '/status', headers: bearer('the-cpa-management-key') })).statusCode).toBe(401);
  });

  it('/usage-service/config is open only until configured', async () => {
    const open = await app();
    expect((await open.app.inject({ url: '/usage-service/config' })).statusCode).toBe(200);
    const closed = await app({ cpaUpstreamUrl: 'http://127.0.0.1:1', cpaManagementKey: 'k' });
    expect((await closed.app.inject({ url: '/usage-service/config' })).statusCode).toBe(401);
  });
});

describe('S1: brute force', () => {
  it('429 with Retry-After after 10 failures per address, growing; success resets', async () => {
    let now = 1_000_000;
    const t = await app({}, { now: () => now });
    const wrong = { ...bearer('cpamp_nope'), 'x-test': '1' };
    for (let i = 0; i < 10; i += 1) {
      expect((await t.app.inject({ url: '/status', headers: wrong, remoteAddress: '10.1.1.1' })).statusCode).toBe(401);
    }
    const blocked = await t.app.inject({ url: '/status', headers: bearer(t.adminKey), remoteAddress: '10.1.1.1' });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBe('10');
    expect(blocked.json()).toMatchObject({ code: 'too_many_attempts' });
    // another address is unaffected
    expect((await t.app.inject({ url: '/status', headers: bearer(t.adminKey), remoteAddress: '10.1.1.2' })).statusCode).toBe(200);
    now += 10_000;
    expect((await t.app.inject({ url: '/status', headers: wrong, remoteAddress: '10.1.1.1' })).statusCode).toBe(401);
    const again = await t.app.inject({ url: '/status', headers: wrong, remoteAddress: '10.1.1.1' });
    expect(again.statusCode).toBe(429);
    expect(again.headers['retry-after']).toBe('20');
    now += 20_000;
    expect((await t.app.inject({ url: '/status', headers: bearer(t.adminKey), remoteAddress: '10.1.1.1' })).statusCode).toBe(200);
    for (let i = 0; i < 9; i += 1) await t.app.inject({ url: '/status', headers: wrong, remoteAddress: '10.1.1.1' });
    expect((await t.app.inject({ url: '/status', headers: wrong, remoteAddress: '10.1.1.1' })).statusCode).toBe(401);
  });
});

describe('S5: CORS', () => {
  const preflight = (t: TestApp, origin: string) =>
    t.app.inject({ method: 'OPTIONS', url: '/status', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });

  it('default: same origin only, no CORS headers', async () => {
    const t = await app();
    const res = await t.app.inject({ url: '/health', headers: { origin: 'https://evil.example' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect((await preflight(t, 'https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allow-list echoes listed origins only, never with credentials', async () => {
    const t = await app({ corsOrigins: ['https://cpa.example:8317'] });
    const ok = await preflight(t, 'https://cpa.example:8317');
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://cpa.example:8317');
    expect(String(ok.headers['access-control-allow-headers'])).toMatch(/Authorization/);
    expect(ok.headers['access-control-allow-credentials']).toBeUndefined();
    expect(String(ok.headers.vary)).toMatch(/Origin/);
    const bad = await preflight(t, 'https://evil.example');
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
    const get = await t.app.inject({ url: '/health', headers: { origin: 'https://cpa.example:8317' } });
    expect(get.headers['access-control-allow-origin']).toBe('https://cpa.example:8317');
  });

  it('* only when configured, without credentials', async () => {
    const t = await app({ corsOrigins: ['*'] });
    const res = await preflight(t, 'https://any.example');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('S6: paths and bodies', () => {
  it('no traversal around the panel', async () => {
    const t = await app();
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    for (const path of ['/management.html/../package.json', '/..%2fpackage.json', '/%2e%2e/%2e%2e/etc/passwd', '/management.html%00.txt', '/../../etc/passwd', '/management.html/x']) {
      const res = await rawGet(base, path);
      expect(res.status, path).not.toBe(200);
      expect(res.body, path).not.toMatch(/"name"|root:/);
    }
  });

  it('body limit: 413 for an oversized JSON body', async () => {
    const t = await app({ bodyLimitBytes: 2048 });
    const res = await t.app.inject({ method: 'POST', url: '/setup', headers: { ...bearer(t.adminKey), 'content-type': 'application/json' }, payload: JSON.stringify({ cpaBaseUrl: 'x'.repeat(4096) }) });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'body_too_large' });
  });

  it('bad query or body → 400 naming the field, not 500', async () => {
    const t = await app();
    const q = await t.app.inject({ url: '/usage-service/config?reveal=maybe' });
    expect(q.statusCode).toBe(400);
    expect(q.json().code).toBe('bad_request');
    expect(q.json().error).toMatch(/reveal/);
    const b = await t.app.inject({ method: 'POST', url: '/setup', headers: bearer(t.adminKey), payload: { cpaBaseUrl: 'http://x', managementKey: 'k', batchSize: 'lots' } });
    expect(b.statusCode).toBe(400);
    expect(b.json().error).toMatch(/batchSize/);
    const broken = await t.app.inject({ method: 'POST', url: '/setup', headers: { ...bearer(t.adminKey), 'content-type': 'application/json' }, payload: '{nope' });
    expect(broken.statusCode).toBe(400);
  });
});

describe('S4: logs carry no secrets', () => {
  it('admin key, management key and caller keys never reach the log', async () => {
    const t = await app({ cpaUpstreamUrl: 'http://127.0.0.1:1', cpaManagementKey: 'mgmt-key-SECRET-1', logLevel: 'trace' });
    await t.app.inject({ url: '/status', headers: bearer(t.adminKey) });
    await t.app.inject({ url: '/status?key=query-SECRET-2', headers: bearer('cpamp_wrong_SECRET_3') });
    await t.app.inject({ url: '/v0/management/config', headers: { ...bearer(t.adminKey), 'x-management-key': 'hdr-SECRET-4' } });
    await t.app.inject({ method: 'POST', url: '/setup', headers: bearer(t.adminKey), payload: { cpaBaseUrl: 'http://127.0.0.1:1', managementKey: 'body-SECRET-5' } });
    const log = t.logs.join('');
    expect(log.length).toBeGreaterThan(100);
    for (const s of [t.adminKey, 'mgmt-key-SECRET-1', 'query-SECRET-2', 'SECRET_3', 'hdr-SECRET-4', 'body-SECRET-5']) expect(log).not.toContain(s);
  });
});
