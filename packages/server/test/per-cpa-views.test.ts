// What was still not per CPA (issue #21 item 2), over real sockets with two fake CPAs whose records and auth
// files share auth indexes (the same container layout, different accounts): the analytics account filter and
// by-account views, the results of an inspection run over every CPA, and the live stream's collector status.
import { generateUsage, startFakeCpa, type FakeAuthFile, type FakeCpa } from '@cpamp/testkit';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../src/index';
import { bearer, startTestApp, waitFor, type TestApp } from './helpers';

const SHARED = 24;
const EAST_ONLY = 6;
const FROM = 0;
const TO = Date.now() + 86_400_000;
const file = (who: string, i: number): FakeAuthFile => ({
  name: `codex-u${i}.json`,
  authIndex: `a${i}`,
  content: {
    type: 'codex',
    email: `u${i}@${who}.test`,
    access_token: `tok-${who}-${i}`,
    account_id: `acc-${who}-${i}`,
  },
});

let main: FakeCpa;
let east: FakeCpa;
let t: TestApp;
let base: string;

beforeAll(async () => {
  main = await startFakeCpa({ managementKey: 'main-key', authFiles: [file('main', 1), file('main', 2)] });
  east = await startFakeCpa({ managementKey: 'east-key', authFiles: [file('east', 1)] });
  const cfg = defineConfig({ dataDir: '/unused' });
  t = await startTestApp({
    logLevel: 'silent',
    cpaUpstreamUrl: main.url,
    cpaManagementKey: 'main-key',
    collector: { ...cfg.collector, mode: 'http', pollIntervalMs: 50 },
    upstreams: [{ name: 'east', url: east.url, managementKey: 'east-key', collectorMode: null }],
  });
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  // The same records reach both CPAs, so every auth_index of them is on both; some reach east only.
  for (const r of generateUsage({ seed: 11, events: SHARED, days: 1, accounts: 3 })) {
    main.enqueueUsage(r);
    east.enqueueUsage(r);
  }
  for (const r of generateUsage({ seed: 12, events: EAST_ONLY, days: 1, accounts: 3 })) east.enqueueUsage(r);
  await waitFor(async () => (await get('/status')).json().events >= SHARED * 2 + EAST_ONLY, {
    timeoutMs: 15_000,
    what: 'both collectors to store every record',
  });
  await t.app.pool.sync();
}, 30_000);

afterAll(async () => {
  await t?.close();
  await main?.close();
  await east?.close();
});

const get = (url: string, headers: Record<string, string> = {}) =>
  t.app.inject({ url, headers: { ...bearer(t.adminKey), ...headers } });
const json = async (url: string, headers: Record<string, string> = {}) => {
  const res = await get(url, headers);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
const range = `from=${FROM}&to=${TO}`;
const requests = async (query: string) =>
  (await json(`/v0/management/analytics/summary?${range}${query}`)).requests as number;

/** The first frames of the live stream (real HTTP) until `done` holds, then the connection closes. */
async function sse(query: string, done: (events: { event: string; data: unknown }[]) => boolean) {
  const controller = new AbortController();
  const res = await request(`${base}/v0/management/events/stream${query}`, {
    headers: bearer(t.adminKey),
    signal: controller.signal,
  });
  const events: { event: string; data: unknown }[] = [];
  let buf = '';
  try {
    for await (const chunk of res.body) {
      buf += Buffer.from(chunk as Buffer).toString('utf8');
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
      if (done(events)) break;
    }
  } finally {
    controller.abort();
  }
  return events;
}

describe('per CPA: accounts in analytics, inspection results, live collector status', () => {
  it('an account filter names one CPA’s account; by-account rows and filter options say their CPA', async () => {
    const options = await json(`/v0/management/analytics/filter-options?${range}`);
    const accounts = options.accounts as { authIndex: string; upstream: string; count: number }[];
    expect(new Set(accounts.map((a) => a.upstream))).toEqual(new Set(['default', 'east']));
    const shared = accounts.find((a) => a.upstream === 'default')!.authIndex;
    const on = (upstream: string) =>
      accounts.find((a) => a.authIndex === shared && a.upstream === upstream)!.count;
    expect(on('default')).toBeGreaterThan(0);
    expect(on('east')).toBeGreaterThanOrEqual(on('default'));

    // A bare auth_index keeps matching it on every CPA (old links); `<cpa>~<auth_index>` one CPA's account.
    expect(await requests(`&account=${shared}`)).toBe(on('default') + on('east'));
    expect(await requests(`&account=default~${shared}`)).toBe(on('default'));
    expect(await requests(`&account=east~${shared}`)).toBe(on('east'));
    expect(await requests(`&account=east~${shared}&upstream=default`)).toBe(0);
    const mixed = await get(
      `/v0/management/analytics/summary?${range}&account=east~${shared}&account=${shared}`,
    );
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json().code).toBe('invalid_query');

    const rows = (await json(`/v0/management/analytics/breakdown/account?${range}&limit=100`)).rows as {
      name: string;
      upstream: string;
      requests: number;
    }[];
    expect(
      rows
        .filter((r) => r.name === shared)
        .map((r) => [r.upstream, r.requests])
        .sort(),
    ).toEqual(
      [
        ['default', on('default')],
        ['east', on('east')],
      ].sort(),
    );
    expect(rows.reduce((n, r) => n + r.requests, 0)).toBe(SHARED * 2 + EAST_ONLY);

    const list = (await json(`/v0/management/analytics/events?limit=1000&account=east~${shared}`)).events as {
      upstream: string;
      authIndex: string;
    }[];
    expect(list).toHaveLength(on('east'));
    expect(new Set(list.map((e) => `${e.upstream}/${e.authIndex}`))).toEqual(new Set([`east/${shared}`]));

    const jsonl = (await get(`/v0/management/usage/export?account=east~${shared}`)).body.trim().split('\n');
    expect(jsonl).toHaveLength(on('east'));
    const since = Math.min(...(list as unknown as { timestampMs: number }[]).map((e) => e.timestampMs));
    const history = await json(`/v0/management/analytics/accounts/east~${shared}?from=${since}&to=${TO}`);
    expect([history.account.authIndex, history.totals.requests]).toEqual([shared, on('east')]);

    // The live stream's account filter reads the same tokens (replayed from the ring).
    const frames = await sse(`?types=usage,collector&account=east~${shared}&lastEventId=0`, (ev) =>
      ev.some((e) => e.event === 'collector'),
    );
    const usage = frames
      .filter((e) => e.event === 'usage')
      .map((e) => e.data as { upstream?: string; authIndex: string });
    expect(usage).toHaveLength(on('east'));
    expect(usage.every((u) => u.upstream === 'east' && u.authIndex === shared)).toBe(true);
  });

  it("the live stream's collector event reports each CPA's collector", async () => {
    const frames = await sse('?types=collector', (ev) => ev.length > 0);
    const status = frames[0]!.data as {
      state: string;
      upstreams: { name: string; state: string; lastInsertedAt: unknown }[];
    };
    expect(status.state).toBe('running');
    expect(status.upstreams.map((u) => [u.name, u.state])).toEqual([
      ['default', 'running'],
      ['east', 'running'],
    ]);
    expect(status.upstreams.every((u) => u.lastInsertedAt !== null)).toBe(true);
    // A state change of east's collector alone publishes the whole status again.
    const seen = sse('?types=collector', (ev) =>
      ev.some(
        (e) => (e.data as typeof status).upstreams?.find((u) => u.name === 'east')?.state !== 'running',
      ),
    );
    east.setManagementKey('rotated');
    const got = await seen;
    const last = got.at(-1)!.data as typeof status;
    expect(last.upstreams.find((u) => u.name === 'default')!.state).toBe('running');
    expect(last.upstreams.find((u) => u.name === 'east')!.state).not.toBe('running');
    east.setManagementKey('east-key');
  });

  it('a CPA added at runtime joins the stream: its collector in the status, its rows with its name', async () => {
    const north = await startFakeCpa({ managementKey: 'north-key' });
    try {
      const added = await t.app.inject({
        method: 'POST',
        url: '/v0/management/upstreams',
        headers: bearer(t.adminKey),
        payload: { name: 'north', url: north.url, managementKey: 'north-key' },
      });
      expect(added.statusCode, added.body).toBe(201);
      const frames = sse('?types=usage,collector&upstream=north', (ev) =>
        ev.some((e) => e.event === 'usage'),
      );
      for (const r of generateUsage({ seed: 13, events: 1, days: 1 })) north.enqueueUsage(r);
      const got = await frames;
      expect((got[0]!.data as { upstreams: { name: string }[] }).upstreams.map((u) => u.name)).toEqual([
        'default',
        'east',
        'north',
      ]);
      expect(
        got.filter((e) => e.event === 'usage').map((e) => (e.data as { upstream: string }).upstream),
      ).toEqual(['north']);
      const removed = await t.app.inject({
        method: 'DELETE',
        url: '/v0/management/upstreams/north',
        headers: bearer(t.adminKey),
      });
      expect(removed.statusCode, removed.body).toBeLessThan(300);
      const after = await sse('?types=collector', (ev) => ev.length > 0);
      expect((after[0]!.data as { upstreams: { name: string }[] }).upstreams.map((u) => u.name)).toEqual([
        'default',
        'east',
      ]);
    } finally {
      await north.close();
    }
  });

  it('the results of a run over every CPA say their CPA; the run splits by CPA and filters by it', async () => {
    main.accounts.exhaust('a2', { resetInSeconds: 3600 });
    east.accounts.exhaust('a1', { resetInSeconds: 3600 });
    const started = await t.app.inject({
      method: 'POST',
      url: '/v0/management/pool/inspections',
      headers: bearer(t.adminKey),
      payload: { dryRun: true },
    });
    expect(started.statusCode, started.body).toBeLessThan(300);
    await t.app.pool.inspections.active()?.done;
    const id = started.json().run.id as number;
    const all = await json(`/v0/management/pool/inspections/${id}`);
    expect(all.run.upstream).toBeNull();
    expect(all.total).toBe(3);
    expect(
      all.results
        .map((r: { authIndex: string; upstream: string; result: string }) => [
          r.upstream,
          r.authIndex,
          r.result,
        ])
        .sort(),
    ).toEqual([
      ['default', 'a1', 'ok'],
      ['default', 'a2', 'exhausted'],
      ['east', 'east~a1', 'exhausted'],
    ]);
    expect(all.upstreams).toEqual([
      { name: 'default', total: 2, counts: { ok: 1, unauthorized: 0, exhausted: 1, banned: 0, error: 0 } },
      { name: 'east', total: 1, counts: { ok: 0, unauthorized: 0, exhausted: 1, banned: 0, error: 0 } },
    ]);
    const eastOnly = await json(`/v0/management/pool/inspections/${id}`, { 'x-cpamp-upstream': 'east' });
    expect([eastOnly.total, eastOnly.results.map((r: { authIndex: string }) => r.authIndex)]).toEqual([
      1,
      ['east~a1'],
    ]);
    expect(
      (await json(`/v0/management/pool/inspections/${id}?upstream=default&result=exhausted`)).results.map(
        (r: { authIndex: string }) => r.authIndex,
      ),
    ).toEqual(['a2']);
    // Applying from one CPA's view applies that CPA's suggestions only.
    const applied = await t.app.inject({
      method: 'POST',
      url: `/v0/management/pool/inspections/${id}/apply`,
      headers: { ...bearer(t.adminKey), 'x-cpamp-upstream': 'east' },
      payload: { dryRun: true },
    });
    expect(applied.statusCode, applied.body).toBe(200);
    expect(applied.json().actions.map((a: { authIndex: string }) => a.authIndex)).toEqual(['east~a1']);
  });
});
