// Moving up: a SQLite store filled through its repositories is copied into Postgres; the Postgres store then
// answers as the SQLite one did. Also: resuming after an interruption, a second run, refusals.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTestsDisabled, startTestPostgres, type TestPostgres } from '@cpamp/testkit';
import {
  copyFromSqlite,
  openPgStore,
  openStore,
  type AnalyticsFilter,
  type PgStoreRepositories,
  type Store,
} from '../../src/index';
import Database from 'better-sqlite3';
import pgDriver from 'pg';
import { decryptSecret } from '../../src/crypto/data-key';
import { sqliteTables } from '../../src/pg/copy-plan';
import { makeEvent } from '../helpers/events';
import { DATA_KEY } from '../shared/repository-suite';

const suite = pgTestsDisabled() ? describe.skip : describe;
const H = 3_600_000;
const START = Date.UTC(2026, 9, 1);
const KEYS = ['a', 'b', 'c'].map((c) => c.repeat(64));

async function fillSource(path: string): Promise<void> {
  let clock = START + 10 * 24 * H;
  const s: Store = await openStore({ path, dataKey: DATA_KEY, now: () => clock });
  await s.prices.set('gpt-5', { input: 1.25, output: 10, cacheRead: 0.125 });
  await s.prices.set('claude-sonnet-4-5', { input: 3, output: 15 });
  const events = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) =>
      makeEvent({
        timestampMs: from + i * 17 * 60_000,
        model: i % 3 === 0 ? 'claude-sonnet-4-5' : 'gpt-5',
        alias: i % 3 === 0 ? 'sonnet' : 'gpt-5',
        provider: i % 3 === 0 ? 'claude' : 'codex',
        apiKeyHash: KEYS[i % 3]!,
        authIndex: `acc-${i % 4}`,
        failed: i % 11 === 0,
        statusCode: i % 11 === 0 ? 429 : 200,
        latencyMs: 100 + ((i * 37) % 5000),
        inputTokens: 1000 + i,
        outputTokens: 50 + (i % 90),
        cacheReadTokens: i % 5 === 0 ? 300 : 0,
        // Compact rate-limit headers (header_set + values) travel as they are and read the same.
        ...(i % 4 === 0
          ? {
              rateLimitHeaders: {
                'x-codex-primary-used-percent': String(i % 100),
                'x-codex-plan-type': 'plus',
              },
            }
          : {}),
      }),
    );
  for (const batch of [events(START, 150), events(START + 2 * 24 * H, 150)]) await s.insertBatch(batch);
  clock = START + 4 * 24 * H;
  await s.prices.apply(
    'gpt-5',
    { input: 2, output: 12, cacheRead: 0.2 },
    { effectiveFrom: START + 4 * 24 * H },
  );
  await s.insertBatch(events(START + 4 * 24 * H, 120));
  await s.apiKeys.setAlias(KEYS[0]!, 'team-a');
  await s.settings.set('inspection', { intervalMinutes: 30, probes: ['quota'] });
  await s.settings.setManagementKey('cpa-management-secret');
  await s.budgets.set(KEYS[1]!, { period: 'month', limitMicros: 5_000_000, enforce: true });
  await s.budgets.putHold({ keyHash: KEYS[1]!, key: 'sk-held-secret', removedAtMs: 10, restoreAtMs: 20 });
  await s.budgets.logAction({ keyHash: KEYS[1]!, action: 'removed', ok: true, detail: 'at budget' });
  await s.savedViews.save('last week', { range: '7d', model: 'gpt-5' });
  const job = await s.jobs.create({ kind: 'reprice', params: { from: 5 } });
  await s.jobs.update(job.id, {
    state: 'succeeded',
    progress: { done: 1, total: 1 },
    result: { repriced: 1 },
  });
  await s.pool.syncAccounts([
    {
      authIndex: 'acc-0',
      fileName: 'codex-0.json',
      provider: 'codex',
      email: 'u0@x.test',
      plan: 'plus',
      chatgptAccountId: 'c0',
      disabled: false,
      cpaStatus: 'active',
      statusMessage: null,
    },
  ]);
  const ch = await s.alerts.createChannel({
    name: 'tg',
    type: 'telegram',
    enabled: true,
    config: { chatId: '1' },
    secret: 'bot-token',
  });
  await s.alerts.createRule({
    name: 'quota',
    kind: 'quota-low',
    enabled: true,
    severity: 'warning',
    params: { remainingPercentBelow: 10 },
    channelIds: [ch.id],
    quietMinutes: 30,
  });
  await s.close();
}

async function snapshot(s: PgStoreRepositories) {
  const f: AnalyticsFilter = { from: START, to: START + 6 * 24 * H };
  const list: unknown[] = [];
  let cursor: string | null = null;
  do {
    const p: Awaited<ReturnType<PgStoreRepositories['events']['list']>> = await s.events.list(
      {},
      { limit: 100, cursor },
    );
    list.push(...p.events);
    cursor = p.nextCursor;
  } while (cursor);
  return {
    totals: await s.analytics.totals(f),
    failures: await s.analytics.totals({ ...f, status: 'failure' }),
    breakdowns: await Promise.all(
      (['model', 'key', 'account', 'provider'] as const).map((by) =>
        s.analytics.breakdown(f, { by, limit: 50 }),
      ),
    ),
    series: await s.analytics.timeSeries(f, { granularity: 'day', timeZone: 'UTC', splitTopModels: 9 }),
    // From the deferred hour × key tier below the watermark, raw events above it.
    heat: await s.analytics.heatmap({ ...f, apiKeyHash: KEYS[0]! }, { timeZone: 'Asia/Shanghai' }),
    list,
    count: await s.events.count(),
    prices: await s.prices.list(),
    versions: await s.prices.versions('gpt-5'),
    keys: await s.apiKeys.list(),
    managementKey: await s.settings.getManagementKey(),
    inspection: await s.settings.get('inspection'),
    budgets: await s.budgets.list(),
    hold: await s.budgets.holdKey(KEYS[1]!),
    log: (await s.budgets.listLog()).length,
    views: await s.savedViews.list(),
    jobs: await s.jobs.list(),
  };
}

suite('copyFromSqlite: SQLite → Postgres', () => {
  let pg: TestPostgres | undefined;
  let dir: string;
  let source: string;
  let expected: Awaited<ReturnType<typeof snapshot>>;
  const target = (schema: string) => ({
    sqlitePath: source,
    connectionString: pg!.url,
    schema,
    dataKey: DATA_KEY,
  });

  beforeAll(async () => {
    pg = await startTestPostgres();
    dir = mkdtempSync(join(tmpdir(), 'cpamp-copy-'));
    source = join(dir, 'cpamp.sqlite');
    await fillSource(source);
    // The deferred tiers folded half-way: the watermark must travel with them.
    const s = await openStore({ path: source, dataKey: DATA_KEY, now: () => START + 3 * 24 * H });
    await s.maintenance.foldRollups();
    expected = await snapshot(s);
    await s.close();
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('copies every common table; the Postgres store answers the same; a second run is a no-op', async () => {
    const progress: string[] = [];
    const report = await copyFromSqlite({
      ...target('full'),
      chunkSize: 64,
      onProgress: (p) => progress.push(p.table),
    });
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.managementKey).toBe('same');
    expect(report.checks.find((c) => c.table === 'events' && c.check === 'rows')?.target).toBe(420);
    expect(report.checks.some((c) => c.table === 'rollup_hour' && c.check === 'sum(cost)')).toBe(true);
    expect(progress).toContain('events');
    // Every SQLite table is either copied or reported as having no Postgres table.
    const copied = report.tables.map((t) => t.table);
    const db = new Database(source, { readonly: true });
    expect([...copied, ...report.notCopied].sort()).toEqual(sqliteTables(db).sort());
    db.close();
    // Postgres has every table SQLite has (import checkpoints since 0018).
    expect(report.notCopied).toEqual([]);
    // Which CPAs each account has events on (migration 0030) travels with the events.
    expect(report.tables.find((t) => t.table === 'account_upstream')?.rows).toBeGreaterThan(0);

    const s = await openPgStore({ connectionString: pg!.url, dataKey: DATA_KEY, schema: 'full' });
    try {
      expect(await snapshot(s)).toEqual(expected);
      expect(expected.heat.source).toBe('rollup+events');
      const src = new Database(source, { readonly: true });
      const upto = src.prepare('SELECT upto FROM rollup_fold').pluck().get();
      src.close();
      const c = new pgDriver.Client({ connectionString: pg!.url });
      await c.connect();
      expect(Number((await c.query('SELECT upto FROM "full".rollup_fold')).rows[0].upto)).toBe(upto);
      expect(Number((await c.query('SELECT count(hset) AS n FROM "full".event_extra')).rows[0].n)).toBe(106);
      // Postgres' own tiers (migration 0031) have no source: they fold from the first copied event.
      const own = await c.query(`SELECT upto FROM "full".rollup_fold WHERE name = 'pg_dims'`);
      expect(Number(own.rows[0].upto)).toBe(0);
      expect((await s.maintenance.foldRollups()).steps).toBeGreaterThan(0);
      expect(Number((await c.query('SELECT count(*) AS n FROM "full".rollup_day_key_account')).rows[0].n)).toBeGreaterThan(0);
      // The same answers (the heatmap now all from the hour × key tier, folded further).
      const folded = await snapshot(s);
      expect({ ...folded, heat: { ...folded.heat, source: expected.heat.source } }).toEqual(expected);
      await c.end();
      // Identity sequences moved past the copied ids: new rows get fresh ids.
      const r = await s.insertBatch([makeEvent({ timestampMs: START + 5 * 24 * H })]);
      expect(r.inserted).toBe(1);
      expect(await s.events.maxId()).toBe(421);
      expect((await s.savedViews.save('another', { range: '1d' })).id).toBeGreaterThan(expected.views[0]!.id);
      await s.insertBatch([]);
    } finally {
      await s.close();
    }

    const again = await copyFromSqlite(target('full'));
    expect(again.rowsCopied).toBe(0);
    expect(again.alreadyComplete).toBe(true);
    // The target changed after the copy (one event, one view): the checks say so.
    expect(again.ok).toBe(false);
    expect(again.checks.filter((c) => !c.ok).map((c) => `${c.table} ${c.check}`)).toContain('events rows');
  }, 60_000);

  it('resumes after an interruption with exact counts, and a second run copies nothing', async () => {
    let interrupted = false;
    await expect(
      copyFromSqlite({
        ...target('resume'),
        chunkSize: 40,
        afterChunk: (table, copied) => {
          if (table === 'events' && copied >= 120 && !interrupted) {
            interrupted = true;
            throw new Error('power cut');
          }
        },
      }),
    ).rejects.toThrow('power cut');
    // Then once more inside a table with a composite key (the rollups are walked by (hour, model_id, bucket)).
    await expect(
      copyFromSqlite({
        ...target('resume'),
        chunkSize: 40,
        afterChunk: (table, copied) => {
          if (table === 'rollup_hour_latency' && copied >= 80) throw new Error('second power cut');
        },
      }),
    ).rejects.toThrow('second power cut');
    const report = await copyFromSqlite({ ...target('resume'), chunkSize: 40 });
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.tables.find((t) => t.table === 'events')).toMatchObject({
      rows: 420,
      copiedThisRun: 0,
      resumed: true,
    });
    const latency = report.tables.find((t) => t.table === 'rollup_hour_latency')!;
    expect(latency.resumed).toBe(true);
    expect(latency.copiedThisRun).toBe(latency.rows - 80);
    const second = await copyFromSqlite(target('resume'));
    expect(second).toMatchObject({ ok: true, rowsCopied: 0, alreadyComplete: true });
    const s = await openPgStore({ connectionString: pg!.url, dataKey: DATA_KEY, schema: 'resume' });
    try {
      expect(await snapshot(s)).toEqual(expected);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('picks up tables that arrive on the Postgres side later (pool / alerts), converting booleans and JSON', async () => {
    // Until the Postgres store has alert tables, made here by hand after its migrations (IF NOT EXISTS:
    // once its own migrations create them, those are the ones copied).
    const pre = await openPgStore({ connectionString: pg!.url, dataKey: DATA_KEY, schema: 'later' });
    await pre.close();
    const c = new pgDriver.Client({ connectionString: pg!.url });
    await c.connect();
    try {
      await c.query(`CREATE TABLE IF NOT EXISTS later.alert_channel (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, type text NOT NULL,
        enabled boolean NOT NULL, config jsonb NOT NULL, secret_enc text, created_ms bigint NOT NULL, updated_ms bigint NOT NULL)`);
      const report = await copyFromSqlite(target('later'));
      expect(report.ok).toBe(true);
      expect(report.tables.map((t) => t.table)).toContain('alert_channel');
      expect(report.notCopied).not.toContain('alert_channel');
      expect(report.checks.find((k) => k.table === 'alert_channel' && k.check === 'rows')).toMatchObject({
        source: 1,
        target: 1,
      });
      const row = (await c.query('SELECT * FROM later.alert_channel')).rows[0] as Record<string, unknown>;
      expect([true, 1, '1']).toContain(row.enabled);
      // jsonb comes back parsed; a text column would hold the same JSON text.
      expect(typeof row.config === 'string' ? JSON.parse(row.config) : row.config).toEqual({ chatId: '1' });
      if (row.secret_enc !== undefined) {
        expect(decryptSecret(Buffer.from(DATA_KEY, 'hex'), row.secret_enc as string)).toBe('bot-token');
      }
      const seqName = (await c.query(`SELECT pg_get_serial_sequence('later.alert_channel', 'id') AS s`))
        .rows[0].s as string | null;
      // The sequence moved past the copied ids (when the table has one: ids are copied as they are).
      if (seqName !== null) {
        const last = (await c.query(`SELECT last_value FROM ${seqName}`)).rows[0].last_value as string;
        const max = (await c.query('SELECT max(id) AS m FROM later.alert_channel')).rows[0].m as string;
        expect(Number(last)).toBe(Number(max));
      }
    } finally {
      await c.end();
    }
  }, 60_000);

  it('refuses a target holding other data, a copy of another database, and a wrong data key', async () => {
    const other = await openPgStore({ connectionString: pg!.url, dataKey: DATA_KEY, schema: 'busy' });
    await other.insertBatch([makeEvent()]);
    await other.close();
    await expect(copyFromSqlite(target('busy'))).rejects.toMatchObject({
      code: 'migrate_refused',
      message: expect.stringContaining('events (1 rows)'),
    });

    const otherPath = join(dir, 'other.sqlite');
    const o = await openStore({ path: otherPath, dataKey: DATA_KEY });
    await o.insertBatch([makeEvent()]);
    await o.close();
    await copyFromSqlite({ ...target('taken'), sqlitePath: otherPath });
    await expect(copyFromSqlite(target('taken'))).rejects.toMatchObject({
      code: 'migrate_refused',
      message: expect.stringContaining('another SQLite database'),
    });

    // A copy already running into that schema (its lock held here by hand).
    const holder = new pgDriver.Client({ connectionString: pg!.url });
    await holder.connect();
    await holder.query(`SELECT pg_advisory_lock(hashtext('cpamp-migrate:locked'))`);
    await expect(copyFromSqlite(target('locked'))).rejects.toMatchObject({
      code: 'migrate_refused',
      message: expect.stringContaining('Another cpamp migrate'),
    });
    await holder.end();
    expect((await copyFromSqlite(target('locked'))).ok).toBe(true);

    await expect(copyFromSqlite({ ...target('wrongkey'), dataKey: '22'.repeat(32) })).rejects.toMatchObject({
      code: 'data_key_mismatch',
    });
    const sealed = await openPgStore({
      connectionString: pg!.url,
      dataKey: '33'.repeat(32),
      schema: 'otherkey',
    });
    await sealed.close();
    await expect(copyFromSqlite(target('otherkey'))).rejects.toMatchObject({
      code: 'data_key_mismatch',
      message: expect.stringContaining('another data key'),
    });
  }, 60_000);
});
