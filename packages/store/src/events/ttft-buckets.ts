import { LATENCY_BUCKETS, latencyBucket } from './latency-buckets';

/**
 * Time to first token (CPA's `ttft_ms`, v7.1.24+; 0 when unknown) in the same log buckets as latency.
 * Events store the raw ttft only, so the raw-event path and the rollup backfill compute the bucket in SQL
 * with this CASE ladder (plain comparisons: the same text in SQLite and Postgres, no log2 needed).
 * Bucket 0 is "unknown" for TTFT: rollups leave it out and percentiles ignore it.
 */
export const TTFT_ROLLUP_TABLE = 'rollup_hour_ttft';

/** Integer thresholds where latencyBucket steps up: [first value of the bucket, bucket]. */
function thresholds(): [number, number][] {
  const out: [number, number][] = [];
  let prev = 0;
  for (let b = 1; b < LATENCY_BUCKETS; b++) {
    // Smallest integer m with latencyBucket(m) >= b (monotonic: binary search).
    let lo = 1;
    let hi = 2 ** 26;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (latencyBucket(mid) >= b) hi = mid;
      else lo = mid + 1;
    }
    if (lo !== prev) out.push([lo, latencyBucket(lo)]);
    prev = lo;
  }
  return out;
}

/** `CASE WHEN col < t1 THEN 0 … ELSE 95 END`: latencyBucket(col) as SQL, for integer milliseconds. */
export function bucketSql(col: string): string {
  const t = thresholds();
  const parts: string[] = [];
  let below = 0;
  for (const [m, b] of t) {
    parts.push(`WHEN ${col} < ${m} THEN ${below}`);
    below = b;
  }
  return `(CASE ${parts.join(' ')} ELSE ${below} END)`;
}

/** latencyBucket of every ms below 65,536 (64 kB, built once): a cache scan looks a TTFT's bucket up instead of taking a log. */
export const BUCKET_OF_MS: Readonly<Uint8Array> = Uint8Array.from({ length: 65_536 }, (_, ms) => latencyBucket(ms));

/** The TTFT bucket of one event; 0 (left out) when CPA did not report it. */
export const ttftBucket = (ms: number): number => (ms > 0 ? latencyBucket(ms) : 0);
