/** Log-spaced latency buckets (factor 2^(1/4), ~19 % wide): percentiles merge from counts. */
export const LATENCY_BUCKETS = 96;

export function latencyBucket(ms: number): number {
  if (!(ms >= 1)) return 0;
  const b = Math.floor(Math.log2(ms) * 4) + 1;
  return b >= LATENCY_BUCKETS ? LATENCY_BUCKETS - 1 : b;
}

/** Representative value of a bucket: the geometric middle of its bounds. */
export function bucketValue(bucket: number): number {
  if (bucket <= 0) return 0;
  return Math.round(2 ** ((bucket - 1 + 0.5) / 4));
}

/** Percentile (0..1) from a histogram; null when it is empty. */
export function percentileFromHistogram(hist: ArrayLike<number>, p: number, offset = 0): number | null {
  let total = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) total += hist[offset + i]!;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    seen += hist[offset + i]!;
    if (seen >= rank) return bucketValue(i);
  }
  return bucketValue(LATENCY_BUCKETS - 1);
}
