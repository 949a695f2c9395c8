// `cpamp migrate --to postgres://…` through the CLI entry: a data directory's SQLite database into a real
// Postgres, progress and a verification table, exit codes for success, refusal and usage errors.
import { join } from 'node:path';
import { openPgStore, openStore } from '@cpamp/store';
import { pgTestsDisabled, startTestPostgres, type TestPostgres } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, HELP, runCli } from '../src/testing';
import { memoryCliIo, tempDir } from './helpers';

const suite = pgTestsDisabled() ? describe.skip : describe;
const DAY = 86_400_000;

function event(i: number) {
  return {
    dedupKey: i.toString(16).padStart(8, '0').padEnd(64, 'e'),
    requestId: `req-${i}`,
    timestampMs: Date.UTC(2026, 10, 1) + (i % 5) * DAY + i * 1000,
    provider: 'codex',
    executorType: 'CodexExecutor',
    model: i % 2 ? 'gpt-5' : 'gpt-5-codex',
    alias: 'gpt-5',
    endpoint: 'POST /v1/responses',
    authType: 'oauth',
    authIndex: `acc-${i % 3}`,
    source: 'a@example.com',
    apiKeyHash: 'k'.repeat(64),
    apiKeyLabel: '…ab',
    clientIp: '10.0.0.1',
    userAgent: 'codex',
    failed: i % 7 === 0,
    statusCode: i % 7 === 0 ? 500 : 200,
    failBody: '',
    latencyMs: 500 + i,
    ttftMs: 100,
    reasoningEffort: 'medium',
    serviceTier: 'auto',
    responseServiceTier: 'default',
    generate: true,
    inputTokens: 1000 + i,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    outputTokens: 100,
    reasoningTokens: 0,
    unclassifiedTokens: 0,
    totalTokens: 1100 + i,
    tokenQuality: 'complete' as const,
  };
}

suite('cpamp migrate --to postgres', () => {
  let pg: TestPostgres | undefined;
  const dirs: { cleanup(): void }[] = [];
  beforeAll(async () => {
    pg = await startTestPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
    for (const d of dirs) d.cleanup();
  });
  const dataDir = async (n: number) => {
    const d = tempDir('cpamp-cli-migrate-');
    dirs.push(d);
    const s = await openStore({ path: join(d.path, 'cpamp.sqlite'), dataKeyPath: join(d.path, 'data.key') });
    await s.prices.set('gpt-5', { input: 1.25, output: 10 });
    await s.insertBatch(Array.from({ length: n }, (_, i) => event(i)));
    await s.settings.setManagementKey('mgmt-key-from-sqlite');
    await s.close();
    return d.path;
  };

  it('copies the data directory into Postgres, prints progress and the checks, exit 0; the same key reads it', async () => {
    const d = await dataDir(250);
    const io = memoryCliIo({ USAGE_DATA_DIR: d }, d);
    const res = await runCli(['migrate', '--to', pg!.url, '--schema', 'cli_ok', '--chunk-size', '100'], io);
    expect(io.errText()).toMatch(/events\s+250\/250 rows/);
    expect(res.code).toBe(EXIT.ok);
    const out = io.text();
    expect(out).toMatch(/Verification \(SQLite → Postgres\)/);
    expect(out).toMatch(/events\s+rows\s+250\s+250\s+ok/);
    expect(out).toMatch(/events\s+sum\(cost\)/);
    expect(out).not.toMatch(/MISMATCH/);
    expect(out).toMatch(/Management key: decrypts on Postgres with the same data key/);
    expect(out).toMatch(/USAGE_DB_URL=/);
    const s = await openPgStore({
      connectionString: pg!.url,
      dataKeyPath: join(d, 'data.key'),
      schema: 'cli_ok',
    });
    try {
      expect(await s.events.count()).toBe(250);
      expect(await s.settings.getManagementKey()).toBe('mgmt-key-from-sqlite');
    } finally {
      await s.close();
    }
    const again = memoryCliIo({ USAGE_DATA_DIR: d }, d);
    expect((await runCli(['migrate', '--to', pg!.url, '--schema', 'cli_ok'], again)).code).toBe(EXIT.ok);
    expect(again.text()).toMatch(/nothing to copy/);
  }, 60_000);

  it('refuses a target with other data (exit 1), and reports usage errors (exit 2)', async () => {
    const a = await dataDir(5);
    const b = await dataDir(7);
    expect(
      (
        await runCli(
          ['migrate', '--to', pg!.url, '--schema', 'cli_taken'],
          memoryCliIo({ USAGE_DATA_DIR: a }, a),
        )
      ).code,
    ).toBe(EXIT.ok);
    const io = memoryCliIo({ USAGE_DATA_DIR: b }, b);
    expect((await runCli(['migrate', '--to', pg!.url, '--schema', 'cli_taken'], io)).code).toBe(EXIT.failure);
    expect(io.errText()).toMatch(/another SQLite database/);

    const usage = memoryCliIo({ USAGE_DATA_DIR: a }, a);
    expect((await runCli(['migrate'], usage)).code).toBe(EXIT.usage);
    expect(usage.errText()).toMatch(/--to postgres:\/\//);
    expect((await runCli(['migrate', '--to', 'mysql://x'], usage)).code).toBe(EXIT.usage);
    const empty = tempDir('cpamp-cli-migrate-empty-');
    dirs.push(empty);
    const none = memoryCliIo({ USAGE_DATA_DIR: empty.path }, empty.path);
    expect((await runCli(['migrate', '--to', pg!.url], none)).code).toBe(EXIT.usage);
    expect(none.errText()).toMatch(/no SQLite database/);
    const help = memoryCliIo({}, a);
    expect((await runCli(['migrate', '--help'], help)).code).toBe(EXIT.ok);
    expect(help.text()).toBe(`${HELP.migrate}\n`);
  }, 60_000);
});
