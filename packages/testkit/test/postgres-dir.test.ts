// startTestPostgres({ dir }): a kept cluster survives stop() and is re-started (not re-created) next time.
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pgTestsDisabled, startTestPostgres } from '../src/index';

const suite = pgTestsDisabled() || process.env.CPAMP_TEST_PG_URL ? describe.skip : describe;
// As root the server user must reach the directory: /tmp, like the throwaway clusters.
const base = mkdtempSync(join(process.getuid?.() === 0 ? '/tmp' : tmpdir(), 'cpamp-pg-dir-'));
chmodSync(base, 0o755);

async function query(url: string, text: string): Promise<unknown[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

suite('startTestPostgres with a kept directory', () => {
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('keeps the data after stop() and serves it again on the next start', async () => {
    const dir = join(base, 'cluster');
    const first = await startTestPostgres({ dir });
    await query(first.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    await first.stop();
    expect(existsSync(join(dir, 'data', 'PG_VERSION'))).toBe(true);

    const second = await startTestPostgres({ dir });
    try {
      expect(await query(second.url, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
    } finally {
      await second.stop();
    }
  }, 60_000);
});
