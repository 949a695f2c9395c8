// Budgets, enforcement holds, the budget log and share links on Postgres (the same behaviour as SQLite's).
import { sql, type RawBuilder } from 'kysely';
import {
  budgetFromRow,
  holdFromRow,
  logFromRow,
  logLimit,
  shareFromRow,
  type BudgetDbRow,
  type HoldDbRow,
  type LogDbRow,
  type ShareDbRow,
} from '../budgets/budget-rows';
import type { BudgetsRepository } from '../budgets/budgets.repository';
import { decryptSecret, encryptSecret } from '../crypto/data-key';
import { rows, type PgDb } from './pg-connection';

export function createPgBudgetsRepository(deps: {
  db: PgDb;
  now: () => number;
  dataKey: Buffer;
  assertOpen: () => void;
}): BudgetsRepository {
  const { db, now, dataKey, assertOpen } = deps;
  const q = async <R>(query: RawBuilder<R>): Promise<R[]> => {
    assertOpen();
    return rows(db, query);
  };
  return {
    list: async () => (await q(sql<BudgetDbRow>`SELECT * FROM key_budgets ORDER BY key_hash`)).map(budgetFromRow),
    get: async (keyHash) => {
      const [r] = await q(sql<BudgetDbRow>`SELECT * FROM key_budgets WHERE key_hash = ${keyHash}`);
      return r ? budgetFromRow(r) : undefined;
    },
    set: async (keyHash, input) => {
      const t = now();
      const [r] = await q(sql<BudgetDbRow>`INSERT INTO key_budgets (key_hash, period, limit_micros, enforce, created_ms, updated_ms)
        VALUES (${keyHash}, ${input.period}, ${input.limitMicros}, ${input.enforce}, ${t}, ${t})
        ON CONFLICT (key_hash) DO UPDATE SET period = excluded.period, limit_micros = excluded.limit_micros,
          enforce = excluded.enforce, updated_ms = excluded.updated_ms
        RETURNING *`);
      return budgetFromRow(r as BudgetDbRow);
    },
    delete: async (keyHash) =>
      (await q(sql<{ key_hash: string }>`DELETE FROM key_budgets WHERE key_hash = ${keyHash} RETURNING key_hash`)).length > 0,

    listHolds: async () => (await q(sql<HoldDbRow>`SELECT * FROM budget_holds ORDER BY key_hash`)).map(holdFromRow),
    putHold: async (h) => {
      const [r] = await q(sql<HoldDbRow>`INSERT INTO budget_holds (key_hash, key_enc, removed_ms, restore_ms)
        VALUES (${h.keyHash}, ${encryptSecret(dataKey, h.key)}, ${h.removedAtMs}, ${h.restoreAtMs})
        ON CONFLICT (key_hash) DO UPDATE SET key_enc = excluded.key_enc, removed_ms = excluded.removed_ms,
          restore_ms = excluded.restore_ms
        RETURNING *`);
      return holdFromRow(r as HoldDbRow);
    },
    holdKey: async (keyHash) => {
      const [r] = await q(sql<HoldDbRow>`SELECT * FROM budget_holds WHERE key_hash = ${keyHash}`);
      return r ? decryptSecret(dataKey, r.key_enc) : null;
    },
    dropHold: async (keyHash) =>
      (await q(sql<{ key_hash: string }>`DELETE FROM budget_holds WHERE key_hash = ${keyHash} RETURNING key_hash`)).length > 0,

    logAction: async (a) => {
      const [r] = await q(sql<LogDbRow>`INSERT INTO budget_log (at_ms, key_hash, action, ok, detail)
        VALUES (${now()}, ${a.keyHash}, ${a.action}, ${a.ok}, ${a.detail}) RETURNING *`);
      return logFromRow(r as LogDbRow);
    },
    listLog: async (opts = {}) => {
      const where = [sql`true`];
      if (opts.keyHash !== undefined) where.push(sql`key_hash = ${opts.keyHash}`);
      if (opts.beforeId !== undefined) where.push(sql`id < ${opts.beforeId}`);
      return (
        await q(sql<LogDbRow>`SELECT * FROM budget_log WHERE ${sql.join(where, sql` AND `)} ORDER BY id DESC LIMIT ${logLimit(opts.limit)}`)
      ).map(logFromRow);
    },

    createShare: async (input) => {
      const [r] = await q(sql<ShareDbRow>`INSERT INTO share_links (key_hash, token_hash, token_prefix, label, created_ms)
        VALUES (${input.keyHash}, ${input.tokenHash}, ${input.tokenPrefix}, ${input.label}, ${now()}) RETURNING *`);
      return shareFromRow(r as ShareDbRow);
    },
    listShares: async (opts = {}) =>
      (
        await q(
          opts.keyHash === undefined
            ? sql<ShareDbRow>`SELECT * FROM share_links ORDER BY id DESC`
            : sql<ShareDbRow>`SELECT * FROM share_links WHERE key_hash = ${opts.keyHash} ORDER BY id DESC`,
        )
      ).map(shareFromRow),
    findShare: async (tokenHash) => {
      const [r] = await q(sql<ShareDbRow>`SELECT * FROM share_links WHERE token_hash = ${tokenHash} AND revoked_ms IS NULL`);
      return r ? shareFromRow(r) : undefined;
    },
    revokeShare: async (id) => {
      await q(sql`UPDATE share_links SET revoked_ms = ${now()} WHERE id = ${id} AND revoked_ms IS NULL`);
      const [r] = await q(sql<ShareDbRow>`SELECT * FROM share_links WHERE id = ${id}`);
      return r ? shareFromRow(r) : undefined;
    },
    touchShare: async (id, atMs) => {
      await q(sql`UPDATE share_links SET last_used_ms = ${atMs} WHERE id = ${id}`);
    },
  };
}
