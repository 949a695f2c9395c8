import { TOKEN_COLUMNS, type TokenCounts } from '../events/event-tokens';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The numbers one inserted event contributes to every rollup. */
export interface RollupContribution extends TokenCounts {
  ts: number;
  modelId: number;
  providerId: number;
  keyId: number;
  accountId: number;
  /** The CPA the event came from (upstream dictionary id). */
  upstreamId: number;
  sclass: number;
  failed: boolean;
  cost: number | null;
  latency: number;
  latBucket: number;
  /** Time-to-first-token bucket; 0 = not reported (left out of the TTFT histogram). */
  ttftBucket?: number;
}

/** The rollup metric columns, in the order of a RollupAgg's values. */
export const METRIC_COLS = [
  'n',
  'failures',
  ...TOKEN_COLUMNS,
  'cost',
  'unpriced',
  'latency_sum',
  'last_ts',
] as const;

/** One rollup row's metric values, in METRIC_COLS order. */
export type RollupAgg = number[];

/** A batch summed per rollup row; keys are the row's key columns joined by '|'. */
export interface RollupBatch {
  /** hour|model_id|provider_id|sclass */
  hour: Map<string, RollupAgg>;
  /** day|model_id|provider_id|sclass: the hourly rollup summed per UTC day (long ranges read 24× fewer rows) */
  day: Map<string, RollupAgg>;
  /** day|key_id|sclass */
  dayKey: Map<string, RollupAgg>;
  /** day|account_id|sclass */
  dayAccount: Map<string, RollupAgg>;
  /** hour|model_id|bucket → n */
  latency: Map<string, number>;
  /** hour|model_id|bucket → n, events with a reported TTFT only */
  ttft: Map<string, number>;
}

/** Adds one event's metrics to the row at `k` (a new row of zeros first). */
export function addTo(map: Map<string, RollupAgg>, k: string, c: RollupContribution): void {
  let a = map.get(k);
  if (!a) {
    a = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    map.set(k, a);
  }
  a[0]! += 1;
  a[1]! += c.failed ? 1 : 0;
  a[2]! += c.input;
  a[3]! += c.cacheRead;
  a[4]! += c.cacheCreation;
  a[5]! += c.output;
  a[6]! += c.reasoning;
  a[7]! += c.unclassified;
  a[8]! += c.cost ?? 0;
  a[9]! += c.cost === null ? 1 : 0;
  a[10]! += c.latency;
  if (c.ts > a[11]!) a[11] = c.ts;
}

/** Sums a batch in memory, so each rollup row is upserted once per batch. */
export function aggregateRollups(items: readonly RollupContribution[]): RollupBatch {
  const out: RollupBatch = { hour: new Map(), day: new Map(), dayKey: new Map(), dayAccount: new Map(), latency: new Map(), ttft: new Map() };
  for (const c of items) {
    const h = Math.floor(c.ts / HOUR_MS);
    const d = Math.floor(c.ts / DAY_MS);
    addTo(out.hour, `${h}|${c.modelId}|${c.providerId}|${c.sclass}`, c);
    addTo(out.day, `${d}|${c.modelId}|${c.providerId}|${c.sclass}`, c);
    addTo(out.dayKey, `${d}|${c.keyId}|${c.sclass}`, c);
    addTo(out.dayAccount, `${d}|${c.accountId}|${c.sclass}`, c);
    const lk = `${h}|${c.modelId}|${c.latBucket}`;
    out.latency.set(lk, (out.latency.get(lk) ?? 0) + 1);
    if (c.ttftBucket) {
      const tk = `${h}|${c.modelId}|${c.ttftBucket}`;
      out.ttft.set(tk, (out.ttft.get(tk) ?? 0) + 1);
    }
  }
  return out;
}

/** The key columns of a RollupBatch map key. */
export const rollupKeyParts = (k: string): number[] => k.split('|').map(Number);

/** [fromMs, toMs) widened to whole UTC days, in days, ms and hours, for a rollup rebuild. */
export function rollupRebuildRange(
  fromMs: number,
  toMs: number,
): { d0: number; d1: number; t0: number; t1: number; h0: number; h1: number } {
  const d0 = Math.floor(fromMs / DAY_MS);
  const d1 = Math.ceil(toMs / DAY_MS);
  const t0 = d0 * DAY_MS;
  const t1 = d1 * DAY_MS;
  return { d0, d1, t0, t1, h0: t0 / HOUR_MS, h1: t1 / HOUR_MS };
}
