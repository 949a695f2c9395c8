// The optional columns of the Accounts table (account and status always show); the user's choice is kept
// in the browser.
export const ACCOUNT_COLUMNS = ['windows', 'req24', 'req7d', 'cost24', 'cost7d', 'lastSeen', 'burn', 'value', 'exhaust'] as const;
export type AccountColumn = (typeof ACCOUNT_COLUMNS)[number];
export const DEFAULT_COLUMNS: readonly AccountColumn[] = ['windows', 'req24', 'req7d', 'cost24', 'cost7d', 'lastSeen'];
export const COLUMN_WIDTH: Record<AccountColumn, string> = {
  windows: 'minmax(170px, 1.4fr)',
  req24: '80px',
  req7d: '80px',
  cost24: '84px',
  cost7d: '84px',
  lastSeen: '90px',
  burn: '100px',
  value: '90px',
  exhaust: '110px',
};
const KEY = 'cpamp.accounts.columns';

export function loadColumns(storage: Pick<Storage, 'getItem'> | undefined): AccountColumn[] {
  try {
    const raw = JSON.parse(storage?.getItem(KEY) ?? 'null') as unknown;
    if (Array.isArray(raw)) return ACCOUNT_COLUMNS.filter((c) => raw.includes(c));
  } catch {
    // A broken entry falls back to the defaults.
  }
  return [...DEFAULT_COLUMNS];
}

export function saveColumns(storage: Pick<Storage, 'setItem'> | undefined, cols: readonly AccountColumn[]): void {
  try {
    storage?.setItem(KEY, JSON.stringify(cols));
  } catch {
    // Private mode: the choice lasts for this page only.
  }
}
