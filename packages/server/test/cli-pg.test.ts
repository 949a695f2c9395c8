// The CLI commands on Postgres (USAGE_DB_URL): doctor checks the connection and says what it found, backup
// and restore refuse with a pg_dump hint, import / export / migrate-from-plus write into and read from
// Postgres, and the connection string's password shows up nowhere.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openPgStore } from '@cpamp/store';
import { buildPlusDataDir, generateUsage, pgTestsDisabled, startTestPostgres, type SqliteCtor, type TestPostgres } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors';
import { EXIT, runCli } from '../src/testing';
import { memoryCliIo, tempDir } from './helpers';

const SECRET = 's3cret-pw-never-shown';
/** Nothing listens on port 1: a refused connection, with a password to keep out of the output. */
const DEAD_URL = `postgres://cpamp:${SECRET}@127.0.0.1:1/cpamp`;

const cleanups: Array<() => void | Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function dir(prefix: string): string {
  const d = tempDir(prefix);
  cleanups.push(d.cleanup);
  return d.path;
}
describe('the CLI with USAGE_DB_URL (no database needed)', () => {
  it('backup and restore refuse on Postgres with a pg_dump / pg_restore hint, the password redacted', async () => {
    const data = dir('cpamp-cli-pg-');
    for (const [command, tool] of [['backup', 'pg_dump'], ['restore', 'pg_restore']] as const) {
      const io = memoryCliIo({ USAGE_DATA_DIR: data, USAGE_DB_URL: DEAD_URL }, data);
      expect((await runCli([command, join(data, 'bk')], io)).code).toBe(EXIT.usage);
      expect(io.errText()).toContain(tool);
      expect(io.errText()).toContain('postgres://cpamp:***@127.0.0.1:1/cpamp');
      expect(io.errText() + io.text()).not.toContain(SECRET);
    }
  });

  it('doctor names an unreachable Postgres as an error without its password', async () => {
    const data = dir('cpamp-cli-pg-');
    const io = memoryCliIo({ USAGE_DATA_DIR: data, USAGE_DB_URL: DEAD_URL }, data);
    expect((await runCli(['doctor'], io)).code).toBe(EXIT.failure);
    expect(io.text()).toMatch(/\[ERROR\] database: Postgres at postgres:\/\/cpamp:\*\*\*@127\.0\.0\.1:1\/cpamp \(schema public\): .*Cannot connect/);
    expect(io.text() + io.errText()).not.toContain(SECRET);
  });

  it('a connection string that is not Postgres stops start-up naming the key, without the password', () => {
    const io = memoryCliIo({ USAGE_DB_URL: `mysql://u:${SECRET}@h/db` }, '/tmp');
    let error: unknown;
    try {
      io.loadConfig([]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('USAGE_DB_URL');
    expect((error as Error).message).not.toContain(SECRET);
  });
});

const suite = pgTestsDisabled() ? describe.skip : describe;

suite('the CLI on a real Postgres', () => {
  let pg: TestPostgres;
  let n = 0;
  const env = (dataDir: string) => ({ USAGE_DATA_DIR: dataDir, USAGE_DB_URL: pg.url, USAGE_DB_SCHEMA: `cli_${process.pid}_${++n}` });
  beforeAll(async () => {
    pg = await startTestPostgres();
    cleanups.push(() => pg.stop());
  }, 60_000);

  it('doctor connects, says what it found, and then checks the CPA connection', async () => {
    const data = dir('cpamp-cli-pg-');
    const io = memoryCliIo(env(data), data);
    // No CPA connection saved: exit 2 after the database line.
    expect((await runCli(['doctor'], io)).code).toBe(2);
    expect(io.text()).toMatch(/\[ok {3}\] database: Postgres at postgres(ql)?:\/\/.* \(schema cli_\d+_\d+\): connected, schema up to date, 0 events/);
    expect(io.text()).toContain('Not configured');
  });

  it('import then export round-trips through Postgres', async () => {
    const data = dir('cpamp-cli-pg-');
    const e = env(data);
    const file = join(data, 'records.jsonl');
    writeFileSync(file, `${[...generateUsage({ seed: 21, events: 50, days: 1 })].map((r) => JSON.stringify(r)).join('\n')}\n`);
    const io = memoryCliIo(e, data);
    const code = (await runCli(['import', file], io)).code;
    expect(code, io.errText()).toBe(EXIT.ok);
    expect(io.text()).toMatch(/50 added/);
    const out = join(data, 'export.jsonl');
    const exp = memoryCliIo(e, data);
    expect((await runCli(['export', '--out', out], exp)).code, exp.errText()).toBe(EXIT.ok);
    const store = await openPgStore({ connectionString: pg.url, schema: e.USAGE_DB_SCHEMA, dataKeyPath: join(data, 'data.key') });
    try {
      expect(await store.events.count()).toBe(50);
    } finally {
      await store.close();
    }
  });

  it('migrate-from-plus writes Plus data into Postgres (events, prices, the saved connection)', async () => {
    const plusDir = dir('cpamp-plus-');
    const data = dir('cpamp-cli-pg-');
    const e = env(data);
    const plus = buildPlusDataDir(plusDir, { Database: Database as unknown as SqliteCtor, events: 30 });
    const io = memoryCliIo(e, data);
    const code = (await runCli(['migrate-from-plus', plus.dbPath], io)).code;
    expect(code, io.errText()).toBe(EXIT.ok);
    expect(io.text()).toMatch(/30 added, 0 skipped/);
    const store = await openPgStore({ connectionString: pg.url, schema: e.USAGE_DB_SCHEMA, dataKeyPath: join(data, 'data.key') });
    try {
      expect(await store.events.count()).toBe(30);
      expect(await store.settings.getManagementKey()).toBe(plus.managementKey);
    } finally {
      await store.close();
    }
  });
});
