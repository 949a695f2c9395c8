// The admin routes: storage, retention, collector page + doctor, /setup/check, CSV export, multipart import.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeRecord } from '@cpamp/collector';
import { openStore, type Store } from '@cpamp/store';
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, defineConfig } from '../src/index';
import { bearer, startTestApp, tempDir, waitFor, type TestApp } from './helpers';

const END = Date.UTC(2026, 7, 22, 16);
const DAY = 86_400_000;

describe('storage and retention (seeded store)', () => {
  let t: TestApp;
  let store: Store;
  let dir: { path: string; cleanup(): void };
  let events: ReturnType<typeof normalizeRecord>[];

  beforeAll(async () => {
    dir = tempDir('cpamp-admin-');
    store = await openStore({ path: join(dir.path, 'usage.sqlite') });
    events = [...generateUsage({ seed: 5, events: 400, days: 10, end: END, keys: 4, accounts: 5, models: 3 })].map((r) => normalizeRecord(r));
    await store.insertBatch(events.flatMap((e) => (e.ok ? [e.event] : [])));
    t = await startTestApp({}, { store, collector: false, now: () => END });
  });
  afterAll(async () => {
    await t?.close();
    await store?.close();
    dir?.cleanup();
  });
  const get = (url: string) => t.app.inject({ url, headers: bearer(t.adminKey) });

  it('GET /v0/management/storage: the store report plus retention settings', async () => {
    const res = await get('/v0/management/storage');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.events).toBeGreaterThan(300);
    expect(body.fileBytes).toBeGreaterThan(0);
    expect(Array.isArray(body.objects)).toBe(true);
    expect(body.retention).toEqual({ rawDays: null, maxDbMegabytes: null, lastRun: null });
    // A store under the column cache's bound holds every event in memory: no floor.
    await store.warmCache();
    expect((await get('/v0/management/storage')).json().memory).toMatchObject({ state: 'warm', events: body.events, held: body.events, fromMs: null, maxEvents: 3_000_000 });
  });

  it('retention: PUT validates and persists, POST /run deletes old raw events by age, lastRun recorded', async () => {
    const bad = await t.app.inject({ method: 'PUT', url: '/v0/management/retention', headers: bearer(t.adminKey), payload: { rawDays: -3 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/rawDays/);
    const put = await t.app.inject({ method: 'PUT', url: '/v0/management/retention', headers: bearer(t.adminKey), payload: { rawDays: 5 } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toEqual({ rawDays: 5, maxDbMegabytes: null, lastRun: null });
    expect(await store.settings.get('retention')).toMatchObject({ rawDays: 5 });
    const before = (await store.storageReport()).events;
    const old = events.filter((e) => e.ok && e.event.timestampMs < END - 5 * DAY).length;
    expect(old).toBeGreaterThan(0);
    const run = await t.app.inject({ method: 'POST', url: '/v0/management/retention/run', headers: bearer(t.adminKey) });
    expect(run.statusCode, run.body).toBe(200);
    expect(run.json()).toMatchObject({ reason: 'age' });
    expect(run.json().deletedEvents).toBeGreaterThan(0);
    expect((await store.storageReport()).events).toBe(before - run.json().deletedEvents);
    const after = (await get('/v0/management/retention')).json();
    expect(after).toMatchObject({ rawDays: 5, maxDbMegabytes: null, lastRun: { atMs: END, reason: 'age', deletedEvents: run.json().deletedEvents } });
    // null clears a setting; a second run has nothing to do
    const cleared = await t.app.inject({ method: 'PUT', url: '/v0/management/retention', headers: bearer(t.adminKey), payload: { rawDays: null } });
    expect(cleared.json()).toMatchObject({ rawDays: null, maxDbMegabytes: null });
    const idle = await t.app.inject({ method: 'POST', url: '/v0/management/retention/run', headers: bearer(t.adminKey) });
    expect(idle.json()).toMatchObject({ deletedEvents: 0, reason: 'none' });
  });

  it('CSV export: header row, RFC 4180 quoting, one row per event, same range filter as JSONL', async () => {
    const jsonl = await get(`/v0/management/usage/export?from=0&to=${END + 1}`);
    const lines = jsonl.body.trim().split('\n');
    const res = await get(`/v0/management/usage/export?format=csv&from=0&to=${END + 1}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/usage-events\.csv/);
    const rows = res.body.split('\r\n').filter(Boolean);
    expect(rows[0]).toMatch(/^timestamp,timestampMs,requestId,provider,/);
    expect(rows.length).toBe(lines.length + 1);
    const first = JSON.parse(lines[0]!) as { timestampMs: number; model: string };
    expect(rows[1]).toContain(`,${first.timestampMs},`);
    expect(rows[1]).toContain(first.model);
    const bad = await get('/v0/management/usage/export?format=xml');
    expect(bad.statusCode).toBe(400);
  });
});

describe('CSV field quoting', () => {
  it('quotes commas, quotes and newlines, neutralises formulas', async () => {
    const { csvField, csvRow } = await import('../src/io/csv-export');
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    for (const formula of ['＝1+1', '＋1', '－1', '＠SUM(A1)', '  =1+1', '\tx']) expect(csvField(formula), formula).toMatch(/^"?'/);
    expect(csvField('…-123')).toBe('…-123');
    expect(csvField(12)).toBe('12');
    expect(csvField(null)).toBe('');
    expect(csvRow(['a', 1, true])).toBe('a,1,true\r\n');
  });
});

describe('multipart import', () => {
  let t: TestApp;
  let store: Store;
  let dir: { path: string; cleanup(): void };
  beforeAll(async () => {
    dir = tempDir('cpamp-admin-mp-');
    store = await openStore({ path: join(dir.path, 'usage.sqlite') });
    t = await startTestApp({}, { store, collector: false, now: () => END });
  });
  afterAll(async () => {
    await t?.close();
    await store?.close();
    dir?.cleanup();
  });

  it('field `file` is streamed into the importer; other fields are ignored; no file field → 400', async () => {
    const raws = [...generateUsage({ seed: 9, events: 50, days: 2, end: END, keys: 2, accounts: 2, models: 2 })];
    const jsonl = raws.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const boundary = '----cpampBoundary42';
    const body = [
      `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="usage.jsonl"\r\nContent-Type: application/x-ndjson\r\n\r\n${jsonl}\r\n`,
      `--${boundary}--\r\n`,
    ].join('');
    const res = await t.app.inject({ method: 'POST', url: '/v0/management/usage/import', payload: body, headers: { ...bearer(t.adminKey), 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ format: 'raw_cpa_jsonl', failed: 0 });
    expect(res.json().added + res.json().skipped).toBe(50);
    const none = `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--${boundary}--\r\n`;
    const missing = await t.app.inject({ method: 'POST', url: '/v0/management/usage/import', payload: none, headers: { ...bearer(t.adminKey), 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatch(/file/);
  });

  it('a multi-megabyte file over a real socket arrives whole', async () => {
    const raws = [...generateUsage({ seed: 10, events: 2_500, days: 3, end: END, keys: 3, accounts: 3, models: 3 })];
    const jsonl = raws.map((r) => JSON.stringify(r)).join('\n') + '\n';
    expect(jsonl.length).toBeGreaterThan(2_000_000);
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const form = new FormData();
    form.append('file', new Blob([jsonl], { type: 'application/x-ndjson' }), 'big.jsonl');
    const res = await fetch(`${base}/v0/management/usage/import`, { method: 'POST', body: form, headers: bearer(t.adminKey) });
    const body = (await res.json()) as { added: number; skipped: number; failed: number; total: number };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.total).toBe(2_500);
    expect(body.failed).toBe(0);
  });
});

describe('collector page, doctor and setup check (fake CPA)', () => {
  let fake: FakeCpa;
  let t: TestApp | null = null;
  beforeAll(async () => {
    fake = await startFakeCpa({ usageStatisticsEnabled: false });
  });
  afterEach(async () => {
    await t?.close();
    t = null;
  });
  afterAll(async () => {
    await fake.close();
  });

  it('POST /setup/check runs the doctor on a candidate without saving it', async () => {
    t = await startTestApp();
    const res = await t.app.inject({ method: 'POST', url: '/setup/check', headers: bearer(t.adminKey), payload: { cpaBaseUrl: fake.url, managementKey: fake.managementKey } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.cpaVersion).toBe('7.2.140');
    const publishing = body.findings.find((f: { id: string }) => f.id === 'usage-publishing-disabled');
    expect(publishing).toMatchObject({ level: expect.stringMatching(/warn|error/) });
    expect(publishing.fix).toBeTruthy();
    for (const f of body.findings) expect(['ok', 'info', 'warn', 'error']).toContain(f.level);
    expect(res.body).not.toContain(fake.managementKey);
    // nothing saved, statistics left alone
    expect((await t.app.inject({ url: '/usage-service/info' })).json()).toMatchObject({ configured: false });
    expect(fake.stats().requests).toBeGreaterThan(0);
    const wrong = await t.app.inject({ method: 'POST', url: '/setup/check', headers: bearer(t.adminKey), payload: { cpaBaseUrl: fake.url, managementKey: 'not-the-key' } });
    expect(wrong.statusCode).toBe(200);
    expect(wrong.json().ok).toBe(false);
    expect(wrong.json().findings.some((f: { id: string; level: string }) => f.id === 'wrong-key' && f.level === 'error')).toBe(true);
    const missing = await t.app.inject({ method: 'POST', url: '/setup/check', headers: bearer(t.adminKey), payload: { cpaBaseUrl: fake.url } });
    expect(missing.statusCode).toBe(400);
  });

  it('GET /v0/management/collector and POST …/doctor: status, gaps, last doctor report', async () => {
    t = await startTestApp({ cpaUpstreamUrl: fake.url, cpaManagementKey: fake.managementKey });
    const first = await t.app.inject({ url: '/v0/management/collector', headers: bearer(t.adminKey) });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ status: { upstream: fake.url, queue: 'usage' }, coverage: { gaps: expect.any(Array) }, doctor: null });
    const doc = await t.app.inject({ method: 'POST', url: '/v0/management/collector/doctor', headers: bearer(t.adminKey), payload: {} });
    expect(doc.statusCode, doc.body).toBe(200);
    expect(doc.json().atMs).toBeGreaterThan(0);
    expect(doc.json().findings.length).toBeGreaterThan(3);
    const again = await t.app.inject({ url: '/v0/management/collector', headers: bearer(t.adminKey) });
    expect(again.json().doctor).toEqual(doc.json());
  });

  it('a downtime longer than CPA retention becomes a coverage gap, kept across restarts', async () => {
    const dir = tempDir('cpamp-admin-gap-');
    mkdirSync(join(dir.path, 'collector'), { recursive: true });
    const downSince = Date.now() - 10 * 60_000;
    writeFileSync(join(dir.path, 'collector', 'collector-heartbeat.json'), JSON.stringify({ v: 1, lastAliveMs: downSince, cleanStop: true }));
    const config = defineConfig({ dataDir: dir.path, logLevel: 'silent', cpaUpstreamUrl: fake.url, cpaManagementKey: fake.managementKey, adminKey: 'cpamp_gapTestAdminKey0123456789abcdefgh' });
    const deps = { onAdminKeyGenerated: () => undefined, retentionSchedule: false as const, collectorStopTimeoutMs: 1_500 };
    try {
      let app = await buildApp(config, deps);
      await app.ready();
      const headers = bearer('cpamp_gapTestAdminKey0123456789abcdefgh');
      const first = app;
      const gaps = await waitFor(async () => {
        const g = (await first.inject({ url: '/v0/management/collector', headers })).json().coverage.gaps as { fromMs: number; toMs: number; reason: string; lossLikely: boolean }[];
        return g.length > 0 ? g : null;
      }, { what: 'a coverage gap' });
      expect(gaps[0]).toMatchObject({ fromMs: downSince, reason: 'collector-down', lossLikely: true });
      await app.close();
      app = await buildApp(config, deps);
      await app.ready();
      const after = (await app.inject({ url: '/v0/management/collector', headers })).json().coverage.gaps;
      expect(after.some((g: { fromMs: number }) => g.fromMs === downSince)).toBe(true);
      await app.close();
    } finally {
      dir.cleanup();
    }
  });

  it('doctor without a connection names the missing setup', async () => {
    t = await startTestApp();
    const doc = await t.app.inject({ method: 'POST', url: '/v0/management/collector/doctor', headers: bearer(t.adminKey) });
    expect(doc.statusCode, doc.body).toBe(200);
    expect(doc.json().findings[0]).toMatchObject({ id: 'not-configured', level: 'error' });
  });
});
