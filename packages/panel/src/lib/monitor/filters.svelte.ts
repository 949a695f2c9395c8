import { getContext, setContext } from 'svelte';
import { browserTimeZone, DIMENSIONS, PRESETS, SORTS, type AnalyticsQuery, type BreakdownSort, type Dimension, type RangeId } from '../api/analytics-api';

/** Auto-refresh periods in seconds (0 = off). */
export const AUTO_REFRESH = [0, 30, 60, 300] as const;

const FIELDS = ['key', 'account', 'model', 'provider', 'status', 'upstream'] as const;
type Field = (typeof FIELDS)[number];

/**
 * The monitoring time range and filter row, shared by the Monitoring and Requests pages and mirrored in
 * the hash query (`#/monitoring?range=7d&model=gpt-5`), so a reload or a shared link keeps them.
 */
export class MonitorFilters {
  range = $state<RangeId>('24h');
  from = $state<number | null>(null);
  to = $state<number | null>(null);
  key = $state('');
  account = $state('');
  model = $state('');
  provider = $state('');
  status = $state('');
  /** Several CPAs: one CPA's events only ('' = all). */
  upstream = $state('');
  readonly tz = browserTimeZone();
  // What the Monitoring page shows, kept in the hash too (a reload or a shared link opens the same view):
  // the breakdown tab, its sort and page, and the auto-refresh period. Not part of `query`.
  tab = $state<Dimension>('model');
  sort = $state<BreakdownSort>('requests');
  order = $state<'asc' | 'desc'>('desc');
  page = $state(0);
  auto = $state(0);

  readonly query = $derived<AnalyticsQuery>({
    range: this.range,
    from: this.from,
    to: this.to,
    tz: this.tz,
    key: this.key,
    account: this.account,
    model: this.model,
    provider: this.provider,
    status: this.status,
    upstream: this.upstream,
  });
  readonly active = $derived(FIELDS.some((f) => this[f] !== ''));

  constructor(q?: URLSearchParams) {
    if (q) this.read(q);
  }

  read(q: URLSearchParams): void {
    const r = q.get('range') ?? '24h';
    const from = Number(q.get('from'));
    const to = Number(q.get('to'));
    if (r === 'custom' && from > 0 && to > from) {
      this.range = 'custom';
      this.from = from;
      this.to = to;
    } else {
      this.range = (PRESETS as readonly string[]).includes(r) ? (r as RangeId) : '24h';
      this.from = null;
      this.to = null;
    }
    for (const f of FIELDS) this[f] = q.get(f) ?? '';
    const tab = q.get('tab') ?? '';
    this.tab = (DIMENSIONS as readonly string[]).includes(tab) ? (tab as Dimension) : 'model';
    const sort = q.get('sort') ?? '';
    this.sort = (SORTS as readonly string[]).includes(sort) ? (sort as BreakdownSort) : 'requests';
    const order = q.get('order');
    this.order = order === 'asc' || order === 'desc' ? order : this.sort === 'name' ? 'asc' : 'desc';
    const page = Number(q.get('page'));
    this.page = Number.isInteger(page) && page > 1 ? page - 1 : 0;
    const auto = Number(q.get('auto'));
    this.auto = (AUTO_REFRESH as readonly number[]).includes(auto) ? auto : 0;
  }

  /** Hash query for these settings (defaults left out). */
  toQuery(): Record<string, string> {
    const out: Record<string, string> = {};
    if (this.range !== '24h') out['range'] = this.range;
    if (this.range === 'custom' && this.from !== null && this.to !== null) {
      out['from'] = String(this.from);
      out['to'] = String(this.to);
    }
    for (const f of FIELDS) if (this[f]) out[f] = this[f];
    if (this.tab !== 'model') out['tab'] = this.tab;
    if (this.sort !== 'requests') out['sort'] = this.sort;
    if (this.order !== (this.sort === 'name' ? 'asc' : 'desc')) out['order'] = this.order;
    if (this.page > 0) out['page'] = String(this.page + 1);
    if (this.auto > 0) out['auto'] = String(this.auto);
    return out;
  }

  set(field: Field, value: string): void {
    this[field] = value;
  }

  setCustom(from: number, to: number): void {
    this.range = 'custom';
    this.from = Math.min(from, to);
    this.to = Math.max(from, to);
  }

  clear(): void {
    for (const f of FIELDS) this[f] = '';
  }
}

const KEY = Symbol('cpamp-monitor-filters');
export const provideFilters = (f: MonitorFilters): void => void setContext(KEY, f);
/** The shared filters (Shell provides them); a page outside the Shell gets its own. */
export const useFilters = (): MonitorFilters => getContext<MonitorFilters | undefined>(KEY) ?? new MonitorFilters();
