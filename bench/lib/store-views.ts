// The P1 view set (targets.md): 12 analytics views over the last 24 h – 30 d, each taking a filter. Shared by the
// store bench and its steady-state re-run (bench/store/p1-steady.mts).
import type { AnalyticsFilter, Store } from '@cpamp/store';

export type StoreView = (f: Partial<AnalyticsFilter>) => unknown;

export function p1Views(a: Store['analytics'], range: (hours: number) => AnalyticsFilter): Record<string, StoreView> {
  return {
    totals24h: (f) => a.totals({ ...range(24), ...f }),
    totals7d: (f) => a.totals({ ...range(168), ...f }),
    totals30d: (f) => a.totals({ ...range(720), ...f }),
    seriesHourly7d: (f) => a.timeSeries({ ...range(168), ...f }, { granularity: 'hour', timeZone: 'Europe/Berlin' }),
    seriesDaily30dTop10: (f) =>
      a.timeSeries({ ...range(720), ...f }, { granularity: 'day', timeZone: 'Asia/Shanghai', splitTopModels: 10 }),
    byModel30d: (f) => a.breakdown({ ...range(720), ...f }, { by: 'model', sort: 'cost' }),
    byKey30d: (f) => a.breakdown({ ...range(720), ...f }, { by: 'key', sort: 'requests' }),
    byAccount30d: (f) => a.breakdown({ ...range(720), ...f }, { by: 'account', sort: 'tokens' }),
    byProvider30d: (f) => a.breakdown({ ...range(720), ...f }, { by: 'provider' }),
    filterOptions30d: (f) => a.filterOptions({ ...range(720), ...f }),
    latencyByModel7d: (f) => a.latencyPercentiles({ ...range(168), ...f }),
    heatmap30d: (f) => a.heatmap({ ...range(720), ...f }, { timeZone: 'America/New_York' }),
  };
}
