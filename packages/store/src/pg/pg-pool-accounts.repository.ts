// pool_account, pool_ownership and account_identity on Postgres (the same behaviour as SQLite's
// pool-accounts / pool-ownership / pool-identity repositories).
import { sql } from 'kysely';
import { toAccount, toOwnership, type Row } from '../pool/pool-rows';
import type { PoolRepository } from '../repositories';
import { rounds, whole, type PgPoolDb } from './pg-pool-db';

export type PgPoolAccountsTable = Pick<
  PoolRepository,
  | 'syncAccounts'
  | 'listAccounts'
  | 'getAccount'
  | 'setAccountDisabled'
  | 'setOwnership'
  | 'getOwnership'
  | 'listOwnership'
  | 'dropOwnership'
  | 'linkIdentities'
  | 'identities'
>;

export function createPgPoolAccounts(pdb: PgPoolDb): PgPoolAccountsTable {
  const { db, now, q, changes } = pdb;
  const repo: PgPoolAccountsTable = {
    async syncAccounts(accounts) {
      const t = now();
      const missing = await db.transaction().execute(async (trx) => {
        // One statement per round (a repeated auth_index: the later snapshot wins, as on SQLite).
        for (const round of rounds(accounts, (a) => a.authIndex)) {
          await q(
            sql`INSERT INTO pool_account (auth_index, file_name, provider, email, plan, chatgpt_account_id, disabled,
                cpa_status, status_message, synced_ms, deleted_ms)
              SELECT u.*, ${t}::bigint, NULL::bigint FROM unnest(${round.map((a) => a.authIndex)}::text[],
                ${round.map((a) => a.fileName)}::text[], ${round.map((a) => a.provider)}::text[],
                ${round.map((a) => a.email)}::text[], ${round.map((a) => a.plan)}::text[],
                ${round.map((a) => a.chatgptAccountId)}::text[], ${round.map((a) => a.disabled)}::boolean[],
                ${round.map((a) => a.cpaStatus)}::text[], ${round.map((a) => a.statusMessage)}::text[]) AS u
              ON CONFLICT (auth_index) DO UPDATE SET file_name = excluded.file_name, provider = excluded.provider,
                email = excluded.email, plan = excluded.plan, chatgpt_account_id = excluded.chatgpt_account_id,
                disabled = excluded.disabled, cpa_status = excluded.cpa_status, status_message = excluded.status_message,
                synced_ms = excluded.synced_ms, deleted_ms = NULL`,
            trx,
          );
        }
        return changes(
          // By the list, not by synced_ms: two syncs within one millisecond must still mark what the second omits.
          sql`UPDATE pool_account SET deleted_ms = ${t}
            WHERE deleted_ms IS NULL AND NOT (auth_index = ANY(${accounts.map((a) => a.authIndex)}::text[]))`,
          trx,
        );
      });
      return { upserted: accounts.length, missing };
    },
    async listAccounts(opts = {}) {
      // SQLite returns them in insertion order; Postgres has no row order, so by auth_index (byte order).
      const found = await q(
        opts.includeDeleted
          ? sql<Row>`SELECT * FROM pool_account ORDER BY auth_index COLLATE "C"`
          : sql<Row>`SELECT * FROM pool_account WHERE deleted_ms IS NULL ORDER BY auth_index COLLATE "C"`,
      );
      return found.map(toAccount);
    },
    async getAccount(authIndex) {
      const [r] = await q(sql<Row>`SELECT * FROM pool_account WHERE auth_index = ${authIndex}`);
      return r ? toAccount(r) : undefined;
    },
    async setAccountDisabled(authIndex, disabled) {
      await q(sql`UPDATE pool_account SET disabled = ${disabled} WHERE auth_index = ${authIndex}`);
    },

    async setOwnership(o) {
      const [r] = await q(
        sql<Row>`INSERT INTO pool_ownership (auth_index, file_name, provider, kind, reason, "window", disabled_ms,
            recover_at_ms, updated_ms)
          VALUES (${o.authIndex}, ${o.fileName}, ${o.provider}, ${o.kind}, ${o.reason}, ${o.window},
            ${whole(o.disabledAtMs)}, ${whole(o.recoverAtMs)}, ${now()})
          ON CONFLICT (auth_index) DO UPDATE SET file_name = excluded.file_name, kind = excluded.kind,
            reason = excluded.reason, "window" = excluded."window", recover_at_ms = excluded.recover_at_ms,
            updated_ms = excluded.updated_ms
          RETURNING *`,
      );
      return toOwnership(r as Row);
    },
    async getOwnership(authIndex) {
      const [r] = await q(sql<Row>`SELECT * FROM pool_ownership WHERE auth_index = ${authIndex}`);
      return r ? toOwnership(r) : undefined;
    },
    async listOwnership() {
      return (
        await q(sql<Row>`SELECT * FROM pool_ownership ORDER BY disabled_ms, auth_index COLLATE "C"`)
      ).map(toOwnership);
    },
    async dropOwnership(authIndex) {
      return (await changes(sql`DELETE FROM pool_ownership WHERE auth_index = ${authIndex}`)) > 0;
    },

    async linkIdentities(list) {
      const t = now();
      await db.transaction().execute(async (trx) => {
        for (const round of rounds(list, (r) => r.authIndex)) {
          await q(
            sql`INSERT INTO account_identity (auth_index, account_key, provider, first_seen_ms, last_seen_ms)
              SELECT u.*, ${t}::bigint, ${t}::bigint FROM unnest(${round.map((r) => r.authIndex)}::text[],
                ${round.map((r) => r.accountKey)}::text[], ${round.map((r) => r.provider)}::text[]) AS u
              ON CONFLICT (auth_index) DO UPDATE SET account_key = excluded.account_key, provider = excluded.provider,
                last_seen_ms = excluded.last_seen_ms`,
            trx,
          );
        }
      });
    },
    async identities() {
      const out = new Map<string, string>();
      for (const r of await q(sql<{ auth_index: string; account_key: string }>`SELECT auth_index, account_key FROM account_identity`))
        out.set(r.auth_index, r.account_key);
      return out;
    },
  };
  return repo;
}
