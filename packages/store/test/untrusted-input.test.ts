// Untrusted input: client key labels keep at most the last 4 characters, also for what imports bring and older
// versions stored; an import never stores a raw key in the hash column; an uploaded SQLite file is checked first.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index';
import * as remask from '../src/migrations/0006-remask-key-labels';
import { makeEvent } from './helpers/events';

const stores: Store[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('client key labels', () => {
  it('an imported line with a raw key in apiKeyHash stores only its hash and a masked label', async () => {
    const s = await openStore({ path: ':memory:' });
    stores.push(s);
    const raw = 'sk-raw-secret-1234567890';
    const line = JSON.stringify({ ...makeEvent(), apiKeyHash: raw, apiKeyLabel: raw });
    const upper = JSON.stringify({ ...makeEvent({ timestampMs: 5 }), apiKeyHash: sha('sk-other').toUpperCase(), apiKeyLabel: 'sk-o…ther' });
    await s.io.importJsonl([`${line}\n${upper}\n`]);
    const keys = await s.apiKeys.list();
    expect(keys.map((k) => k.hash).sort()).toEqual([sha(raw), sha('sk-other')].sort());
    for (const k of keys) expect(k.label.length).toBeLessThanOrEqual(5);
    expect(keys.find((k) => k.hash === sha(raw))?.label).toBe('…7890');
    expect(keys.find((k) => k.hash === sha('sk-other'))?.label).toBe('…ther');
    expect(JSON.stringify(keys)).not.toContain('secret');
  });

  it('a migration re-masks labels stored by an older version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpamp-labels-'));
    dirs.push(dir);
    const path = join(dir, 'cpamp.sqlite');
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
    const again = await openStore({ path, cacheSnapshot: false });
    stores.push(again);
    expect((await again.apiKeys.list()).map((k) => k.label)).toEqual(['…m-a']);
  });
});

describe('an uploaded SQLite file is untrusted', () => {
  it('a view (e.g. a never-ending recursive query) is refused before any row is read; triggers (Plus v1.12 has some) are not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpamp-crafted-'));
    dirs.push(dir);
    const s = await openStore({ path: ':memory:' });
    stores.push(s);
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
