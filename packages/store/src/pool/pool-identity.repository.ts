import type { PoolDb } from './pool-db';
import type { SyncPoolRepository } from './pool.repository';

/** account_identity: every auth_index seen, mapped to its canonical account key (accounts/account-key.ts). */
export type PoolIdentityTable = Pick<SyncPoolRepository, 'linkIdentities' | 'identities'>;

export function createPoolIdentity(db: PoolDb): PoolIdentityTable {
  const { writer, now, rd } = db;
  const upsert = writer.prepare(
    `INSERT INTO account_identity (auth_index, account_key, provider, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(auth_index) DO UPDATE SET account_key = excluded.account_key, provider = excluded.provider,
       last_seen_ms = excluded.last_seen_ms`,
  );
  return {
    linkIdentities(rows) {
      const t = now();
      writer.transaction(() => {
        for (const r of rows) upsert.run(r.authIndex, r.accountKey, r.provider, t, t);
      })();
    },
    identities() {
      const out = new Map<string, string>();
      for (const r of rd('SELECT auth_index, account_key FROM account_identity').all() as { auth_index: string; account_key: string }[]) out.set(r.auth_index, r.account_key);
      return out;
    },
  };
}
