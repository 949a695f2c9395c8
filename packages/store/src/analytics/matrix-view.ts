import type { AggGroup, AggGroups } from './aggregate-query';
import type { AggSource } from './aggregate';
import { tokensOf, type NameOf } from './analytics-views';

/**
 * The entity × model matrix (top keys / accounts / providers × top models) from ONE aggregate grouped
 * by entity × model, the same for both dialects: the row totals, the column totals and the cells are
 * all folded from those groups, so the panel needs one request instead of one breakdown per column.
 */

export type MatrixBy = 'key' | 'account' | 'provider';
export type MatrixSort = 'requests' | 'tokens' | 'cost' | 'failures';

export interface MatrixOptions {
  by: MatrixBy;
  /** What picks and orders the top rows and columns (default requests). */
  sort?: MatrixSort;
  /** Top entities (default 10) and top models (default 6). */
  rows?: number;
  columns?: number;
}

export interface MatrixCell {
  requests: number;
  failures: number;
  /** Sum of the six token buckets. */
  tokens: number;
  costMicros: number;
}

export interface MatrixView {
  by: MatrixBy;
  sort: MatrixSort;
  /** The top models, most first; `total` is the model's total over every entity (not only the rows). */
  columns: { name: string; total: MatrixCell }[];
  /** The top entities, most first; `cells` align with `columns`; `total` is over every model. */
  /** `upstream`: by account, when the store holds several CPAs, the account's CPA. */
  rows: { name: string; label: string; total: MatrixCell; cells: MatrixCell[]; upstream?: string }[];
  /** Everything the filter matched. */
  total: MatrixCell;
  /** How many entities and models had requests (rows / columns beyond the top are left out). */
  entityCount: number;
  modelCount: number;
  source: AggSource;
}

export const MATRIX_MAX_ROWS = 100;
export const MATRIX_MAX_COLUMNS = 30;

/** Groups keyed by entity (g) and model (g2): cells, and optionally totals computed apart (see below). */
export interface MatrixGroups extends AggGroups {
  /** Row totals per entity when `groups` holds only the top models' cells (else summed from the cells). */
  rowTotals?: AggGroup[];
  /** Column totals per model, likewise. */
  columnTotals?: AggGroup[];
}

interface Acc {
  n: number;
  failures: number;
  tokens: number;
  cost: number;
}
const zero = (): Acc => ({ n: 0, failures: 0, tokens: 0, cost: 0 });
const add = (a: Acc, x: AggGroup): void => {
  a.n += x.n;
  a.failures += x.failures;
  a.tokens += tokensOf(x).total;
  a.cost += x.cost;
};
const cellOf = (a: Acc | undefined): MatrixCell => ({
  requests: a?.n ?? 0,
  failures: a?.failures ?? 0,
  tokens: a?.tokens ?? 0,
  costMicros: Math.round(a?.cost ?? 0),
});
const metricOf = (sort: MatrixSort) => (a: Acc) =>
  sort === 'tokens' ? a.tokens : sort === 'cost' ? a.cost : sort === 'failures' ? a.failures : a.n;

/** The ids with the highest metric (requests > 0), most first; ties by id. */
function topIds(totals: Map<number, Acc>, sort: MatrixSort, limit: number): number[] {
  const m = metricOf(sort);
  return [...totals]
    .filter(([, a]) => a.n > 0)
    .sort((a, b) => m(b[1]) - m(a[1]) || a[0] - b[0])
    .slice(0, limit)
    .map(([id]) => id);
}

const clamp = (v: number | undefined, dflt: number, max: number) =>
  Math.max(1, Math.min(max, Math.floor(v ?? dflt)));

export function matrixLimits(opts: MatrixOptions): { sort: MatrixSort; rows: number; columns: number } {
  return {
    sort: opts.sort ?? 'requests',
    rows: clamp(opts.rows, 10, MATRIX_MAX_ROWS),
    columns: clamp(opts.columns, 6, MATRIX_MAX_COLUMNS),
  };
}

/** The top entity and model ids of the groups (what names a dialect must look up). */
export function matrixIds(r: MatrixGroups, opts: MatrixOptions): { rowIds: number[]; columnIds: number[] } {
  const { sort, rows, columns } = matrixLimits(opts);
  const { rowTot, colTot } = totalsOf(r);
  return { rowIds: topIds(rowTot, sort, rows), columnIds: topIds(colTot, sort, columns) };
}

function totalsOf(r: MatrixGroups): { rowTot: Map<number, Acc>; colTot: Map<number, Acc> } {
  const rowTot = new Map<number, Acc>();
  const colTot = new Map<number, Acc>();
  const fold = (into: Map<number, Acc>, id: number, x: AggGroup) => {
    let a = into.get(id);
    if (!a) into.set(id, (a = zero()));
    add(a, x);
  };
  for (const x of r.rowTotals ?? r.groups) fold(rowTot, x.g, x);
  for (const x of r.columnTotals ?? r.groups) fold(colTot, r.columnTotals ? x.g : x.g2, x);
  return { rowTot, colTot };
}

export function matrixOf(
  r: MatrixGroups,
  opts: MatrixOptions,
  rowNames: NameOf,
  modelNames: NameOf,
): MatrixView {
  const { sort } = matrixLimits(opts);
  const { rowTot, colTot } = totalsOf(r);
  const { rowIds, columnIds } = matrixIds(r, opts);
  const col = new Map(columnIds.map((id, i) => [id, i]));
  const rowAt = new Map(rowIds.map((id, i) => [id, i]));
  const cells = rowIds.map(() => columnIds.map(zero));
  for (const x of r.groups) {
    const ri = rowAt.get(x.g);
    const ci = col.get(x.g2);
    if (ri !== undefined && ci !== undefined) add(cells[ri]![ci]!, x);
  }
  const total = zero();
  let entityCount = 0;
  for (const a of rowTot.values()) {
    if (a.n === 0) continue;
    entityCount++;
    total.n += a.n;
    total.failures += a.failures;
    total.tokens += a.tokens;
    total.cost += a.cost;
  }
  return {
    by: opts.by,
    sort,
    columns: columnIds.map((id) => ({ name: modelNames(id).name, total: cellOf(colTot.get(id)) })),
    rows: rowIds.map((id, i) => {
      const nm = rowNames(id);
      return {
        name: nm.name,
        label: nm.label,
        total: cellOf(rowTot.get(id)),
        cells: cells[i]!.map(cellOf),
        ...(nm.upstream !== undefined && { upstream: nm.upstream }),
      };
    }),
    total: cellOf(total),
    entityCount,
    modelCount: [...colTot.values()].filter((a) => a.n > 0).length,
    source: r.source,
  };
}
