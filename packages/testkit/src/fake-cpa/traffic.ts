/**
 * Per-credential request counters, as CPA keeps them for /auth-files and /api-key-usage: totals plus
 * 20 × 10-minute `recent_requests` buckets. Fed by the records given to `enqueueUsage` (matched by
 * auth_index); counted even when usage statistics are off, because the request itself still happened.
 */

export const RECENT_BUCKETS = 20;
export const BUCKET_MS = 10 * 60 * 1000;

export type RecentBucket = { time: string; success: number; failed: number };

interface Counter {
  success: number;
  failed: number;
  /** bucket start (ms) → counts */
  buckets: Map<number, { success: number; failed: number }>;
}

function hm(t: number): string {
  return new Date(t).toISOString().slice(11, 16);
}

/** The 20 bucket windows ending with the one that contains `nowMs`, oldest first. */
export function bucketStarts(nowMs: number): number[] {
  const current = Math.floor(nowMs / BUCKET_MS) * BUCKET_MS;
  return Array.from({ length: RECENT_BUCKETS }, (_, i) => current - (RECENT_BUCKETS - 1 - i) * BUCKET_MS);
}

export class TrafficLog {
  private readonly byIndex = new Map<string, Counter>();

  /** Counts one attempt; ignores records without an auth_index or that are not JSON objects. */
  record(raw: object | string, nowMs: number): void {
    let rec: unknown = raw;
    if (typeof raw === 'string') {
      try {
        rec = JSON.parse(raw) as unknown;
      } catch {
        return;
      }
    }
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return;
    const r = rec as Record<string, unknown>;
    const idx = typeof r.auth_index === 'string' ? r.auth_index : '';
    if (idx === '') return;
    const parsed = typeof r.timestamp === 'string' ? Date.parse(r.timestamp) : NaN;
    const at = Number.isFinite(parsed) ? parsed : nowMs;
    const failed = r.failed === true;
    let c = this.byIndex.get(idx);
    if (!c) {
      c = { success: 0, failed: 0, buckets: new Map() };
      this.byIndex.set(idx, c);
    }
    if (failed) c.failed++;
    else c.success++;
    const start = Math.floor(at / BUCKET_MS) * BUCKET_MS;
    let b = c.buckets.get(start);
    if (!b) {
      b = { success: 0, failed: 0 };
      c.buckets.set(start, b);
      // Keep memory bounded: drop buckets far older than any window a caller can see.
      if (c.buckets.size > RECENT_BUCKETS * 4) {
        const floor = start - RECENT_BUCKETS * BUCKET_MS;
        for (const k of c.buckets.keys()) if (k < floor) c.buckets.delete(k);
      }
    }
    if (failed) b.failed++;
    else b.success++;
  }

  totals(idx: string): { success: number; failed: number } {
    const c = this.byIndex.get(idx);
    return { success: c?.success ?? 0, failed: c?.failed ?? 0 };
  }

  recent(idx: string, nowMs: number): RecentBucket[] {
    const c = this.byIndex.get(idx);
    return bucketStarts(nowMs).map((start) => {
      const b = c?.buckets.get(start);
      return { time: `${hm(start)}-${hm(start + BUCKET_MS)}`, success: b?.success ?? 0, failed: b?.failed ?? 0 };
    });
  }
}
