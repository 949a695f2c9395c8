// The collector's reliability targets (docs/design.md, "Reliability targets"): store failure loses nothing,
// CPA outage recovery, gaps are reported, second consumer detected, exactly once, and malformed records
// dead-lettered end to end; against the fake CPA over real sockets.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '@cpamp/collector';
import { generateUsage } from '@cpamp/testkit';
import { MemorySink, record, useCollectorHarness, waitFor, waitForState } from './helpers';

const h = useCollectorHarness();

describe('store failure loses nothing: sink failure → hold → spool → replay', () => {
  it('loses nothing while the sink is down, and replays in order', async () => {
    const fake = await h.startFake();
    const dataDir = h.tempDir();
    const sink = new MemorySink();
    sink.fail = new Error('SQLITE_FULL: database or disk is full');
    const c = h.collector({
      sink,
      mode: 'http',
      pollIntervalMs: 10,
      batchSize: 20,
      dataDir,
      maxHeldEvents: 50,
      backoff: { initialMs: 30, maxMs: 60 },
    });
    await c.start();
    for (let i = 0; i < 200; i++) fake.enqueueUsage(record(i));
    await waitFor(() => c.status().counters.received === 200);
    await waitFor(() => c.status().counters.spooled > 0);
    const st = c.status();
    expect(st.sinkFailing).toBe(true);
    expect(st.lastError?.code).toBe('sink_failed');
    expect(st.lastError?.hint).toMatch(/cannot be written/);
    expect(st.counters.spooled + st.counters.held).toBe(200);
    expect(existsSync(join(dataDir, 'collector-spool.jsonl'))).toBe(true);
    sink.fail = null;
    await waitFor(() => sink.rows.length === 200, 5000, 'replay');
    expect(c.status().sinkFailing).toBe(false);
    expect(c.status().counters.spooled).toBe(0);
    // order preserved: request ids ascending
    const ids = sink.rows.map((r) => parseInt(r.requestId, 16));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('stop() while the sink is down spools everything; the next start replays it first', async () => {
    const fake = await h.startFake();
    const dataDir = h.tempDir();
    const sink = new MemorySink();
    sink.fail = new Error('attempt to write a readonly database');
    const c1 = h.collector({
      sink,
      mode: 'http',
      pollIntervalMs: 10,
      dataDir,
      backoff: { initialMs: 5000 },
    });
    await c1.start();
    for (let i = 0; i < 120; i++) fake.enqueueUsage(record(i));
    await waitFor(() => c1.status().counters.received === 120);
    await c1.stop();
    expect(c1.status().counters.spooled).toBe(120);
    sink.fail = null;
    const c2 = h.collector({ sink, mode: 'http', pollIntervalMs: 10, dataDir });
    await c2.start();
    expect(sink.rows.length).toBe(120);
    expect(c2.status().counters.replayed).toBe(120);
    expect(existsSync(join(dataDir, 'collector-spool.jsonl'))).toBe(false);
  });
});

describe('CPA outage recovery: CPA down, key changed', () => {
  it('stops on 401 without tripping the ban, names the cause, resumes when the key is fixed', async () => {
    const fake = await h.startFake();
    const sink = new MemorySink();
    const c = h.collector({ sink, mode: 'auto', pollIntervalMs: 10 });
    await c.start();
    await waitForState(c, 'running');
    await c.stop();
    fake.setManagementKey('rotated-key');
    const c2 = h.collector({
      managementKey: 'test-management-key',
      sink,
      mode: 'auto',
      pollIntervalMs: 10,
    });
    await c2.start();
    await waitForState(c2, 'auth-stopped');
    expect(c2.status().lastError?.code).toBe('auth_rejected');
    expect(c2.status().lastError?.message).toMatch(/rejected the management key/);
    // The collector has scheduled its single retry far beyond CPA's 2 h strike memory: no retries until then.
    await waitFor(() => c2.status().nextRetryAt !== null, 5000, 'auth pause scheduled');
    expect((c2.status().nextRetryAt ?? 0) - Date.now()).toBeGreaterThan(60 * 60_000);
    expect(fake.stats().authFailures).toBeLessThanOrEqual(2);
    expect(fake.stats().bannedIps).toEqual([]);
    c2.setCredentials({ managementKey: 'rotated-key' });
    await waitForState(c2, 'running');
    for (let i = 0; i < 10; i++) fake.enqueueUsage(record(i));
    await waitFor(() => sink.rows.length === 10);
  });

  it('backs off while CPA is unreachable and recovers when it is back', async () => {
    const fake = await h.startFake();
    const sink = new MemorySink();
    fake.faults.set({ resetConnections: true });
    const c = h.collector({
      sink,
      mode: 'http',
      pollIntervalMs: 10,
      cpaTimeoutMs: 1000,
      backoff: { initialMs: 20, maxMs: 80 },
    });
    await c.start();
    await waitFor(() => c.status().counters.reconnects >= 3);
    const st = c.status();
    expect(st.state).toBe('backoff');
    expect(st.lastError?.code).toBe('cpa_unreachable');
    expect(st.lastError?.hint).toMatch(/not reachable/);
    expect(st.backoffMs).toBeGreaterThan(0);
    expect(st.backoffMs).toBeLessThanOrEqual(80);
    fake.faults.clear();
    for (let i = 0; i < 10; i++) fake.enqueueUsage(record(i));
    await waitFor(() => sink.rows.length === 10);
    expect(c.status().state).toBe('running');
    expect(c.status().lastError).toBeNull();
  });
});

describe('gaps are reported: queue retention expires during an outage', () => {
  it('records a retention-expired gap when polling resumes after longer than retention', async () => {
    const fake = await h.startFake({ retentionSeconds: 1 });
    // The collector's clock jumps past CPA's retention while CPA is down (no need to wait it out).
    let clockSkewMs = 0;
    const c = h.collector({
      mode: 'http',
      pollIntervalMs: 10,
      cpaTimeoutMs: 1000,
      backoff: { initialMs: 50, maxMs: 100 },
      now: () => Date.now() + clockSkewMs,
    });
    await c.start();
    await waitFor(() => c.status().state === 'running' && c.status().retentionSeconds === 1);
    fake.faults.set({ resetConnections: true });
    await waitForState(c, 'backoff');
    clockSkewMs += 1300;
    fake.faults.clear();
    await waitFor(
      () => c.status().recentGaps.some((g) => g.kind === 'retention-expired'),
      5000,
      `gap ${JSON.stringify(c.status())}`,
    );
    const gap = c.status().recentGaps.find((g) => g.kind === 'retention-expired');
    expect(gap?.lossLikely).toBe(true);
    expect(gap?.retentionSeconds).toBe(1);
    expect(gap?.detail).toMatch(/no data \d\d:\d\d–\d\d:\d\d UTC/);
  });
});

describe('gaps are reported: dropped subscriber', () => {
  it('resubscribes at once and records the gap', async () => {
    const fake = await h.startFake();
    const sink = new MemorySink();
    const gaps: string[] = [];
    const c = h.collector({ sink, mode: 'subscribe', pollIntervalMs: 10 });
    c.on('gap', (g) => gaps.push(g.kind));
    await c.start();
    await waitFor(() => fake.subscriberCount('usage') === 1);
    // A burst far beyond CPA's 256-message subscriber buffer while the socket is congested.
    // Enqueued synchronously, so the collector cannot read meanwhile: ~40 MB overflows the socket buffers,
    // then the 256 slots, and CPA drops the subscriber.
    const big = 'x'.repeat(50_000);
    for (let i = 0; i < 800; i++) fake.enqueueUsage(record(i, { user_agent: big }));
    await waitFor(() => c.status().counters.subscriberDrops >= 1, 10_000, 'a drop');
    await waitFor(
      () => fake.subscriberCount('usage') === 1 && c.status().state === 'running',
      5000,
      'resubscribed',
    );
    await waitFor(() => gaps.includes('subscriber-dropped'), 5000, 'gap recorded');
    expect(c.status().recentGaps.some((g) => g.kind === 'subscriber-dropped' && g.lossLikely)).toBe(true);
    const before = sink.rows.length;
    for (let i = 10_000; i < 10_020; i++) fake.enqueueUsage(record(i));
    await waitFor(() => sink.rows.length === before + 20);
  });
});

describe('second consumer detected', () => {
  it('doctor detects another consumer draining the queue', async () => {
    const fake = await h.startFake();
    const c = h.collector({ mode: 'http', pollIntervalMs: 50 });
    await c.start();
    await waitForState(c, 'running');
    const other = fake.startSecondConsumer({ intervalMs: 5, count: 1000 });
    let i = 0;
    const feeder = setInterval(() => {
      for (let k = 0; k < 5; k++) fake.enqueueUsage(record(i++));
    }, 10);
    try {
      const report = await c.diagnose({ probeWindowMs: 500 });
      const f = report.findings.find((x) => x.id === 'another-consumer');
      expect(f?.ok).toBe(false);
      expect(f?.title).toMatch(/Another consumer/);
      expect(report.ok).toBe(false);
    } finally {
      clearInterval(feeder);
      other.stop();
    }
  });

  it('doctor reports usage publishing off and can turn it on', async () => {
    await h.startFake({ usageStatisticsEnabled: false });
    const c = h.collector({ mode: 'http', pollIntervalMs: 70_000 });
    const r1 = await c.diagnose();
    expect(r1.findings.find((f) => f.id === 'usage-publishing-disabled')?.ok).toBe(false);
    expect(r1.findings.find((f) => f.id === 'poll-interval-beyond-retention')?.ok).toBe(false);
    const r2 = await c.diagnose({ enableUsageStatistics: true });
    expect(r2.fixed).toEqual(['usage-statistics-enabled']);
    const r3 = await c.diagnose();
    expect(r3.findings.find((f) => f.id === 'usage-publishing-disabled')?.ok).toBe(true);
  });

  it('doctor names a wrong key and a wrong URL', async () => {
    await h.startFake();
    const bad = await h.collector({ managementKey: 'nope' }).diagnose();
    expect(bad.findings.find((f) => f.id === 'wrong-key')?.ok).toBe(false);
    const down = await h.collector({ baseUrl: 'http://127.0.0.1:1', managementKey: 'k' }).diagnose();
    expect(down.findings.find((f) => f.id === 'wrong-url')?.ok).toBe(false);
  });
});

describe('exactly once', () => {
  it('redeliveries are stored once; retries and colliding request ids are each stored, across restarts', async () => {
    const fake = await h.startFake();
    const sink = new MemorySink();
    const opts = { sink, mode: 'http' as const, pollIntervalMs: 10 };
    const attempts = [
      record(1, {
        request_id: 'abcd0001',
        auth_index: 'aaaaaaaaaaaaaaaa',
        failed: true,
        fail: { status_code: 429, body: 'limit' },
      }),
      record(1, {
        request_id: 'abcd0001',
        auth_index: 'bbbbbbbbbbbbbbbb',
        failed: true,
        fail: { status_code: 429, body: 'limit' },
      }),
      record(1, { request_id: 'abcd0001', auth_index: 'cccccccccccccccc' }),
      record(2, { request_id: 'deadbeef' }),
      record(9000, { request_id: 'deadbeef', auth_index: 'dddddddddddddddd' }),
    ];
    const c1 = h.collector(opts);
    await c1.start();
    for (const a of attempts) fake.enqueueUsage(a);
    for (const a of attempts) fake.enqueueUsage(JSON.stringify(a)); // redelivery
    await waitFor(() => c1.status().counters.consumed === 10);
    await c1.stop();
    const c2 = h.collector(opts);
    await c2.start();
    for (const a of attempts) fake.enqueueUsage(a); // redelivery after a restart
    await waitFor(() => c2.status().counters.consumed === 5);
    expect(sink.rows.length).toBe(5);
    expect(c1.status().counters.duplicates + c2.status().counters.duplicates).toBe(10);
  });
});

describe('exactly once, on generated traffic', () => {
  it('N generated attempts (retries share request ids) → N rows, redeliveries dropped', async () => {
    const fake = await h.startFake();
    const records = [...generateUsage({ seed: 7, events: 3000, days: 1 })];
    const ids = records.map((r) => (r as { request_id?: string }).request_id);
    expect(new Set(ids).size).toBeLessThan(records.length); // the data set contains retries
    const sink = new MemorySink();
    const c = h.collector({ sink, mode: 'http', pollIntervalMs: 10 });
    await c.start();
    for (const r of records) fake.enqueueUsage(r);
    for (const r of records.slice(0, 500)) fake.enqueueUsage(r);
    await waitFor(() => c.status().counters.consumed === 3500, 20_000);
    expect(sink.rows.length).toBe(3000);
    expect(c.status().counters.duplicates).toBe(500);
    expect(c.status().counters.rejected).toBe(0);
  });
});

describe('malformed records never crash, end to end: malformed records are dead-lettered, the loop keeps going', () => {
  it('dead-letters with reason, redacted and capped', async () => {
    const fake = await h.startFake();
    const sink = new MemorySink();
    const dead: DeadLetter[] = [];
    const dataDir = h.tempDir();
    const c = h.collector({
      sink,
      mode: 'subscribe',
      deadLetters: { insertDeadLetters: (d) => void dead.push(...d) },
      dataDir,
    });
    await c.start();
    await waitFor(() => fake.subscriberCount('usage') === 1);
    fake.enqueueUsage('{"timestamp": "2026-08-22T00:00:00Z", "api_key": "sk-secret-abcdefghijkl", "model": ');
    fake.enqueueUsage({
      model: 'x',
      authorization: 'Bearer abcdefghijklmnopqrstuvwxyz',
      note: 'y'.repeat(20_000),
    });
    fake.enqueueUsage(record(1));
    await waitFor(() => dead.length === 2 && sink.rows.length === 1);
    expect(dead[0]?.reason).toMatch(/invalid JSON/);
    expect(dead[1]?.reason).toMatch(/missing timestamp/);
    expect(dead.map((d) => d.payload).join('')).not.toMatch(
      /sk-secret-abcdefghijkl|abcdefghijklmnopqrstuvwxyz/,
    );
    expect(dead.every((d) => Buffer.byteLength(d.payload) <= 4096)).toBe(true);
    expect(c.status().counters.rejected).toBe(2);
    expect(c.status().counters.deadLettered).toBe(2);
    expect(
      existsSync(join(dataDir, 'collector-dead-letters.jsonl'))
        ? readFileSync(join(dataDir, 'collector-dead-letters.jsonl'), 'utf8')
        : '',
    ).toBe('');
  });
});
