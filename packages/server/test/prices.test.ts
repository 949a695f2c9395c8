import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type Store } from '@cpamp/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestApp, tempDir, type TestApp } from './helpers';

const FIXTURE = fileURLToPath(new URL('../../store/test/fixtures/litellm-prices.json', import.meta.url));
const P = '/v0/management/model-prices';
const A = '/v0/management/api-key-aliases';

let t: TestApp;
let store: Store;
let dir: { path: string; cleanup(): void };
let priceServer: Server;
let priceUrl: string;
const fixture = readFileSync(FIXTURE, 'utf8');

beforeAll(async () => {
  dir = tempDir('cpamp-prices-');
  store = await openStore({ path: join(dir.path, 'usage.sqlite') });
  t = await startTestApp({ allowLocalTargets: true }, { store, collector: false });
  priceServer = createServer((req, res) => {
    if (req.url === '/moved') res.writeHead(302, { location: '/model_prices_and_context_window.json' }).end();
    else if (req.url === '/huge') res.writeHead(200, { 'content-type': 'application/json' }).end(`[${'0,'.repeat(20 * 1024 * 1024)}0]`);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(fixture);
  });
  await new Promise<void>((resolve) => priceServer.listen(0, '127.0.0.1', resolve));
  priceUrl = `http://127.0.0.1:${(priceServer.address() as AddressInfo).port}/model_prices_and_context_window.json`;
});

afterAll(async () => {
  await t?.close();
  await store?.close();
  await new Promise((resolve) => priceServer?.close(resolve));
  dir?.cleanup();
});

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
const call = (method: Method, url: string, payload?: unknown, auth = true) =>
  t.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }), headers: auth ? bearer(t.adminKey) : {} });

describe('model prices', () => {
  it('a price URL: no loopback unless allowed, no redirects, at most 32 MiB read', async () => {
    const strict = await startTestApp({}, { collector: false });
    try {
      const refused = await strict.app.inject({ method: 'POST', url: `${P}/sync`, headers: bearer(strict.adminKey), payload: { url: priceUrl } });
      expect(refused.statusCode).toBe(502);
      expect(refused.json().error).toMatch(/loopback or link-local/);
    } finally {
      await strict.close();
    }
    const base = priceUrl.replace(/\/model_prices.*$/, '');
    const moved = await call('POST', `${P}/sync`, { url: `${base}/moved` });
    expect(moved.statusCode).toBe(502);
    expect(moved.json().error).toMatch(/HTTP 302 \(a redirect/);
    const huge = await call('POST', `${P}/sync`, { url: `${base}/huge` });
    expect(huge.statusCode).toBe(502);
    expect(huge.json().error).toMatch(/larger than 32 MiB/);
  });

  it('401 without the admin key on every price and alias route', async () => {
    for (const [m, u] of [['GET', P], ['PUT', P], ['DELETE', `${P}/gpt-5`], ['POST', `${P}/sync`], ['GET', `${P}/usage-summary`], ['GET', A], ['PUT', A], ['DELETE', `${A}/${'a'.repeat(64)}`]] as const) {
      const res = await call(m, u, m === 'GET' ? undefined : {}, false);
      expect(res.statusCode, `${m} ${u}`).toBe(401);
    }
  });

  it('CRUD: upsert one and many (manual), list, delete, 404 for an unknown model', async () => {
    const one = await call('PUT', P, { model: 'my-model', price: { input: 1.5, output: 6 } });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json().updated[0]).toMatchObject({ model: 'my-model', input: 1.5, output: 6, manual: true, source: 'manual' });

    const many = await call('PUT', P, { prices: { 'my-model': { cacheRead: 0.15 }, 'other-model': { input: 2, output: 8 } } });
    expect(many.statusCode).toBe(200);
    const list = (await call('GET', P)).json();
    expect(list.prices['my-model']).toMatchObject({ input: 1.5, output: 6, cacheRead: 0.15, manual: true });
    expect(list.prices['other-model']).toMatchObject({ input: 2, output: 8 });

    expect((await call('DELETE', `${P}/other-model`)).json()).toMatchObject({ ok: true });
    expect((await call('GET', P)).json().prices['other-model']).toBeUndefined();
    const missing = await call('DELETE', `${P}/other-model`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('not_found');
  });

  it('zod 400s for bad bodies', async () => {
    for (const body of [{}, { prices: {} }, { model: 'x', price: { input: -1 } }, { model: 'x', price: { input: 'cheap' } }, { model: 'x', price: { bogus: 1 } }]) {
      const res = await call('PUT', P, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().code).toBe('bad_request');
    }
    const badUrl = await call('POST', `${P}/sync`, { url: 'file:///etc/passwd' });
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.json().error).toContain('body.url');
    expect((await call('POST', `${P}/sync`, [1, 2])).statusCode).toBe(400);
  });

  it('sync from an uploaded LiteLLM file: matched + unmatched report, manual prices preserved', async () => {
    await call('PUT', P, { model: 'gpt-5', price: { input: 99, output: 99 } });
    const res = await t.app.inject({
      method: 'POST',
      url: `${P}/sync?models=gpt-5,gpt-5-mini,claude-sonnet-4-5,no-such-model-zz`,
      payload: fixture,
      headers: { ...bearer(t.adminKey), 'content-type': 'application/json' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r.unmatched).toEqual(['no-such-model-zz']);
    expect(r.preservedManual).toEqual(['gpt-5']);
    expect(r.matched.map((m: { model: string }) => m.model).sort()).toEqual(['claude-sonnet-4-5', 'gpt-5-mini']);
    expect(r.prices['gpt-5']).toMatchObject({ input: 99, manual: true });
    expect(r.prices['gpt-5-mini']).toMatchObject({ manual: false, source: expect.any(String) });
    expect(r.prices['gpt-5-mini'].input).toBeGreaterThan(0);
  });

  it('sync from a URL (a real local HTTP server)', async () => {
    const res = await call('POST', `${P}/sync`, { url: priceUrl, models: ['gpt-4.1', 'nope-model'] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ unmatched: ['nope-model'], imported: 1 });
    expect((await call('GET', P)).json().prices['gpt-4.1'].manual).toBe(false);
  });

  it('usage summary lists called models with whether they are priced', async () => {
    const res = await call('GET', `${P}/usage-summary`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ total_events: 0, truncated: false, models: [] });
  });
});

describe('api key aliases', () => {
  const h1 = createHash('sha256').update('sk-client-one').digest('hex');
  const h2 = createHash('sha256').update('sk-client-two').digest('hex');

  it('round-trip by key hash: put, get, rename, duplicate 409, delete', async () => {
    expect((await call('GET', A)).json()).toEqual({ items: [] });
    const put = await call('PUT', A, { items: [{ apiKeyHash: h1.toUpperCase(), alias: '  Team A  ' }, { apiKeyHash: h2, alias: 'Team B' }] });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().items).toEqual([
      expect.objectContaining({ apiKeyHash: h1, alias: 'Team A' }),
      expect.objectContaining({ apiKeyHash: h2, alias: 'Team B' }),
    ]);
    const dup = await call('PUT', A, { items: [{ apiKeyHash: h2, alias: 'team a' }] });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('api_key_alias_duplicate');
    const rename = await call('PUT', A, { items: [{ apiKeyHash: h1, alias: 'Team C' }, { apiKeyHash: h2, alias: 'Team A' }] });
    expect(rename.statusCode, rename.body).toBe(200);
    expect((await call('DELETE', `${A}/${h1}`)).json()).toEqual({ ok: true });
    expect((await call('GET', A)).json().items).toEqual([expect.objectContaining({ apiKeyHash: h2, alias: 'Team A' })]);
  });

  it('400 for a plaintext key instead of a hash, or an empty alias', async () => {
    for (const body of [{ items: [{ apiKeyHash: 'sk-client-one', alias: 'x' }] }, { items: [{ apiKeyHash: h1, alias: '   ' }] }, { items: [] }]) {
      const res = await call('PUT', A, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await call('DELETE', `${A}/sk-client-one`)).statusCode).toBe(400);
  });
});
