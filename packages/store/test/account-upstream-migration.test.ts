// Migration 0030 on an existing SQLite database: it records the (account, CPA) pairs of the stored events, the
// pairs the inserts since keep adding; retention leaves them (a stale pair only sends an account to raw events).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore, upstreamDedupKey, type UsageEventInput } from '../src/index';
import { makeEvent } from './helpers/events';
import { tempStores } from './helpers/temp-stores';

const T0 = Date.UTC(2026, 7, 20, 0, 0, 0);
const KEY = 'cd'.repeat(32);
const temp = tempStores();

/** acc0 on default and east, acc1 on east, acc2 and acc3 on default. */
function events(upstreams: boolean): UsageEventInput[] {
  return Array.from({ length: 40 }, (_, i) => {
    const e = makeEvent({
      dedupKey: `mig-${i}`.padEnd(32, '0'),
      timestampMs: T0 + i * 3_600_000,
      authIndex: `acc${i % 4}`,
    });
    const up = !upstreams || i % 4 > 1 || i % 8 === 0 ? 'default' : 'east';
    return up === 'default' ? e : { ...e, upstream: up, dedupKey: upstreamDedupKey(up, e.dedupKey) };
  });
}

const pairs = (path: string) => {
  const db = new Database(path, { readonly: true });
  const out = db
    .prepare(
      `SELECT a.auth_index, u.name FROM account_upstream p JOIN account a ON a.id = p.account_id
       JOIN upstream u ON u.id = p.upstream_id ORDER BY 1, 2`,
    )
    .raw()
    .all();
  db.close();
  return out;
};

async function refilled(upstreams: boolean) {
  const path = temp.path('cpamp-acc-up-');
  const w = await openStore({ path, dataKey: KEY, columnCache: false, foldIntervalMs: 0 });
  await w.insertBatch(events(upstreams));
  await w.close();
  const written = pairs(path);
  // The database as it was before 0030.
  const raw = new Database(path);
  raw.exec(
    `DROP TABLE account_upstream; DELETE FROM kysely_migration WHERE name >= '0030-account-upstream';`,
  );
  raw.close();
  const s = await temp.open({ path, dataKey: KEY, columnCache: false, foldIntervalMs: 0 });
  return { path, s, written };
}

describe('migration 0030 (accounts per CPA) on SQLite', () => {
  it('fills the pairs the inserts recorded, from the stored events', async () => {
    const { path, written } = await refilled(true);
    expect(written).toEqual([
      ['acc0', 'default'],
      ['acc0', 'east'],
      ['acc1', 'east'],
      ['acc2', 'default'],
      ['acc3', 'default'],
    ]);
    expect(pairs(path)).toEqual(written);
  });

  it('one CPA: every account on the default CPA; a second CPA then adds its pairs', async () => {
    const { path, s, written } = await refilled(false);
    expect(written).toEqual([0, 1, 2, 3].map((i) => [`acc${i}`, 'default']));
    expect(pairs(path)).toEqual(written);
    const e = makeEvent({
      dedupKey: 'late'.padEnd(32, '0'),
      timestampMs: T0 + 50 * 3_600_000,
      authIndex: 'acc9',
    });
    await s.insertBatch([{ ...e, upstream: 'east', dedupKey: upstreamDedupKey('east', e.dedupKey) }]);
    expect(pairs(path)).toEqual([...written, ['acc9', 'east']]);
    // Retention leaves the pairs.
    await s.maintenance.pruneByAge(T0 + 100 * 3_600_000);
    expect(pairs(path)).toHaveLength(5);
  });
});
