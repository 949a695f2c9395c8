// Database rows → records, shared by the SQLite and Postgres budget repositories.
import type { BudgetActionKind, BudgetHold, BudgetLogRow, BudgetPeriod, KeyBudget, ShareLink } from './budgets.types';

export interface BudgetDbRow {
  key_hash: string;
  period: string;
  limit_micros: number | string;
  enforce: number | boolean;
  created_ms: number | string;
  updated_ms: number | string;
}
export interface HoldDbRow {
  key_hash: string;
  key_enc: string;
  removed_ms: number | string;
  restore_ms: number | string;
}
export interface LogDbRow {
  id: number | string;
  at_ms: number | string;
  key_hash: string;
  action: string;
  ok: number | boolean;
  detail: string;
}
export interface ShareDbRow {
  id: number | string;
  key_hash: string;
  token_hash: string;
  token_prefix: string;
  label: string | null;
  created_ms: number | string;
  revoked_ms: number | string | null;
  last_used_ms: number | string | null;
}

const n = (v: number | string | null): number | null => (v === null ? null : Number(v));

export const budgetFromRow = (r: BudgetDbRow): KeyBudget => ({
  keyHash: r.key_hash,
  period: r.period as BudgetPeriod,
  limitMicros: Number(r.limit_micros),
  enforce: r.enforce === true || r.enforce === 1,
  createdAtMs: Number(r.created_ms),
  updatedAtMs: Number(r.updated_ms),
});

export const holdFromRow = (r: HoldDbRow): BudgetHold => ({
  keyHash: r.key_hash,
  removedAtMs: Number(r.removed_ms),
  restoreAtMs: Number(r.restore_ms),
});

export const logFromRow = (r: LogDbRow): BudgetLogRow => ({
  id: Number(r.id),
  atMs: Number(r.at_ms),
  keyHash: r.key_hash,
  action: r.action as BudgetActionKind,
  ok: r.ok === true || r.ok === 1,
  detail: r.detail,
});

export const shareFromRow = (r: ShareDbRow): ShareLink => ({
  id: Number(r.id),
  keyHash: r.key_hash,
  tokenPrefix: r.token_prefix,
  label: r.label,
  createdAtMs: Number(r.created_ms),
  revokedAtMs: n(r.revoked_ms),
  lastUsedAtMs: n(r.last_used_ms),
});

/** A page size between 1 and 1000 (default 100). */
export const logLimit = (limit: number | undefined): number => Math.min(1000, Math.max(1, Math.floor(limit ?? 100)));
