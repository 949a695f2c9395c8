import { DAY_MS, type RollupContribution } from './rollup-batch';
import { DAY_HIST_TABLES } from './rollup-cross';

/**
 * The day latency / TTFT histograms (rollup_day_latency, rollup_day_ttft) summed per 8- and 64-day block, beside
 * rollup_span_day (rollup-spans.ts): a year of percentiles merges ≤ 33 blocks and days × buckets per model.
 * Rows: model_id, span, day (the block's first UTC day), bucket, n.
 */
export const HIST_SPAN_TABLES = { latency: 'rollup_span_latency', ttft: 'rollup_span_ttft' } as const;

/** The block spans, largest first (the same as rollup-spans.ts SPANS; kept here to avoid an import cycle). */
const HIST_SPANS = [64, 8] as const;

/** A batch counted per histogram block row: model_id|span|day|bucket → n. */
export function aggregateHistSpans(items: readonly RollupContribution[]): {
  latency: Map<string, number>;
  ttft: Map<string, number>;
} {
  const latency = new Map<string, number>();
  const ttft = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const c of items) {
    const d = Math.floor(c.ts / DAY_MS);
    for (const span of HIST_SPANS) {
      const head = `${c.modelId}|${span}|${d - (d % span)}`;
      bump(latency, `${head}|${c.latBucket}`);
      if (c.ttftBucket) bump(ttft, `${head}|${c.ttftBucket}`);
    }
  }
  return { latency, ttft };
}

/** INSERT … SELECT summing the day histogram's days [d0, d1) into blocks of `span` (both dialects). */
export const histSpanFillSql = (metric: 'latency' | 'ttft', span: number, d0: number, d1: number): string =>
  `INSERT INTO ${HIST_SPAN_TABLES[metric]} (model_id, span, day, bucket, n)
   SELECT model_id, ${span}, (day / ${span}) * ${span}, bucket, sum(n) FROM ${DAY_HIST_TABLES[metric]}
   WHERE day >= ${Math.trunc(d0)} AND day < ${Math.trunc(d1)}
   GROUP BY model_id, (day / ${span}) * ${span}, bucket`;

