import { STATUS_CLASS_SQL } from '../events/event-flags';
import { DAY_MS, HOUR_MS, METRIC_COLS, addTo, rollupKeyParts, type RollupContribution } from './rollup-batch';
import { CROSS_EVENT_SUMS } from './rollup-cross';
import { closedDays } from './day-dims-fold';
import { type FoldGroup, type FoldTier } from './fold-tier';
import {
  ACCOUNT_MODEL_LATENCY,
  HOUR_ACCOUNT_MODEL,
  HOUR_KEY_MODEL,
  KEY_ACCOUNT_DAY,
  KEY_ACCOUNT_SPAN,
  KEY_MODEL_LATENCY,
  PG_DIMS_GROUP,
} from './pg-dims-tables';
import { SPANS } from './rollup-spans';

/**
 * The Postgres-only tiers of fold group `pg_dims` (names and reads: pg-dims-tables.ts; table creation: migration
 * 0031). Like day-dims (day-dims-fold.ts) the day tiers are folded from raw events behind the group's watermark
 * and their 8- / 64-day span blocks are derived in the fold transaction that closes them:
 *
 *   invariant — a block has rows iff it is closed (its end ≤ the group's watermark, in whole days), and then they
 *   hold the sum of its day rows;
 *
 * late events are added to closed blocks at once (pgDimsSpanLateRows), re-pricing re-derives the closed blocks it
 * touches (pgDimsRederiveSql).
 */

/** One tier: its key columns (primary-key order, time column included) and whether it counts or sums. */
interface PgDimsTier {
  table: string;
  unit: number;
  timeCol: 'day' | 'hour';
  keyCols: string[];
  /** A latency histogram (value `n`) rather than the full metrics. */
  hist: boolean;
  dict: 'api_key' | 'account';
  /** Its 8- / 64-day blocks (day tiers). */
  span?: string;
}

const TIERS: readonly PgDimsTier[] = [
  {
    table: KEY_ACCOUNT_DAY,
    unit: DAY_MS,
    timeCol: 'day',
    keyCols: ['key_id', 'day', 'account_id', 'sclass'],
    hist: false,
    dict: 'api_key',
    span: KEY_ACCOUNT_SPAN,
  },
  {
    table: KEY_MODEL_LATENCY.day,
    unit: DAY_MS,
    timeCol: 'day',
    keyCols: ['key_id', 'day', 'model_id', 'bucket'],
    hist: true,
    dict: 'api_key',
    span: KEY_MODEL_LATENCY.span,
  },
  {
    table: ACCOUNT_MODEL_LATENCY.day,
    unit: DAY_MS,
    timeCol: 'day',
    keyCols: ['account_id', 'day', 'model_id', 'bucket'],
    hist: true,
    dict: 'account',
    span: ACCOUNT_MODEL_LATENCY.span,
  },
  {
    table: HOUR_KEY_MODEL,
    unit: HOUR_MS,
    timeCol: 'hour',
    keyCols: ['key_id', 'model_id', 'hour'],
    hist: false,
    dict: 'api_key',
  },
  {
    table: HOUR_ACCOUNT_MODEL,
    unit: HOUR_MS,
    timeCol: 'hour',
    keyCols: ['account_id', 'model_id', 'hour'],
    hist: false,
    dict: 'account',
  },
];

/** Each key column as SQL over `events`. */
const EXPR: Record<string, string> = {
  key_id: 'key_id',
  account_id: 'account_id',
  model_id: 'model_id',
  sclass: STATUS_CLASS_SQL,
  bucket: 'lat_bucket',
  day: `ts / ${DAY_MS}`,
  hour: `ts / ${HOUR_MS}`,
};

/** Each key column of one event. */
function colValue(c: RollupContribution, col: string): number {
  switch (col) {
    case 'key_id':
      return c.keyId;
    case 'account_id':
      return c.accountId;
    case 'model_id':
      return c.modelId;
    case 'sclass':
      return c.sclass;
    case 'bucket':
      return c.latBucket;
    case 'day':
      return Math.floor(c.ts / DAY_MS);
    default:
      return Math.floor(c.ts / HOUR_MS);
  }
}

const valueCols = (t: PgDimsTier): readonly string[] => (t.hist ? ['n'] : METRIC_COLS);

/** Events summed per row of `keyOf`: `[...key, ...values]` rows, distinct keys. */
function sumRows(
  t: PgDimsTier,
  items: readonly RollupContribution[],
  keyOf: (c: RollupContribution) => number[] | null,
): number[][] {
  const m = new Map<string, number[]>();
  for (const c of items) {
    const key = keyOf(c);
    if (!key) continue;
    const k = key.join('|');
    if (t.hist) {
      const a = m.get(k);
      if (a) a[0]! += 1;
      else m.set(k, [1]);
    } else addTo(m, k, c);
  }
  return [...m].map(([k, a]) => [...rollupKeyParts(k), ...a]);
}

const foldTier = (t: PgDimsTier): FoldTier => ({
  name: t.table,
  group: PG_DIMS_GROUP,
  unit: t.unit,
  timeCol: t.timeCol,
  keyCols: t.keyCols,
  keyExprs: t.keyCols.map((c) => EXPR[c]!),
  valueCols: valueCols(t),
  valueSql: t.hist ? 'count(*)' : CROSS_EVENT_SUMS,
  ...(t.hist ? {} : { maxCols: ['last_ts'] }),
  dict: t.dict,
  rows: (items) =>
    sumRows(t, items, (c) => t.keyCols.map((col) => colValue(c, col))),
});

/** The group: hourly steps (the hour tier needs them; day tiers answer whole days below the watermark). */
export const PG_DIMS_FOLD_GROUP: FoldGroup = {
  name: PG_DIMS_GROUP,
  unit: HOUR_MS,
  derive: (fromUpto, toUpto) => pgDimsDeriveSql(fromUpto, toUpto),
};

/** The group's folded tiers (registered in fold-registry.ts, Postgres only). */
export const PG_DIMS_FOLD_TIERS: readonly FoldTier[] = TIERS.map(foldTier);

const SPANNED = TIERS.filter((t) => t.span !== undefined);

/** A span table's key columns: the lead, span, day (the block's first day), then the rest. */
const spanKeyColsOf = (t: PgDimsTier): string[] => [
  t.keyCols[0]!,
  'span',
  'day',
  ...t.keyCols.filter((c, i) => i > 0 && c !== 'day'),
];

/** Statements (re)deriving every block of `span` starting in days [b0, b1) from the day tables. */
function deriveBlocks(span: number, b0: number, b1: number): string[] {
  if (b1 <= b0) return [];
  return SPANNED.flatMap((t) => {
    const cols = spanKeyColsOf(t);
    const rest = cols.slice(3);
    const vals = valueCols(t);
    const sums = vals.map((c) => (c === 'last_ts' ? 'max(last_ts)' : `sum(${c})`)).join(', ');
    const block = `(day / ${span}) * ${span}`;
    return [
      `DELETE FROM ${t.span} WHERE ${t.keyCols[0]} IN (SELECT id FROM ${t.dict}) AND span = ${span}
         AND day >= ${Math.trunc(b0)} AND day < ${Math.trunc(b1)}`,
      `INSERT INTO ${t.span} (${cols.join(', ')}, ${vals.join(', ')})
         SELECT ${t.keyCols[0]}, ${span}, ${block}, ${rest.join(', ')}, ${sums} FROM ${t.table}
         WHERE day >= ${Math.trunc(b0)} AND day < ${Math.trunc(b1)}
         GROUP BY ${t.keyCols[0]}, ${block}, ${rest.join(', ')} ORDER BY ${cols.map((_, i) => i + 1).join(', ')}`,
    ];
  });
}

const openFrom = (span: number, days: number): number => Math.floor(days / span) * span;

/** In the fold transaction moving the watermark from `fromUpto` to `toUpto`: the blocks that closed on the way. */
export function pgDimsDeriveSql(fromUpto: number, toUpto: number): string[] {
  const d0 = closedDays(fromUpto);
  const d1 = closedDays(toUpto);
  if (d0 === -Infinity || d1 <= d0) return [];
  return SPANS.flatMap((span) => deriveBlocks(span, openFrom(span, d0), openFrom(span, d1)));
}

/** Re-pricing of days [d0, d1): the closed blocks touching them, re-derived from the (rebuilt) day tables. */
export function pgDimsRederiveSql(d0: number, d1: number, upto: number): string[] {
  const days = closedDays(upto);
  if (days === -Infinity) return [];
  return SPANS.flatMap((span) =>
    deriveBlocks(span, Math.floor(d0 / span) * span, Math.min(Math.ceil(d1 / span) * span, openFrom(span, days))),
  );
}

/** A late batch's rows for the closed blocks, per span table: `[...key, ...values]` rows (distinct keys). */
export function pgDimsSpanLateRows(
  items: readonly RollupContribution[],
  upto: number,
): { table: string; keyCols: string[]; valueCols: readonly string[]; rows: number[][] }[] {
  const days = closedDays(upto);
  if (days === -Infinity) return [];
  const out = [];
  for (const t of SPANNED) {
    const cols = spanKeyColsOf(t);
    const rows = SPANS.flatMap((span) =>
      sumRows(t, items, (c) => {
        const day = Math.floor(c.ts / DAY_MS);
        const b = day - (day % span);
        if (b + span > days) return null;
        return cols.map((col) => (col === 'span' ? span : col === 'day' ? b : colValue(c, col)));
      }),
    );
    if (rows.length)
      out.push({ table: t.span!, keyCols: cols, valueCols: valueCols(t), rows });
  }
  return out;
}

/** Every table of migration 0031 with its columns (key first) and primary key, in creation order. */
export const PG_DIMS_TABLE_DEFS: readonly { table: string; keyCols: string[]; valueCols: readonly string[] }[] = [
  ...TIERS.map((t) => ({ table: t.table, keyCols: t.keyCols, valueCols: valueCols(t) })),
  ...SPANNED.map((t) => ({ table: t.span!, keyCols: spanKeyColsOf(t), valueCols: valueCols(t) })),
];
