// The panel side of the one account status model (issue #17): the server decides each account's state
// (packages/server/src/pool/account-status.ts); pages only read it. These helpers turn the pool's counts
// and accounts into what the Dashboard and the auth-file list show, so they cannot disagree with the pool.
import { ACCOUNT_STATUSES } from '../api/pool-api';

/** Colours per state for charts (a donut segment per state). */
export const STATE_COLOR: Record<string, string> = {
  active: 'var(--ok)',
  cooldown: 'var(--warn)',
  exhausted: 'var(--chart-5)',
  disabled_by_user: 'var(--fg-muted)',
  disabled_by_cpamp: 'var(--accent)',
  expired: 'var(--chart-6)',
  unauthorized: 'var(--chart-4)',
  banned: 'var(--bad)',
  error: 'var(--chart-3)',
};

/** Donut segments from the pool overview's `counts` (states with zero accounts left out), in model order. */
export function stateSegments(counts: Record<string, number>, label: (state: string) => string): { label: string; value: number; color: string; key: string }[] {
  return ACCOUNT_STATUSES.filter((s) => (counts[s] ?? 0) > 0).map((s) => ({ key: s, label: label(s), value: counts[s] ?? 0, color: STATE_COLOR[s] ?? 'var(--chart-6)' }));
}

/** Whether the state means the auth file is disabled in CPA (the actions offer Enable / Re-enable). */
export const isDisabledState = (s: string): boolean => s === 'cooldown' || s === 'disabled_by_user' || s === 'disabled_by_cpamp';
