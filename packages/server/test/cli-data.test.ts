import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, buildApp, defineConfig } from '../src/index';
import { EXIT, HELP, runCli } from '../src/testing';
import { memoryCliIo, tempDir } from './helpers';

const memoryIo = memoryCliIo;

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dir(): string {
  const d = tempDir('cpamp-cli-data-');
  cleanups.push(d.cleanup);
  return d.path;
}

function rawRecordsFile(path: string, events: number): void {
  const lines: string[] = [];
  for (const r of generateUsage({ seed: 7, events, days: 2 })) lines.push(JSON.stringify(r));
  writeFileSync(path, `${lines.join('\n')}\n`);
}

const countLines = (path: string): number => readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').length;

describe('cpamp import / export / migrate-from-plus', () => {
  it('prints help for each data command', async () => {
    const d = dir();
    for (const cmd of ['import', 'export', 'migrate-from-plus', 'doctor']) {
      const io = memoryIo({}, d);
      expect((await runCli([cmd, '--help'], io)).code).toBe(EXIT.ok);
      expect(io.text()).toBe(`${HELP[cmd]}\n`);
      expect(io.text()).toMatch(/[Ee]xit codes/);
    }
    expect((await runCli(['import'], memoryIo({}, d))).code).toBe(EXIT.usage);
    expect((await runCli(['export', '--from', 'yesterday'], memoryIo({}, d))).code).toBe(EXIT.usage);
  });

  it('export → import round trip into a second data dir keeps every event; re-import dedups', async () => {
    const work = dir();
    const a = dir();
    const b = dir();
    const raw = join(work, 'raw.jsonl');
    rawRecordsFile(raw, 300);

    const imp = memoryIo({ USAGE_DATA_DIR: a }, work);
    expect((await runCli(['import', raw], imp)).code).toBe(EXIT.ok);
    const added = Number(/(\d+) added/.exec(imp.text())?.[1]);
    expect(added).toBeGreaterThan(0);
    expect(imp.text()).toMatch(/skipped/);
    expect(imp.text()).toMatch(/failed/);

    const outA = join(work, 'a.jsonl');
    const exp = memoryIo({ USAGE_DATA_DIR: a }, work);
    expect((await runCli(['export', '--out', outA], exp)).code).toBe(EXIT.ok);
    expect(countLines(outA)).toBe(added);

    const impB = memoryIo({ USAGE_DATA_DIR: b }, work);
    expect((await runCli(['import', outA], impB)).code).toBe(EXIT.ok);
    expect(impB.text()).toMatch(new RegExp(`: ${added} added, 0 skipped`));

    // stdout export of B equals A's export line for line.
    const expB = memoryIo({ USAGE_DATA_DIR: b }, work);
    expect((await runCli(['export'], expB)).code).toBe(EXIT.ok);
    expect(expB.text().split('\n').filter(Boolean).sort()).toEqual(readFileSync(outA, 'utf8').split('\n').filter(Boolean).sort());

    const again = memoryIo({ USAGE_DATA_DIR: b }, work);
    expect((await runCli(['import', outA], again)).code).toBe(EXIT.ok);
    expect(again.text()).toMatch(new RegExp(`: 0 added, ${added} skipped`));

    // A time window exports a subset.
    const lines = readFileSync(outA, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { timestampMs: number });
    const mid = [...lines.map((l) => l.timestampMs)].sort((x, y) => x - y)[Math.floor(lines.length / 2)] as number;
    const half = memoryIo({ USAGE_DATA_DIR: a }, work);
    expect((await runCli(['export', '--from', String(mid)], half)).code).toBe(EXIT.ok);
    expect(half.text().split('\n').filter(Boolean).length).toBe(lines.filter((l) => l.timestampMs >= mid).length);
  });

  it('a corrupted JSONL line stops the import with exit 1 and its line number', async () => {
    const work = dir();
    const raw = join(work, 'raw.jsonl');
    rawRecordsFile(raw, 20);
    const text = readFileSync(raw, 'utf8').split('\n');
    text.splice(6, 0, '{"timestamp": "2026-05-01T00:00:00Z", broken');
    writeFileSync(raw, text.join('\n'));
    const io = memoryIo({ USAGE_DATA_DIR: dir() }, work);
    expect((await runCli(['import', raw], io)).code).toBe(EXIT.failure);
    expect(io.errText()).toMatch(/line 7\b/);
  });

  it('refuses with exit 3 while a server holds the data directory', async () => {
    const work = dir();
    const data = dir();
    const raw = join(work, 'raw.jsonl');
    rawRecordsFile(raw, 5);
    const lock = acquireDataDirLock(data);
    cleanups.push(() => lock.release());
    for (const argv of [['import', raw], ['export'], ['migrate-from-plus', raw], ['doctor']]) {
      const io = memoryIo({ USAGE_DATA_DIR: data }, work);
      expect((await runCli(argv, io)).code).toBe(EXIT.locked);
      expect(io.errText()).toMatch(/in use by process/);
    }
  });

  it('migrate-from-plus imports a Plus usage.sqlite read-only and dedups on a second run', async () => {
    const work = dir();
    const plusPath = join(work, 'usage.sqlite');
    const src = new Database(plusPath);
    src.exec(`CREATE TABLE usage_events (id INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT, event_hash TEXT UNIQUE NOT NULL,
      timestamp_ms INTEGER, timestamp TEXT, provider TEXT, executor_type TEXT, model TEXT NOT NULL, endpoint TEXT,
      client_ip TEXT, user_agent TEXT, auth_type TEXT, auth_index TEXT, source TEXT, api_key_hash TEXT,
      requested_model TEXT, resolved_model TEXT, reasoning_effort TEXT, service_tier TEXT,
      input_tokens INTEGER, output_tokens INTEGER, reasoning_tokens INTEGER, cached_tokens INTEGER,
      cache_read_tokens INTEGER, cache_creation_tokens INTEGER, total_tokens INTEGER, latency_ms INTEGER, ttft_ms INTEGER,
      failed INTEGER, fail_status_code INTEGER, fail_summary TEXT, created_at_ms INTEGER)`);
    const ins = src.prepare(`INSERT INTO usage_events (request_id, event_hash, timestamp_ms, timestamp, provider, executor_type, model,
      endpoint, auth_type, auth_index, source, api_key_hash, requested_model, resolved_model, input_tokens, output_tokens,
      reasoning_tokens, cached_tokens, cache_read_tokens, cache_creation_tokens, total_tokens, latency_ms, ttft_ms, failed,
      fail_status_code, fail_summary, client_ip, user_agent)
      VALUES (?, ?, ?, '', 'codex', 'codex', 'gpt-5', 'POST /v1/responses', 'oauth', ?, 'a***@x.com', ?, 'gpt-5', 'gpt-5',
      ?, 100, 20, 0, 0, 0, ?, 900, 100, ?, ?, ?, '10.0.0.1', 'codex_cli_rs/0.50.0')`);
    for (let i = 1; i <= 12; i++) {
      const failed = i % 4 === 0;
      ins.run((0xc0000000 + i).toString(16), createHash('sha256').update(`plus-${i}`).digest('hex'), Date.UTC(2026, 4, 1) + i * 60_000,
        String(i % 3), 'f'.repeat(64), 1000 + i, 1120 + i, failed ? 1 : 0, failed ? 429 : 0, failed ? 'rate limited' : '');
    }
    src.close();
    const data = dir();
    const io = memoryIo({ USAGE_DATA_DIR: data }, work);
    expect((await runCli(['migrate-from-plus', plusPath], io)).code).toBe(EXIT.ok);
    expect(io.text()).toMatch(/(plus|cpa_manager)_sqlite: 12 added, 0 skipped \(duplicates\), 0 failed/);
    const again = memoryIo({ USAGE_DATA_DIR: data }, work);
    expect((await runCli(['migrate-from-plus', plusPath], again)).code).toBe(EXIT.ok);
    expect(again.text()).toMatch(/0 added, 12 skipped/);
    // A Plus compose that points USAGE_DB_PATH at that file does not get it rewritten: it is the migration source.
    const before = readFileSync(plusPath);
    const switched = dir();
    const fromPlus = await buildApp(defineConfig({ dataDir: switched, dbPath: plusPath, logLevel: 'silent' }), { onAdminKeyGenerated: () => undefined, collector: false, retentionSchedule: false });
    await fromPlus.close();
    expect(existsSync(join(switched, 'cpamp.sqlite'))).toBe(true);
    expect(readFileSync(plusPath).equals(before)).toBe(true);
    // cpamp's own database passes the same check
    const own = dir();
    const app = await buildApp(defineConfig({ dataDir: own, logLevel: 'silent' }), { onAdminKeyGenerated: () => undefined, collector: false, retentionSchedule: false });
    await app.close();
    const again2 = await buildApp(defineConfig({ dataDir: own, logLevel: 'silent' }), { onAdminKeyGenerated: () => undefined, collector: false, retentionSchedule: false });
    await again2.close();
  });
});

describe('cpamp doctor', () => {
  let fake: FakeCpa | null = null;
  afterEach(async () => {
    await fake?.close();
    fake = null;
  });

  it('exit 2 when no CPA connection is configured', async () => {
    const io = memoryIo({ USAGE_DATA_DIR: dir() }, dir());
    expect((await runCli(['doctor'], io)).code).toBe(2);
    expect(io.text()).toMatch(/Not configured/);
  });

  it('prints the usage-publishing finding with its fix when usage statistics are off (exit 1)', async () => {
    fake = await startFakeCpa({ usageStatisticsEnabled: false });
    const env = { USAGE_DATA_DIR: dir(), CPA_UPSTREAM_URL: fake.url, CPA_MANAGEMENT_KEY: fake.managementKey };
    const io = memoryIo(env, dir());
    const code = (await runCli(['doctor', '--probe-window-ms', '200'], io)).code;
    expect(io.text()).toMatch(/usage-publishing-disabled/);
    expect(io.text()).toMatch(/fix: /);
    expect(code).toBe(1);
    fake.setUsageStatisticsEnabled(true);
    const healthy = memoryIo(env, dir());
    const code2 = (await runCli(['doctor', '--probe-window-ms', '200'], healthy)).code;
    expect(healthy.text()).not.toMatch(/usage-publishing-disabled.*\n\s+fix/);
    expect(code2).toBe(0);
  });
});
