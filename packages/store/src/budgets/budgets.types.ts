// Row shapes of the budgets repository: a spending budget per API key (by key hash), the enforcement holds
// (a key cpamp took out of CPA's api-keys at its budget), the budget action log and the read-only share links.

export type BudgetPeriod = 'week' | 'month';

export interface KeyBudget {
  /** sha256 hex of the API key (the plaintext key never names a budget). */
  keyHash: string;
  period: BudgetPeriod;
  /** The budget in micro-dollars (1 USD = 1 000 000). */
  limitMicros: number;
  /** Take the key out of CPA's api-keys at the budget and put it back when the next period starts. */
  enforce: boolean;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface KeyBudgetInput {
  period: BudgetPeriod;
  limitMicros: number;
  enforce: boolean;
}

/** A key cpamp removed from CPA's api-keys; the key itself is stored encrypted and read with holdKey(). */
export interface BudgetHold {
  keyHash: string;
  removedAtMs: number;
  /** When the key goes back: the start of the next budget period. */
  restoreAtMs: number;
}

export type BudgetActionKind = 'removed' | 'restored' | 'remove-failed' | 'restore-failed';

export interface BudgetLogRow {
  id: number;
  atMs: number;
  keyHash: string;
  action: BudgetActionKind;
  ok: boolean;
  detail: string;
}

export interface ShareLink {
  id: number;
  keyHash: string;
  /** The first characters of the token, to recognise a link in a list; the token itself is never stored. */
  tokenPrefix: string;
  label: string | null;
  createdAtMs: number;
  revokedAtMs: number | null;
  lastUsedAtMs: number | null;
}

export interface ShareLinkInput {
  keyHash: string;
  /** sha256 hex of the token. */
  tokenHash: string;
  tokenPrefix: string;
  label: string | null;
}
