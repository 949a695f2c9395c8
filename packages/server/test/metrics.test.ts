// GET /metrics against a real app, the fake CPA and a real collector: Prometheus text 0.0.4 that parses
// line by line, counters that move after ingest, route patterns (not URLs) as labels.
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestApp, waitFor, type TestApp } from './helpers';

const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/;

interface Parsed {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: { name: string; labels: string; value: number }[];
}

/** Parses the text format strictly: every sample belongs to a family announced by HELP and TYPE. */
function parse(text: string): Parsed {
  const p: Parsed = { help: new Map(), type: new Map(), samples: [] };
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (help) p.help.set(help[1] as string, help[2] as string);
    else if (type) p.type.set(type[1] as string, type[2] as string);
    else {
      const m = SAMPLE.exec(line);
      expect(m, `not a valid sample line: ${line}`).not.toBeNull();
      const name = (m as RegExpExecArray)[1] as string;
      const family = p.type.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
      expect(p.type.has(family), `sample before its TYPE line: ${line}`).toBe(true);
      expect(p.help.has(family), `sample without HELP: ${line}`).toBe(true);
      p.samples.push({
        name,
        labels: (m as RegExpExecArray)[2] ?? '',
        value: Number((m as RegExpExecArray)[3]),
      });
    }
  }
  return p;
}

const value = (p: Parsed, name: string, labels = '') =>
  p.samples.find((s) => s.name === name && s.labels === labels)?.value;

describe('GET /metrics', () => {
  let fake: FakeCpa;
  let t: TestApp;
  const scrape = async () => {
    const res = await t.app.inject({ url: '/metrics', headers: bearer(t.adminKey) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parse(res.body);
  };
  const inserted = async () =>
    (await t.app.inject({ url: '/status', headers: bearer(t.adminKey) })).json().collector
      .totalInserted as number;

  beforeAll(async () => {
    fake = await startFakeCpa();
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('refuses a scrape without the admin key', async () => {
    expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(401);
  });

  it('a read-only scrape token opens /metrics and nothing else', async () => {
    const token = 'scrape-token-0123456789abcdef';
    const scoped = await startTestApp({ metricsToken: token }, { collector: false });
    try {
      expect((await scoped.app.inject({ url: '/metrics', headers: bearer(token) })).statusCode).toBe(200);
      expect((await scoped.app.inject({ url: '/metrics', headers: bearer('scrape-token-wrong-456789abcdef') })).statusCode).toBe(401);
      for (const url of ['/status', '/v0/management/usage', '/v0/management/config', '/v0/management/analytics/summary']) {
        expect((await scoped.app.inject({ url, headers: bearer(token) })).statusCode, url).toBe(401);
      }
      expect((await scoped.app.inject({ url: '/metrics', headers: bearer(scoped.adminKey) })).statusCode).toBe(200);
    } finally {
      await scoped.close();
    }
  });

  it('parses line by line; collector counters, state, lag and DB bytes follow ingest', async () => {
    const before = await scrape();
    expect(value(before, 'cpamp_events_ingested_total')).toBe(0);
    expect(value(before, 'cpamp_collector_state', '{state="stopped"}')).toBe(1);
    expect(before.type.get('cpamp_http_request_duration_seconds')).toBe('histogram');
    expect(value(before, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000);

    const res = await t.app.inject({
      method: 'POST',
      url: '/setup',
      headers: bearer(t.adminKey),
      payload: { cpaBaseUrl: fake.url, managementKey: fake.managementKey, pollIntervalMs: 50 },
    });
    expect(res.statusCode, res.body).toBe(200);
    let n = 0;
    for (const r of generateUsage({ seed: 3, events: 30, days: 1 })) {
      fake.enqueueUsage(r);
      n += 1;
    }
    await waitFor(async () => (await inserted()) >= n, { timeoutMs: 10_000, what: `${n} inserted events` });

    const after = await scrape();
    expect(value(after, 'cpamp_events_ingested_total')).toBe(n);
    expect(value(after, 'cpamp_events_received_total')).toBeGreaterThanOrEqual(n);
    expect(value(after, 'cpamp_events_rejected_total')).toBe(0);
    expect(value(after, 'cpamp_collector_state', '{state="running"}')).toBe(1);
    expect(
      after.samples.filter((s) => s.name === 'cpamp_collector_state').reduce((a, s) => a + s.value, 0),
    ).toBe(1);
    expect(value(after, 'cpamp_collector_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(after, 'cpamp_collector_last_insert_timestamp_seconds')).toBeGreaterThan(1_600_000_000);
    expect(value(after, 'cpamp_db_bytes', '{file="main"}')).toBeGreaterThan(0);
    // Under the memory bound every event is held once the cache is warm.
    await waitFor(async () => value(await scrape(), 'cpamp_column_cache_events') === n, { timeoutMs: 10_000, what: 'the column cache holding every event' });
    expect(value(await scrape(), 'cpamp_column_cache_bytes')).toBeGreaterThan(0);
    expect(after.type.get('cpamp_events_ingested_total')).toBe('counter');
  });

  it('HTTP latency histogram is labelled by route pattern and status class', async () => {
    await t.app.inject({ url: '/v0/management/analytics/breakdown/model', headers: bearer(t.adminKey) });
    await t.app.inject({ url: '/v0/management/analytics/breakdown/key', headers: bearer(t.adminKey) });
    await t.app.inject({ url: '/no/such/path/12345', headers: bearer(t.adminKey) });
    const p = await scrape();
    const text = p.samples.filter((s) => s.name.startsWith('cpamp_http_request_duration_seconds'));
    const labels = 'method="GET",route="/v0/management/analytics/breakdown/:dimension",status="2xx"';
    expect(value(p, 'cpamp_http_request_duration_seconds_count', `{${labels}}`)).toBe(2);
    expect(value(p, 'cpamp_http_request_duration_seconds_bucket', `{${labels},le="+Inf"}`)).toBe(2);
    expect(text.some((s) => s.labels.includes('breakdown/model'))).toBe(false);
    expect(text.some((s) => s.labels.includes('12345'))).toBe(false);
    // Buckets are cumulative.
    const buckets = text
      .filter((s) => s.name.endsWith('_bucket') && s.labels.includes(':dimension'))
      .map((s) => s.value);
    expect(buckets.every((v, i) => i === 0 || v >= (buckets[i - 1] as number))).toBe(true);
    expect(
      value(p, 'cpamp_http_request_duration_seconds_count', '{method="GET",route="/status",status="2xx"}'),
    ).toBeGreaterThan(0);
  });
});
