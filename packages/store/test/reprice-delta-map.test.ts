// Re-pricing's pending rollup deltas keyed by packed numbers (events/reprice-delta-map.ts): every row comes back
// with its exact key values and summed deltas, in key order, whether its key packs or not.
import { describe, expect, it } from 'vitest';
import { DeltaMap, deltaKeyCount } from '../src/events/reprice-delta-map';

/** Every row of `m`, taken in keys() order: [key values, cost, unpriced]. */
function takeAll(m: DeltaMap): [number[], number, number][] {
  const k = m.keys();
  const out: [number[], number, number][] = [];
  const v: number[] = [];
  const d = [0, 0];
  for (let j = 0; j < deltaKeyCount(k); j++) {
    if (m.take(k, j, v, d)) out.push([v.slice(0, m.cols.length), d[0]!, d[1]!]);
  }
  return out;
}

describe('DeltaMap', () => {
  it('sums deltas per row and gives the rows back in key order with their exact values', () => {
    const m = new DeltaMap(['account_id', 'day', 'model_id', 'provider_id', 'sclass']);
    expect(m.add([7, 20_400, 65_535, 1_023, 5], 100, 1)).toBe(true);
    expect(m.add([7, 20_400, 65_535, 1_023, 5], -40, -1)).toBe(false);
    expect(m.add([3, 20_401, 2, 1, 2], 5, 0)).toBe(true);
    expect(m.add([7, 20_399, 9, 4, 2], 1, 0)).toBe(true);
    expect(m.add([1_000_000_000, 0, 0, 0, 0], 2, 0)).toBe(true); // a lead of any size packs (a Map level)
    expect(m.size).toBe(4);
    expect(takeAll(m)).toEqual([
      [[3, 20_401, 2, 1, 2], 5, 0],
      [[7, 20_399, 9, 4, 2], 1, 0],
      [[7, 20_400, 65_535, 1_023, 5], 60, 0],
      [[1_000_000_000, 0, 0, 0, 0], 2, 0],
    ]);
    expect(m.size).toBe(0);
  });

  it('keeps a string key for values that do not fit their bits or are negative', () => {
    const m = new DeltaMap(['day', 'key_id', 'sclass']);
    m.add([20_400, 2 ** 20, 2], 10, 0); // key id past 20 bits
    m.add([20_400, 5, 2], 1, 0);
    m.add([-3, 5, 2], 2, 1); // a lead may be negative
    m.add([20_400, -1, 2], 3, 0);
    m.add([20_400, 2 ** 20, 2], 10, 1);
    expect(m.size).toBe(4);
    const rows = takeAll(m);
    expect(rows).toHaveLength(4);
    expect(rows).toEqual(
      expect.arrayContaining([
        [[20_400, 2 ** 20, 2], 20, 1],
        [[20_400, 5, 2], 1, 0],
        [[-3, 5, 2], 2, 1],
        [[20_400, -1, 2], 3, 0],
      ]),
    );
  });

  it('skips a row taken before and takes a row summed into after keys() with its new total', () => {
    const m = new DeltaMap(['hour', 'sclass']);
    m.add([491_000, 2], 1, 0);
    m.add([491_001, 2], 1, 0);
    const k = m.keys();
    m.add([491_001, 2], 4, 0);
    const v: number[] = [];
    const d = [0, 0];
    expect(m.take(k, 1, v, d)).toBe(true);
    expect([v.slice(0, 2), d]).toEqual([[491_001, 2], [5, 0]]);
    expect(m.take(k, 1, v, d)).toBe(false);
    expect(m.take(k, 0, v, d)).toBe(true);
    expect(m.size).toBe(0);
  });

  it('packs span rows (span, day, model, provider, status class after the lead) within 53 bits', () => {
    const m = new DeltaMap(['account_id', 'span', 'day', 'model_id', 'provider_id', 'sclass']);
    m.add([12, 64, 131_071, 65_535, 1_023, 7], 9, 0);
    m.add([12, 8, 131_071, 65_535, 1_023, 7], 8, 0);
    expect(takeAll(m)).toEqual([
      [[12, 8, 131_071, 65_535, 1_023, 7], 8, 0],
      [[12, 64, 131_071, 65_535, 1_023, 7], 9, 0],
    ]);
  });
});
