// Start in place on a CPA Manager Plus data dir: `cpamp serve` with Plus's env comes up with Plus's events,
// prices, aliases, saved connection (still collecting), policy, inspection settings, owned disables and admin
// key; Plus's usage.sqlite and data.key stay byte-for-byte the same; a later start uses cpamp's own file.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '@cpamp/store';
import { buildPlusDataDir, generateUsage, startFakeCpa, type FakeCpa, type SqliteCtor } from '@cpamp/testkit';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, loadConfig, type AppDeps } from '../src/index';
import { plusLockHeld } from '../src/plus-switch/plus-files';
import { EXIT, runCli } from '../src/testing';
import { memoryCliIo, tempDir, waitFor } from './helpers';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const DB = Database as unknown as SqliteCtor;
/** Fields Plus's importer reads from an exported event that its own export leaves out when empty (omitempty). */
const PLUS_IMPORT_FIELDS = new Set([
  'cache_input_mode',
  'response_service_tier',
  'fail_body',
  'reasoning_effort',
  'service_tier',
  'method',
  'path',
  'auth_type',
  'source',
  'api_key_hash',
  'ttft_ms',
  'fail_status_code',
]);

function plusEnv(dir: string, extra: Record<string, string> = {}): ReturnType<typeof loadConfig> {
  // Plus's compose: USAGE_DATA_DIR and (optionally) USAGE_DB_PATH; the data key from <dir>/data.key.
  return loadConfig({
    env: { USAGE_DATA_DIR: dir, CPAMP_DOCKER: '0', LOG_LEVEL: 'silent', ...extra },
    argv: [],
    cwd: dir,
  });
}

async function start(
  config: ReturnType<typeof loadConfig>,
  lines: string[] = [],
  deps: AppDeps = {},
): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApp(config, {
    onMigrationProgress: (l) => void lines.push(l),
    onAdminKeyGenerated: () => {
      throw new Error('the admin key Plus had must carry over; none may be generated');
    },
    collectorStopTimeoutMs: 1_500,
    retentionSchedule: false,
    ...deps,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  return { app, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` };
}

describe('start in place on a CPA Manager Plus data dir', () => {
  let fake: FakeCpa | null = null;
  afterEach(async () => {
    await fake?.close();
    fake = null;
  });

  it('carries over everything, keeps collecting, leaves Plus files unchanged, and later starts use cpamp files', async () => {
    fake = await startFakeCpa();
    const dir = tempDir('cpamp-plus-');
    cleanups.push(dir.cleanup);
    const plus = buildPlusDataDir(dir.path, {
      Database: DB,
      events: 250,
      cpaBaseUrl: fake.url,
      managementKey: fake.managementKey,
    });
    const before = { db: sha(plus.dbPath), key: sha(join(dir.path, 'data.key')) };

    const lines: string[] = [];
    const { app, url } = await start(plusEnv(dir.path), lines);
    cleanups.push(() => app.close());
    expect(lines[0]).toMatch(
      /migrating CPA Manager Plus data .*250 events, 1 prices, 1 aliases, the saved CPA connection/,
    );
    expect(lines.at(-1)).toMatch(/migration finished: 250 events added .*Plus's files were not changed/);

    // The admin key Plus generated still opens the API; another key does not.
    const status = await fetch(`${url}/status`, { headers: { authorization: `Bearer ${plus.adminKey}` } });
    expect(status.status).toBe(200);
    expect(
      (
        await fetch(`${url}/status`, {
          headers: { authorization: 'Bearer cpamp_wrongwrongwrongwrongwrongwrong' },
        })
      ).status,
    ).toBe(401);

    // The saved connection decrypted with Plus's key: the collector pops from the same CPA.
    for (const record of generateUsage({ seed: 3, events: 5, days: 1 })) fake.enqueueUsage(record);
    await waitFor(
      async () =>
        (
          (await (
            await fetch(`${url}/status`, { headers: { authorization: `Bearer ${plus.adminKey}` } })
          ).json()) as { collector: { totalInserted: number } }
        ).collector.totalInserted >= 5,
      { timeoutMs: 10_000, what: 'five records collected through the carried-over connection' },
    );
    await app.close();

    expect(sha(plus.dbPath)).toBe(before.db);
    expect(sha(join(dir.path, 'data.key'))).toBe(before.key);
    expect(readdirSync(dir.path).filter((f) => f.includes('migration'))).toEqual([]);

    const store = await openStore({
      path: join(dir.path, 'cpamp.sqlite'),
      dataKeyPath: join(dir.path, 'data.key'),
    });
    try {
      expect((await store.storageReport()).events).toBe(255);
      const price = await store.prices.get('gpt-5');
      expect(price).toMatchObject({
        input: 1.25,
        output: 10,
        cacheRead: 0.125,
        inputAbove200k: 2.5,
        outputAbove200k: 15,
      });
      expect((await store.apiKeys.list()).find((k) => k.hash === plus.apiKeyHash)?.alias).toBe('team-a');
      expect(await store.settings.getManagementKey()).toBe(fake.managementKey);
      expect(await store.settings.get('pool.policy_overrides')).toEqual({
        autoDisableOnExhaustion: true,
        authIssueQueue: true,
        autoDisableAuthIssues: false,
        inspectionIntervalMinutes: 45,
        inspectionConcurrency: 3,
        inspectionProviders: ['codex'],
      });
      const owned = await store.pool.listOwnership();
      expect(owned.map((o) => [o.authIndex, o.kind]).sort()).toEqual([
        ['auth-1', 'quota'],
        ['auth-2', 'auth-issue'],
      ]);
      const tokens = (await store.analytics.totals({ from: 0, to: Date.UTC(2030, 0, 1) })) as unknown as {
        totalTokens?: number;
        tokens?: { total?: number };
      };
      expect(tokens.totalTokens ?? tokens.tokens?.total).toBeGreaterThanOrEqual(plus.totalTokens);
    } finally {
      await store.close();
    }

    // A later start: cpamp's own file, no second migration.
    const again: string[] = [];
    const second = await start(plusEnv(dir.path), again);
    await second.app.close();
    expect(again).toEqual([]);
    expect(sha(plus.dbPath)).toBe(before.db);
  });

  it("takes USAGE_DB_PATH naming Plus's database as the source, and sees rows still in Plus's WAL", async () => {
    const dir = tempDir('cpamp-plus-');
    cleanups.push(dir.cleanup);
    const plus = buildPlusDataDir(dir.path, {
      Database: DB,
      events: 20,
      keepWal: true,
      cpaBaseUrl: 'http://127.0.0.1:9',
      managementKey: 'k',
    });
    cleanups.push(() => plus.close?.());
    expect(readFileSync(`${plus.dbPath}-wal`).length).toBeGreaterThan(0);
    const before = { db: sha(plus.dbPath), wal: sha(`${plus.dbPath}-wal`) };
    const { app } = await start(plusEnv(dir.path, { USAGE_DB_PATH: plus.dbPath }), [], { collector: false });
    await app.close();
    expect(sha(plus.dbPath)).toBe(before.db);
    expect(sha(`${plus.dbPath}-wal`)).toBe(before.wal);
    const store = await openStore({
      path: join(dir.path, 'cpamp.sqlite'),
      dataKeyPath: join(dir.path, 'data.key'),
    });
    try {
      expect((await store.storageReport()).events).toBe(21);
    } finally {
      await store.close();
    }
  });

  it('refuses while Plus holds its lock, and names the table of a damaged database; nothing is half-written', async () => {
    const dir = tempDir('cpamp-plus-');
    cleanups.push(dir.cleanup);
    const plus = buildPlusDataDir(dir.path, { Database: DB, events: 5 });
    const lockPath = `${plus.dbPath}.manager.lock`;
    // flock(1) stands in for Plus: it holds an flock on the lock file, as Plus does while it runs. Its own
    // process group, so stopping it also stops the sleep that inherited the locked descriptor.
    const holder: ChildProcess = spawn('flock', [lockPath, 'sleep', '30'], {
      stdio: 'ignore',
      detached: true,
    });
    let stopped = false;
    const stopHolder = () => {
      if (stopped || holder.pid === undefined) return;
      stopped = true;
      process.kill(-holder.pid, 'SIGTERM');
    };
    cleanups.push(stopHolder);
    const held = await waitFor(() => plusLockHeld(plus.dbPath), {
      timeoutMs: 5_000,
      what: 'the flock holder',
    }).catch(() => false);
    if (process.platform === 'linux' && existsSync('/usr/bin/flock')) expect(held).toBe(true);
    if (held) {
      await expect(start(plusEnv(dir.path))).rejects.toThrow(/CPA Manager Plus is still running/);
      expect(existsSync(join(dir.path, 'cpamp.sqlite'))).toBe(false);
    }
    stopHolder();
    await waitFor(() => !plusLockHeld(plus.dbPath), { what: 'the lock released' });

    // Pages of usage_events overwritten (a damaged disk or a torn copy): the error names the table.
    const torn = tempDir('cpamp-plus-torn-');
    cleanups.push(torn.cleanup);
    const big = buildPlusDataDir(torn.path, { Database: DB, events: 3000 });
    const bytes = readFileSync(big.dbPath);
    bytes.fill(0x5a, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 16_384);
    writeFileSync(big.dbPath, bytes);
    await expect(start(plusEnv(torn.path))).rejects.toThrow(/table "usage_events" cannot be read/);
    expect(existsSync(join(torn.path, 'cpamp.sqlite'))).toBe(false);
    expect(readdirSync(torn.path).filter((f) => f.includes('migration'))).toEqual([]);

    const db = new Database(plus.dbPath);
    db.prepare("UPDATE settings SET value = '{broken' WHERE key = 'manager_config_v1'").run();
    db.close();
    await expect(start(plusEnv(dir.path))).rejects.toThrow(/table "settings", key "manager_config_v1"/);
    const partial = new Database(plus.dbPath);
    partial.exec('DROP TABLE usage_events');
    partial.close();
    await expect(start(plusEnv(dir.path))).rejects.toThrow(/no table "usage_events"/);
    expect(readdirSync(dir.path).filter((f) => f.startsWith('cpamp') || f.includes('migration'))).toEqual(
      ['cpamp.lock'].filter((f) => existsSync(join(dir.path, f))),
    );
  });

  // Recorded by the real Plus v1.12.2 (test/fixtures/plus-v1.12.2, see its README): a clean stop, and a copy taken
  // while Plus ran (its WAL holds an alias written last). CPAMP_TEST_PLUS_DATA_DIR points at another real data dir.
  const fixtures = join(__dirname, '../../../test/fixtures/plus-v1.12.2');
  const recordedDirs = process.env.CPAMP_TEST_PLUS_DATA_DIR
    ? [process.env.CPAMP_TEST_PLUS_DATA_DIR]
    : [join(fixtures, 'data-dir'), join(fixtures, 'data-dir-running')];
  for (const recorded of recordedDirs) {
    it(`starts on the data dir recorded from the real Plus v1.12.2 (${recorded.split('/').pop()})`, async () => {
      const env =
        existsSync(join(fixtures, 'env.json')) && !process.env.CPAMP_TEST_PLUS_DATA_DIR
          ? (JSON.parse(readFileSync(join(fixtures, 'env.json'), 'utf8')) as {
              adminKey: string;
              managementKey: string;
            })
          : null;
      const dir = tempDir('cpamp-plus-real-');
      cleanups.push(dir.cleanup);
      // The copy has no live lock holder: the recorded lock file is only a file.
      cpSync(recorded, dir.path, { recursive: true });
      const before = { db: sha(join(dir.path, 'usage.sqlite')), key: sha(join(dir.path, 'data.key')) };
      const lines: string[] = [];
      // Plus's env as its image has it, CPA_MANAGER_CONFIG at the config.json Plus wrote included.
      const { app, url } = await start(
        plusEnv(dir.path, {
          CPA_MANAGER_CONFIG: join(dir.path, 'config.json'),
          CPA_MANAGER_DATA_KEY_PATH: join(dir.path, 'data.key'),
        }),
        lines,
        { collector: false, onAdminKeyGenerated: () => undefined },
      );
      try {
        expect(lines.at(-1)).toMatch(/migration finished/);
        const key = env?.adminKey ?? process.env.CPAMP_TEST_PLUS_ADMIN_KEY;
        if (key)
          expect((await fetch(`${url}/status`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(
            200,
          );
      } finally {
        await app.close();
      }
      expect(sha(join(dir.path, 'usage.sqlite'))).toBe(before.db);
      expect(sha(join(dir.path, 'data.key'))).toBe(before.key);
      // What Plus holds, read the way Plus would (a copy with its WAL).
      const peek = join(dir.path, 'peek');
      mkdirSync(peek);
      for (const f of ['usage.sqlite', 'usage.sqlite-wal'])
        if (existsSync(join(dir.path, f))) cpSync(join(dir.path, f), join(peek, f));
      const plusDb = new Database(join(peek, 'usage.sqlite'), { readonly: true });
      const count = (sql: string) => plusDb.prepare(sql).pluck().get() as number;
      const plus = {
        events: count('SELECT count(*) FROM usage_events'),
        tokens: count('SELECT coalesce(sum(total_tokens), 0) FROM usage_events'),
        prices: count('SELECT count(*) FROM model_prices'),
        aliases: plusDb.prepare('SELECT alias FROM api_key_aliases ORDER BY alias').pluck().all() as string[],
        connection: count("SELECT count(*) FROM settings WHERE key IN ('manager_config_v1', 'setup')"),
      };
      plusDb.close();
      const store = await openStore({
        path: join(dir.path, 'cpamp.sqlite'),
        dataKeyPath: join(dir.path, 'data.key'),
      });
      try {
        expect((await store.storageReport()).events).toBe(plus.events);
        expect((await store.prices.list()).length).toBeGreaterThanOrEqual(plus.prices);
        const aliases = (await store.apiKeys.list())
          .map((k) => k.alias)
          .filter((a): a is string => !!a)
          .sort();
        expect(aliases).toEqual(plus.aliases);
        if (plus.connection > 0)
          expect(await store.settings.getManagementKey()).toBe(env?.managementKey ?? expect.any(String));
        if (plus.prices > 0 && env)
          expect(await store.prices.get('gpt-fixture')).toMatchObject({
            input: 1.25,
            output: 10,
            cacheRead: 0.125,
          });
      } finally {
        await store.close();
      }
      expect(JSON.parse(readFileSync(join(dir.path, 'admin-key.json'), 'utf8'))).toMatchObject({
        algorithm: 'plus-hmac-sha256',
        source: 'plus',
      });
      if (env) expect(plus.events).toBe(300);
    });
  }

  it('`cpamp migrate-from-plus <usage.sqlite>` carries the same things into a new data dir, and only events into an existing one', async () => {
    const plusDir = tempDir('cpamp-plus-');
    const data = tempDir('cpamp-data-');
    cleanups.push(plusDir.cleanup, data.cleanup);
    const plus = buildPlusDataDir(plusDir.path, { Database: DB, events: 30 });
    const before = sha(plus.dbPath);
    const io = memoryCliIo({ USAGE_DATA_DIR: data.path }, data.path);
    expect((await runCli(['migrate-from-plus', plus.dbPath], io)).code, io.errText()).toBe(EXIT.ok);
    expect(io.text()).toMatch(
      /30 added, 0 skipped.*\n.*1 prices, 1 aliases, 2 owned disables, the saved CPA connection, the admin key/,
    );
    const again = memoryCliIo({ USAGE_DATA_DIR: data.path }, data.path);
    expect((await runCli(['migrate-from-plus', plus.dbPath], again)).code).toBe(EXIT.ok);
    expect(again.text()).toMatch(/0 added, 30 skipped/);
    expect(sha(plus.dbPath)).toBe(before);
    const store = await openStore({
      path: join(data.path, 'cpamp.sqlite'),
      dataKeyPath: join(data.path, 'data.key'),
    });
    try {
      expect(await store.settings.getManagementKey()).toBe(plus.managementKey);
      expect((await store.prices.get('gpt-5'))?.input).toBe(1.25);
    } finally {
      await store.close();
    }
  });

  it('`cpamp export --format plus` writes the lines Plus imports: only what Plus lacks by default, its fields, the same tokens', async () => {
    const plusDir = tempDir('cpamp-plus-');
    const data = tempDir('cpamp-data-');
    cleanups.push(plusDir.cleanup, data.cleanup);
    const plus = buildPlusDataDir(plusDir.path, { Database: DB, events: 40 });
    expect(
      (
        await runCli(
          ['migrate-from-plus', plus.dbPath],
          memoryCliIo({ USAGE_DATA_DIR: data.path }, data.path),
        )
      ).code,
    ).toBe(EXIT.ok);
    // After the switch cpamp collects more: a raw CPA record newer than anything Plus had.
    const after = join(data.path, 'after.jsonl');
    const records = [...generateUsage({ seed: 5, events: 3, days: 1 })].map((r, i) => ({
      ...r,
      timestamp: new Date(Date.UTC(2027, 0, 1) + i * 1000).toISOString(),
    }));
    writeFileSync(after, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    expect(
      (await runCli(['import', after], memoryCliIo({ USAGE_DATA_DIR: data.path }, data.path))).code,
    ).toBe(EXIT.ok);
    const out = join(data.path, 'rollback.jsonl');
    const io = memoryCliIo({ USAGE_DATA_DIR: data.path }, data.path);
    expect((await runCli(['export', '--format', 'plus', '--out', out], io)).code, io.errText()).toBe(EXIT.ok);
    // Only what Plus does not have: the events collected after the switch.
    expect(io.errText()).toMatch(
      /Exported 3 events collected after the switch from Plus .* in CPA Manager Plus's import format/,
    );
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.timestamp_ms)).toEqual(records.map((r) => Date.parse(r.timestamp)));
    const all = join(data.path, 'all.jsonl');
    expect(
      (
        await runCli(
          ['export', '--format', 'plus', '--from', '0', '--out', all],
          memoryCliIo({ USAGE_DATA_DIR: data.path }, data.path),
        )
      ).code,
    ).toBe(EXIT.ok);
    const allLines = readFileSync(all, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(allLines).toHaveLength(43);
    // Every field is one Plus's own export line has (recorded from the real Plus v1.12.2).
    const recorded = join(__dirname, '../../../test/fixtures/plus-v1.12.2/usage-export.jsonl');
    const plusFields = new Set(
      readFileSync(recorded, 'utf8')
        .trim()
        .split('\n')
        .flatMap((l) => Object.keys(JSON.parse(l) as object)),
    );
    for (const l of allLines) {
      expect(typeof l.timestamp_ms).toBe('number');
      expect(l.event_hash).toBeTruthy();
      expect(l.model).toBeTruthy();
      for (const k of Object.keys(l)) expect(plusFields.has(k) || PLUS_IMPORT_FIELDS.has(k), k).toBe(true);
    }
    const fromPlus = allLines.slice(0, 40);
    expect(fromPlus.reduce((n, l) => n + (l.total_tokens as number), 0)).toBe(plus.totalTokens);
    expect(
      await runCli(['export', '--format', 'xml'], memoryCliIo({ USAGE_DATA_DIR: data.path }, data.path)),
    ).toMatchObject({ code: EXIT.usage });
  });

  it('/status and the doctor say so when Plus still runs beside cpamp on the data it switched from', async () => {
    const dir = tempDir('cpamp-plus-');
    cleanups.push(dir.cleanup);
    const plus = buildPlusDataDir(dir.path, { Database: DB, events: 3, cpaBaseUrl: 'http://127.0.0.1:9' });
    const { app, url } = await start(plusEnv(dir.path), [], { collector: false });
    cleanups.push(() => app.close());
    const auth = { authorization: `Bearer ${plus.adminKey}` };
    const status = async () =>
      (
        (await (await fetch(`${url}/status`, { headers: auth })).json()) as {
          plusSideBySide: { detected: boolean; detail: string | null } | null;
        }
      ).plusSideBySide;
    expect(await status()).toMatchObject({ detected: false });
    // Plus writes to its database again (it was started beside cpamp): its files are newer than the switch.
    const later = new Date(Date.now() + 60_000);
    utimesSync(plus.dbPath, later, later);
    expect(await status()).toMatchObject({
      detected: true,
      detail: expect.stringMatching(/changed after cpamp took it over/),
    });
    const doctor = (await (
      await fetch(`${url}/v0/management/collector/doctor`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { findings: { id: string; ok: boolean | null }[] };
    expect(doctor.findings.find((f) => f.id === 'plus-side-by-side')).toMatchObject({ ok: false });
  });
});
