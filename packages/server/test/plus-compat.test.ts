// CPA Manager Plus's own routes answered by cpamp in Plus's shapes: each answer's key structure is compared
// with the answer the real Plus v1.12.2 gave (test/fixtures/plus-v1.12.2/routes, see its README), through
// the real app (buildApp, SQLite, the fake CPA over HTTP behind a recording forwarder), and none of these
// requests reaches CPA.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { normalizeRecord } from '@cpamp/collector';
import { openStore, type Store } from '@cpamp/store';
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestApp, tempDir, type TestApp } from './helpers';
import { plusModelUsage } from '../src/testing';
import { plusAnswer, shapeDiff } from './plus-shape';

const END = Date.UTC(2026, 11, 6, 12);
const DAY = 86_400_000;
const M = '/v0/management';

/** A real HTTP hop in front of the fake CPA that records every path reaching CPA. */
async function startRecorder(
  target: string,
): Promise<{ url: string; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    paths.push(`${req.method} ${req.url}`);
    const up = httpRequest(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paths,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

let fake: FakeCpa;
let recorder: Awaited<ReturnType<typeof startRecorder>>;
let store: Store;
let storeDir: { path: string; cleanup(): void };
let t: TestApp;
let authIndex = '';

beforeAll(async () => {
  const files = [1, 2, 3].map((i) => ({
    name: `codex-u${i}@pool.test-plus.json`,
    authIndex: `a${i}`,
    content: { type: 'codex', email: `u${i}@pool.test`, access_token: `tok-${i}`, account_id: `acc-${i}` },
  }));
  fake = await startFakeCpa({ authFiles: files, now: () => END });
  fake.accounts.setQuota('a1', {
    primary: { usedPercent: 30 },
    secondary: { usedPercent: 10 },
    plan: 'plus',
  });
  fake.accounts.exhaust('a2', { resetInSeconds: 3600, window: 'secondary' });
  fake.accounts.expire('a3');
  recorder = await startRecorder(fake.url);
  storeDir = tempDir('cpamp-plus-compat-');
  store = await openStore({ path: join(storeDir.path, 'usage.sqlite') });
  // The same generator settings as the events imported into Plus for the recorded answers.
  const events = [];
  for (const raw of generateUsage({
    seed: 15,
    events: 300,
    days: 3,
    end: END,
    keys: 3,
    accounts: 5,
    models: 3,
    failureRate: 0.1,
  })) {
    const r = normalizeRecord(raw);
    if (r.ok) events.push(r.event);
  }
  await store.insertBatch(events);
  authIndex = events[0]!.authIndex;
  t = await startTestApp(
    { cpaUpstreamUrl: recorder.url, cpaManagementKey: fake.managementKey },
    { store, collector: false, now: () => END },
  );
  const policy = await t.app.inject({
    method: 'PATCH',
    url: '/usage-service/account-processing-policy',
    headers: bearer(t.adminKey),
    payload: { codexQuotaCooldownEnabled: true, authIssueQueueEnabled: true },
  });
  expect(policy.statusCode).toBe(200);
}, 30_000);

afterAll(async () => {
  await t?.close();
  await store?.close();
  storeDir?.cleanup();
  await recorder?.close();
  await fake?.close();
});

async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) {
  const res = await t.app.inject({
    method,
    url,
    headers: bearer(t.adminKey),
    ...(payload ? { payload } : {}),
  });
  return {
    status: res.statusCode,
    body: res.json() as unknown,
    partial: String(res.headers['x-cpamp-partial'] ?? ''),
  };
}

function expectShape(fixture: string, res: { status: number; body: unknown; partial: string }) {
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
  expect(shapeDiff(plusAnswer(fixture), res.body, res.partial)).toEqual([]);
}

const ALL_SECTIONS = {
  summary: true,
  summary_percentiles: true,
  summary_comparison: true,
  timeline: true,
  hourly_distribution: true,
  model_share: true,
  channel_share: true,
  model_stats: true,
  failure_sources: true,
  account_stats: true,
  credential_stats: true,
  credential_timeline: true,
  api_key_timeline: true,
  api_key_stats: true,
  filter_options: true,
  heatmap: true,
  task_buckets: true,
  recent_failures: 5,
  events_page: { limit: 3 },
};

describe('Plus system routes', () => {
  it('/health carries ok: true', async () => {
    expectShape('get-health', await call('GET', '/health'));
  });

  it('/status carries dataMigration, databaseMaintenance and database; ?scope=database-maintenance only that', async () => {
    const full = await call('GET', '/status');
    expectShape('get-status', full);
    expect(full.partial).toContain('database.checkpoint');
    const scoped = await call('GET', '/status?scope=database-maintenance');
    expectShape('get-status-scope-database-maintenance', scoped);
    expect(Object.keys(scoped.body as object)).toEqual(['databaseMaintenance']);
  });

  it('/usage-service/config GET has Plus codexInspection block; PUT answers the same view', async () => {
    const res = await call('GET', '/usage-service/config');
    expectShape('get-usage-service-config', res);
    expect(res.partial).toContain('codexInspection');
    const put = await call('PUT', '/usage-service/config', { config: { collector: { batchSize: 50 } } });
    // Env-managed here (CPA_UPSTREAM_URL): a collector change is refused; the PUT reply shape is checked below.
    expect(put.status).toBe(409);
  });
});

describe('Plus dashboard and monitoring', () => {
  it('GET dashboard/summary', async () => {
    const res = await call('GET', `${M}/dashboard/summary?today_start_ms=${END - DAY}&now_ms=${END}`);
    expectShape('get-dashboard-summary', res);
    const body = res.body as { today: { total_calls: number }; traffic_timeline: unknown[] };
    expect(body.today.total_calls).toBe(
      (await store.analytics.totals({ from: END - DAY, to: END })).requests,
    );
    expect(body.traffic_timeline).toHaveLength(24);
    expect((await call('GET', `${M}/dashboard/summary`)).status).toBe(400);
  });

  it('POST monitoring/analytics with every section', async () => {
    const res = await call('POST', `${M}/monitoring/analytics`, {
      from_ms: END - 4 * DAY,
      to_ms: END,
      now_ms: END,
      time_zone: 'UTC',
      filters: {},
      include: ALL_SECTIONS,
    });
    expectShape('post-monitoring-analytics', res);
    const body = res.body as { summary: { total_calls: number; failure_calls: number } };
    const totals = await store.analytics.totals({ from: END - 4 * DAY, to: END });
    expect(body.summary).toMatchObject({ total_calls: totals.requests, failure_calls: totals.failures });
    expect(res.partial).toContain('task_buckets');
    const bad = await call('POST', `${M}/monitoring/analytics`, { from_ms: END, to_ms: END - 1 });
    expect(bad.status).toBe(400);
  });

  it('POST monitoring/analytics with only the summary is complete apart from the named fields', async () => {
    const res = await call('POST', `${M}/monitoring/analytics`, {
      from_ms: END - 4 * DAY,
      to_ms: END,
      include: { summary: true },
    });
    expectShape('post-monitoring-analytics-summary', res);
    expect(Object.keys(res.body as object).sort()).toEqual(['generated_at_ms', 'granularity', 'summary']);
  });

  it('POST monitoring/account-history and account-window-usage', async () => {
    const history = await call('POST', `${M}/monitoring/account-history`, {
      accounts: [
        { row_key: 'r1', auth_index: authIndex },
        { row_key: 'r2', auth_index: 'nobody' },
      ],
    });
    expectShape('post-monitoring-account-history', history);
    const items = (history.body as { items: { matched: boolean; total_requests: number }[] }).items;
    expect(items[0]).toMatchObject({ matched: true });
    expect(items[0]!.total_requests).toBe(
      (await store.analytics.totals({ from: 0, to: END + 1, authIndex })).requests,
    );
    expect(items[1]).toMatchObject({ matched: false, total_requests: 0, success_rate: null });
    const window = await call('POST', `${M}/monitoring/account-window-usage`, {
      windows: [
        {
          row_key: 'r1',
          provider_window_id: 'primary',
          window_key: 'primary', // Plus echoes it only when sent (the recorded request sent it)
          auth_index: authIndex,
          auth_provider_snapshot: 'codex',
          from_ms: END - 4 * DAY,
          to_ms: END,
        },
      ],
    });
    expectShape('post-monitoring-account-window-usage', window);
    expect((await call('POST', `${M}/monitoring/account-history`, { accounts: [] })).status).toBe(400);
  });

  it('GET monitoring/header-snapshots', async () => {
    const res = await call('GET', `${M}/monitoring/header-snapshots?days=7&limit=5`);
    expect(res.status).toBe(200);
    const body = res.body as { items: unknown[] };
    // The generated events carry rate-limit headers on some requests.
    expect(body.items.length).toBeGreaterThan(0);
    expectShape('get-monitoring-header-snapshots', res);
  });
});

describe('Plus inspection, candidates, cooldowns and quota snapshots', () => {
  let runId = 0;
  it('POST codex-inspection/run runs cpamp’s inspection; runs, runs/:id, actions and cancel answer in Plus shapes', async () => {
    const started = await call('POST', `${M}/codex-inspection/run`);
    expect(started.status).toBe(200);
    runId = (started.body as { run: { id: number } }).run.id;
    await t.app.pool.inspections.active()?.done;
    expectShape('get-codex-inspection-runs', await call('GET', `${M}/codex-inspection/runs`));
    const detail = await call('GET', `${M}/codex-inspection/runs/${runId}`);
    expectShape('get-codex-inspection-runs-id', detail);
    const results = (detail.body as { results: { id: number; authIndex: string; action: string }[] }).results;
    expect(results.map((r) => r.authIndex).sort()).toEqual(['a1', 'a2', 'a3']);
    expect(results.find((r) => r.authIndex === 'a3')!.action).toBe('reauth');
    const keep = results.find((r) => r.authIndex === 'a1')!;
    expectShape(
      'post-codex-inspection-runs-id-actions',
      await call('POST', `${M}/codex-inspection/runs/${runId}/actions`, { resultIds: [keep.id] }),
    );
    const cancel = await call('POST', `${M}/codex-inspection/runs/${runId}/cancel`);
    expect(cancel.status).toBe(409);
    expect((await call('GET', `${M}/codex-inspection/runs/999`)).status).toBe(404);
  });

  it('account-action-candidates list and ignore (from cpamp’s auth issues)', async () => {
    const list = await call('GET', `${M}/account-action-candidates`);
    expectShape('get-account-action-candidates', list);
    const item = (list.body as { items: { id: number; authIndex: string; status: string }[] }).items.find(
      (i) => i.authIndex === 'a3',
    )!;
    expect(item.status).toBe('pending');
    const ignored = await call('POST', `${M}/account-action-candidates/${item.id}/ignore`);
    expectShape('post-account-action-candidates-id-ignore', ignored);
    expect((ignored.body as { item: { status: string } }).item.status).toBe('ignored');
    expect((await call('POST', `${M}/account-action-candidates/9999/resolve`)).status).toBe(404);
  });

  it('usage-service/quota-cooldowns carries evidence', async () => {
    const res = await call('GET', '/usage-service/quota-cooldowns');
    expectShape('get-usage-service-quota-cooldowns', res);
    const item = (
      res.body as { items: { authIndex: string; evidence: { state: string } | null }[] }
    ).items.find((i) => i.authIndex === 'a2')!;
    expect(item.evidence).toMatchObject({ state: 'exhausted', provider: 'codex' });
  });

  it('POST quota-snapshots writes a window that quota-snapshots/query reads back', async () => {
    const account = { auth_index: 'a1', auth_file_snapshot: 'codex-a.json', auth_provider_snapshot: 'codex' };
    const write = await call('POST', `${M}/quota-snapshots`, {
      entries: [
        {
          row_key: 'r1',
          provider: 'codex',
          account,
          observation: {
            source: 'api_query',
            observed_at_ms: END,
            inventory_scope_key: 'codex',
            inventory_mode: 'complete',
          },
          windows: [
            {
              provider_window_id: 'five-hour',
              window_kind: 'five_hour',
              window_mode: 'fixed',
              model_scope_kind: 'all',
              source: 'api_query',
              observed_at_ms: END,
              boundary_accuracy: 'exact',
              cycle_end_ms: END + 3_600_000,
              duration_seconds: 18_000,
              used_percent: 42,
              remaining_percent: 58,
              plan_type: 'plus',
            },
          ],
        },
      ],
    });
    expectShape('post-quota-snapshots', write);
    expect(write.partial).not.toBe('');
    const query = await call('POST', `${M}/quota-snapshots/query`, {
      accounts: [{ row_key: 'r1', provider: 'codex', account }],
    });
    expectShape('post-quota-snapshots-query', query);
    const w = (
      query.body as { items: { windows: { provider_window_id: string; used_percent: number }[] }[] }
    ).items[0]!.windows.find((x) => x.provider_window_id === 'five-hour');
    expect(w?.used_percent).toBe(42);
    expect((await call('POST', `${M}/quota-snapshots`, { entries: [] })).status).toBe(400);
  });
});

describe('routing', () => {
  it('none of the Plus routes reached CPA (a proxied route does)', async () => {
    const plus =
      /^[A-Z]+ (\/v0\/management\/(dashboard|monitoring|codex-inspection|account-action-candidates|quota-snapshots)|\/usage-service\/|\/health|\/status)/;
    expect(recorder.paths.length).toBeGreaterThan(0);
    expect(recorder.paths.filter((p) => plus.test(p))).toEqual([]);
    const before = recorder.paths.length;
    expect((await call('GET', `${M}/config`)).status).toBe(200);
    expect(recorder.paths.slice(before)).toContain('GET /v0/management/config');
  });
});

describe('Plus config PUT reply', () => {
  it('PUT /usage-service/config answers the saved view in Plus shape (with ok/upstream beside it)', async () => {
    const other = await startFakeCpa();
    const app = await startTestApp({}, { store: false, collector: false });
    try {
      const put = await app.app.inject({
        method: 'PUT',
        url: '/usage-service/config',
        headers: bearer(app.adminKey),
        payload: {
          config: {
            cpaConnection: { cpaBaseUrl: other.url, managementKey: other.managementKey },
            collector: { enabled: true, collectorMode: 'http' },
          },
        },
      });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toMatchObject({ ok: true, upstream: other.url, source: expect.any(String) });
      expect(
        shapeDiff(
          plusAnswer('put-usage-service-config'),
          put.json(),
          String(put.headers['x-cpamp-partial'] ?? ''),
        ),
      ).toEqual([]);
    } finally {
      await app.close();
      await other.close();
    }
  });
});

describe('Plus routes cpamp already had', () => {
  it('/usage-service/info, account-processing-policy and api-key-aliases GET/PUT keep Plus shapes', async () => {
    expectShape('get-usage-service-info', await call('GET', '/usage-service/info'));
    expectShape(
      'get-usage-service-account-processing-policy',
      await call('GET', '/usage-service/account-processing-policy'),
    );
    const hash = 'fe2d34132ad56ce3dda30d3ad469d3d3735ba723069947296448f7759a96710b';
    const put = await call('PUT', `${M}/api-key-aliases`, { items: [{ apiKeyHash: hash, alias: 'team-a' }] });
    expectShape('put-api-key-aliases', put);
    expect(put.partial).toContain('updatedAtMs');
    expectShape('get-api-key-aliases', await call('GET', `${M}/api-key-aliases`));
  });
});

describe('model usage rows for model-prices/usage-summary', () => {
  it('split calls into requested_calls and resolved_calls, in Plus shape', async () => {
    const summary = await plusModelUsage(store);
    expect(shapeDiff(plusAnswer('get-model-prices-usage-summary'), summary)).toEqual([]);
    expect(summary.sampled_events).toBe(await store.events.count());
    const requested = summary.models.reduce((n, m) => n + m.requested_calls, 0);
    expect(requested).toBe(summary.sampled_events);
    // The generated traffic asks for some models by an alias CPA resolves to a dated model name.
    expect(summary.models.some((m) => m.resolved_calls > 0)).toBe(true);
    const small = await plusModelUsage(store, 10);
    expect(small).toMatchObject({ sampled_events: 10, truncated: true });
  });

  it('the route answers them beside cpamp’s priced / unpricedCalls fields', async () => {
    const res = await call('GET', `${M}/model-prices/usage-summary`);
    expectShape('get-model-prices-usage-summary', res);
    const models = (res.body as { models: { requested_calls: number; priced: boolean; unpricedCalls: number }[] }).models;
    expect(models.reduce((n, m) => n + m.requested_calls, 0)).toBe(await store.events.count());
    expect(models.every((m) => typeof m.priced === 'boolean' && typeof m.unpricedCalls === 'number')).toBe(true);
  });
});
