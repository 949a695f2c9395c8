// End to end: the real built `cpamp serve` process (dist/cli.js) against the fake CPA. Setup over HTTP,
// records flow to /status, analytics, SSE and /metrics; SIGTERM; a restart on the same data dir brings the
// data and the saved connection back; a second instance on the same dir is refused by the lock. Run twice:
// on SQLite (the default) and on a throwaway Postgres (USAGE_DB_URL; skipped when CPAMP_TEST_PG=off).
import {
  emitUsage,
  generateUsage,
  pgTestsDisabled,
  startFakeCpa,
  startTestPostgres,
  type FakeCpa,
  type TestPostgres,
} from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, serveBuilt, type ServeProc } from './built-cli';
import { tempDir, waitFor } from './helpers';

const ADMIN_KEY = 'cpamp_e2eTestAdminKey0123456789abcdefAB';
const auth = { authorization: `Bearer ${ADMIN_KEY}` };

type Proc = ServeProc;
const serve = (dataDir: string, dbEnv: Record<string, string> = {}): Proc =>
  serveBuilt(dataDir, { CPAMP_ADMIN_KEY: ADMIN_KEY, CPAMP_LOG_LEVEL: 'warn', ...dbEnv });

/** The first value of `fn` that passes `ok`, polled until the deadline. */
async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 8_000): Promise<T> {
  return (
    await waitFor(
      async () => {
        const v = await fn();
        return ok(v) ? { v } : null;
      },
      { timeoutMs: ms },
    )
  ).v;
}
const json = async (base: string, path: string, init: RequestInit = {}) => {
  const res = await fetch(base + path, {
    ...init,
    headers: { ...auth, ...(init.headers as Record<string, string>) },
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
};

/** Where the store lives: SQLite in the data dir, or a schema of its own on a throwaway Postgres. */
const ENGINES = [
  { name: 'sqlite', run: describe, db: async (): Promise<Record<string, string>> => ({}) },
  {
    name: 'postgres',
    run: pgTestsDisabled() ? describe.skip : describe,
    db: async (pg: () => Promise<TestPostgres>) => ({
      USAGE_DB_URL: (await pg()).url,
      USAGE_DB_SCHEMA: `e2e_${process.pid}`,
    }),
  },
] as const;

for (const engine of ENGINES)
  engine.run(`e2e (${engine.name}): the cpamp process against the fake CPA`, () => {
    let fake: FakeCpa;
    let dir: { path: string; cleanup(): void };
    let pg: TestPostgres | undefined;
    let dbEnv: Record<string, string> = {};
    const procs: Proc[] = [];
    beforeAll(async () => {
      ensureBuilt();
      fake = await startFakeCpa();
      dir = tempDir('cpamp-e2e-');
      dbEnv = await engine.db(async () => (pg ??= await startTestPostgres()));
    }, 240_000);
    afterAll(async () => {
      for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await fake?.close();
      await pg?.stop();
      dir?.cleanup();
    });

    it('setup, ingest, status/analytics/SSE/metrics, SIGTERM, restart, lock', async () => {
      const first = serve(dir.path, dbEnv);
      procs.push(first);
      const base = await first.url;
      expect((await fetch(`${base}/health`)).status).toBe(200);

      const setup = await json(base, '/setup', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          cpaBaseUrl: fake.url,
          managementKey: fake.managementKey,
          pollIntervalMs: 100,
        }),
      });
      expect(setup.status, JSON.stringify(setup.body)).toBe(200);

      // SSE open before the records arrive
      const sse = new AbortController();
      const stream = await fetch(`${base}/v0/management/events/stream?types=usage`, {
        headers: auth,
        signal: sse.signal,
      });
      expect(stream.status).toBe(200);
      const sawUsage = (async () => {
        const reader = stream.body!.getReader();
        let text = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return false;
          text += Buffer.from(value).toString();
          if (/event: usage\n/.test(text)) return true;
        }
      })().catch(() => false);

      const N = 40;
      await until(
        async () => fake.subscriberCount('usage') + (fake.stats().popped > 0 ? 1 : 0),
        (n) => n > 0,
        5_000,
      ).catch(() => 0);
      const { emitted } = await emitUsage(fake, generateUsage({ seed: 3, events: N, days: 1 }), {
        ratePerSecond: 2_000,
      });
      expect(emitted).toBe(N);

      const status = await until(
        () => json(base, '/status'),
        (s) => s.body.collector?.totalInserted + s.body.collector?.totalSkipped >= N,
      );
      const stored = status.body.collector.totalInserted as number;
      expect(stored + status.body.collector.totalSkipped).toBe(N);
      expect(stored).toBeGreaterThan(N * 0.9);
      expect(status.body.storeEngine).toBe(engine.name);
      if (engine.name === 'postgres') {
        // No column cache on Postgres; the connection is named without its password.
        expect(status.body.eventCache).toBeNull();
        expect(status.body.database).toMatchObject({ engine: 'postgres', schema: dbEnv.USAGE_DB_SCHEMA });
      }
      expect(await Promise.race([sawUsage, new Promise((r) => setTimeout(() => r('timeout'), 5_000))])).toBe(
        true,
      );
      sse.abort();

      const summary = await json(
        base,
        `/v0/management/analytics/summary?from=0&to=${Date.now() + 86_400_000}`,
      );
      expect(summary.status).toBe(200);
      expect(summary.body.requests).toBe(stored);
      const metrics = await (await fetch(`${base}/metrics`, { headers: auth })).text();
      expect(metrics).toMatch(new RegExp(`^cpamp_events_ingested_total ${stored}$`, 'm'));
      if (engine.name === 'postgres') {
        // Not a local file: no file sizes; the event count comes from the database.
        expect(metrics).not.toMatch(/^cpamp_db_bytes/m);
        expect(metrics).toMatch(new RegExp(`^cpamp_db_events ${stored}$`, 'm'));
      }

      // a second instance on the same data dir is refused (exit 3) with the lock message
      const second = serve(dir.path, dbEnv);
      procs.push(second);
      expect(await second.exit).toBe(3);
      expect(second.err()).toMatch(/data directory is in use by process \d+/);

      first.child.kill('SIGTERM');
      expect(await first.exit).toBe(0);

      const again = serve(dir.path, dbEnv);
      procs.push(again);
      const base2 = await again.url;
      const restored = await until(
        () => json(base2, '/status'),
        (s) => s.body.events === stored,
      );
      expect(restored.body).toMatchObject({
        configured: true,
        connectionSource: 'db',
        upstream: fake.url,
        events: stored,
      });
      expect(
        (await json(base2, `/v0/management/analytics/summary?from=0&to=${Date.now() + 86_400_000}`)).body
          .requests,
      ).toBe(stored);
      // the saved connection is live again: new records flow in
      fake.enqueueUsage([...generateUsage({ seed: 4, events: 1, days: 1 })][0]!);
      const more = await until(
        () => json(base2, '/status'),
        (s) => s.body.collector?.totalInserted >= 1,
      );
      expect(more.body.collector.totalInserted).toBe(1);
      again.child.kill('SIGTERM');
      expect(await again.exit).toBe(0);
    }, 60_000);
  });
