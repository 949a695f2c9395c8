import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTestsDisabled } from '@cpamp/testkit';
import { openPgStore, openStore, type LeasesRepository, type StoreRepositories } from '../src/index';
import { noticePayload, parseNotice } from '../src/pg/pg-notifications';
import { makeEvent } from './helpers/events';
import { useTestPostgres } from './helpers/test-postgres';

const DATA_KEY = 'a'.repeat(64);

/** The lease rules, the same on both dialects; `clock.t` is the store's injected time. */
type LeaseStore = Pick<StoreRepositories, 'leases' | 'close'>;

function leaseCases(open: (clock: { t: number }) => Promise<LeaseStore>) {
  let store: LeaseStore;
  let leases: LeasesRepository;
  const clock = { t: 1_000_000 };
  beforeAll(async () => {
    store = await open(clock);
    leases = store.leases;
  });
  afterAll(async () => store.close());

  it('acquire takes a free lease; another holder is refused while it is held', async () => {
    const a = await leases.acquire('collector:default', 'a', 15_000);
    expect(a).toMatchObject({ name: 'collector:default', holder: 'a', acquiredAtMs: clock.t, expiresAtMs: clock.t + 15_000, epoch: 1 });
    expect(await leases.acquire('collector:default', 'b', 15_000)).toBeNull();
    expect((await leases.current('collector:default'))?.holder).toBe('a');
    // Acquiring again as the holder is a renewal: same epoch, same acquiredAt.
    clock.t += 1_000;
    expect(await leases.acquire('collector:default', 'a', 15_000)).toMatchObject({ epoch: 1, acquiredAtMs: clock.t - 1_000, heartbeatMs: clock.t });
  });

  it('renew and release work only for the holder', async () => {
    expect(await leases.renew('collector:default', 'b', 15_000)).toBeNull();
    expect(await leases.release('collector:default', 'b')).toBe(false);
    clock.t += 5_000;
    expect(await leases.renew('collector:default', 'a', 15_000)).toMatchObject({ holder: 'a', heartbeatMs: clock.t, expiresAtMs: clock.t + 15_000 });
    expect(await leases.release('collector:default', 'a')).toBe(true);
    expect(await leases.current('collector:default')).toBeNull();
    // Released: the next taker gets it at once, as a new holder (epoch + 1).
    expect(await leases.acquire('collector:default', 'b', 15_000)).toMatchObject({ holder: 'b', epoch: 2 });
    expect(await leases.renew('collector:default', 'a', 15_000)).toBeNull();
  });

  it('an expired lease is free for anyone; the old holder cannot renew it after a takeover', async () => {
    expect(await leases.acquire('scheduler', 'a', 15_000)).toMatchObject({ holder: 'a', epoch: 1 });
    clock.t += 14_999;
    expect(await leases.acquire('scheduler', 'b', 15_000)).toBeNull();
    clock.t += 1;
    expect(await leases.current('scheduler')).toBeNull();
    expect(await leases.acquire('scheduler', 'b', 15_000)).toMatchObject({ holder: 'b', epoch: 2 });
    expect(await leases.renew('scheduler', 'a', 15_000)).toBeNull();
    // A holder whose lease expired but nobody took it may still renew: nobody else held it meanwhile.
    clock.t += 20_000;
    expect(await leases.renew('scheduler', 'b', 15_000)).toMatchObject({ holder: 'b', epoch: 2 });
    expect((await leases.list()).map((l) => [l.name, l.holder])).toEqual([
      ['collector:default', 'b'],
      ['scheduler', 'b'],
    ]);
  });

  it('refuses malformed names, holders and ttls', async () => {
    await expect(leases.acquire('bad name', 'a', 1000)).rejects.toMatchObject({ code: 'invalid_query' });
    await expect(leases.acquire('x', '', 1000)).rejects.toMatchObject({ code: 'invalid_query' });
    await expect(leases.acquire('x', 'a', 0)).rejects.toMatchObject({ code: 'invalid_query' });
  });
}

describe('leases on SQLite', () => {
  leaseCases((clock) => openStore({ path: ':memory:', now: () => clock.t }));
});

const pgSuite = pgTestsDisabled() ? describe.skip : describe;
pgSuite('leases and notifications on Postgres', () => {
  let n = 0;
  const prefix = `l${process.pid}_${Date.now().toString(36)}`;
  const schemas: string[] = [];
  const server = useTestPostgres(schemas);
  const openPg = (schema: string, extra: { leaseNow?: () => number; instanceId?: string } = {}) =>
    openPgStore({ connectionString: server.url, dataKey: DATA_KEY, schema, poolSize: 3, ...extra });
  const newSchema = () => {
    const s = `${prefix}_${++n}`;
    schemas.push(s);
    return s;
  };

  describe('lease rules', () => {
    leaseCases((clock) => openPg(newSchema(), { leaseNow: () => clock.t }));
  });

  it('ten instances racing for a lease: exactly one wins (database clock)', async () => {
    const schema = newSchema();
    const stores = await Promise.all(Array.from({ length: 3 }, () => openPg(schema)));
    try {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => stores[i % 3]!.leases.acquire('scheduler', `i${i}`, 15_000)),
      );
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      const now = Date.now();
      // The database's clock: close to ours on this machine.
      expect(Math.abs(winners[0]!.heartbeatMs - now)).toBeLessThan(5_000);
      expect((await stores[2]!.leases.current('scheduler'))?.holder).toBe(winners[0]!.holder);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('another instance hears each committed batch (ids, events), never its own; the listener reconnects', async () => {
    const schema = newSchema();
    const a = await openPg(schema, { instanceId: 'inst-a' });
    const b = await openPg(schema, { instanceId: 'inst-b' });
    const other = await openPg(newSchema(), { instanceId: 'inst-c' });
    const heardA: number[][] = [];
    const heardB: { ids: number[] | null; from: string }[] = [];
    const subA = a.notifications.listen((n) => heardA.push(n.ids ?? []));
    let wake: (() => void) | null = null;
    const subB = b.notifications.listen((n) => {
      heardB.push({ ids: n.ids, from: n.instanceId });
      wake?.();
    });
    const waitHeard = (count: number) =>
      new Promise<void>((resolve) => {
        if (heardB.length >= count) return resolve();
        wake = () => {
          if (heardB.length >= count) resolve();
        };
      });
    try {
      await Promise.all([subA.ready, subB.ready]);
      const batch = Array.from({ length: 5 }, (_, i) => makeEvent({ timestampMs: Date.UTC(2026, 7, 22) + i }));
      await a.insertBatch(batch);
      await other.insertBatch([makeEvent()]);
      await waitHeard(1);
      expect(heardB[0]!.from).toBe('inst-a');
      expect(heardB[0]!.ids).toHaveLength(5);
      const events = await b.notifications.eventsOf({ instanceId: 'inst-a', ids: heardB[0]!.ids, fromId: 0, toId: 0, count: 5 });
      expect(events.map((e) => e.requestId)).toEqual(batch.map((e) => e.requestId));

      // Kill b's listening connection: it reconnects and hears the next batch.
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      try {
        const killed = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN cpamp_events' AND pid <> pg_backend_pid()`,
        );
        expect(killed.rowCount).toBeGreaterThanOrEqual(2);
      } finally {
        await admin.end();
      }
      // Keep inserting until b hears one (it may miss those committed while it reconnects).
      const deadline = Date.now() + 15_000;
      while (heardB.length < 2 && Date.now() < deadline) {
        await a.insertBatch([makeEvent()]);
        await Promise.race([waitHeard(2), new Promise((r) => setTimeout(r, 200))]);
      }
      expect(heardB.length).toBeGreaterThanOrEqual(2);
      // a never hears its own batches.
      expect(heardA).toEqual([]);
    } finally {
      await subA.close();
      await subB.close();
      await Promise.all([a.close(), b.close(), other.close()]);
    }
  }, 30_000);
});

describe('notification payloads', () => {
  const sums = (ids: number[]) => ids.map((id) => ({ id, timestampMs: 0, model: 'm', failed: false, costMicros: null }));
  it('list ids delta-coded, and fall back to a range when too large for NOTIFY', () => {
    const small = noticePayload('public', 'x', sums([7, 5, 6, 10]));
    expect(parseNotice(small, 'public', 'y')).toEqual({ instanceId: 'x', ids: [5, 6, 7, 10], fromId: 5, toId: 10, count: 4 });
    expect(parseNotice(small, 'other', 'y')).toBeNull();
    expect(parseNotice(small, 'public', 'x')).toBeNull();
    const big = noticePayload('public', 'x', sums(Array.from({ length: 5_000 }, (_, i) => 1_000_000 + i * 3)));
    expect(big.length).toBeLessThan(8_000);
    expect(parseNotice(big, 'public', 'y')).toEqual({ instanceId: 'x', ids: null, fromId: 1_000_000, toId: 1_014_997, count: 5_000 });
    expect(parseNotice('not json', 'public', 'y')).toBeNull();
  });
});
