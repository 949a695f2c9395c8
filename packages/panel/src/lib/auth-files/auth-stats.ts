import type { AuthFile } from '../api/cpa.schema';

// Derived views over /auth-files for the dashboard and the auth-files page. Pure, so unit-testable.

/** One effective status per file: `disabled` and `unavailable` flags win over the status string. */
export function effectiveStatus(f: AuthFile): string {
  if (f.disabled) return 'disabled';
  if (f.unavailable) return 'unavailable';
  return (f.status || 'unknown').toLowerCase();
}

export function providerOf(f: AuthFile): string {
  return (f.provider || f.type || 'unknown').toLowerCase();
}

export function countBy<T>(items: readonly T[], key: (t: T) => string): { key: string; count: number }[] {
  const m = new Map<string, number>();
  for (const it of items) {
    const k = key(it);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return [...m.entries()].map(([k, count]) => ({ key: k, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

export interface Traffic {
  labels: string[];
  success: number[];
  failed: number[];
}

/** Sums the 20 × 10-minute `recent_requests` buckets over all files (aligned by position, newest last). */
export function sumTraffic(files: readonly AuthFile[]): Traffic {
  let len = 0;
  let labels: string[] = [];
  for (const f of files) {
    const r = f.recent_requests;
    if (r && r.length > len) {
      len = r.length;
      labels = r.map((b, i) => (b.time ? (b.time.split('-')[0] ?? b.time) : String(i)));
    }
  }
  const success = new Array<number>(len).fill(0);
  const failed = new Array<number>(len).fill(0);
  for (const f of files) {
    const r = f.recent_requests ?? [];
    const off = len - r.length;
    r.forEach((b, i) => {
      success[off + i] = (success[off + i] ?? 0) + b.success;
      failed[off + i] = (failed[off + i] ?? 0) + b.failed;
    });
  }
  return { labels, success, failed };
}

/** Requests per provider per bucket, for the heatmap (top `limit` providers by volume). */
export function providerMatrix(files: readonly AuthFile[], limit = 8): { rows: string[]; values: number[][] } {
  const len = Math.max(0, ...files.map((f) => f.recent_requests?.length ?? 0));
  const m = new Map<string, number[]>();
  for (const f of files) {
    const r = f.recent_requests ?? [];
    const p = providerOf(f);
    const row = m.get(p) ?? new Array<number>(len).fill(0);
    const off = len - r.length;
    r.forEach((b, i) => (row[off + i] = (row[off + i] ?? 0) + b.success + b.failed));
    m.set(p, row);
  }
  const sorted = [...m.entries()].sort((a, b) => sum(b[1]) - sum(a[1])).slice(0, limit);
  return { rows: sorted.map((e) => e[0]), values: sorted.map((e) => e[1]) };
}

export function recentSeries(f: AuthFile): number[] {
  return (f.recent_requests ?? []).map((b) => b.success + b.failed);
}

export function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/**
 * Requests of one file as the dashboard shows it: CPA's lifetime counters, or the recent buckets when
 * those hold more (counters reset on restart, the buckets are kept in the file).
 */
export function requestTotal(f: AuthFile): number {
  return Math.max((f.success ?? 0) + (f.failed ?? 0), sum(recentSeries(f)));
}

/** The n files with most requests, ordered by the number the dashboard shows next to them. */
export function topFiles(files: readonly AuthFile[], n: number): AuthFile[] {
  return [...files]
    .map((f) => ({ f, total: requestTotal(f) }))
    .filter((x) => x.total > 0)
    .sort((a, b) => b.total - a.total || a.f.name.localeCompare(b.f.name))
    .slice(0, n)
    .map((x) => x.f);
}

/** Case-insensitive match on name, email, account, label, auth_index and status message. */
export function matchesSearch(f: AuthFile, q: string): boolean {
  if (!q) return true;
  const needle = q.toLowerCase();
  return [f.name, f.email, f.account, f.label, f.auth_index, f.status_message, f.note]
    .some((v) => typeof v === 'string' && v.toLowerCase().includes(needle));
}

export function planOf(f: AuthFile): string {
  return f.id_token?.plan_type ?? f.id_token?.chatgpt_plan_type ?? f.plan_type ?? '';
}

export const STATUS_TONE: Record<string, 'ok' | 'warn' | 'bad' | 'info' | ''> = {
  active: 'ok',
  disabled: '',
  unavailable: 'warn',
  error: 'bad',
  pending: 'info',
  refreshing: 'info',
};

export const STATUS_COLOR: Record<string, string> = {
  active: 'var(--ok)',
  disabled: 'var(--fg-muted)',
  unavailable: 'var(--warn)',
  error: 'var(--bad)',
  pending: 'var(--accent)',
  refreshing: 'var(--chart-5)',
};
