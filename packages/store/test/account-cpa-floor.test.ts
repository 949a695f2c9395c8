// Several CPAs on SQLite: the by-account views split by CPA from raw events; a range reaching below what
// retention kept of them answers from the rollups instead (complete history, one row per auth_index).
import { expect, it } from 'vitest';
import { openStore, upstreamDedupKey, type UsageEventInput } from '../src/index';
import { makeEvent } from './helpers/events';
import { tempStores } from './helpers/temp-stores';

const T0 = Date.UTC(2026, 2, 1);
const DAY = 86_400_000;
const temp = tempStores();

it("keeps one row per auth_index below retention's raw floor, one per CPA above it", async () => {
  const path = temp.path('cpamp-accfloor-');
  const ev = (i: number, upstream: string): UsageEventInput => {
    const e = makeEvent({
      dedupKey: `floor-${upstream}-${i}`.padEnd(32, '0'),
      requestId: `f${upstream}${i}`,
      timestampMs: T0 + i * DAY + 3_600_000,
      authIndex: 'acc1',
    });
    return upstream === 'default' ? e : { ...e, upstream, dedupKey: upstreamDedupKey(upstream, e.dedupKey) };
  };
  const first = await openStore({ path });
  await first.insertBatch([ev(0, 'default'), ev(1, 'east'), ev(5, 'default'), ev(6, 'east'), ev(7, 'east')]);
  // As retention leaves it: raw events before day 4 gone (the rollups keep them).
  first.settings.set('retention_raw_floor_ms', T0 + 4 * DAY);
  await first.close();
  const s = await openStore({ path });
  try {
    const rows = async (from: number) =>
      (await s.analytics.breakdown({ from, to: T0 + 10 * DAY }, { by: 'account' })).rows.map((r) => [
        r.name,
        r.upstream,
        r.requests,
      ]);
    expect(await rows(T0 + 4 * DAY)).toEqual([
      ['acc1', 'east', 2],
      ['acc1', 'default', 1],
    ]);
    expect(await rows(T0)).toEqual([['acc1', undefined, 5]]);
  } finally {
    await s.close();
  }
});
