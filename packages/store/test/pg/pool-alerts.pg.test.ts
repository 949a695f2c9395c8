// Postgres-only checks of the pool and alert tables: secrets cross between the dialects (one data key, one
// sealing format), and two stores on one database (two cpamp instances) keep the de-duplication invariants.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTestsDisabled, startTestPostgres, type TestPostgres } from '@cpamp/testkit';
import { openPgStore, openStore, type PgStore } from '../../src/index';
import { DATA_KEY } from '../shared/repository-suite';

const suite = pgTestsDisabled() ? describe.skip : describe;
const prefix = `pa${process.pid}_${Date.now().toString(36)}`;
let server: TestPostgres | undefined;
let client: pg.Client | undefined;
let n = 0;
const schemas: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'cpamp-pool-alerts-pg-'));

const openSchema = async (schema = `${prefix}_${++n}`): Promise<PgStore> => {
  if (!schemas.includes(schema)) schemas.push(schema);
  return openPgStore({ connectionString: server!.url, dataKey: DATA_KEY, schema, poolSize: 4 });
};

suite('postgres pool and alerts', () => {
  beforeAll(async () => {
    server = await startTestPostgres();
    client = new pg.Client({ connectionString: server.url });
    await client.connect();
  }, 60_000);
  afterAll(async () => {
    if (client && process.env.CPAMP_TEST_PG_URL)
      for (const name of schemas) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await client?.end();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('a channel secret sealed by SQLite reads back on Postgres, and the other way round', async () => {
    const path = join(dir, 'store.sqlite');
    const lite = await openStore({ path, dataKey: DATA_KEY });
    const pgs = await openSchema();
    const schema = pgs.schema;
    try {
      const a = await lite.alerts.createChannel({ name: 'tg', type: 'telegram', enabled: true, config: {}, secret: 'from-sqlite' });
      const b = await pgs.alerts.createChannel({ name: 'hook', type: 'webhook', enabled: true, config: {}, secret: 'from-postgres' });
      const raw = new Database(path, { readonly: true });
      const sealedLite = (raw.prepare('SELECT secret_enc FROM alert_channel WHERE id = ?').get(a.id) as { secret_enc: string }).secret_enc;
      raw.close();
      const { rows } = await client!.query<{ secret_enc: string }>(`SELECT secret_enc FROM "${schema}".alert_channel WHERE id = $1`, [b.id]);
      const sealedPg = rows[0]!.secret_enc;
      expect(sealedPg).not.toContain('from-postgres');
      // Swap the sealed values between the databases: each store opens the other's.
      await client!.query(`UPDATE "${schema}".alert_channel SET secret_enc = $1 WHERE id = $2`, [sealedLite, b.id]);
      await lite.close();
      const rw = new Database(path);
      rw.prepare('UPDATE alert_channel SET secret_enc = ? WHERE id = ?').run(sealedPg, a.id);
      rw.close();
      const lite2 = await openStore({ path, dataKey: DATA_KEY });
      try {
        expect(await lite2.alerts.channelSecret(a.id)).toBe('from-postgres');
      } finally {
        await lite2.close();
      }
      expect(await pgs.alerts.channelSecret(b.id)).toBe('from-sqlite');
    } finally {
      await lite.close();
      await pgs.close();
    }
  });

  it('two stores on one schema: one open incident, one unresolved issue and one ack, whoever writes first', async () => {
    const schema = `${prefix}_shared`;
    const a = await openSchema(schema);
    const b = await openSchema(schema);
    try {
      const incident = { ruleId: 1, kind: 'quota-low', subject: 'acc-1', severity: 'warning', message: 'm', atMs: 1 };
      const opened = await Promise.allSettled([a, b, a, b].map((s) => s.alerts.openIncident(incident)));
      expect(opened.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await b.alerts.openIncidents()).toHaveLength(1);

      const issue = { authIndex: 'idx1', fileName: null, provider: 'codex', issue: 'exhausted' as const, detail: 'q' };
      const ups = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).pool.upsertIssue(issue)));
      expect(new Set(ups.map((u) => u.id)).size).toBe(1);
      expect(await a.pool.listIssues()).toMatchObject([{ count: 10, state: 'open' }]);

      const acks = await Promise.all([a, b, a, b].map((s) => s.alertSilences.ack(5)));
      expect(new Set(acks.map((x) => x.id)).size).toBe(1);
      expect(await b.alertSilences.active(0)).toHaveLength(1);

      // A rule written by one instance is seen by the other at once (Postgres keeps no rules cache).
      await b.alerts.listRules();
      const rule = await a.alerts.createRule({ name: 'r', kind: 'quota-low', enabled: true, severity: 'info', params: {}, channelIds: [], quietMinutes: 0 });
      expect((await b.alerts.listRules()).map((r) => r.id)).toEqual([rule.id]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses calls after close', async () => {
    const s = await openSchema();
    await s.close();
    await expect(s.pool.listAccounts()).rejects.toThrow(/closed/);
    await expect(s.alerts.listRules()).rejects.toThrow(/closed/);
    await expect(s.alertSilences.active(0)).rejects.toThrow(/closed/);
  });
});
