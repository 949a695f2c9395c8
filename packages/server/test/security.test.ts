// The security targets of docs/design.md ("Security targets"; the describe titles use their short ids).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { get } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, startTestApp, waitFor, type TestApp } from './helpers';
import { defineConfig } from '../src/index';
import { rawGet, startEchoUpstream } from './upstream';

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

const PUBLIC = new Set(['GET /health', 'GET /usage-service/info', 'GET /management.html', 'GET /', 'GET /models', 'GET /v1/models', 'GET /openapi.json', 'GET /share/:token', 'GET /v0/share/:token']);

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
    // The walk comes from the onRoute hook, so routes added later (pool, alerts, …) are covered without
    // editing this list; these pin a few that must never be open.
    for (const name of ['POST /setup/check', 'GET /v0/management/storage', 'PUT /v0/management/retention', 'POST /v0/management/retention/run', 'GET /v0/management/collector', 'POST /v0/management/collector/doctor', 'GET /v0/management/usage/export', 'POST /v0/management/usage/import', 'GET /v0/management/events/stream', 'GET /metrics']) {
      expect(checked, name).toContain(name);
    }
    const registered = t.routes.flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== 'HEAD' && m !== 'OPTIONS').map((m) => `${m} ${r.url}`));
    expect(new Set(checked)).toEqual(new Set(registered));
    // ~450 requests, each checking a key hash: 8 s on a quiet 2-core box, over 25 s with the suite's two workers
    // and a loaded machine.
  }, 60_000);

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

describe('admin-key brute force', () => {
  it('429 with Retry-After after 10 failures per address, doubling per lock; success resets', async () => {
    let now = 1_000_000;
    const t = await app({}, { now: () => now });
    const wrong = { ...bearer('cpamp_nope'), 'x-test': '1' };
    const fail = async (n: number) => {
      for (let i = 0; i < n; i += 1) {
        expect((await t.app.inject({ url: '/status', headers: wrong, remoteAddress: '10.1.1.1' })).statusCode).toBe(401);
      }
    };
    await fail(10);
    const blocked = await t.app.inject({ url: '/status', headers: bearer(t.adminKey), remoteAddress: '10.1.1.1' });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBe('10');
    expect(blocked.json()).toMatchObject({ code: 'too_many_attempts' });
    // another address is unaffected
    expect((await t.app.inject({ url: '/status', headers: bearer(t.adminKey), remoteAddress: '10.1.1.2' })).statusCode).toBe(200);
    now += 10_000;
    // After a lock it takes another ten failures, and the next lock is twice as long.
    await fail(9);
    expect((await t.app.inject({ url: '/status', headers: wrong, remoteAddress: '10.1.1.1' })).statusCode).toBe(401);
    const again = await t.app.inject({ url: '/status', headers: wrong, remoteAddress: '10.1.1.1' });
    expect(again.statusCode).toBe(429);
    expect(again.headers['retry-after']).toBe('20');
    now += 20_000;
    expect((await t.app.inject({ url: '/status', headers: bearer(t.adminKey), remoteAddress: '10.1.1.1' })).statusCode).toBe(200);
    await fail(9);
  });

  it('40 parallel wrong keys over HTTP: at most 12 checked, the rest 429, a short first lock; the admin elsewhere unaffected', async () => {
    const t = await app();
    const base = await t.app.listen({ host: '0.0.0.0', port: 0 });
    const port = new URL(base).port;
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, i) => request(`http://127.0.0.1:${port}/status`, { headers: bearer(`cpamp_wrong${String(i).padStart(27, '0')}`) }).then(async (r) => {
        await r.body.text();
        return { status: r.statusCode, retryAfter: Number(r.headers['retry-after'] ?? 0) };
      })),
    );
    const checked = burst.filter((r) => r.status === 401).length;
    expect(checked).toBeLessThanOrEqual(12);
    expect(burst.filter((r) => r.status === 429).length).toBe(40 - checked);
    const locked = await request(`http://127.0.0.1:${port}/status`, { headers: bearer(t.adminKey) });
    await locked.body.text();
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);
    // The admin at another address is not locked out.
    const status = await new Promise<number>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/status', localAddress: '127.0.0.2', headers: bearer(t.adminKey) }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      }).on('error', reject);
    });
    expect(status).toBe(200);
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

  it('a security warning from start-up (e.g. a short Plus admin key) stays on /status', async () => {
    const t = await app({ warnings: ['SECURITY: the admin key from CPA_MANAGER_ADMIN_KEY has only 5 characters', 'config file key "x" is not used'] });
    const status = (await t.app.inject({ url: '/status', headers: bearer(t.adminKey) })).json();
    expect(status.securityWarnings).toEqual(['SECURITY: the admin key from CPA_MANAGER_ADMIN_KEY has only 5 characters']);
  });

  it('slow clients: headers within 30 s, a whole request within 10 min (responses and SSE unlimited)', async () => {
    const t = await app();
    expect(t.app.server.headersTimeout).toBe(30_000);
    expect(t.app.server.requestTimeout).toBe(600_000);
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

describe('S6: more bad input', () => {
  it('an unknown time zone is 400 naming tz, on every analytics view that takes one', async () => {
    const t = await app();
    for (const path of ['summary', 'timeline', 'heatmap', 'breakdown/model', 'filter-options', 'events']) {
      const res = await t.app.inject({ url: `/v0/management/analytics/${path}?tz=Mars/Olympus_Mons&range=7d`, headers: bearer(t.adminKey) });
      expect(res.statusCode, path).toBe(400);
      expect(res.json().error, path).toMatch(/tz/);
    }
    for (const url of ['/v0/management/analytics/summary?from=abc', '/v0/management/usage/export?from=-5', '/v0/management/analytics/events?limit=1e9', '/v0/management/storage?x=%ZZ']) {
      expect((await t.app.inject({ url, headers: bearer(t.adminKey) })).statusCode, url).toBeLessThan(500);
    }
  });

  it('a timeline over any range is small: coarsened to days, or refused at once naming the limit', async () => {
    const t = await app();
    const url = (q: string) => `/v0/management/analytics/timeline?${q}`;
    const coarse = await t.app.inject({ url: url(`from=0&to=${500 * 86_400_000}&granularity=hour`), headers: bearer(t.adminKey) });
    expect(coarse.statusCode).toBe(200);
    expect(coarse.json().granularity).toBe('day');
    expect(coarse.body.length).toBeLessThan(2_000_000);
    for (const q of ['from=0&to=1000000000000&granularity=hour', 'from=0&to=8640000000000000']) {
      const started = Date.now();
      const res = await t.app.inject({ url: url(q), headers: bearer(t.adminKey) });
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error).toMatch(/at most 10000 buckets/);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
  });

  it('proxied bodies over the proxy limit are refused with 413 before reaching CPA', async () => {
    const upstream = await startEchoUpstream();
    try {
      const defaults = defineConfig({ dataDir: '/nonexistent' }).proxy;
      const t = await app({ cpaUpstreamUrl: upstream.url, cpaManagementKey: 'k', proxy: { ...defaults, bodyLimitBytes: 4096 } });
      const res = await t.app.inject({ method: 'PUT', url: '/v0/management/config.yaml', headers: { ...bearer(t.adminKey), 'content-type': 'application/yaml' }, payload: 'x'.repeat(10_000) });
      expect(res.statusCode).toBe(413);
      expect(upstream.seen.filter((r) => r.bodyBytes > 4096)).toEqual([]);
    } finally {
      await upstream.close();
    }
  });

  it('traversal in proxied paths is rejected, not forwarded', async () => {
    const upstream = await startEchoUpstream();
    try {
      const t = await app({ cpaUpstreamUrl: upstream.url, cpaManagementKey: 'k' });
      const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
      for (const path of ['/v0/management/../../etc/passwd', '/v0/management/%2e%2e/secret', '/v0/management/a%2f..%2fb']) {
        const res = await rawGet(base, path, { authorization: `Bearer ${t.adminKey}` });
        expect(res.status, path).not.toBe(200);
      }
      expect(upstream.seen.filter((r) => r.url.includes('..') || /%2e|%2f/i.test(r.url))).toEqual([]);
    } finally {
      await upstream.close();
    }
  });
});

describe('S3: the management key at rest', () => {
  let fake: FakeCpa | null = null;
  afterEach(async () => {
    await fake?.close();
    fake = null;
  });

  it('is stored encrypted (never plaintext in the database or WAL), with a 0600 data.key', async () => {
    fake = await startFakeCpa({ managementKey: 'mgmt-AT-REST-7f3a9c41d2' });
    const t = await app();
    const res = await t.app.inject({ method: 'POST', url: '/setup', headers: bearer(t.adminKey), payload: { cpaBaseUrl: fake.url, managementKey: fake.managementKey } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).not.toContain(fake.managementKey);
    const keyFile = join(t.dataDir, 'data.key');
    expect(existsSync(keyFile)).toBe(true);
    expect(statSync(keyFile).mode & 0o077).toBe(0);
    for (const f of readdirSync(t.dataDir)) {
      const p = join(t.dataDir, f);
      if (statSync(p).isFile()) expect(readFileSync(p).includes(fake.managementKey), f).toBe(false);
    }
    for (const url of ['/usage-service/config', '/status', '/v0/management/collector', '/usage-service/info']) {
      const body = (await t.app.inject({ url, headers: bearer(t.adminKey) })).body;
      expect(body, url).not.toContain(fake.managementKey);
    }
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

describe('S4: logs, dead letters, exports and error bodies carry no secrets', () => {
  let fake: FakeCpa | null = null;
  afterEach(async () => {
    await fake?.close();
    fake = null;
  });

  it('scans everything a running collector produced', async () => {
    const MGMT = 'mgmt-S4-SECRET-5b1e0c77aa';
    fake = await startFakeCpa({ managementKey: MGMT });
    const t = await app({ cpaUpstreamUrl: fake.url, cpaManagementKey: MGMT, logLevel: 'trace' });
    const all = [...generateUsage({ seed: 21, events: 60, days: 1 })] as unknown as Record<string, unknown>[];
    const good = all[0]!;
    const failed = all.find((x) => x.failed === true)!;
    const CLIENT = 'sk-client-CLIENTSECRET-9f8e7d6c5b';
    const UPSTREAM = 'sk-or-v1-UPSTREAMSECRET0a1b2c3d4e5f';
    const BEARER = 'tokBEARERSECRET0123456789';
    const AUTHFILE = 'ya29.AUTHFILESECRET_abcdefghijklmnop';
    fake.enqueueUsage({ ...good, api_key: CLIENT, source: UPSTREAM, auth_type: 'apikey' });
    fake.enqueueUsage({ ...failed, api_key: CLIENT, fail: { status_code: 401, body: `{"error":"bad Authorization: Bearer ${BEARER}","access_token":"${AUTHFILE}"}` } });
    // dead letters: a corrupt record and a non-JSON line, both carrying secrets
    fake.enqueueUsage({ ...good, api_key: CLIENT, tokens: 'Bearer ' + BEARER, timestamp: { bad: true } });
    fake.enqueueUsage(`not json at all Authorization: Bearer ${BEARER} "api_key":"${CLIENT}"`);
    const running = t.app;
    const key = t.adminKey;
    const status = await waitFor(async () => {
      const s = (await running.inject({ url: '/status', headers: bearer(key) })).json() as Record<string, { totalInserted: number; deadLetters: number }>;
      return s.collector!.totalInserted >= 2 && s.collector!.deadLetters >= 2 ? s : null;
    }, { timeoutMs: 8_000, what: 'two inserted and two dead-lettered records' });
    expect(status.collector).toMatchObject({ totalInserted: 2, deadLetters: 2 });
    // Every file the server and the collector wrote is its owner's only, whatever the process umask.
    const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? [p, ...walk(p)] : [p];
    });
    const written = walk(t.dataDir);
    expect(written.some((p) => p.endsWith('-wal'))).toBe(true);
    expect(written.some((p) => p.includes('dead'))).toBe(true);
    for (const p of written) expect((statSync(p).mode & 0o077).toString(8), p).toBe('0');

    const texts: Record<string, string> = {};
    const get = async (url: string, key = t.adminKey) => (await t.app.inject({ url, headers: bearer(key) })).body;
    texts.jsonl = await get('/v0/management/usage/export');
    texts.csv = await get('/v0/management/usage/export?format=csv');
    texts.usage = await get('/v0/management/usage');
    texts.events = await get('/v0/management/analytics/events?range=30d&limit=100');
    texts.collector = await get('/v0/management/collector');
    texts.status = await get('/status');
    texts.metrics = await get('/metrics');
    // error bodies: a wrong admin key, a wrong management key during setup check, a refused proxy call
    texts.err401 = await get('/status', 'cpamp_wrongADMINkeySECRET');
    texts.errCheck = (await t.app.inject({ method: 'POST', url: '/setup/check', headers: bearer(t.adminKey), payload: { cpaBaseUrl: fake.url, managementKey: 'wrong-CHECKSECRET-key' } })).body;
    texts.errQueue = await get('/v0/management/usage-queue?count=5');
    texts.errBadQuery = await get(`/v0/management/analytics/summary?tz=Bad/Zone&access_token=${BEARER}`);
    const dlDir = join(t.dataDir, 'collector');
    texts.deadLetters = existsSync(dlDir) ? readdirSync(dlDir).filter((f) => f.includes('dead')).map((f) => readFileSync(join(dlDir, f), 'utf8')).join('') : '';
    texts.logs = t.logs.join('');
    expect(texts.jsonl.split('\n').filter(Boolean).length).toBe(2);
    expect(texts.csv.split('\r\n').filter(Boolean).length).toBe(3);
    expect(texts.deadLetters.length + texts.logs.length).toBeGreaterThan(100);
    expect(texts.deadLetters).toMatch(/not json at all/);
    for (const [where, text] of Object.entries(texts)) {
      for (const secret of [t.adminKey, MGMT, CLIENT, 'CLIENTSECRET', 'UPSTREAMSECRET', BEARER, 'AUTHFILESECRET', 'ADMINkeySECRET', 'CHECKSECRET']) {
        expect(text.includes(secret), `${where} contains ${secret}`).toBe(false);
      }
    }
  });
});
