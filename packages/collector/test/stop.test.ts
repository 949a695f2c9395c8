// stop() right after start() must resolve promptly in every mode and phase (connecting, auto probe,
// backoff after an unreachable CPA, auth pause), and must not lose anything already popped.
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Collector, CollectorMode } from '@cpamp/collector';
import { MemorySink, record, useCollectorHarness, waitFor, waitForState } from './helpers';

const h = useCollectorHarness({ pollIntervalMs: 20 });

const MODES: CollectorMode[] = ['auto', 'http', 'subscribe', 'resp-pop'];
const PROMPT_MS = 1000;

async function timedStop(c: Collector): Promise<number> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    c.stop().then(() => 'stopped' as const),
    new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), 5000))),
  ]);
  clearTimeout(timer);
  expect(outcome).toBe('stopped');
  return Date.now() - t0;
}

/** A port on which nothing listens (CPA down). */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A collector pointed at a dead port, with a long backoff. */
async function unreachableCollector(mode: CollectorMode): Promise<Collector> {
  const port = await deadPort();
  return h.collector({
    baseUrl: `http://127.0.0.1:${port}`,
    managementKey: 'k',
    mode,
    backoff: { initialMs: 60_000, maxMs: 60_000 },
  });
}

describe.each(MODES)('stop() in mode %s', (mode) => {
  it('resolves promptly when called right after start()', async () => {
    await h.startFake();
    const collector = h.collector({ mode });
    await collector.start();
    expect(await timedStop(collector)).toBeLessThan(PROMPT_MS);
    expect(collector.status().state).toBe('stopped');
  });

  it('resolves promptly once running and idle, keeping what was popped', async () => {
    const fake = await h.startFake();
    const sink = new MemorySink();
    const collector = h.collector({ sink, mode });
    for (let i = 0; i < 20; i++) fake.enqueueUsage(record(i));
    await collector.start();
    await waitForState(collector, 'running', 5000);
    await waitFor(() => sink.rows.length === 20, 5000, '20 rows');
    expect(await timedStop(collector)).toBeLessThan(PROMPT_MS);
    expect(collector.status().counters.received).toBe(sink.rows.length);
  });

  it('resolves promptly when CPA is unreachable (connect failing, then backoff)', async () => {
    const collector = await unreachableCollector(mode);
    await collector.start();
    expect(await timedStop(collector)).toBeLessThan(PROMPT_MS);
  });

  it('resolves promptly while in backoff', async () => {
    const collector = await unreachableCollector(mode);
    await collector.start();
    await waitForState(collector, 'backoff', 5000);
    expect(await timedStop(collector)).toBeLessThan(PROMPT_MS);
  });

  it('resolves promptly when CPA accepts the connection but never answers', async () => {
    // A black hole: connect succeeds, no byte ever comes back (probe / AUTH / HTTP request hang).
    const sockets = new Set<Socket>();
    const server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    h.onTeardown(() => new Promise<void>((r) => server.close(() => r())));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const collector = h.collector({
      baseUrl: `http://127.0.0.1:${port}`,
      managementKey: 'k',
      mode,
      // http mode's first request is the destructive pop itself, which stop() never aborts (CPA may
      // already have removed the records): stop waits for it, bounded by the client timeout.
      cpaTimeoutMs: mode === 'http' ? 1500 : 60_000,
      connectTimeoutMs: 60_000,
    });
    await collector.start();
    // Stuck in the probe / connect / pop: CPA has the connection and never answers.
    await waitFor(() => sockets.size > 0, 5000, 'a connection to the black hole');
    expect(await timedStop(collector)).toBeLessThan(mode === 'http' ? 1500 + PROMPT_MS : PROMPT_MS);
    for (const s of sockets) s.destroy();
  });
});

describe('stop() edge cases', () => {
  it('stop() while start() is still replaying the spool leaves nothing running', async () => {
    const fake = await h.startFake();
    const collector = h.collector({ mode: 'http' });
    const starting = collector.start();
    await collector.stop();
    await starting;
    await timedStop(collector);
    // A second collector that runs takes every record; had the stopped one kept polling, it would have
    // won some of them.
    const sink = new MemorySink();
    const live = h.collector({ sink, mode: 'http' });
    await live.start();
    for (let i = 0; i < 5; i++) fake.enqueueUsage(record(i));
    await waitFor(() => sink.rows.length === 5, 5000, 'the running collector took all 5 records');
    expect(collector.status().counters.received).toBe(0); // the stopped collector took nothing
    expect(fake.queueLength()).toBe(0);
  });

  it('stop() during the auth pause resolves promptly', async () => {
    await h.startFake();
    const collector = h.collector({ managementKey: 'wrong-key', mode: 'http' });
    await collector.start();
    await waitForState(collector, 'auth-stopped', 5000);
    expect(await timedStop(collector)).toBeLessThan(PROMPT_MS);
  });

  it('start → stop → start → stop cycles collect every record exactly once', async () => {
    const fake = await h.startFake();
    const sink = new MemorySink();
    const collector = h.collector({ sink, mode: 'auto' });
    let n = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 10; i++) fake.enqueueUsage(record(n++));
      await collector.start();
      await timedStop(collector);
    }
    await collector.start();
    await waitFor(() => sink.rows.length === n, 5000, `${n} rows`);
    expect(fake.queueLength()).toBe(0);
  });
});
