// The lease manager with an injected clock, on a real store's leases: two managers on one leases table
// stand for two instances on one database. Heartbeats are driven by tick() (no timers, no sleeps).
import { openStore, type LeasesRepository, type Store } from '@cpamp/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLeaseManager, type LeaseManager } from '../src/ha/lease-manager';

const TTL = 15_000;
const HEARTBEAT = 5_000;

describe('lease manager', () => {
  let store: Store;
  const clock = { t: 10_000_000 };
  const log: string[] = [];
  beforeEach(async () => {
    clock.t = 10_000_000;
    log.length = 0;
    store = await openStore({ path: ':memory:', now: () => clock.t });
  });
  afterEach(async () => store.close());

  const manager = (id: string, leases: LeasesRepository | null = store.leases): LeaseManager => {
    const m = createLeaseManager({ leases, instanceId: id, ttlMs: TTL, heartbeatMs: HEARTBEAT, now: () => clock.t, timer: false });
    for (const name of ['collector:default', 'scheduler'])
      m.role(name, {
        start: () => void log.push(`${id} start ${name}`),
        stop: async () => {
          // The lease is still ours while the work drains: nobody else may start meanwhile.
          const cur = await store.leases.current(name);
          log.push(`${id} stop ${name} (held by ${cur?.holder ?? 'nobody'})`);
        },
      });
    return m;
  };
  const settle = async (...ms: LeaseManager[]) => {
    // Role starts / stops run on the lease's chain: a tick more lets them finish.
    for (let i = 0; i < 3; i++) await Promise.all(ms.map((m) => m.tick()));
  };

  it('one instance holds every lease; the other takes over within ttl + heartbeat after the leader dies', async () => {
    const a = manager('a');
    const b = manager('b');
    await a.start();
    await b.start();
    await settle(a, b);
    expect([a.holds('collector:default'), a.holds('scheduler'), b.holds('collector:default'), b.holds('scheduler')]).toEqual([true, true, false, false]);
    expect(log).toEqual(['a start collector:default', 'a start scheduler']);
    expect(b.status().leases.map((l) => [l.name, l.held, l.holder])).toEqual([
      ['collector:default', false, 'a'],
      ['scheduler', false, 'a'],
    ]);

    // a dies (no more heartbeats). b ticks every HEARTBEAT: it takes over once a's last renewal expired.
    const diedAt = clock.t;
    while (!b.holds('collector:default')) {
      clock.t += HEARTBEAT;
      await b.tick();
    }
    const takeover = clock.t - diedAt;
    expect(takeover).toBeGreaterThanOrEqual(TTL);
    expect(takeover).toBeLessThanOrEqual(TTL + HEARTBEAT);
    expect(b.holds('scheduler')).toBe(true);

    // a comes back (it was only stalled): its renewal fails, it stops its work and does not take it back.
    log.length = 0;
    await settle(a);
    expect([a.holds('collector:default'), a.holds('scheduler')]).toEqual([false, false]);
    expect(log).toEqual(['a stop collector:default (held by b)', 'a stop scheduler (held by b)']);
  });

  it('a graceful stop drains the work before releasing, and the other takes over at its next heartbeat', async () => {
    const a = manager('a');
    const b = manager('b');
    await a.start();
    await b.start();
    log.length = 0;
    await a.stop();
    expect([...log].sort()).toEqual(['a stop collector:default (held by a)', 'a stop scheduler (held by a)']);
    expect(await store.leases.current('collector:default')).toBeNull();
    await settle(b);
    expect([b.holds('collector:default'), b.holds('scheduler')]).toEqual([true, true]);
    // Stopped is final: ticks after stop do nothing.
    await a.tick();
    expect(a.holds('scheduler')).toBe(false);
  });

  it('keeps its work while the database is unreachable but the lease surely lasts, then stops it', async () => {
    let down = false;
    const flaky: LeasesRepository = {
      acquire: (...args) => (down ? Promise.reject(new Error('connection refused')) : store.leases.acquire(...args)),
      renew: (...args) => (down ? Promise.reject(new Error('connection refused')) : store.leases.renew(...args)),
      release: (...args) => store.leases.release(...args),
      current: (...args) => store.leases.current(...args),
      list: () => store.leases.list(),
    };
    const a = manager('a', flaky);
    await a.start();
    down = true;
    clock.t += HEARTBEAT;
    await a.tick();
    expect(a.holds('collector:default')).toBe(true);
    clock.t += HEARTBEAT;
    await a.tick();
    // 10 s after the last renewal, 5 s before expiry: stop now, before another instance may take it.
    expect(a.holds('collector:default')).toBe(false);
    await settle(a);
    expect(log.filter((l) => l.includes('stop'))).toHaveLength(2);
  });

  it('a store of one process (no leases): every lease held from the start, roles started and stopped', async () => {
    const s = manager('solo', null);
    expect(s.mode).toBe('single');
    expect(s.holds('scheduler')).toBe(true);
    await s.start();
    await s.stop();
    expect(log.slice(0, 2)).toEqual(['solo start collector:default', 'solo start scheduler']);
    expect(log.slice(2).sort()).toEqual(['solo stop collector:default (held by nobody)', 'solo stop scheduler (held by nobody)']);
  });
});
