// CPAs added, changed and removed from the panel's API (issue #21 item 2): kept in the store with the management
// key sealed, a collector started and stopped at runtime without a restart, configured CPAs read-only, the key
// never returned. Fake CPAs over real sockets; a second app on the same data dir shows the stored CPA survives.
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, defineConfig, type Config } from '../src/index';
import { bearer, startTestApp, waitFor, type TestApp } from './helpers';

const ADMIN = 'upstreams-admin-key-0123456789abcdef';
let main: FakeCpa;
let west: FakeCpa;
let east: FakeCpa;
let t: TestApp;
let config: Partial<Config>;

beforeAll(async () => {
  main = await startFakeCpa({ managementKey: 'main-key', config: { 'proxy-url': 'socks5://main' } });
  west = await startFakeCpa({ managementKey: 'west-key' });
  east = await startFakeCpa({ managementKey: 'east-secret-key', config: { 'proxy-url': 'socks5://east' }, authFiles: [{ name: 'codex-e1.json', authIndex: 'e1', content: { type: 'codex', email: 'e1@east.test', access_token: 'tok-e1' } }] });
  const base = defineConfig({ dataDir: '/unused' });
  config = {
    logLevel: 'debug',
    adminKey: ADMIN,
    cpaUpstreamUrl: main.url,
    cpaManagementKey: 'main-key',
    collector: { ...base.collector, mode: 'http', pollIntervalMs: 50 },
    upstreams: [{ name: 'west', url: west.url, managementKey: 'west-key', collectorMode: null }],
  };
  t = await startTestApp(config);
}, 30_000);

afterAll(async () => {
  await t?.close();
  await Promise.all([main?.close(), west?.close(), east?.close()]);
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) =>
  t.app.inject({ method, url, headers: { ...bearer(ADMIN), ...headers }, ...(payload ? { payload } : {}) });
const names = async () => ((await call('GET', '/v0/management/upstreams')).json().items as { name: string }[]).map((u) => u.name);
const status = async () => (await call('GET', '/status')).json() as { upstreams: { name: string; collector: { totalInserted: number; state: string } }[] };
const eastRequests = async () => (await call('GET', `/v0/management/analytics/summary?from=0&to=${Date.now() + 86_400_000}&upstream=east`)).json().requests as number;

describe('CPAs added in the panel', () => {
  it('lists every CPA with where it comes from; configured ones are read-only', async () => {
    const list = (await call('GET', '/v0/management/upstreams')).json();
    expect(list.items).toEqual([
      { name: 'default', url: main.url, source: 'default', editable: false, collectorMode: null },
      { name: 'west', url: west.url, source: 'config', editable: false, collectorMode: 'http' },
    ]);
    for (const [method, payload] of [['PUT', { url: 'http://elsewhere:8317' }], ['DELETE', undefined]] as const) {
      const res = await call(method, '/v0/management/upstreams/west', payload);
      expect([res.statusCode, res.json().code]).toEqual([409, 'upstream_read_only']);
    }
    const unknown = await call('DELETE', '/v0/management/upstreams/nowhere');
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'upstream_unknown']);
  });

  it('adds a CPA: its collector starts at once, the proxy and filters know it, the key is sealed and never shown', async () => {
    const added = await call('POST', '/v0/management/upstreams', { name: 'east', url: east.url.replace(/^http:\/\//, ''), managementKey: 'east-secret-key' });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toEqual({ upstream: { name: 'east', url: east.url, source: 'stored', editable: true, collectorMode: null } });
    expect(added.body).not.toContain('east-secret-key');
    expect(await names()).toEqual(['default', 'west', 'east']);

    for (const r of generateUsage({ seed: 9, events: 6, days: 1 })) east.enqueueUsage(r);
    await waitFor(async () => (await eastRequests()) === 6, { timeoutMs: 10_000, what: "the new CPA's collector to store its records" });
    expect((await status()).upstreams.map((u) => u.name)).toEqual(['default', 'west', 'east']);
    const proxied = await call('GET', '/v0/management/config', undefined, { 'x-cpamp-upstream': 'east' });
    expect(proxied.json()['proxy-url']).toBe('socks5://east');
    expect(east.stats().authFailures).toBe(0);
    // The pool lists the new CPA's accounts without waiting for its next periodic sync.
    await expect
      .poll(async () => ((await call('GET', '/v0/management/pool/accounts?upstream=east')).json().items as { authIndex: string }[]).map((a) => a.authIndex))
      .toEqual(['east~e1']);

    // At rest: the list holds no key; the key is a sealed secret.
    const settings = t.app.store.settings;
    expect(JSON.stringify(await settings.get('upstreams.stored'))).not.toContain('east-secret-key');
    expect(String(await settings.get('secret:upstream_key.east'))).toMatch(/^v1:/);
    expect(await settings.getSecret('upstream_key.east')).toBe('east-secret-key');
    expect((await call('GET', '/v0/management/upstreams')).body).not.toContain('east-secret-key');
    // Nor in the log (debug level: requests, collector start).
    expect(t.logs.length).toBeGreaterThan(0);
    expect(t.logs.join('')).not.toContain('east-secret-key');
  });

  it('refuses a name or URL in use and bad input', async () => {
    const cases: [object, number, string][] = [
      [{ name: 'east', url: 'http://other:8317', managementKey: 'k' }, 409, 'upstream_exists'],
      [{ name: 'west', url: 'http://other:8317', managementKey: 'k' }, 409, 'upstream_exists'],
      [{ name: 'north', url: west.url, managementKey: 'k' }, 409, 'upstream_exists'],
      [{ name: 'default', url: 'http://other:8317', managementKey: 'k' }, 400, 'bad_request'],
      [{ name: 'Bad Name', url: 'http://other:8317', managementKey: 'k' }, 400, 'bad_request'],
      [{ name: 'north', url: 'ftp://other', managementKey: 'k' }, 400, 'bad_request'],
      [{ name: 'north', url: 'http://other:8317' }, 400, 'bad_request'],
    ];
    for (const [payload, code, error] of cases) {
      const res = await call('POST', '/v0/management/upstreams', payload);
      expect([res.statusCode, res.json().code], JSON.stringify(payload)).toEqual([code, error]);
    }
    expect(await names()).toEqual(['default', 'west', 'east']);
  });

  it("changes a CPA's key: its collector restarts on the new connection", async () => {
    east.setManagementKey('east-rotated-key');
    const changed = await call('PUT', '/v0/management/upstreams/east', { managementKey: 'east-rotated-key', collectorMode: 'http' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().upstream).toMatchObject({ name: 'east', collectorMode: 'http' });
    for (const r of generateUsage({ seed: 10, events: 4, days: 1 })) east.enqueueUsage(r);
    await waitFor(async () => (await eastRequests()) === 10, { timeoutMs: 10_000, what: 'the restarted collector to store the new records' });
    expect(await t.app.store.settings.getSecret('upstream_key.east')).toBe('east-rotated-key');
  });

  it('the collector alerts watch a CPA added at runtime', async () => {
    const rule = await call('POST', '/v0/management/alerts/rules', { name: 'Collector down', kind: 'collector-stalled', params: { afterMinutes: 0 } });
    expect(rule.statusCode, rule.body).toBeLessThan(300);
    east.setManagementKey('east-rotated-again');
    await waitFor(async () => (await status()).upstreams.find((u) => u.name === 'east')?.collector.state === 'auth-stopped', { timeoutMs: 10_000, what: "east's collector to stop on the rotated key" });
    await t.app.alerts.tick({ forceWatchers: true });
    await t.app.alerts.engine.idle();
    const incidents = (await call('GET', '/v0/management/alerts/incidents')).json().items as { subject: string; state: string }[];
    expect(incidents.map((i) => [i.subject, i.state])).toEqual([['collector:east', 'open']]);
    // Back on the CPA's key for the next case.
    east.setManagementKey('east-rotated-key');
  });

  it('picks up what another instance changed in the stored list (refresh)', async () => {
    const settings = t.app.store.settings;
    const stored = t.app.cpa.stored!;
    // Another instance on the same database added "south" and changed east's URL… simulated on the rows.
    const south = await startFakeCpa({ managementKey: 'south-key', config: { 'proxy-url': 'socks5://south' } });
    try {
      const list = (await settings.get('upstreams.stored')) as { name: string; url: string; updatedMs: number }[];
      await settings.setSecret('upstream_key.south', 'south-key');
      await settings.set('upstreams.stored', [...list, { name: 'south', url: south.url, collectorMode: null, createdMs: 1, updatedMs: 1 }]);
      expect(await stored.refresh()).toEqual({ added: 1, removed: 0, changed: 0 });
      expect(await names()).toEqual(['default', 'west', 'east', 'south']);
      const proxied = await call('GET', '/v0/management/config', undefined, { 'x-cpamp-upstream': 'south' });
      expect(proxied.json()['proxy-url']).toBe('socks5://south');
      expect(t.app.collectors.has('south')).toBe(true);
      // …then removed it again: this instance stops its collector.
      await settings.set('upstreams.stored', list);
      expect(await stored.refresh()).toEqual({ added: 0, removed: 1, changed: 0 });
      expect(await names()).toEqual(['default', 'west', 'east']);
      expect(t.app.collectors.has('south')).toBe(false);
      expect(await stored.refresh()).toEqual({ added: 0, removed: 0, changed: 0 });
    } finally {
      await south.close();
    }
  });

  it('a stored CPA survives a restart; removing it stops its collector and keeps its events', async () => {
    // A second app on the same data dir (the first one closed) loads the stored CPA with its sealed key.
    await t.app.close();
    const again = await buildApp(defineConfig({ ...config, dataDir: t.dataDir }), { collectorStopTimeoutMs: 1_500 });
    try {
      await again.ready();
      t = { ...t, app: again };
      expect(await names()).toEqual(['default', 'west', 'east']);
      const proxied = await call('GET', '/v0/management/config', undefined, { 'x-cpamp-upstream': 'east' });
      expect(proxied.json()['proxy-url']).toBe('socks5://east');

      const removed = await call('DELETE', '/v0/management/upstreams/east');
      expect(removed.statusCode, removed.body).toBe(200);
      expect(await names()).toEqual(['default', 'west']);
      expect((await status()).upstreams.map((u) => u.name)).toEqual(['default', 'west']);
      expect(await again.store.settings.getSecret('upstream_key.east')).toBeUndefined();
      const gone = await call('GET', '/v0/management/config', undefined, { 'x-cpamp-upstream': 'east' });
      expect([gone.statusCode, gone.json().code]).toEqual([404, 'upstream_unknown']);
      // Its collector is stopped and gone (the removal waited for it to drain); its events stay.
      expect(again.collectors.has('east')).toBe(false);
      expect(await eastRequests()).toBe(10);
    } finally {
      await again.close();
    }
  });
});
