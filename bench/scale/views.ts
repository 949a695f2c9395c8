// The view × filter matrix of the scale benchmark: every analytics view the panel asks for, under no filter
// and one key / model / account, each over 7, 30 and 365 days ending at the newest event.
import {
  dashboardView,
  type AnalyticsFilter,
  type AnalyticsRepository,
  type EventsRepository,
} from '@cpamp/store';

const H = 3_600_000;
export const RANGES = { '7d': 168 * H, '30d': 720 * H, '365d': 8760 * H } as const;
export type RangeName = keyof typeof RANGES;

type Repos = { analytics: AnalyticsRepository; events: EventsRepository };
type ViewFn = (r: Repos, f: AnalyticsFilter) => Promise<unknown>;

/** Each view with the ranges it is asked for (hourly series: 7 d and 30 d, as the panel draws them). */
export const VIEWS: Record<string, { fn: ViewFn; ranges: RangeName[] }> = {
  totals: { fn: (r, f) => r.analytics.totals(f), ranges: ['7d', '30d', '365d'] },
  seriesHour: {
    fn: (r, f) => r.analytics.timeSeries(f, { granularity: 'hour', timeZone: 'Europe/Berlin' }),
    ranges: ['7d', '30d'],
  },
  seriesDayTop10: {
    fn: (r, f) =>
      r.analytics.timeSeries(f, { granularity: 'day', timeZone: 'Asia/Shanghai', splitTopModels: 10 }),
    ranges: ['7d', '30d', '365d'],
  },
  byKey: {
    fn: (r, f) => r.analytics.breakdown(f, { by: 'key', sort: 'requests' }),
    ranges: ['7d', '30d', '365d'],
  },
  byAccount: {
    fn: (r, f) => r.analytics.breakdown(f, { by: 'account', sort: 'tokens' }),
    ranges: ['7d', '30d', '365d'],
  },
  byModel: {
    fn: (r, f) => r.analytics.breakdown(f, { by: 'model', sort: 'cost' }),
    ranges: ['7d', '30d', '365d'],
  },
  byProvider: { fn: (r, f) => r.analytics.breakdown(f, { by: 'provider' }), ranges: ['7d', '30d', '365d'] },
  filterOptions: { fn: (r, f) => r.analytics.filterOptions(f), ranges: ['7d', '30d', '365d'] },
  latency: { fn: (r, f) => r.analytics.latencyPercentiles(f), ranges: ['7d', '30d', '365d'] },
  heatmap: {
    fn: (r, f) => r.analytics.heatmap(f, { timeZone: 'America/New_York' }),
    ranges: ['7d', '30d', '365d'],
  },
  eventPage: { fn: (r, f) => r.events.list(f, { limit: 50 }), ranges: ['7d', '30d', '365d'] },
};

export interface Cell {
  view: string;
  filter: string;
  range: string;
  runs: number;
  p50: number;
  p95: number;
  max: number;
  /** Stopped before 20 runs: the first runs were already far over the target. */
  stoppedEarly: boolean;
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)]!;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

export interface MatrixOptions {
  runs: number;
  /** After 3 runs with a median above this, stop that cell (it fails anyway; saves minutes at 10M). */
  giveUpMs: number;
  onCell?: (c: Cell) => void;
  sampleRss: () => void;
  /** Measure only these views / filters / ranges (names as in the JSON); all when absent. */
  only?: { views?: string[]; filters?: string[]; ranges?: string[] };
}

/** Runs every view × filter × range cell `runs` times (after one warm-up call) and the dashboard view. */
export async function runMatrix(
  repos: Repos,
  maxTs: number,
  filters: Record<string, Partial<AnalyticsFilter>>,
  o: MatrixOptions,
): Promise<Cell[]> {
  const cells: Cell[] = [];
  const measure = async (view: string, filter: string, range: string, call: () => Promise<unknown>) => {
    await call();
    const xs: number[] = [];
    let stoppedEarly = false;
    for (let i = 0; i < o.runs; i++) {
      const t = performance.now();
      await call();
      xs.push(performance.now() - t);
      if (i === 2 && pct(xs, 0.5) > o.giveUpMs) {
        stoppedEarly = true;
        break;
      }
    }
    o.sampleRss();
    const c: Cell = {
      view,
      filter,
      range,
      runs: xs.length,
      p50: r1(pct(xs, 0.5)),
      p95: r1(pct(xs, 0.95)),
      max: r1(Math.max(...xs)),
      stoppedEarly,
    };
    cells.push(c);
    o.onCell?.(c);
  };
  const picked = (list: string[] | undefined, name: string) => !list || list.includes(name);
  for (const [vn, v] of Object.entries(VIEWS))
    for (const [fname, f] of Object.entries(filters))
      for (const rn of v.ranges) {
        if (!picked(o.only?.views, vn) || !picked(o.only?.filters, fname) || !picked(o.only?.ranges, rn))
          continue;
        const filter = { from: maxTs - RANGES[rn], to: maxTs, ...f } as AnalyticsFilter;
        await measure(vn, fname, rn, () => v.fn(repos, filter));
      }
  if (picked(o.only?.views, 'dashboard'))
    await measure('dashboard', 'none', 'today', () =>
      dashboardView(repos, { now: maxTs, timeZone: 'Europe/Berlin' }),
    );
  return cells;
}
