import { StoreError } from '../errors';
import { filterValues } from '../events/event-list-query';
import type { ResolvedFilter } from './aggregate';
import { withAccountCpas } from './account-on-cpa';

/** The dictionary dimensions a filter can name. */
export type FilterDim = 'key' | 'account' | 'model' | 'provider' | 'upstream';
export const FILTER_DIMS: readonly FilterDim[] = ['key', 'account', 'model', 'provider', 'upstream'];
/** The id column of each dimension in events and rollups. */
export const DIM_COLUMN: Record<FilterDim, string> = {
  key: 'key_id',
  account: 'account_id',
  model: 'model_id',
  provider: 'provider_id',
  upstream: 'upstream_id',
};

/** The name filters shared by analytics, the event list and exports. */
export interface NameFilter {
  apiKeyHash?: string | string[];
  authIndex?: string | string[];
  model?: string | string[];
  provider?: string | string[];
  /** The CPA (upstream name) events came from. */
  upstream?: string | string[];
}

/** The dictionary table and name column of each dimension. */
export const NAME_COLUMN: Record<FilterDim, [table: string, column: string]> = {
  key: ['api_key', 'hash'],
  account: ['account', 'auth_index'],
  model: ['model', 'name'],
  provider: ['provider', 'name'],
  upstream: ['upstream', 'name'],
};

export type PerDim<T> = Partial<Record<FilterDim, T>>;

/** The names a filter selects per dimension (absent: that dimension is not filtered). */
export function filterNames(nf: NameFilter): PerDim<string[]> {
  const f = withAccountCpas(nf);
  const out: PerDim<string[]> = {};
  const put = (dim: FilterDim, v: string | string[] | undefined) => {
    const list = filterValues(v);
    if (list) out[dim] = list;
  };
  put('key', f.apiKeyHash);
  put('account', f.authIndex);
  put('model', f.model);
  put('provider', f.provider);
  put('upstream', f.upstream);
  return out;
}

/** The ids of every filtered dimension's names that exist (`find`: an in-memory dictionary lookup). */
export function findIds(
  names: PerDim<string[]>,
  find: (dim: FilterDim, name: string) => number | undefined,
): PerDim<number[]> {
  const out: PerDim<number[]> = {};
  for (const dim of FILTER_DIMS) {
    const list = names[dim];
    if (list) out[dim] = list.map((n) => find(dim, n)).filter((x): x is number => x !== undefined);
  }
  return out;
}

/** The id lists of a ResolvedFilter (an empty list: the filter names nothing that exists). */
export function idFilter(ids: PerDim<number[]>): Omit<ResolvedFilter, 'from' | 'to' | 'status'> {
  const r: Omit<ResolvedFilter, 'from' | 'to' | 'status'> = {};
  if (ids.key) r.keyIds = ids.key;
  if (ids.account) r.accountIds = ids.account;
  if (ids.model) r.modelIds = ids.model;
  if (ids.provider) r.providerIds = ids.provider;
  if (ids.upstream) r.upstreamIds = ids.upstream;
  return r;
}

/** Rejects a time range that is not two epoch-ms instants with from <= to. */
export function checkTimeRange(f: { from: number; to: number }): void {
  if (!Number.isFinite(f.from) || !Number.isFinite(f.to) || f.to < f.from) {
    throw new StoreError(
      'invalid_query',
      `Invalid time range from=${f.from} to=${f.to}: both must be epoch ms with from <= to.`,
    );
  }
}

/** An analytics filter with its names resolved to `ids` (validated first: see checkTimeRange). */
export function resolvedFilter(
  f: { from: number; to: number; status?: ResolvedFilter['status'] },
  ids: PerDim<number[]>,
  severalCpas = false,
): ResolvedFilter {
  const r: ResolvedFilter = { from: f.from, to: f.to, ...idFilter(ids) };
  if (f.status !== undefined) r.status = f.status;
  if (severalCpas && r.upstreamIds) r.severalCpas = true;
  return r;
}
