// Migration 0010 links the accounts a store already knew to canonical account keys (issue #17).
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { accountKey, openStore } from '../src/index';
import * as identityMigration from '../src/migrations/0010-account-identity';
import { tempStores } from './helpers/temp-stores';

const temp = tempStores();

describe('account identity (migration 0010)', () => {
  it('links pool accounts and usage accounts stored before it to the same keys accountKey() gives', async () => {
    const path = temp.path('cpamp-identity-', 'cpamp.sqlite');
    const first = await openStore({ path, cacheSnapshot: false });
    await first.pool.syncAccounts([
      { authIndex: 'a1', fileName: 'codex-old.json', provider: 'codex', email: 'U1@x.test', plan: 'plus', chatgptAccountId: 'ACC-1', disabled: false, cpaStatus: 'active', statusMessage: null },
      { authIndex: 'g1', fileName: 'gemini.json', provider: 'gemini', email: null, plan: null, chatgptAccountId: null, disabled: false, cpaStatus: 'active', statusMessage: null },
    ]);
    await first.close();
    // What the previous version left: no identity table, a usage-only account row with an email.
    const db = new Database(path);
    db.prepare(`DROP TABLE account_identity`).run();
    db.prepare(`INSERT INTO account (auth_index, email, provider, first_seen_ms) VALUES ('c9', 'C9@x.test', 'claude', 5), ('n9', NULL, 'codex', 5)`).run();
    // Run 0010 on it directly: un-recording it would put it before later migrations, which the migrator refuses.
    const k = new Kysely<unknown>({ dialect: new SqliteDialect({ database: db }) });
    await identityMigration.up(k);
    await k.destroy();

    const again = await temp.open({ path, cacheSnapshot: false });
    const ids = await again.pool.identities();
    expect(ids.get('a1')).toBe(accountKey({ provider: 'codex', accountId: 'ACC-1', email: 'U1@x.test', authIndex: 'a1' }));
    expect(ids.get('g1')).toBe(accountKey({ provider: 'gemini', authIndex: 'g1' }));
    expect(ids.get('c9')).toBe('default/claude/c9@x.test');
    expect(ids.has('n9')).toBe(false);
    // A re-login links a new auth_index to the same key; the old link stays.
    await again.pool.linkIdentities([{ authIndex: 'a1-new', accountKey: ids.get('a1')!, provider: 'codex' }]);
    const after = await again.pool.identities();
    expect(after.get('a1-new')).toBe(after.get('a1'));
  });
});
