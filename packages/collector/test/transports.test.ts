import { describe, expect, it } from 'vitest';
import { MemorySink, record, useCollectorHarness, waitFor, waitForState } from './helpers';

const h = useCollectorHarness();

describe.each(['http', 'subscribe', 'resp-pop'] as const)('transport %s against the fake CPA', (mode) => {
  it('collects every record exactly once', async () => {
    const fake = await h.startFake();
    const sink = new MemorySink();
    const collector = h.collector({ sink, mode, pollIntervalMs: 20, batchSize: 50 });
    // some records queued before the collector starts (subscribe must drain them)
    for (let i = 0; i < 30; i++) fake.enqueueUsage(record(i));
    await collector.start();
    await waitForState(collector, 'running', 5000);
    if (mode === 'subscribe') await waitFor(() => fake.subscriberCount('usage') === 1, 5000, 'subscriber');
    for (let i = 30; i < 300; i++) fake.enqueueUsage(i % 2 ? record(i) : JSON.stringify(record(i)));
    await waitFor(() => sink.rows.length === 300, 10_000, `300 rows (have ${sink.rows.length})`);
    const st = collector.status();
    expect(st.transport).toBe(mode);
    expect(st.counters.received).toBe(300);
    expect(st.counters.inserted).toBe(300);
    expect(st.counters.rejected).toBe(0);
    expect(st.lastConsumedAt).not.toBeNull();
    expect(fake.stats().authFailures).toBe(0);
  });
});

describe('subscribe control payloads', () => {
  it('skips {"support_refresh":true} and emits refresh on {"refresh":true}', async () => {
    const fake = await h.startFake();
    const sink = new MemorySink();
    const collector = h.collector({ sink, mode: 'subscribe' });
    let refreshes = 0;
    collector.on('refresh', () => refreshes++);
    await collector.start();
    await waitFor(() => fake.subscriberCount('usage') === 1);
    fake.notifyRefresh();
    fake.enqueueUsage(record(1));
    await waitFor(() => sink.rows.length === 1 && refreshes === 1);
    // Version and retention are read right after connecting, concurrently with delivery: wait for them.
    await waitFor(() => collector.status().retentionSeconds !== null, 5000, 'retention read');
    const st = collector.status();
    expect(st.counters.controlMessages).toBe(2);
    expect(st.counters.rejected).toBe(0);
    expect(st.cpaVersion).toBe('7.2.140');
    expect(st.retentionSeconds).toBe(60);
  });
});
