// The P1 view set over HTTP (targets.md; store-views.ts asks the same views of the store directly): the 12
// analytics URLs over the last 24 h – 30 d before a data set's newest event, and the 7 filters each is asked with.
// Shared by the server bench and its A/B and memory probes (bench/server/*.mts).

export const ANALYTICS = '/v0/management/analytics';
const H = 3_600_000;

/** `from=…&to=…` for the last `hours` before `maxTs` (exclusive end). */
export type RangeQuery = (hours: number) => string;

export function rangeQuery(maxTs: number): RangeQuery {
  return (hours) => `from=${maxTs - hours * H}&to=${maxTs}`;
}

/** The 12 P1 views, by name: each a path the filters' query parts are appended to. */
export function p1HttpViews(rng: RangeQuery): Record<string, string> {
  const A = ANALYTICS;
  return {
    summary24h: `${A}/summary?${rng(24)}`,
    summary7d: `${A}/summary?${rng(168)}`,
    summary30d: `${A}/summary?${rng(720)}`,
    timelineHourly7d: `${A}/timeline?${rng(168)}&granularity=hour&tz=Europe/Berlin`,
    timelineDaily30dTop10: `${A}/timeline?${rng(720)}&granularity=day&tz=Asia/Shanghai&splitTopModels=10`,
    byModel30d: `${A}/breakdown/model?${rng(720)}&sort=cost`,
    byKey30d: `${A}/breakdown/key?${rng(720)}&sort=requests`,
    byAccount30d: `${A}/breakdown/account?${rng(720)}&sort=tokens`,
    byProvider30d: `${A}/breakdown/provider?${rng(720)}`,
    filterOptions30d: `${A}/filter-options?${rng(720)}`,
    latency7d: `${A}/latency-percentiles?${rng(168)}`,
    heatmap30d: `${A}/heatmap?${rng(720)}&tz=America/New_York`,
  };
}

/** What `/filter-options` answers, as far as the filters need it. */
export interface FilterOptionsBody {
  keys: { hash: string }[];
  accounts: { authIndex: string }[];
  models: { name: string }[];
  providers: { name: string }[];
}

/** The 7 P1 filters, by name, as query parts (`&…`): the top key / model / provider, the 11th account. */
export function p1HttpFilters(opts: FilterOptionsBody): Record<string, string> {
  const enc = encodeURIComponent;
  const key = enc(opts.keys[0]!.hash);
  const model = enc(opts.models[0]!.name);
  const account = enc(opts.accounts[Math.min(10, opts.accounts.length - 1)]!.authIndex);
  const provider = enc(opts.providers[0]!.name);
  return {
    unfiltered: '',
    key: `&key=${key}`,
    account: `&account=${account}`,
    model: `&model=${model}`,
    provider: `&provider=${provider}`,
    failures: '&status=failure',
    keyModel: `&key=${key}&model=${model}`,
  };
}
