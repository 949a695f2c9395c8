// Budgets per API key, enforcement holds, the budget action log and share links (SQLite). Synchronous inside,
// exposed async through the store's facade like every repository.
import type Database from 'better-sqlite3';
import { decryptSecret, encryptSecret } from '../crypto/data-key';
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
} from './budget-rows';
import type {
  BudgetHold,
  BudgetLogRow,
  KeyBudget,
  KeyBudgetInput,
  ShareLink,
  ShareLinkInput,
} from './budgets.types';

export interface BudgetsRepository {
  list(): Promise<KeyBudget[]>;
  get(keyHash: string): Promise<KeyBudget | undefined>;
  /** Creates or replaces the budget of a key. */
  set(keyHash: string, input: KeyBudgetInput): Promise<KeyBudget>;
  delete(keyHash: string): Promise<boolean>;

  listHolds(): Promise<BudgetHold[]>;
  /** Records that the key (plaintext, stored encrypted with the data key) is out of CPA until restoreAtMs. */
  putHold(hold: BudgetHold & { key: string }): Promise<BudgetHold>;
  /** The held key, decrypted; null when there is no hold or the data key cannot decrypt it. */
  holdKey(keyHash: string): Promise<string | null>;
  dropHold(keyHash: string): Promise<boolean>;

  logAction(a: Omit<BudgetLogRow, 'id' | 'atMs'>): Promise<BudgetLogRow>;
  /** Newest first; `beforeId` pages to older rows. */
  listLog(opts?: { limit?: number; beforeId?: number; keyHash?: string }): Promise<BudgetLogRow[]>;

  createShare(input: ShareLinkInput): Promise<ShareLink>;
  /** Newest first, revoked ones included. */
  listShares(opts?: { keyHash?: string }): Promise<ShareLink[]>;
  /** The unrevoked link with this token hash. */
  findShare(tokenHash: string): Promise<ShareLink | undefined>;
  /** Revokes at once; undefined when there is no such link. */
  revokeShare(id: number): Promise<ShareLink | undefined>;
  touchShare(id: number, atMs: number): Promise<void>;
}

type Sync<T> = { [K in keyof T]: T[K] extends (...a: infer A) => Promise<infer R> ? (...a: A) => R : T[K] };

export function createBudgetsRepository(deps: {
  writer: Database.Database;
  now: () => number;
  dataKey: Buffer;
}): Sync<BudgetsRepository> {
  const { writer: db, now, dataKey } = deps;
  const getBudget = db.prepare<[string], BudgetDbRow>('SELECT * FROM key_budgets WHERE key_hash = ?');
  const getShare = db.prepare<[number], ShareDbRow>('SELECT * FROM share_links WHERE id = ?');
  const getHold = db.prepare<[string], HoldDbRow>('SELECT * FROM budget_holds WHERE key_hash = ?');
  const getLog = db.prepare<[number], LogDbRow>('SELECT * FROM budget_log WHERE id = ?');
  return {
    list: () => db.prepare<[], BudgetDbRow>('SELECT * FROM key_budgets ORDER BY key_hash').all().map(budgetFromRow),
    get: (keyHash) => {
      const r = getBudget.get(keyHash);
      return r ? budgetFromRow(r) : undefined;
    },
    set: (keyHash, input) => {
      const t = now();
      db.prepare(
        `INSERT INTO key_budgets (key_hash, period, limit_micros, enforce, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(key_hash) DO UPDATE SET period = excluded.period, limit_micros = excluded.limit_micros,
           enforce = excluded.enforce, updated_ms = excluded.updated_ms`,
      ).run(keyHash, input.period, input.limitMicros, input.enforce ? 1 : 0, t, t);
      return budgetFromRow(getBudget.get(keyHash) as BudgetDbRow);
    },
    delete: (keyHash) => db.prepare('DELETE FROM key_budgets WHERE key_hash = ?').run(keyHash).changes > 0,

    listHolds: () => db.prepare<[], HoldDbRow>('SELECT * FROM budget_holds ORDER BY key_hash').all().map(holdFromRow),
    putHold: (h) => {
      db.prepare(
        `INSERT INTO budget_holds (key_hash, key_enc, removed_ms, restore_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT(key_hash) DO UPDATE SET key_enc = excluded.key_enc, removed_ms = excluded.removed_ms, restore_ms = excluded.restore_ms`,
      ).run(h.keyHash, encryptSecret(dataKey, h.key), h.removedAtMs, h.restoreAtMs);
      return holdFromRow(getHold.get(h.keyHash) as HoldDbRow);
    },
    holdKey: (keyHash) => {
      const r = getHold.get(keyHash);
      return r ? decryptSecret(dataKey, r.key_enc) : null;
    },
    dropHold: (keyHash) => db.prepare('DELETE FROM budget_holds WHERE key_hash = ?').run(keyHash).changes > 0,

    logAction: (a) => {
      const id = Number(
        db
          .prepare('INSERT INTO budget_log (at_ms, key_hash, action, ok, detail) VALUES (?, ?, ?, ?, ?)')
          .run(now(), a.keyHash, a.action, a.ok ? 1 : 0, a.detail).lastInsertRowid,
      );
      return logFromRow(getLog.get(id) as LogDbRow);
    },
    listLog: (opts = {}) => {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (opts.keyHash !== undefined) {
        where.push('key_hash = ?');
        params.push(opts.keyHash);
      }
      if (opts.beforeId !== undefined) {
        where.push('id < ?');
        params.push(opts.beforeId);
      }
      params.push(logLimit(opts.limit));
      return db
        .prepare<(string | number)[], LogDbRow>(
          `SELECT * FROM budget_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
        )
        .all(...params)
        .map(logFromRow);
    },

    createShare: (input) => {
      const id = Number(
        db
          .prepare(
            'INSERT INTO share_links (key_hash, token_hash, token_prefix, label, created_ms) VALUES (?, ?, ?, ?, ?)',
          )
          .run(input.keyHash, input.tokenHash, input.tokenPrefix, input.label, now()).lastInsertRowid,
      );
      return shareFromRow(getShare.get(id) as ShareDbRow);
    },
    listShares: (opts = {}) =>
      (opts.keyHash === undefined
        ? db.prepare<[], ShareDbRow>('SELECT * FROM share_links ORDER BY id DESC').all()
        : db.prepare<[string], ShareDbRow>('SELECT * FROM share_links WHERE key_hash = ? ORDER BY id DESC').all(opts.keyHash)
      ).map(shareFromRow),
    findShare: (tokenHash) => {
      const r = db
        .prepare<[string], ShareDbRow>('SELECT * FROM share_links WHERE token_hash = ? AND revoked_ms IS NULL')
        .get(tokenHash);
      return r ? shareFromRow(r) : undefined;
    },
    revokeShare: (id) => {
      db.prepare('UPDATE share_links SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL').run(now(), id);
      const r = getShare.get(id);
      return r ? shareFromRow(r) : undefined;
    },
    touchShare: (id, atMs) => {
      db.prepare('UPDATE share_links SET last_used_ms = ? WHERE id = ?').run(atMs, id);
    },
  };
}
