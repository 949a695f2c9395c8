// Several CPAs feeding one cpamp (issue #21 item 2): two fake CPAs over real sockets, one server.
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../src/index';
import { bearer, startTestApp, waitFor, type TestApp } from './helpers';

let east: FakeCpa;
let main: FakeCpa;
let t: TestApp;
const SHARED = 20;
const EAST_ONLY = 7;
const FROM = 0;
const TO = Date.now() + 86_400_000;

beforeAll(async () => {
  main = await startFakeCpa({ managementKey: 'main-key', config: { 'proxy-url': 'socks5://main' } });
  east = await startFakeCpa({ managementKey: 'east-key', config: { 'proxy-url': 'socks5://east' } });
  const base = defineConfig({ dataDir: '/unused' });
  t = await startTestApp({
    logLevel: 'silent',
    cpaUpstreamUrl: main.url,
    cpaManagementKey: 'main-key',
    collector: { ...base.collector, mode: 'http', pollIntervalMs: 50 },
    upstreams: [{ name: 'east', url: east.url, managementKey: 'east-key', collectorMode: null }],
  });
  // The same records reach both CPAs (e.g. a client retried through both); some reach only one.
  const shared = [...generateUsage({ seed: 3, events: SHARED, days: 1 })];
  for (const r of shared) {
    main.enqueueUsage(r);
    east.enqueueUsage(r);
  }
  for (const r of generateUsage({ seed: 4, events: EAST_ONLY, days: 1 })) east.enqueueUsage(r);
  await waitFor(
    async () => {
      const s = (await t.app.inject({ url: '/status', headers: bearer(t.adminKey) })).json();
      return s.upstreams.every((u: { collector: { totalInserted: number } }) => u.collector.totalInserted > 0) && s.events >= SHARED * 2 + EAST_ONLY;
    },
    { timeoutMs: 15_000, what: 'both collectors to store every record' },
  );
}, 30_000);

afterAll(async () => {
  await t?.close();
  await main?.close();
  await east?.close();
});

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await t.app.inject({ url, headers: { ...bearer(t.adminKey), ...headers } });
  return res;
};
const requests = async (query: string) => (await get(`/v0/management/analytics/summary?from=${FROM}&to=${TO}${query}`)).json().requests as number;

describe('two CPAs into one store', () => {
  it('stores exact counts per upstream; identical records from both CPAs are two events', async () => {
    expect(main.queueLength()).toBe(0);
    expect(east.queueLength()).toBe(0);
    expect(await requests('')).toBe(SHARED * 2 + EAST_ONLY);
    expect(await requests('&upstream=default')).toBe(SHARED);
    expect(await requests('&upstream=east')).toBe(SHARED + EAST_ONLY);
    expect(await requests('&upstream=default,east')).toBe(SHARED * 2 + EAST_ONLY);
    expect(await requests('&upstream=nowhere')).toBe(0);
    const byModel = (await get(`/v0/management/analytics/breakdown/model?from=${FROM}&to=${TO}&upstream=default`)).json();
    expect(byModel.rows.reduce((n: number, r: { requests: number }) => n + r.requests, 0)).toBe(SHARED);
  });

  it('filters the event list and the exports by upstream; events carry their upstream', async () => {
    const list = (await get('/v0/management/analytics/events?limit=1000&upstream=east')).json();
    expect(list.events).toHaveLength(SHARED + EAST_ONLY);
    expect(new Set(list.events.map((e: { upstream: string }) => e.upstream))).toEqual(new Set(['east']));
    const all = (await get('/v0/management/analytics/events?limit=1000')).json();
    const perUpstream = new Map<string, number>();
    for (const e of all.events as { upstream: string }[]) perUpstream.set(e.upstream, (perUpstream.get(e.upstream) ?? 0) + 1);
    expect(Object.fromEntries(perUpstream)).toEqual({ default: SHARED, east: SHARED + EAST_ONLY });

    const jsonl = (await get('/v0/management/usage/export?upstream=default')).body.trim().split('\n');
    expect(jsonl).toHaveLength(SHARED);
    expect(jsonl.every((l) => JSON.parse(l).upstream === 'default')).toBe(true);
    const csv = (await get('/v0/management/usage/export?format=csv&upstream=east')).body.trim().split('\r\n');
    expect(csv[0]!.split(',').at(-1)).toBe('upstream');
    expect(csv).toHaveLength(1 + SHARED + EAST_ONLY);
  });

  it('lists upstreams in filter options and in /status with each collector', async () => {
    const options = (await get(`/v0/management/analytics/filter-options?from=${FROM}&to=${TO}`)).json();
    expect(options.upstreams).toEqual([{ name: 'default' }, { name: 'east' }]);
    const status = (await get('/status')).json();
    expect(status.upstreams.map((u: { name: string; default: boolean; url: string }) => [u.name, u.default, u.url])).toEqual([
      ['default', true, main.url],
      ['east', false, east.url],
    ]);
    expect(status.upstreams.map((u: { collector: { totalInserted: number } }) => u.collector.totalInserted)).toEqual([SHARED, SHARED + EAST_ONLY]);
    expect(status.upstreams.every((u: { collector: { collector: string } }) => u.collector.collector === 'running')).toBe(true);
  });

  it('routes /v0/management/* to the CPA named by X-Cpamp-Upstream or ?upstream=, default otherwise', async () => {
    const proxyUrl = async (query: string, headers: Record<string, string> = {}) => {
      const res = await get(`/v0/management/config${query}`, headers);
      expect(res.statusCode, res.body).toBe(200);
      return res.json()['proxy-url'];
    };
    expect(await proxyUrl('')).toBe('socks5://main');
    expect(await proxyUrl('', { 'x-cpamp-upstream': 'east' })).toBe('socks5://east');
    expect(await proxyUrl('', { 'x-cpamp-upstream': 'default' })).toBe('socks5://main');
    expect(await proxyUrl('?upstream=east')).toBe('socks5://east');
    // Each CPA got its own management key.
    expect(east.stats().authFailures + main.stats().authFailures).toBe(0);
    const unknown = await get('/v0/management/config', { 'x-cpamp-upstream': 'nowhere' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('upstream_unknown');
  });

  it("filters Plus's /usage snapshot by X-Cpamp-Upstream or ?upstream=; every CPA without either", async () => {
    const snapshot = async (query: string, headers: Record<string, string> = {}) => {
      const res = await get(`/v0/management/usage?from=${FROM}&to=${TO}${query}`, headers);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().total_requests as number;
    };
    expect(await snapshot('')).toBe(SHARED * 2 + EAST_ONLY);
    expect(await snapshot('', { 'x-cpamp-upstream': 'east' })).toBe(SHARED + EAST_ONLY);
    expect(await snapshot('&upstream=default')).toBe(SHARED);
    expect(await snapshot('&upstream=default,east')).toBe(SHARED * 2 + EAST_ONLY);
    expect(await snapshot('&upstream=east&limit=5')).toBe(5);
    // The header wins over the query, as on the proxy.
    expect(await snapshot('&upstream=east', { 'x-cpamp-upstream': 'default' })).toBe(SHARED);
    for (const [query, headers] of [['&upstream=nowhere', {}], ['', { 'x-cpamp-upstream': 'nowhere' }], ['&upstream=east,nowhere', {}]] as const) {
      const res = await get(`/v0/management/usage?from=${FROM}&to=${TO}${query}`, headers);
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('upstream_unknown');
    }
  });

  // Last: it breaks east's collector on purpose.
  it('opens a collector alert for the CPA whose collector stalls, named by its upstream', async () => {
    const rule = await t.app.inject({ method: 'POST', url: '/v0/management/alerts/rules', headers: bearer(t.adminKey), payload: { name: 'Collector down', kind: 'collector-stalled', params: { afterMinutes: 0 } } });
    expect(rule.statusCode, rule.body).toBeLessThan(300);
    east.setManagementKey('rotated-east-key');
    await waitFor(
      async () => {
        const s = (await get('/status')).json();
        return s.upstreams.find((u: { name: string }) => u.name === 'east').collector.state === 'auth-stopped';
      },
      { timeoutMs: 10_000, what: "east's collector to stop on the rotated key" },
    );
    await t.app.alerts.tick({ forceWatchers: true });
    await t.app.alerts.engine.idle();
    const incidents = (await get('/v0/management/alerts/incidents')).json().items as { subject: string; state: string }[];
    expect(incidents.map((i) => [i.subject, i.state])).toEqual([['collector:east', 'open']]);
  });
});
