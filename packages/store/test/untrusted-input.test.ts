// Untrusted input: client key labels keep at most the last 4 characters, also for what imports bring and older
// versions stored; an import never stores a raw key in the hash column; an uploaded SQLite file is checked first.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index';
import * as remask from '../src/migrations/0006-remask-key-labels';
import { hash, makeEvent } from './helpers/events';
import { tempStores } from './helpers/temp-stores';

const temp = tempStores();

describe('client key labels', () => {
  it('an imported line with a raw key in apiKeyHash stores only its hash and a masked label', async () => {
    const s = await temp.memory();
    const raw = 'sk-raw-secret-1234567890';
    const line = JSON.stringify({ ...makeEvent(), apiKeyHash: raw, apiKeyLabel: raw });
    const upper = JSON.stringify({ ...makeEvent({ timestampMs: 5 }), apiKeyHash: hash('sk-other').toUpperCase(), apiKeyLabel: 'sk-o…ther' });
    await s.io.importJsonl([`${line}\n${upper}\n`]);
    const keys = await s.apiKeys.list();
    expect(keys.map((k) => k.hash).sort()).toEqual([hash(raw), hash('sk-other')].sort());
    for (const k of keys) expect(k.label.length).toBeLessThanOrEqual(5);
    expect(keys.find((k) => k.hash === hash(raw))?.label).toBe('…7890');
    expect(keys.find((k) => k.hash === hash('sk-other'))?.label).toBe('…ther');
    expect(JSON.stringify(keys)).not.toContain('secret');
  });

  it('a migration re-masks labels stored by an older version', async () => {
    const path = temp.path('cpamp-labels-', 'cpamp.sqlite');
    const first = await openStore({ path, cacheSnapshot: false });
    await first.insertBatch([makeEvent()]);
    await first.close();
    // Put the label back to what the previous version wrote (8 characters), then run the migration on it.
    // (Run directly: un-recording 0006 in kysely_migration would put it before later migrations, which the
    // migrator refuses as out of order.)
    const db = new Database(path);
    db.prepare(`UPDATE api_key SET label = 'sk-t…m-a'`).run();
    const k = new Kysely<unknown>({ dialect: new SqliteDialect({ database: db }) });
    await remask.up(k);
    await k.destroy();
    const again = await temp.open({ path, cacheSnapshot: false });
    expect((await again.apiKeys.list()).map((k) => k.label)).toEqual(['…m-a']);
  });
});

describe('an uploaded SQLite file is untrusted', () => {
  it('a view (e.g. a never-ending recursive query) is refused before any row is read; triggers (Plus v1.12 has some) are not', async () => {
    const dir = temp.dir('cpamp-crafted-');
    const s = await temp.memory();
    const crafted = [
      ['view', `CREATE VIEW usage_events AS WITH RECURSIVE c(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM c) SELECT id FROM c`],
      ['view', `CREATE TABLE usage_events (id INTEGER PRIMARY KEY, timestamp TEXT); CREATE VIEW v AS SELECT 1`],
    ] as const;
    const withTrigger = join(dir, 'trigger.sqlite');
    const t = new Database(withTrigger);
    t.exec(`CREATE TABLE usage_events (id INTEGER PRIMARY KEY, timestamp TEXT); CREATE TABLE t (x); CREATE TRIGGER boom AFTER INSERT ON t BEGIN SELECT 1; END`);
    t.close();
    expect((await s.io.importSqlite(withTrigger, { normalize: (raw) => ({ ok: false, reason: String(raw) }) })).read).toBe(0);
    for (const [i, [kind, ddl]] of crafted.entries()) {
      const path = join(dir, `${kind}-${i}.sqlite`);
      const db = new Database(path);
      db.exec(ddl);
      db.close();
      await expect(s.io.importSqlite(path, { normalize: (raw) => ({ ok: false, reason: String(raw) }) })).rejects.toThrow(new RegExp(`contains a ${kind}`));
    }
  });
});
