// Two built `cpamp serve` processes on one throwaway Postgres and one fake CPA emitting records steadily
// (the collector pops over HTTP, so what CPA handed out is exact: FakeCpa stats). kill -9 the leader
// mid-ingest: the other takes the collector lease within 30 s, nothing is doubled, at most one batch
// (USAGE_BATCH_SIZE) is lost. Then a graceful SIGTERM of the new leader hands over with nothing lost.
import { normalizeRecord } from '@cpamp/collector';
import {
  emitUsage,
  generateUsage,
  pgTestsDisabled,
  startFakeCpa,
  startTestPostgres,
  type FakeCpa,
  type TestPostgres,
} from '@cpamp/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, serveBuilt, type ServeProc } from './built-cli';
import { tempDir, waitFor } from './helpers';

const ADMIN_KEY = 'cpamp_haTestAdminKey0123456789abcdefABCD';
const DATA_KEY = 'c'.repeat(64);
const BATCH = 50;
const auth = { authorization: `Bearer ${ADMIN_KEY}` };

type Proc = ServeProc & { name: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- /status is read loosely here
type Json = Record<string, any>;

const suite = pgTestsDisabled() ? describe.skip : describe;

suite('ha: two cpamp processes on one Postgres', () => {
  let pgServer: TestPostgres;
  let fake: FakeCpa;
  const dirs: { path: string; cleanup(): void }[] = [];
  const procs: Proc[] = [];
  const schema = `ha_${process.pid}`;

  const serve = (name: string): Proc => {
    const dir = tempDir(`cpamp-ha-${name}-`);
    dirs.push(dir);
    const p: Proc = {
      name,
      ...serveBuilt(
        dir.path,
        {
          CPAMP_ADMIN_KEY: ADMIN_KEY,
          CPAMP_LOG_LEVEL: 'warn',
          USAGE_DB_URL: pgServer.url,
          USAGE_DB_SCHEMA: schema,
          // The shared data key: a secret one instance encrypts, the other reads.
          CPA_MANAGER_DATA_KEY: DATA_KEY,
          CPA_UPSTREAM_URL: fake.url,
          CPA_MANAGEMENT_KEY: fake.managementKey,
          USAGE_COLLECTOR_MODE: 'http',
          USAGE_BATCH_SIZE: String(BATCH),
          USAGE_POLL_INTERVAL_MS: '50',
        },
        `cpamp ${name}`,
      ),
    };
    procs.push(p);
    return p;
  };
  const status = async (p: Proc): Promise<Json> =>
    (await fetch(`${await p.url}/status`, { headers: auth })).json() as Promise<Json>;
  const holds = async (p: Proc, lease: string): Promise<boolean> =>
    ((await status(p)).instance?.leases ?? []).some(
      (l: { name: string; held: boolean }) => l.name === lease && l.held,
    );
  const until = <T>(probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> =>
    waitFor(probe, { timeoutMs }) as Promise<T>;
  const query = async <T extends Record<string, unknown>>(text: string): Promise<T> => {
    const c = new pg.Client({ connectionString: pgServer.url });
    await c.connect();
    try {
      await c.query(`SET search_path TO "${schema}"`);
      return (await c.query<T>(text)).rows[0]!;
    } finally {
      await c.end();
    }
  };
  /** Emitting stopped: waits until CPA handed out everything and the store stopped growing. */
  const drained = async () => {
    await until(
      async () => fake.stats().popped + fake.stats().expired >= fake.stats().enqueued,
      20_000,
    ).catch((e: unknown) => {
      throw new Error(`CPA still holds records: ${JSON.stringify(fake.stats())}`, { cause: e });
    });
    let last = -1;
    return until(async () => {
      const { n } = await query<{ n: number }>('SELECT count(*)::int AS n FROM events');
      if (n === last) return { n };
      last = n;
      await new Promise((r) => setTimeout(r, 400));
      return null;
    }, 15_000);
  };

  beforeAll(async () => {
    ensureBuilt();
    [pgServer, fake] = await Promise.all([startTestPostgres(), startFakeCpa()]);
    t0 = Date.now();
  }, 240_000);
  afterAll(async () => {
    for (const p of procs)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exit));
    await fake?.close();
    await pgServer?.stop();
    for (const d of dirs) d.cleanup();
  });

  let t0 = Date.now();
  const mark = (what: string) => console.log(`ha ${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);
  it('kill -9 the leader mid-ingest: takeover ≤ 30 s, 0 doubled, ≤ one batch lost; SIGTERM hands over with 0 lost', async () => {
    const records = [...generateUsage({ seed: 21, events: 10_000, days: 1 })];
    const distinct = (n: number) =>
      new Set(
        records
          .slice(0, n)
          .map((r) => (normalizeRecord(r) as { ok: true; event: { dedupKey: string } }).event.dedupKey),
      ).size;
    // Three instances start together: one takes the collector lease, the others stand by.
    const all = [serve('a'), serve('b'), serve('c')];
    const collecting = async (among: Proc[]) => {
      const held = await Promise.all(among.map((p) => holds(p, 'collector:default').catch(() => false)));
      const i = held.indexOf(true);
      return i >= 0 ? among[i]! : null;
    };
    const leader1 = await until(() => collecting(all), 20_000);
    mark(`${leader1.name} leads`);
    const standby = await until(async () => {
      const s = await Promise.all(all.filter((p) => p !== leader1).map((p) => status(p)));
      return s.every((x) => x.instance?.leases?.some((l: { holder: string | null }) => l.holder)) ? s : null;
    }, 15_000);
    const leaderId = (await status(leader1)).instance.instanceId as string;
    for (const s of standby) {
      expect(s.instance.instanceId).not.toBe(leaderId);
      expect(s.instance.leases.find((l: { name: string }) => l.name === 'collector:default')).toMatchObject({
        held: false,
        holder: leaderId,
      });
    }

    let emittedSoFar = 0;
    const emit = (from: number, to: number) => {
      const stop = new AbortController();
      const done = emitUsage(fake, records.slice(from, to), { ratePerSecond: 100, signal: stop.signal }).then(
        (r) => {
          emittedSoFar += r.emitted;
          return r;
        },
      );
      return { stop, done };
    };
    const inserted = async (p: Proc) => ((await status(p)).collector?.totalInserted ?? 0) as number;

    // Phase 1: steady records; kill -9 the leader mid-ingest.
    // A standby's live stream shows the leader's rows (LISTEN / NOTIFY relay).
    const watcher = all.find((p) => p !== leader1)!;
    const sse = new AbortController();
    const stream = await fetch(`${await watcher.url}/v0/management/events/stream?types=usage`, {
      headers: auth,
      signal: sse.signal,
    });
    expect(stream.status).toBe(200);
    const relayed = (async () => {
      const reader = stream.body!.getReader();
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return 0;
        text += Buffer.from(value).toString();
        const n = text.match(/event: usage\n/g)?.length ?? 0;
        if (n >= 20) return n;
      }
    })().catch(() => 0);
    const first = emit(0, 5_000);
    await until(async () => (await inserted(leader1)) >= 150, 15_000);
    expect(
      await Promise.race([relayed, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]),
    ).toBeGreaterThanOrEqual(20);
    sse.abort();
    mark(`${leader1.name} killed`);
    leader1.child.kill('SIGKILL');
    const killedAt = Date.now();
    await leader1.exit;
    const rest = all.filter((p) => p !== leader1);
    const leader2 = await until(() => collecting(rest), 30_000);
    const takeoverMs = Date.now() - killedAt;
    mark(`${leader2.name} took over`);
    await until(async () => (await inserted(leader2)) > 0, 10_000);
    const collectedAfterMs = Date.now() - killedAt;
    first.stop.abort();
    await first.done;
    const afterKill = await drained();
    const lostKill = distinct(emittedSoFar) - afterKill.n;
    mark('phase 1 drained');

    // Phase 2: SIGTERM the new leader while records flow: the last instance takes over, nothing lost.
    const leader3 = rest.find((p) => p !== leader2)!;
    const second = emit(5_000, 10_000);
    await until(async () => (await inserted(leader2)) >= 100, 15_000);
    leader2.child.kill('SIGTERM');
    const termAt = Date.now();
    expect(await leader2.exit).toBe(0);
    await until(() => holds(leader3, 'collector:default'), 30_000);
    const handoverMs = Date.now() - termAt;
    mark(`${leader3.name} took over`);
    await until(async () => (await inserted(leader3)) > 0, 10_000);
    second.stop.abort();
    await second.done;
    const end = await drained();
    const lostTotal = distinct(emittedSoFar) - end.n;
    mark('phase 2 drained');

    // Doubled: every stored row is one dedup key, and the rollups count each stored row once.
    const check = await query<{ n: number; d: number; r: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT dedup)::int AS d, (SELECT coalesce(sum(n), 0)::int FROM rollup_hour) AS r FROM events',
    );
    const summary = {
      takeoverMs,
      collectedAfterMs,
      handoverMs,
      emitted: emittedSoFar,
      stored: end.n,
      lostKill,
      lostGraceful: lostTotal - lostKill,
    };
    console.log(`ha failover: ${JSON.stringify(summary)}`);
    expect(check.n).toBe(check.d);
    expect(check.r).toBe(check.n);
    expect(takeoverMs).toBeLessThanOrEqual(30_000);
    expect(lostKill).toBeGreaterThanOrEqual(0);
    expect(lostKill).toBeLessThanOrEqual(BATCH);
    expect(lostTotal - lostKill).toBe(0);
    expect(handoverMs).toBeLessThanOrEqual(10_000);
    leader3.child.kill('SIGTERM');
    expect(await leader3.exit).toBe(0);
  }, 90_000);
});
