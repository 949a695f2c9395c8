import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MultiRowUpsert, sortByKey } from './multi-row-upsert';
import { aggregateRollups, rollupKeyParts, type RollupContribution } from './rollup-batch';
import { rollupRows, zoneRows } from './rollup-rows';

/** Deterministic contributions with repeated keys, null costs and fractional costs (summed in event order). */
function contributions(n: number): RollupContribution[] {
  let x = 7;
  const next = (m: number) => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x % m;
  };
  const t0 = Date.UTC(2026, 0, 1);
  return Array.from({ length: n }, () => ({
    ts: t0 + next(3 * 86_400_000),
    modelId: 1 + next(5),
    providerId: 1 + next(2),
    keyId: 1 + next(9),
    accountId: 1 + next(13),
    upstreamId: 1 + next(2),
    sclass: next(4),
    failed: next(5) === 0,
    input: next(10_000),
    cacheRead: next(500),
    cacheCreation: next(50),
    output: next(2_000),
    reasoning: next(100),
    unclassified: 0,
    cost: next(7) === 0 ? null : next(1_000_000) / 3,
    latency: next(30_000),
    latBucket: next(20),
    ttftBucket: next(3) === 0 ? 0 : 1 + next(10),
  }));
}

const asRows = (m: Map<string, number[] | number>) =>
  sortByKey(
    [...m].map(([k, v]) => [...rollupKeyParts(k), ...(typeof v === 'number' ? [v] : v)]),
    rollupKeyParts(m.keys().next().value!).length,
  );

describe('rollup rows (SQLite ingest)', () => {
  it('sum a batch exactly as rollup-batch and the zone tiers do', () => {
    const items = contributions(3_000);
    const rows = rollupRows(items);
    const maps = aggregateRollups(items);
    for (const name of ['hour', 'day', 'dayKey', 'dayAccount', 'latency', 'ttft'] as const) {
      const keyLen = rollupKeyParts(maps[name].keys().next().value!).length;
      expect(sortByKey([...rows[name].values()], keyLen), name).toEqual(asRows(maps[name]));
    }
    const zone = zoneRows(items);
    // The zone tiers' reference: every event added with rollup-batch's own sums (a one-row "batch" each).
    const zmaps = {
      rollup_hour_total: new Map<string, number[]>(),
      rollup_hour_key: new Map<string, number[]>(),
      rollup_hour_account: new Map<string, number[]>(),
      rollup_hour_model: new Map<string, number[]>(),
    };
    const add = (m: Map<string, number[]>, k: string, c: RollupContribution) => {
      const v = aggregateRollups([{ ...c, ts: 0 }]).hour.values().next().value!;
      v[11] = c.ts;
      const r = m.get(k);
      if (!r) m.set(k, v);
      else for (let i = 0; i < 11; i++) r[i]! += v[i]!;
      if (r && c.ts > r[11]!) r[11] = c.ts;
    };
    for (const c of items) {
      const h = Math.floor(c.ts / 3_600_000);
      add(zmaps.rollup_hour_total, `${h}|${c.sclass}`, c);
      add(zmaps.rollup_hour_key, `${c.keyId}|${h}|${c.sclass}`, c);
      add(zmaps.rollup_hour_account, `${c.accountId}|${h}|${c.sclass}`, c);
      add(zmaps.rollup_hour_model, `${c.modelId}|${h}`, c);
    }
    for (const name of Object.keys(zmaps) as (keyof typeof zmaps)[]) {
      const keyLen = rollupKeyParts(zmaps[name].keys().next().value!).length;
      expect(sortByKey([...zone[name].values()], keyLen), name).toEqual(asRows(zmaps[name]));
    }
  });
});

describe('MultiRowUpsert', () => {
  it('stores what one upsert per row stores, for every chunk split', () => {
    const db = new Database(':memory:');
    for (const t of ['a', 'b'])
      db.exec(
        `CREATE TABLE ${t} (k1 INTEGER, k2 INTEGER, n INTEGER, hi INTEGER, PRIMARY KEY (k1, k2)) WITHOUT ROWID`,
      );
    const tail = 'ON CONFLICT(k1, k2) DO UPDATE SET n = n + excluded.n, hi = max(hi, excluded.hi)';
    const multi = new MultiRowUpsert(db, 'INSERT INTO a (k1, k2, n, hi)', 4, tail);
    const single = db.prepare(`INSERT INTO b (k1, k2, n, hi) VALUES (?,?,?,?) ${tail}`);
    let seq = 0;
    // 0, 1, 7, 8, 9, 63, 64, 65 and 200 rows: every mix of 64-, 8- and 1-row statements.
    for (const size of [0, 1, 7, 8, 9, 63, 64, 65, 200]) {
      const rows = Array.from({ length: size }, (_, i) => [i % 17, (i * 5 + size) % 11, ++seq, seq % 13]);
      const unique = [...new Map(rows.map((r) => [`${r[0]}|${r[1]}`, r])).values()];
      multi.run(unique);
      for (const r of unique) single.run(...r);
    }
    const all = (t: string) => db.prepare(`SELECT * FROM ${t} ORDER BY k1, k2`).all();
    expect(all('a')).toEqual(all('b'));
    expect((all('a') as unknown[]).length).toBeGreaterThan(100);
    db.close();
  });
});
