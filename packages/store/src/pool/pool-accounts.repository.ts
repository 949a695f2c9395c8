import type { PoolDb } from './pool-db';
import { toAccount, type Row } from './pool-rows';
import type { PoolInspectionResultKind } from './pool.types';
import type { SyncPoolRepository } from './pool.repository';

/** pool_account: the pool's copy of CPA's auth files. */
export type PoolAccountsTable = Pick<
  SyncPoolRepository,
  'syncAccounts' | 'listAccounts' | 'getAccount' | 'setAccountDisabled'
>;

export function createPoolAccounts(db: PoolDb): PoolAccountsTable {
  const { writer, now, w, rd } = db;
  const stmt = {
    upsertAccount: writer.prepare(
      `INSERT INTO pool_account (auth_index, file_name, provider, email, plan, chatgpt_account_id, disabled, cpa_status,
         status_message, synced_ms, deleted_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT(auth_index) DO UPDATE SET file_name = excluded.file_name, provider = excluded.provider,
         email = excluded.email, plan = excluded.plan, chatgpt_account_id = excluded.chatgpt_account_id,
         disabled = excluded.disabled, cpa_status = excluded.cpa_status, status_message = excluded.status_message,
         synced_ms = excluded.synced_ms, deleted_ms = NULL`,
    ),
    markDeleted: writer.prepare(
      // By the list, not by synced_ms: two syncs within one millisecond must still mark what the second omits.
      'UPDATE pool_account SET deleted_ms = ? WHERE deleted_ms IS NULL AND auth_index NOT IN (SELECT value FROM json_each(?))',
    ),
  };
  const repo: PoolAccountsTable = {
    syncAccounts(accounts) {
      const t = now();
      return writer.transaction(() => {
        for (const a of accounts)
          stmt.upsertAccount.run(
            a.authIndex,
            a.fileName,
            a.provider,
            a.email,
            a.plan,
            a.chatgptAccountId,
            a.disabled ? 1 : 0,
            a.cpaStatus,
            a.statusMessage,
            t,
          );
        const missing = stmt.markDeleted.run(t, JSON.stringify(accounts.map((a) => a.authIndex))).changes;
        return { upserted: accounts.length, missing };
      })();
    },
    listAccounts(opts = {}) {
      const cols = `auth_index, file_name, provider, email, plan, chatgpt_account_id, disabled, cpa_status, status_message,
        last_inspection_ms, last_result, synced_ms, deleted_ms`;
      const sql = opts.includeDeleted
        ? `SELECT ${cols} FROM pool_account`
        : `SELECT ${cols} FROM pool_account WHERE deleted_ms IS NULL`;
      // Raw rows: this feeds every view rebuild (thousands of accounts).
      const rows = rd(sql).raw().all() as unknown[][];
      return rows.map((r) => ({
        authIndex: r[0] as string,
        fileName: r[1] as string | null,
        provider: r[2] as string,
        email: r[3] as string | null,
        plan: r[4] as string | null,
        chatgptAccountId: r[5] as string | null,
        disabled: r[6] === 1,
        cpaStatus: r[7] as string | null,
        statusMessage: r[8] as string | null,
        lastInspectionMs: r[9] as number | null,
        lastResult: r[10] as PoolInspectionResultKind | null,
        syncedMs: r[11] as number,
        deletedMs: r[12] as number | null,
      }));
    },
    getAccount(authIndex) {
      const r = w('SELECT * FROM pool_account WHERE auth_index = ?').get(authIndex) as Row | undefined;
      return r ? toAccount(r) : undefined;
    },
    setAccountDisabled(authIndex, disabled) {
      w('UPDATE pool_account SET disabled = ? WHERE auth_index = ?').run(disabled ? 1 : 0, authIndex);
    },
  };
  return repo;
}
