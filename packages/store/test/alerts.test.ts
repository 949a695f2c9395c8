import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index';

const stores: Store[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const clock = 1_700_000_000_000;
const open = async (opts: { path?: string; dataKey?: Buffer } = {}) => {
  const s = await openStore({ path: opts.path ?? ':memory:', dataKey: opts.dataKey, now: () => clock });
  stores.push(s);
  return s;
};

// The repository's behaviour runs on both dialects in shared/alerts-cases.ts; this file keeps what only
// SQLite has: a database file whose bytes can be searched for the plaintext.
describe('alerts repository (SQLite file)', () => {
  it('keeps channel secrets encrypted at rest in the database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpamp-alerts-'));
    dirs.push(dir);
    const path = join(dir, 'db.sqlite');
    const key = randomBytes(32);
    const s = await open({ path, dataKey: key });
    const ch = await s.alerts.createChannel({
      name: 'tg',
      type: 'telegram',
      enabled: true,
      config: { chatId: '42' },
      secret: '123456:SUPER-SECRET-BOT-TOKEN',
    });
    expect(JSON.stringify(ch)).not.toContain('SUPER-SECRET');
    await s.close();
    stores.length = 0;
    expect(readFileSync(path).toString('latin1')).not.toContain('SUPER-SECRET');
    const again = await open({ path, dataKey: key });
    expect(await again.alerts.channelSecret(ch.id)).toBe('123456:SUPER-SECRET-BOT-TOKEN');
  });
});
