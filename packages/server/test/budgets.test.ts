// Budgets per key and share links over HTTP: a real app (SQLite in a data dir), the fake CPA over real
// sockets, a fake clock, and the budget check driven by hand (no timer).
import { createHash } from 'node:crypto';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UsageEventInput } from '@cpamp/store';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { buildApp, defineConfig } from '../src/index';
import { bearer, startTestApp, tempDir } from './helpers';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
// The fake CPA's default client keys.
const KEY_A = 'sk-team-a-123';
const KEY_B = 'sk-local-dev-1';
const HA = sha(KEY_A);
const HB = sha(KEY_B);
// Wednesday 2026-12-09 12:00 UTC: the week runs Monday 2026-12-07 to Monday 2026-12-14.
const T0 = Date.UTC(2026, 11, 9, 12);
const NEXT_WEEK = Date.UTC(2026, 11, 14);
// gpt-5 at $1.25 / $10 per 1M: 1000 input + 100 output tokens = 1250 + 1000 micro-dollars.
const PER_EVENT = 2_250;

let clock = T0;
let fake: FakeCpa;
let dir: ReturnType<typeof tempDir>;
let adminKey = '';
const logs: string[] = [];
const open: FastifyInstance[] = [];
const routes: RouteOptions[] = [];

async function start(): Promise<FastifyInstance> {
  const config = defineConfig({ dataDir: dir.path, logLevel: 'info', cpaUpstreamUrl: fake.url, cpaManagementKey: fake.managementKey });
  const app = await buildApp(config, {
    now: () => clock,
    collector: false,
    budgetsTickMs: 0,
    retentionSchedule: false,
    logStream: { write: (line: string) => void logs.push(line) },
    onAdminKeyGenerated: (k) => void (adminKey = k),
    onRoute: (r) => void routes.push(r),
    bruteForce: { maxFailures: 100_000 },
  });
  await app.ready();
  open.push(app);
  return app;
}

let seq = 0;
function usage(apiKeyHash: string, ts: number): UsageEventInput {
  seq += 1;
  return {
    dedupKey: sha(`budget-${seq}`), requestId: (0x20000000 + seq).toString(16), timestampMs: ts, provider: 'codex',
    executorType: 'CodexExecutor', model: 'gpt-5', alias: 'gpt-5', endpoint: 'POST /v1/responses', authType: 'oauth',
    authIndex: 'acc-1', source: 'pool@example.com', apiKeyHash, apiKeyLabel: apiKeyHash === HA ? 'sk-t…123' : 'sk-l…v-1',
    clientIp: '10.0.0.7', userAgent: 'codex_cli_rs/0.50.0', failed: false, statusCode: 200, failBody: '', latencyMs: 900,
    ttftMs: 200, reasoningEffort: 'medium', serviceTier: 'auto', responseServiceTier: 'default', generate: true,
    inputTokens: 1000, cacheReadTokens: 0, cacheCreationTokens: 0, outputTokens: 100, reasoningTokens: 0,
    unclassifiedTokens: 0, totalTokens: 1100, tokenQuality: 'complete',
  };
}

async function cpaKeys(): Promise<string[]> {
  const res = await fetch(`${fake.url}/v0/management/api-keys`, { headers: bearer(fake.managementKey) });
  return ((await res.json()) as { 'api-keys': string[] })['api-keys'];
}

beforeEach(async () => {
  clock = T0;
  logs.length = 0;
  routes.length = 0;
  adminKey = '';
  fake = await startFakeCpa({ now: () => clock });
  dir = tempDir('cpamp-budgets-');
});
afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
  await fake.close();
  dir.cleanup();
});

describe('budgets per key', () => {
  it('reports spend and forecast, alerts, takes the key out of CPA at the budget and puts it back next period, across a restart', async () => {
    let app = await start();
    const h = bearer(adminKey);
    await app.store.prices.set('gpt-5', { input: 1.25, output: 10 });
    await app.store.apiKeys.setAlias(HA, 'alice');
    await app.store.apiKeys.setAlias(HB, 'bob');
    for (const kind of ['budget-forecast', 'budget-exceeded'])
      expect((await app.inject({ method: 'POST', url: '/v0/management/alerts/rules', headers: h, payload: { name: kind, kind, quietMinutes: 0 } })).statusCode).toBe(201);

    // Two days and twelve hours into the week, $0.00675 spent: the forecast is 6750 / 2.5 days × 7 days.
    await app.store.insertBatch([usage(HA, T0 - 3_600_000), usage(HA, T0 - 60_000), usage(HA, T0 - 1_000), usage(HB, T0 - 1_000)]);
    let res = await app.inject({ method: 'PUT', url: `/v0/management/budgets/${HA}`, headers: h, payload: { period: 'week', limitMicros: 10_000, enforce: true } });
    expect(res.statusCode).toBe(200);
    expect(res.json().budget).toMatchObject({
      keyHash: HA, keyName: 'alice', period: 'week', limitMicros: 10_000, enforce: true, spentMicros: 3 * PER_EVENT,
      forecastMicros: Math.round((3 * PER_EVENT) / 2.5 * 7), periodStartMs: Date.UTC(2026, 11, 7), periodEndMs: NEXT_WEEK,
      state: 'forecast-over', held: null,
    });
    await app.alerts.engine.idle();
    let incidents = (await app.inject({ url: '/v0/management/alerts/incidents?state=open', headers: h })).json().items as { kind: string; subject: string; message: string }[];
    expect(incidents.map((i) => i.kind)).toEqual(['budget-forecast']);
    expect(incidents[0]!.subject).toBe(HA);
    expect(incidents[0]!.message).toMatch(/^Budget will be exceeded: API key alice spent \$0\.01 of \$0\.01/);
    expect(await cpaKeys()).toContain(KEY_A);

    // At the budget: the key leaves CPA's api-keys (only that key), logged; the alert switches to "exceeded".
    clock += 60_000;
    await app.store.insertBatch([usage(HA, clock - 10), usage(HA, clock - 5)]);
    await app.budgets.check();
    expect(await cpaKeys()).toEqual([KEY_B]);
    res = await app.inject({ url: '/v0/management/budgets', headers: h });
    expect(res.json().items).toMatchObject([{ keyHash: HA, spentMicros: 5 * PER_EVENT, state: 'exceeded', held: { keyHash: HA, restoreAtMs: NEXT_WEEK } }]);
    await app.alerts.engine.idle();
    incidents = (await app.inject({ url: '/v0/management/alerts/incidents?state=open', headers: h })).json().items;
    expect(incidents.map((i) => i.kind)).toEqual(['budget-exceeded']);
    // Another check changes nothing (the key is held once, logged once).
    await app.budgets.check();
    let log = (await app.inject({ url: '/v0/management/budgets/log', headers: h })).json().items as { action: string; ok: boolean; detail: string }[];
    expect(log).toMatchObject([{ action: 'removed', ok: true }]);
    expect(log[0]!.detail).toMatch(/spent \$0\.01 of \$0\.01 \(week\); back at 2026-12-14T00:00:00\.000Z/);

    // A restart keeps the hold (the key, encrypted, is in the store).
    await app.close();
    open.splice(0);
    app = await start();
    clock = NEXT_WEEK - 1;
    await app.budgets.check();
    expect(await cpaKeys()).toEqual([KEY_B]);
    clock = NEXT_WEEK;
    await app.budgets.check();
    expect((await cpaKeys()).sort()).toEqual([KEY_A, KEY_B].sort());
    log = (await app.inject({ url: '/v0/management/budgets/log', headers: h })).json().items;
    expect(log.map((r) => r.action)).toEqual(['restored', 'removed']);
    expect(log[0]!.detail).toBe('a new budget period started');
    res = await app.inject({ url: '/v0/management/budgets', headers: h });
    expect(res.json().items).toMatchObject([{ spentMicros: 0, state: 'ok', held: null, periodStartMs: NEXT_WEEK }]);
    await app.alerts.engine.idle();
    expect((await app.inject({ url: '/v0/management/alerts/incidents?state=open', headers: h })).json().items).toEqual([]);
    // No key material in the log output.
    expect(logs.join('\n')).not.toContain(KEY_A);
  });

  it('does not enforce by default, and deleting a budget puts a held key back', async () => {
    const app = await start();
    const h = bearer(adminKey);
    await app.store.prices.set('gpt-5', { input: 1.25, output: 10 });
    await app.store.insertBatch([usage(HA, T0 - 1_000)]);
    await app.inject({ method: 'PUT', url: `/v0/management/budgets/${HA}`, headers: h, payload: { period: 'month', limitMicros: 1_000 } });
    expect(await cpaKeys()).toContain(KEY_A);
    expect((await app.inject({ url: '/v0/management/budgets', headers: h })).json().items[0]).toMatchObject({ enforce: false, state: 'exceeded', held: null });
    await app.inject({ method: 'PUT', url: `/v0/management/budgets/${HA}`, headers: h, payload: { period: 'month', limitMicros: 1_000, enforce: true } });
    expect(await cpaKeys()).not.toContain(KEY_A);
    expect((await app.inject({ method: 'DELETE', url: `/v0/management/budgets/${HA}`, headers: h })).statusCode).toBe(200);
    expect(await cpaKeys()).toContain(KEY_A);
    expect((await app.inject({ method: 'DELETE', url: `/v0/management/budgets/${HA}`, headers: h })).statusCode).toBe(404);
    const bad = await app.inject({ method: 'PUT', url: `/v0/management/budgets/${HA}`, headers: h, payload: { period: 'day', limitMicros: 1.5 } });
    expect(bad.statusCode).toBe(400);
  });
  it('logs a failed step once, not at every check (a key that is not in CPA)', async () => {
    const app = await start();
    const h = bearer(adminKey);
    const ghost = sha('sk-not-in-cpa');
    await app.store.prices.set('gpt-5', { input: 1.25, output: 10 });
    await app.store.insertBatch([usage(ghost, T0 - 1_000)]);
    await app.inject({ method: 'PUT', url: `/v0/management/budgets/${ghost}`, headers: h, payload: { period: 'week', limitMicros: 1_000, enforce: true } });
    await app.budgets.check();
    await app.budgets.check();
    const log = (await app.inject({ url: `/v0/management/budgets/log?keyHash=${ghost}`, headers: h })).json().items;
    expect(log).toMatchObject([{ action: 'remove-failed', ok: false, detail: "the key is not in CPA's api-keys" }]);
    expect((await app.inject({ url: '/v0/management/budgets', headers: h })).json().items[0]).toMatchObject({ state: 'exceeded', held: null });
    expect((await cpaKeys()).sort()).toEqual([KEY_A, KEY_B].sort());
  });
});

describe('share links', () => {
  it('shows one key only, needs no admin key, never reaches CPA, and stops at once when revoked', async () => {
    const app = await start();
    const h = bearer(adminKey);
    await app.store.prices.set('gpt-5', { input: 1.25, output: 10 });
    await app.store.apiKeys.setAlias(HA, 'alice');
    await app.store.apiKeys.setAlias(HB, 'bob-the-other-key');
    await app.store.insertBatch([usage(HA, T0 - 1_000), usage(HA, T0 - 2 * 86_400_000), usage(HB, T0 - 500), usage(HB, T0 - 400)]);
    await app.inject({ method: 'PUT', url: `/v0/management/budgets/${HA}`, headers: h, payload: { period: 'month', limitMicros: 5_000_000 } });
    await app.inject({ method: 'PUT', url: `/v0/management/budgets/${HB}`, headers: h, payload: { period: 'week', limitMicros: 7_777_777 } });

    const created = await app.inject({ method: 'POST', url: '/v0/management/share-links', headers: h, payload: { apiKeyHash: HA, label: 'for Alice' } });
    expect(created.statusCode).toBe(201);
    const { token, link, path } = created.json() as { token: string; link: { id: number; tokenPrefix: string }; path: string };
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(16);
    expect(path).toBe(`share/${token}`);
    const listed = (await app.inject({ url: '/v0/management/share-links', headers: h })).json().items;
    expect(listed).toMatchObject([{ id: link.id, keyHash: HA, tokenPrefix: token.slice(0, 6), label: 'for Alice', revokedAtMs: null }]);
    expect(JSON.stringify(listed)).not.toContain(token);

    const cpaCalls = fake.stats().requests;
    const res = await app.inject({ url: `/v0/share/${token}` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      key: { name: 'alice' },
      usage: { last24h: { requests: 1, costMicros: PER_EVENT }, last7d: { requests: 2, costMicros: 2 * PER_EVENT } },
      budget: { period: 'month', limitMicros: 5_000_000, spentMicros: 2 * PER_EVENT, state: 'ok', paused: false },
    });
    expect(Object.keys(body).sort()).toEqual(['budget', 'daily', 'generatedAtMs', 'key', 'resets', 'usage']);
    // Nothing of the other key, and not even this key's hash.
    for (const leak of [HB, 'bob-the-other-key', 'sk-l…v-1', '7777777', HA, KEY_A, KEY_B]) expect(res.body).not.toContain(leak);
    expect(body.daily.reduce((s: number, p: { requests: number }) => s + p.requests, 0)).toBe(2);
    // The share page itself is the public panel document.
    expect((await app.inject({ url: `/share/${token}` })).statusCode).not.toBe(401);

    // A share token opens nothing else: every other route still wants the admin key, and CPA saw nothing.
    // (security.test.ts walks every route with a non-admin bearer; here, the ones that reach CPA or budgets.)
    const reaching = ['GET /v0/management/api-keys', 'PUT /v0/management/api-keys', 'GET /v0/management/config', 'GET /v0/management/auth-files',
      'POST /v0/management/pool/inspections', 'POST /v0/management/budgets/check', `PUT /v0/management/budgets/${HA}`, 'GET /v0/management/share-links', '/status'];
    for (const r of reaching) {
      const [method, url] = r.includes(' ') ? (r.split(' ') as [string, string]) : ['GET', r];
      expect((await app.inject({ method: method as 'GET', url, headers: bearer(token), payload: method === 'GET' ? undefined : {} })).statusCode, r).toBe(401);
    }
    expect([...new Set(routes.filter((r) => r.config?.auth === 'public').map((r) => r.url).filter((u) => u.includes('share')))].sort()).toEqual(['/share/:token', '/v0/share/:token']);
    expect(fake.stats().requests).toBe(cpaCalls);

    expect((await app.inject({ method: 'DELETE', url: `/v0/management/share-links/${link.id}`, headers: h })).statusCode).toBe(200);
    expect((await app.inject({ url: `/v0/share/${token}` })).statusCode).toBe(404);
    expect(logs.join('\n')).not.toContain(token);
  });

  it('locks an address out after repeated unknown tokens, even when a valid token is used in between', async () => {
    const app = await start();
    const h = bearer(adminKey);
    const { token } = (await app.inject({ method: 'POST', url: '/v0/management/share-links', headers: h, payload: { apiKeyHash: HA } })).json() as { token: string };
    for (let i = 0; i < 9; i++) {
      expect((await app.inject({ url: `/v0/share/${'A'.repeat(21)}${i}` })).statusCode).toBe(404);
      expect((await app.inject({ url: `/v0/share/${token}` })).statusCode).toBe(200);
    }
    expect((await app.inject({ url: '/v0/share/not-a-token' })).statusCode).toBe(404);
    const locked = await app.inject({ url: `/v0/share/${token}` });
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    clock += 11_000;
    expect((await app.inject({ url: `/v0/share/${token}` })).statusCode).toBe(200);
  });
});

describe('without a store', () => {
  it('budget and share-link paths answer store_unavailable, never forwarded to CPA; the share API is not there', async () => {
    const t = await startTestApp({ cpaUpstreamUrl: fake.url, cpaManagementKey: fake.managementKey }, { store: false, collector: false });
    try {
      const before = fake.stats().requests;
      for (const url of ['/v0/management/budgets', `/v0/management/budgets/${HA}`, '/v0/management/share-links']) {
        const res = await t.app.inject({ url, headers: bearer(t.adminKey) });
        expect(res.statusCode, url).toBe(503);
        expect(res.json().code, url).toBe('store_unavailable');
      }
      expect((await t.app.inject({ url: `/v0/share/${'A'.repeat(22)}` })).statusCode).toBe(404);
      expect(fake.stats().requests).toBe(before);
    } finally {
      await t.close();
    }
  });
});
