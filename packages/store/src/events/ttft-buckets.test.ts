import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { latencyBucket } from './latency-buckets';
import { bucketSql, ttftBucket } from './ttft-buckets';

describe('TTFT buckets in SQL', () => {
  it('the CASE ladder gives latencyBucket for every integer millisecond value', () => {
    const db = new Database(':memory:');
    const values = [0, -5, ...Array.from({ length: 5000 }, (_, i) => i + 1), 8191, 8192, 65_535, 65_536, 1_000_000, 16_777_216, 2 ** 31 - 1];
    db.exec('CREATE TABLE v (ttft INTEGER)');
    const ins = db.prepare('INSERT INTO v VALUES (?)');
    for (const v of values) ins.run(v);
    const rows = db.prepare(`SELECT ttft, ${bucketSql('ttft')} AS b FROM v`).all() as { ttft: number; b: number }[];
    for (const r of rows) expect([r.ttft, r.b]).toEqual([r.ttft, latencyBucket(r.ttft)]);
    db.close();
  });

  it('an unreported ttft (0) has no bucket', () => {
    expect(ttftBucket(0)).toBe(0);
    expect(ttftBucket(1320)).toBe(latencyBucket(1320));
  });
});
