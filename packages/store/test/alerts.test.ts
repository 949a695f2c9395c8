import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempStores } from './helpers/temp-stores';

const temp = tempStores();
const clock = 1_700_000_000_000;
const open = (opts: { path?: string; dataKey?: Buffer } = {}) =>
  temp.open({ path: opts.path ?? ':memory:', dataKey: opts.dataKey, now: () => clock });

// The repository's behaviour runs on both dialects in shared/alerts-cases.ts; this file keeps what only
// SQLite has: a database file whose bytes can be searched for the plaintext.
describe('alerts repository (SQLite file)', () => {
  it('keeps channel secrets encrypted at rest in the database file', async () => {
    const path = temp.path('cpamp-alerts-', 'db.sqlite');
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
    await temp.close(s);
    expect(readFileSync(path).toString('latin1')).not.toContain('SUPER-SECRET');
    const again = await open({ path, dataKey: key });
    expect(await again.alerts.channelSecret(ch.id)).toBe('123456:SUPER-SECRET-BOT-TOKEN');
  });
});
