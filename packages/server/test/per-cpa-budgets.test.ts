// Budget enforcement with several CPAs (issue #21 item 2): two fake CPAs over real sockets. A key at its
// budget leaves every CPA that lists it and comes back to exactly those; spend counts every CPA's events.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageEventInput } from '@cpamp/store';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { bearer, startTestApp, type TestApp } from './helpers';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const KEY_A = 'sk-team-a-123';
const KEY_B = 'sk-local-dev-1';
const KEY_E = 'sk-east-only-9';

let main: FakeCpa;
let east: FakeCpa;
let west: FakeCpa;
let t: TestApp;

beforeAll(async () => {
  main = await startFakeCpa({ managementKey: 'main-key', config: { 'api-keys': [KEY_A, KEY_B] } });
  east = await startFakeCpa({ managementKey: 'east-key', config: { 'api-keys': [KEY_A, KEY_E] } });
  west = await startFakeCpa({ managementKey: 'west-key', config: { 'api-keys': [KEY_E] } });
  t = await startTestApp(
    {
      logLevel: 'silent',
      cpaUpstreamUrl: main.url,
      cpaManagementKey: 'main-key',
      upstreams: [
        { name: 'east', url: east.url, managementKey: 'east-key', collectorMode: null },
        { name: 'west', url: west.url, managementKey: 'west-key', collectorMode: null },
      ],
    },
    { collector: false, budgetsTickMs: 0, retentionSchedule: false },
  );
}, 30_000);

afterAll(async () => {
  await t?.close();
  for (const f of [main, east, west]) await f?.close();
});

const keys = async (cpa: FakeCpa) => {
  const res = await fetch(`${cpa.url}/v0/management/api-keys`, { headers: bearer(cpa.managementKey) });
  return ((await res.json()) as { 'api-keys': string[] })['api-keys'].sort();
};
let seq = 0;
const usage = (key: string, upstream: string): UsageEventInput => {
  seq += 1;
  return {
    dedupKey: sha(`per-cpa-budget-${seq}`),
    requestId: (0x30000000 + seq).toString(16),
    timestampMs: Date.now() - 1000,
    provider: 'codex',
    executorType: 'CodexExecutor',
    model: 'gpt-5',
    alias: 'gpt-5',
    endpoint: 'POST /v1/responses',
    authType: 'oauth',
    authIndex: 'acc-1',
    source: '',
    apiKeyHash: sha(key),
    apiKeyLabel: 'sk-…',
    clientIp: '',
    userAgent: '',
    failed: false,
    statusCode: 200,
    failBody: '',
    latencyMs: 900,
    ttftMs: 200,
    reasoningEffort: '',
    serviceTier: '',
    responseServiceTier: '',
    generate: true,
    inputTokens: 1000,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    outputTokens: 100,
    reasoningTokens: 0,
    unclassifiedTokens: 0,
    totalTokens: 1100,
    tokenQuality: 'complete',
    upstream,
  };
};

describe('budgets with several CPAs', () => {
  it('takes a key at its budget out of every CPA that lists it and puts it back into exactly those', async () => {
    const h = bearer(t.adminKey);
    await t.app.store.prices.set('gpt-5', { input: 1.25, output: 10 });
    // 2,250 micro-dollars per event: the default CPA's event and east's add up to the $0.004 budget.
    await t.app.store.insertBatch([usage(KEY_A, 'default'), usage(KEY_A, 'east')]);
    const res = await t.app.inject({
      method: 'PUT',
      url: `/v0/management/budgets/${sha(KEY_A)}`,
      headers: h,
      payload: { period: 'month', limitMicros: 4_000, enforce: true },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().budget).toMatchObject({ spentMicros: 4_500, state: 'exceeded' });
    await t.app.budgets.check();
    expect(await keys(main)).toEqual([KEY_B]);
    expect(await keys(east)).toEqual([KEY_E]);
    expect(await keys(west)).toEqual([KEY_E]);

    // The budget is deleted: the key goes back to the default CPA and east, never to west.
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v0/management/budgets/${sha(KEY_A)}`,
      headers: h,
    });
    expect(del.statusCode, del.body).toBeLessThan(300);
    expect(await keys(main)).toEqual([KEY_A, KEY_B].sort());
    expect(await keys(east)).toEqual([KEY_A, KEY_E].sort());
    expect(await keys(west)).toEqual([KEY_E]);
    const log = (await t.app.inject({ url: '/v0/management/budgets/log', headers: h })).json().items as {
      action: string;
      ok: boolean;
    }[];
    expect(log.map((r) => [r.action, r.ok])).toEqual([
      ['restored', true],
      ['removed', true],
    ]);
    expect(await t.app.store.settings.get(`budgets.held_in:${sha(KEY_A)}`)).toBeUndefined();
  });
});
